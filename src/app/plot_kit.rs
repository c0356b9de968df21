//! What every plot of the app shares: numbered axes at any size, the pointer's coordinates
//! in the plot's units, zoom and reset, and a right-click menu that copies or saves the
//! plotted data as CSV and saves the plot as PNG.
//!
//! egui_plot's default grid steps by powers of ten and labels a step only when its lines
//! are 20 px (y) or 60 px (x) apart; on a 150 px high plot of 0–1.2 eV the 0.1 eV lines
//! are 12 px apart, so only "0" and "1" were numbered, and a 110 px wide time axis showed
//! only "0". Here the labelled step is the smallest 1–2–2.5–5 × 10ᵏ that leaves room for
//! its label, so every axis of every size carries at least two numbers.

use std::ops::RangeInclusive;

use bevy_egui::egui;
use egui_plot::{
    AxisHints, CoordinatesFormatter, Corner, GridInput, GridMark, HoverPosition, Plot, PlotPoint,
};

use super::state::FileAction;

/// egui_plot's default `grid_spacing` minimum (px): `GridInput::base_step_size` is the
/// value this many pixels span.
const GRID_MIN_PX: f64 = 8.0;
/// Room a y tick label needs (px): egui_plot hides labels of steps closer than 20 px.
const Y_LABEL_PX: f64 = 24.0;
/// Room an x tick label needs (px): "20.0 ps" is about 40 px wide in the body font.
const X_LABEL_PX: f64 = 52.0;
/// The closest labelled marks may come (px), on an axis too short for `X_LABEL_PX`; the x
/// axis shows labels from 30 px apart (egui_plot's default is 60).
const MIN_LABEL_PX: f64 = 32.0;

/// The smallest of 1, 2, 2.5, 5 × 10ᵏ that is at least `min_step` (> 0).
pub fn nice_step(min_step: f64) -> f64 {
    if !(min_step > 0.0 && min_step.is_finite()) {
        return 1.0;
    }
    let decade = 10f64.powf(min_step.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|&s| s >= min_step * (1.0 - 1e-12))
        .unwrap_or(10.0 * decade)
}

/// The next smaller of the steps `nice_step` gives (5 → 2.5 → 2 → 1 → 0.5, per decade).
fn nice_step_below(step: f64) -> f64 {
    let decade = 10f64.powf(step.log10().floor());
    let below = match step / decade {
        m if m > 4.0 => 2.5,
        m if m > 2.2 => 2.0,
        m if m > 1.5 => 1.0,
        _ => 0.5,
    };
    below * decade
}

/// Faint lines between the labelled ones: a fifth of the step (a quarter for a step of 2).
fn fine_step(labelled: f64) -> f64 {
    let mantissa = labelled / 10f64.powf(labelled.log10().floor());
    if (mantissa - 2.0).abs() < 1e-9 {
        labelled / 4.0
    } else {
        labelled / 5.0
    }
}

/// Grid marks for `bounds`: labelled ones at least `label_px` apart, faint ones between
/// them where they stay `GRID_MIN_PX` apart.
pub fn grid_marks(input: GridInput, label_px: f64) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let per_px = input.base_step_size / GRID_MIN_PX;
    if !(per_px > 0.0 && lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    let mut labelled = nice_step(per_px * label_px);
    // A narrow axis may hold only one mark at that step (0–4.2 ps over 85 px at 5 ps): take
    // smaller steps while their labels stay `MIN_LABEL_PX` apart, for at least two numbers.
    let count = |step: f64| (hi / step).floor() - (lo / step).ceil() + 1.0;
    while count(labelled) < 2.0 {
        let smaller = nice_step_below(labelled);
        if smaller / per_px < MIN_LABEL_PX {
            break;
        }
        labelled = smaller;
    }
    let fine = fine_step(labelled);
    let mut marks = Vec::new();
    if fine >= input.base_step_size {
        let per = (labelled / fine).round() as i64;
        for k in (lo / fine).ceil() as i64..=(hi / fine).floor() as i64 {
            if k % per != 0 {
                marks.push(GridMark {
                    value: k as f64 * fine,
                    step_size: fine,
                });
            }
        }
    }
    for k in (lo / labelled).ceil() as i64..=(hi / labelled).floor() as i64 {
        marks.push(GridMark {
            value: k as f64 * labelled,
            step_size: labelled,
        });
    }
    marks
}

