//! Figures as plain data: panels of named series of (x, y) points with a drawing style.
//!
//! No plotting crate appears here, so the same [`Figure`] can be written to PNG/SVG by
//! [`crate::io::figures`] (plotters) and drawn in the desktop app (egui_plot). A figure
//! that lacks data says so in its `notes` (and a panel with no series in its `empty`),
//! rather than disappearing.

use serde::Serialize;

/// Colours of series, by [`Series::colour`] index (wraps around). A colour-blind-safe
/// qualitative palette (Okabe & Ito), darkest first.
pub const PALETTE: [[u8; 3]; 8] = [
    [0, 114, 178],   // blue
    [213, 94, 0],    // vermillion
    [0, 158, 115],   // bluish green
    [204, 121, 167], // reddish purple
    [230, 159, 0],   // orange
    [86, 180, 233],  // sky blue
    [0, 0, 0],       // black
    [240, 228, 66],  // yellow
];

/// The colour of palette index `i` (wrapping).
pub fn palette(i: usize) -> [u8; 3] {
    PALETTE[i % PALETTE.len()]
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SeriesStyle {
    /// A solid line through the points in order.
    Line,
    /// A dashed line through the points in order (fits, extrapolations, references).
    Dashed,
    /// Markers only.
    Markers,
    /// Markers joined by a solid line.
    LineMarkers,
    /// Bars centred on each x, `width` wide, from 0 to y (histograms).
    Bars { width: f64 },
}

/// One named set of points.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Legend entry; empty for none (e.g. raw points whose line has the entry).
    pub name: String,
    pub points: Vec<[f64; 2]>,
    /// Optional vertical error bars: (low, high) per point, same length as `points`.
    pub y_error: Option<Vec<[f64; 2]>>,
    pub style: SeriesStyle,
    /// Index into [`PALETTE`].
    pub colour: usize,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<[f64; 2]>, style: SeriesStyle) -> Self {
        Self {
            name: name.into(),
            points,
            y_error: None,
            style,
            colour: 0,
        }
    }

    pub fn colour(mut self, colour: usize) -> Self {
        self.colour = colour;
        self
    }

    pub fn y_error(mut self, y_error: Vec<[f64; 2]>) -> Self {
        self.y_error = Some(y_error);
        self
    }
}

/// One set of axes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Panel {
    pub title: String,
    /// Axis labels, with units.
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Fixed axis ranges (e.g. a common ΔF axis for stacked spectra); data range otherwise.
    pub x_range: Option<[f64; 2]>,
    pub y_range: Option<[f64; 2]>,
    /// Why the panel has no series, drawn in its middle.
    pub empty: Option<String>,
}

impl Panel {
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            x_range: None,
            y_range: None,
            empty: None,
        }
    }

    /// The range of the finite x or y values of every point and error bar, `None` if
    /// there are none. A degenerate range is widened to a span of 1 (or 10 % of |v|).
    pub fn data_range(&self, axis: usize) -> Option<[f64; 2]> {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut take = |v: f64| {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        };
        for s in &self.series {
            for (i, p) in s.points.iter().enumerate() {
                take(p[axis]);
                if axis == 0 {
                    if let SeriesStyle::Bars { width } = s.style {
                        take(p[0] - 0.5 * width);
                        take(p[0] + 0.5 * width);
                    }
                } else {
                    if matches!(s.style, SeriesStyle::Bars { .. }) {
                        take(0.0);
                    }
                    if let Some(e) = s.y_error.as_ref().and_then(|e| e.get(i)) {
                        take(e[0]);
                        take(e[1]);
                    }
                }
            }
        }
        if lo > hi {
            return None;
        }
        if hi - lo <= 0.0 {
            let pad = if lo == 0.0 { 0.5 } else { 0.05 * lo.abs() };
            return Some([lo - pad, hi + pad]);
        }
        Some([lo, hi])
    }
}

/// A figure: one or more panels in a grid of `columns` columns, and notes on what is
/// missing or how the numbers were made.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// File stem (`fig4_spectra` → `fig4_spectra.png`, `.svg`).
    pub name: String,
    pub title: String,
    pub panels: Vec<Panel>,
    pub columns: usize,
    pub notes: Vec<String>,
}

impl Figure {
    /// Whether any panel has a point to draw.
    pub fn has_data(&self) -> bool {
        self.panels
            .iter()
            .any(|p| p.series.iter().any(|s| !s.points.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_data_range_includes_bars_errors_and_pads_degenerate_ranges() {
        let mut panel = Panel::new("t", "x", "y");
        assert_eq!(panel.data_range(0), None);
        panel.series.push(
            Series::new(
                "bars",
                vec![[1.0, 2.0], [2.0, 3.0]],
                SeriesStyle::Bars { width: 1.0 },
            )
            .colour(1),
        );
        panel.series.push(
            Series::new(
                "pts",
                vec![[1.5, 5.0], [f64::NAN, 9.0]],
                SeriesStyle::Markers,
            )
            .y_error(vec![[4.0, 6.5], [8.0, 10.0]]),
        );
        assert_eq!(panel.data_range(0), Some([0.5, 2.5]));
        // Bars reach down to 0; the error bar of the NaN-x point still counts on y.
        assert_eq!(panel.data_range(1), Some([0.0, 10.0]));
        let mut single = Panel::new("t", "x", "y");
        single
            .series
            .push(Series::new("one", vec![[4.0, 0.0]], SeriesStyle::Markers));
        assert_eq!(single.data_range(0), Some([3.8, 4.2]));
        assert_eq!(single.data_range(1), Some([-0.5, 0.5]));
        assert_eq!(palette(PALETTE.len() + 2), PALETTE[2]);
    }
}
