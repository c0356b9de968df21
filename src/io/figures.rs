//! Writes [`Figure`]s as PNG and SVG with plotters.
//!
//! plotters is built without its default features, so nothing needs fontconfig or
//! freetype: text is laid out by ab_glyph from a font compiled into the program (Ubuntu
//! Light, the proportional font egui ships, from `epaint_default_fonts`). The PNG is
//! rasterised by plotters' bitmap backend and encoded with the `png` crate; the SVG keeps
//! its text as text (font-family `sans-serif`), so labels stay searchable.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
// Not `BackendStyle`: in scope, its `stroke_width` would clash with `Color::stroke_width`.
use plotters::style::{FontStyle, register_font};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

use crate::analysis::figure::{Figure, Panel, SeriesStyle, palette};

/// The family name the font is registered under.
const FAMILY: &str = "sans-serif";
/// Embedded font: Ubuntu Light (Ubuntu Font Licence 1.0), via `epaint_default_fonts`.
pub const FONT_TTF: &[u8] = epaint_default_fonts::UBUNTU_LIGHT;

/// Why a figure could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("figure {figure}: drawing failed: {message}")]
    Draw { figure: String, message: String },
}

fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font compiled in; failure would be a build bug.
        if register_font(FAMILY, FontStyle::Normal, FONT_TTF).is_err() {
            panic!("the embedded figure font does not parse");
        }
    });
}

/// Pixel size of a figure: panels of 640 × 440 (stacked single-column figures with
/// more than two panels get shorter ones), a title band and a line per note.
pub fn figure_size(fig: &Figure) -> (u32, u32) {
    let columns = fig.columns.clamp(1, fig.panels.len().max(1));
    let rows = fig.panels.len().max(1).div_ceil(columns);
    let panel_h = if columns == 1 && rows > 2 { 270 } else { 440 };
    let w = 640 * columns as u32;
    let h = TITLE_H + panel_h * rows as u32 + NOTE_H * fig.notes.len() as u32 + 8;
    (w, h)
}

const TITLE_H: u32 = 40;
const NOTE_H: u32 = 22;

fn draw_error<E: std::fmt::Debug>(fig: &Figure) -> impl Fn(E) -> FigureError + '_ {
    move |e| FigureError::Draw {
        figure: fig.name.clone(),
        message: format!("{e:?}"),
    }
}

/// The figure as SVG text.
pub fn render_svg(fig: &Figure) -> Result<String, FigureError> {
    register();
    let (w, h) = figure_size(fig);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw_figure(&root, fig).map_err(draw_error(fig))?;
        root.present().map_err(draw_error(fig))?;
    }
    Ok(svg)
}

/// plotters' bitmap backend with text drawn by [`draw_glyphs`] (placing each glyph at its
/// side bearing, which plotters' own ab_glyph text path leaves out, so that "cl" in
/// "cluster" reads as "d"); everything else is the bitmap backend's.
struct PngCanvas<'a>(BitMapBackend<'a>);

type BackendResult<E> = Result<(), DrawingErrorKind<E>>;

impl DrawingBackend for PngCanvas<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> BackendResult<Self::ErrorType> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> BackendResult<Self::ErrorType> {
        self.0.present()
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> BackendResult<Self::ErrorType> {
        self.0.draw_pixel(p, c)
    }
    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> BackendResult<Self::ErrorType> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> BackendResult<Self::ErrorType> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> BackendResult<Self::ErrorType> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> BackendResult<Self::ErrorType> {
        self.0.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> BackendResult<Self::ErrorType> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> BackendResult<Self::ErrorType> {
        self.0.blit_bitmap(pos, size, src)
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> BackendResult<Self::ErrorType> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        // The box and anchor exactly as plotters lays the text out, so positions match the
        // SVG; only the glyphs inside it are placed properly.
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (w, h) = self.get_size();
        let mut result = Ok(());
        draw_glyphs(text, style.size() as f32, |x, y, coverage| {
            if result.is_err() {
                return;
            }
            let (x, y) = transform.transform(x + dx - min_x, y + dy - min_y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                let c = BackendColor {
                    alpha: colour.alpha * f64::from(coverage),
                    rgb: colour.rgb,
                };
                result = self.0.draw_pixel((x, y), c);
            }
        });
        result
    }
}

/// Rasterises `text` in the embedded font at `size` px, calling `pixel(x, y, coverage)`
/// with the pen starting at x = 0 and the baseline at y = size/2 (plotters' convention);
/// each glyph is offset by its own bounds (side bearing included) and kerned.
fn draw_glyphs(text: &str, size: f32, mut pixel: impl FnMut(i32, i32, f32)) {
    use ab_glyph::{Font, ScaleFont, point};
    static FONT: std::sync::OnceLock<ab_glyph::FontRef<'static>> = std::sync::OnceLock::new();
    let font = FONT.get_or_init(|| {
        ab_glyph::FontRef::try_from_slice(FONT_TTF).expect("the embedded font parses")
    });
    let scaled = font.as_scaled(size);
    let mut pen = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = previous {
            pen += scaled.kern(p, id);
        }
        previous = Some(id);
        let glyph = id.with_scale_and_position(size, point(pen, 0.5 * size));
        if let Some(outline) = scaled.outline_glyph(glyph) {
            let b = outline.px_bounds();
            let (x0, y0) = (b.min.x as i32, b.min.y as i32);
            outline.draw(|x, y, coverage| pixel(x0 + x as i32, y0 + y as i32, coverage));
        }
        pen += scaled.h_advance(id);
    }
}