/// A tick label with as many decimals as its step needs (2.5 → one, 0.25 → two).
pub fn tick_label(mark: GridMark) -> String {
    let decimals = (0..6)
        .find(|&d| {
            let scaled = mark.step_size * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(6) as usize;
    let text = format!("{:.*}", decimals, mark.value);
    // "-0.0" reads as a sign error.
    if text.trim_start_matches(['-', '0', '.']).is_empty() {
        "0".to_string()
    } else {
        text
    }
}

/// Formats a tick value (with its step, for the decimals).
pub type TickFormatter = fn(GridMark, &RangeInclusive<f64>) -> String;

fn plain_ticks(mark: GridMark, _: &RangeInclusive<f64>) -> String {
    tick_label(mark)
}

/// A plot with the app's axes: numbered at any size, labelled with their quantity and unit,
/// the pointer's coordinates in the top-left corner, scroll to zoom, drag to pan,
/// double-click to reset. `x_ticks` formats the x numbers (e.g. times with their unit).
/// *Reset view* in a plot's menu takes effect on the next frame, when the plot is built.
pub fn plot<'a>(
    ctx: &egui::Context,
    id: &str,
    x_label: &str,
    y_label: &str,
    x_ticks: Option<TickFormatter>,
) -> Plot<'a> {
    let x_ticks = x_ticks.unwrap_or(plain_ticks);
    let reset = ctx
        .data_mut(|d| d.remove_temp::<bool>(reset_key(id)))
        .unwrap_or(false);
    let plot = Plot::new(id);
    let plot = if reset { plot.reset() } else { plot };
    plot.x_grid_spacer(|input| grid_marks(input, X_LABEL_PX))
        .y_grid_spacer(|input| grid_marks(input, Y_LABEL_PX))
        .custom_x_axes(vec![
            AxisHints::new_x()
                .label(x_label)
                .formatter(x_ticks)
                .label_spacing(30.0..=(X_LABEL_PX as f32)),
        ])
        .custom_y_axes(vec![
            AxisHints::new_y()
                .label(y_axis_label(y_label))
                .formatter(plain_ticks),
        ])
        // Where the pointer is, as (x, y) in the axes' units (the axes say which).
        .coordinates_formatter(
            Corner::LeftTop,
            CoordinatesFormatter::new(|p: &PlotPoint, _| {
                format!("({}, {})", number(p.x), number(p.y))
            }),
        )
        // Beside the pointer: the nearest data point and its series (the corner shows
        // where the pointer is).
        .label_formatter(|hover| match hover {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}\n{}, {}",
                number(position.x),
                number(position.y)
            )),
            HoverPosition::Elsewhere { .. } => None,
        })
}

/// Characters of a y-axis label beyond which it is set small: written upwards, a long label
/// ran past a short plot's top into the panel title above it.
const LONG_Y_LABEL_CHARS: usize = 18;

fn y_axis_label(label: &str) -> egui::WidgetText {
    let text = egui::RichText::new(label);
    if label.chars().count() > LONG_Y_LABEL_CHARS {
        text.small().into()
    } else {
        text.into()
    }
}

/// The height (px) a plot needs for its y-axis label to stay beside it.
pub fn min_height_for_y_label(label: &str) -> f32 {
    let chars = label.chars().count() as f32;
    let per_char = if label.chars().count() > LONG_Y_LABEL_CHARS {
        5.5
    } else {
        7.5
    };
    chars * per_char + 24.0
}

/// Room the y axis (numbers and label) takes left of a plot's frame, and the x axis below
/// it (px): a plot saved as PNG keeps its axes.
const AXES_LEFT_PX: f32 = 74.0;
const AXES_BELOW_PX: f32 = 38.0;

/// A read-out number: four significant figures, plain notation where it reads well.
pub fn number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

/// A plot's data as its right-click menu exports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlotData {
    /// The plot's title (also the default file name).
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Each series: its name and its points (x, y).
    pub series: Vec<(String, Vec<[f64; 2]>)>,
}

impl PlotData {
    /// One row per point: series, x, y; the header names the axes with their units.
    pub fn to_csv(&self) -> String {
        let quote = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = format!(
            "# {}\nseries,{},{}\n",
            self.title,
            quote(&self.x_label),
            quote(&self.y_label)
        );
        for (name, points) in &self.series {
            for [x, y] in points {
                out.push_str(&format!("{},{x},{y}\n", quote(name)));
            }
        }
        out
    }

    /// A file name from the title: letters, digits and '_' only.
    pub fn file_stem(&self) -> String {
        let stem: String = self
            .title
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let stem = stem.trim_matches('_').to_string();
        if stem.is_empty() { "plot".into() } else { stem }
    }
}

fn reset_key(id: &str) -> egui::Id {
    egui::Id::new(("betaglass_plot_reset", id))
}