/// The figure as PNG bytes (8-bit RGB).
pub fn render_png(fig: &Figure) -> Result<Vec<u8>, FigureError> {
    register();
    let (w, h) = figure_size(fig);
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = PngCanvas(BitMapBackend::with_buffer(&mut pixels, (w, h))).into_drawing_area();
        draw_figure(&root, fig).map_err(draw_error(fig))?;
        root.present().map_err(draw_error(fig))?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(draw_error(fig))?;
        writer.write_image_data(&pixels).map_err(draw_error(fig))?;
    }
    Ok(out)
}

/// Writes `DIR/NAME.png` and `DIR/NAME.svg` (creating DIR), returning both paths.
pub fn write_figure(fig: &Figure, dir: &Path) -> Result<[PathBuf; 2], FigureError> {
    let io = |file: &Path| {
        let file = file.display().to_string();
        move |source| FigureError::Io { file, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let png_path = dir.join(format!("{}.png", fig.name));
    let svg_path = dir.join(format!("{}.svg", fig.name));
    std::fs::write(&png_path, render_png(fig)?).map_err(io(&png_path))?;
    std::fs::write(&svg_path, render_svg(fig)?).map_err(io(&svg_path))?;
    Ok([png_path, svg_path])
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

fn draw_figure<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let notes_h = NOTE_H * fig.notes.len() as u32;
    let (top, rest) = root.split_vertically(TITLE_H);
    let (body, notes) = rest.split_vertically(h - TITLE_H - notes_h);
    // Shrink a long title to the width (Ubuntu Light averages about 0.5 em per character).
    let title_size =
        (1.9 * (w as f64 - 24.0) / fig.title.chars().count().max(1) as f64).clamp(12.0, 22.0);
    top.draw(&Text::new(
        fig.title.clone(),
        (12, 10),
        (FAMILY, title_size).into_font().color(&BLACK),
    ))?;
    for (i, note) in fig.notes.iter().enumerate() {
        notes.draw(&Text::new(
            format!("note: {note}"),
            (12, 2 + NOTE_H as i32 * i as i32),
            (FAMILY, 15).into_font().color(&RGBColor(150, 40, 0)),
        ))?;
    }
    let columns = fig.columns.clamp(1, fig.panels.len().max(1));
    let rows = fig.panels.len().max(1).div_ceil(columns);
    let areas = body.split_evenly((rows, columns));
    for (panel, area) in fig.panels.iter().zip(areas.iter()) {
        draw_panel(area, panel)?;
    }
    Ok(())
}

/// Axis range: fixed, or the data's with 5 % padding, or [0, 1] for an empty panel.
fn axis_range(panel: &Panel, axis: usize) -> (f64, f64) {
    let fixed = if axis == 0 {
        panel.x_range
    } else {
        panel.y_range
    };
    if let Some([a, b]) = fixed {
        return (a, b);
    }
    match panel.data_range(axis) {
        Some([a, b]) => {
            let pad = 0.05 * (b - a);
            (a - pad, b + pad)
        }
        None => (0.0, 1.0),
    }
}

/// The legend corner with the fewest points of the panel near it.
fn legend_corner(panel: &Panel, x: (f64, f64), y: (f64, f64)) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, 1.0, 1.0),
        (SeriesLabelPosition::UpperLeft, 0.0, 1.0),
        (SeriesLabelPosition::LowerRight, 1.0, 0.0),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
    ];
    let mut best = (usize::MAX, SeriesLabelPosition::UpperRight);
    for (pos, cx, cy) in corners {
        let count = panel
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| {
                let u = (p[0] - x.0) / (x.1 - x.0);
                let v = (p[1] - y.0) / (y.1 - y.0);
                (u - cx).abs() < 0.55 && (v - cy).abs() < 0.45
            })
            .count();
        if count < best.0 {
            best = (count, pos);
        }
    }
    best.1
}

fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.into() }
    }
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panel: &Panel) -> DrawResult<DB> {
    let x = axis_range(panel, 0);
    let y = axis_range(panel, 1);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FAMILY, 17))
        .margin(10)
        .x_label_area_size(48)
        .y_label_area_size(66)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    let formatter = |v: &f64| tick_label(*v);
    chart
        .configure_mesh()
        .x_desc(panel.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .axis_desc_style((FAMILY, 16))
        .label_style((FAMILY, 13))
        .x_label_formatter(&formatter)
        .y_label_formatter(&formatter)
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(210, 210, 210))
        .draw()?;

    let mut labelled = false;
    for s in &panel.series {
        let colour = rgb(palette(s.colour));
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|p| p[0].is_finite() && p[1].is_finite())
            .map(|p| (p[0], p[1]))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let anno = match s.style {
            SeriesStyle::Line => chart.draw_series(LineSeries::new(pts, colour.stroke_width(2)))?,
            SeriesStyle::Dashed => {
                chart.draw_series(DashedLineSeries::new(pts, 8, 5, colour.stroke_width(2)))?
            }
            SeriesStyle::Markers => {
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))?
            }
            SeriesStyle::LineMarkers => {
                chart.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))?;
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, colour.filled())))?
            }
            SeriesStyle::Bars { width } => chart.draw_series(pts.iter().map(|&(cx, cy)| {
                Rectangle::new(
                    [(cx - 0.5 * width, 0.0), (cx + 0.5 * width, cy)],
                    colour.mix(0.45).filled(),
                )
            }))?,
        };
        if !s.name.is_empty() {
            labelled = true;
            let legend_colour = colour;
            match s.style {
                SeriesStyle::Markers => anno
                    .label(s.name.as_str())
                    .legend(move |(lx, ly)| Circle::new((lx + 8, ly), 4, legend_colour.filled())),
                SeriesStyle::Bars { .. } => anno.label(s.name.as_str()).legend(move |(lx, ly)| {
                    Rectangle::new(
                        [(lx, ly - 5), (lx + 16, ly + 5)],
                        legend_colour.mix(0.45).filled(),
                    )
                }),
                SeriesStyle::Dashed => anno.label(s.name.as_str()).legend(move |(lx, ly)| {
                    PathElement::new(vec![(lx, ly), (lx + 6, ly)], legend_colour.stroke_width(2))
                }),
                _ => anno.label(s.name.as_str()).legend(move |(lx, ly)| {
                    PathElement::new(vec![(lx, ly), (lx + 16, ly)], legend_colour.stroke_width(2))
                }),
            };
        }
        if let Some(errors) = &s.y_error {
            let bars = s
                .points
                .iter()
                .zip(errors)
                .filter(|(p, e)| p[0].is_finite() && e[0].is_finite() && e[1].is_finite());
            let cap = 0.008 * (x.1 - x.0);
            for (p, e) in bars {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![
                        (p[0] - cap, e[0]),
                        (p[0] + cap, e[0]),
                        (p[0], e[0]),
                        (p[0], e[1]),
                        (p[0] - cap, e[1]),
                        (p[0] + cap, e[1]),
                    ],
                    colour.stroke_width(1),
                )))?;
            }
        }
    }
    if let Some(why) = &panel.empty {
        chart.draw_series(std::iter::once(Text::new(
            why.clone(),
            (x.0 + 0.04 * (x.1 - x.0), 0.5 * (y.0 + y.1)),
            (FAMILY, 15).into_font().color(&RGBColor(150, 40, 0)),
        )))?;
    }
    if labelled {
        chart
            .configure_series_labels()
            .position(legend_corner(panel, x, y))
            .label_font((FAMILY, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::figure::Series;

    /// A report with every kind of figure text: several temperatures, cutoffs, fits.
    fn sample_report() -> crate::campaign::CampaignReport {
        use crate::campaign::report::{BarrierSample, CampaignReport, ReportOptions};
        let mut samples = Vec::new();
        for (k, t) in [200.0, 300.0, 400.0].into_iter().enumerate() {
            for cutoff in [3.5, 4.0] {
                for i in 0..6 {
                    samples.push(BarrierSample::ok(
                        samples.len(),
                        "nearest-cu",
                        cutoff,
                        t,
                        0.5 + 0.02 * i as f64 - 0.05 * k as f64,
                    ));
                }
            }
        }
        let options = ReportOptions {
            bootstrap: 50,
            ..ReportOptions::default()
        };
        CampaignReport::from_samples(&samples, &options)
    }

    #[test]
    fn figures_font_has_every_glyph_the_figures_use() {
        use ab_glyph::Font;
        let font = ab_glyph::FontRef::try_from_slice(FONT_TTF).unwrap();
        let mut text = String::new();
        for fig in sample_report().figures() {
            text += &fig.title;
            text.extend(fig.notes.iter().cloned());
            for p in &fig.panels {
                text += &(p.title.clone() + &p.x_label + &p.y_label);
                text.extend(p.series.iter().map(|s| s.name.clone()));
                text.extend(p.empty.iter().cloned());
            }
        }
        text += "fig2: only one cluster cutoff (4 Å)";
        assert!(text.contains('Δ') && text.contains('₁') && text.contains('Å'));
        let mut missing: Vec<char> = text.chars().filter(|c| font.glyph_id(*c).0 == 0).collect();
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "missing glyphs: {missing:?}");
    }

    #[test]
    fn figures_png_text_keeps_side_bearings() {
        use ab_glyph::{Font, ScaleFont};
        let font = ab_glyph::FontRef::try_from_slice(FONT_TTF).unwrap();
        let size = 40.0;
        let scaled = font.as_scaled(size);
        // The ink of "l" starts at its left side bearing, and that of the "l" in "cl" one
        // advance of "c" (plus kerning) further on.
        let ink_start = |text: &str| {
            let mut columns = Vec::new();
            draw_glyphs(text, size, |x, _, c| {
                if c > 0.5 {
                    columns.push(x)
                }
            });
            columns
        };
        let l = scaled.glyph_id('l');
        let c = scaled.glyph_id('c');
        let lsb = scaled.h_side_bearing(l);
        assert!(lsb > 1.0, "the test needs a visible bearing: {lsb}");
        let first = *ink_start("l").iter().min().unwrap() as f32;
        assert!((first - lsb).abs() <= 1.0, "{first} vs {lsb}");
        let l_start = scaled.h_advance(c) + scaled.kern(c, l) + lsb;
        let cl = ink_start("cl");
        let c_right = ink_start("c").into_iter().max().unwrap() as f32;
        // Some ink at the l's place, none between the c's right edge and it.
        assert!(cl.iter().any(|&x| (x as f32 - l_start).abs() <= 1.0));
        assert!(
            !cl.iter()
                .any(|&x| (x as f32) > c_right + 0.5 && (x as f32) < l_start - 1.0),
            "ink between c (to {c_right}) and l (from {l_start})"
        );
    }

    #[test]
    fn figures_tick_labels_are_short() {
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(-0.0), "0");
        assert_eq!(tick_label(3.0), "3");
        assert_eq!(tick_label(2e12), "2.0e12");
    }

    #[test]
    fn figures_empty_panel_still_renders() {
        let mut p = Panel::new("empty", "x (Å)", "y (eV)");
        p.empty = Some("no data here".into());
        let mut q = Panel::new("full", "x (Å)", "y (eV)");
        q.series.push(Series::new(
            "s",
            vec![[1.0, 2.0], [2.0, 3.0]],
            SeriesStyle::LineMarkers,
        ));
        let fig = Figure {
            name: "t".into(),
            title: "test".into(),
            panels: vec![p, q],
            columns: 2,
            notes: vec!["a note".into()],
        };
        let svg = render_svg(&fig).unwrap();
        assert!(svg.contains("no data here") && svg.contains("y (eV)"));
        let png = render_png(&fig).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