/// The right-click menu of the plot `id` drawn at `response`: reset the view, copy the data
/// as CSV, save it as CSV, save the plot as PNG (its rectangle cropped from the window).
/// Returns the file to save, if one was asked for.
pub fn plot_menu(
    response: &egui::Response,
    id: &str,
    data: impl FnOnce() -> PlotData,
) -> Option<FileAction> {
    // The plot's frame with its axes: the tick numbers and axis labels sit outside the frame
    // (left and below it).
    let rect = egui::Rect::from_min_max(
        response.rect.min - egui::vec2(AXES_LEFT_PX, 4.0),
        response.rect.max + egui::vec2(4.0, AXES_BELOW_PX),
    );
    let mut save = None;
    let mut data = Some(data);
    response.context_menu(|ui| {
        if ui.button("Reset view").clicked() {
            ui.ctx().data_mut(|d| d.insert_temp(reset_key(id), true));
        }
        if ui.button("Copy data as CSV").clicked()
            && let Some(d) = data.take()
        {
            ui.ctx().copy_text(d().to_csv());
        }
        if ui.button("Save data as CSV…").clicked()
            && let Some(d) = data.take()
        {
            save = Some(FileAction::SavePlotCsv(d()));
        }
        if ui.button("Save plot as PNG…").clicked() {
            let title = data.take().map(|d| d().file_stem()).unwrap_or_default();
            save = Some(FileAction::SavePlotPng { title, rect });
        }
        ui.separator();
        ui.small("scroll: zoom · drag: pan · double-click: reset");
    });
    save
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_one_two_two_and_a_half_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(0.21), 0.25);
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(0.5), 0.5);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(14.0), 20.0);
        assert_eq!(nice_step(1e-7), 1e-7);
        let mut ladder = vec![50.0];
        for _ in 0..5 {
            ladder.push(nice_step_below(*ladder.last().unwrap()));
        }
        assert_eq!(ladder, [50.0, 25.0, 20.0, 10.0, 5.0, 2.5]);
    }

    /// The case of the issue: 0–1.2 eV on a 150 px high plot had only "0" and "1"; now
    /// every labelled step is at least the label's room apart and there are at least 3.
    #[test]
    fn a_short_axis_gets_several_labelled_marks() {
        for (lo, hi, px, label_px) in [
            (0.0, 1.2, 150.0, Y_LABEL_PX),
            (0.0, 35.0, 110.0, X_LABEL_PX),
            (-0.05, 0.7, 90.0, X_LABEL_PX),
            // The live hill plot: 4.2 ps over 85 px, where the 52 px step (5 ps) leaves one.
            (0.0, 4.2, 85.0, X_LABEL_PX),
        ] {
            let per_px = (hi - lo) / px;
            let marks = grid_marks(
                GridInput {
                    bounds: (lo, hi),
                    base_step_size: per_px * GRID_MIN_PX,
                },
                label_px,
            );
            let step = marks.iter().map(|m| m.step_size).fold(0.0, f64::max);
            let labelled: Vec<f64> = marks
                .iter()
                .filter(|m| m.step_size == step)
                .map(|m| m.value)
                .collect();
            assert!(labelled.len() >= 2, "{lo}..{hi} over {px} px: {labelled:?}");
            assert!(
                step / per_px >= label_px.min(MIN_LABEL_PX),
                "{step} at {per_px}/px"
            );
        }
    }

    #[test]
    fn tick_labels_carry_the_decimals_of_their_step() {
        let mark = |value, step_size| GridMark { value, step_size };
        assert_eq!(tick_label(mark(0.25, 0.25)), "0.25");
        assert_eq!(tick_label(mark(2.5, 2.5)), "2.5");
        assert_eq!(tick_label(mark(20.0, 10.0)), "20");
        assert_eq!(tick_label(mark(-0.0, 0.5)), "0");
        assert_eq!(tick_label(mark(1e-3, 5e-4)), "0.0010");
    }

    #[test]
    fn csv_names_axes_and_series_and_quotes_commas() {
        let data = PlotData {
            title: "Bias V(s), F(s)".into(),
            x_label: "s (Å)".into(),
            y_label: "eV".into(),
            series: vec![("V(s)".into(), vec![[0.0, 0.5], [0.1, 0.25]])],
        };
        let csv = data.to_csv();
        assert_eq!(
            csv,
            "# Bias V(s), F(s)\nseries,s (Å),eV\nV(s),0,0.5\nV(s),0.1,0.25\n"
        );
        assert_eq!(data.file_stem(), "Bias_V_s___F_s");
    }
}
