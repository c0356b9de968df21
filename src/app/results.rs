//! Campaign results in the app: the figures `betaglass stats --plots` writes (the paper's
//! Figs. 2–5), drawn with egui_plot from a campaign folder or a samplings CSV, with the
//! same per-temperature table. The report comes from the library's
//! [`CampaignReport`](betaglass::campaign::report::CampaignReport), so the app, the CLI and
//! the tests read one set of numbers. It is computed on its own thread (the bootstrap takes
//! a moment): a frame never waits for it.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Bar, BarChart, Legend, Line, LineStyle, PlotPoints, Points};

use super::plot_kit::{self, PlotData, plot_menu};
use super::reader::BackgroundRead;
use super::state::{FileAction, FileRequest, ResultsChosen};
use betaglass::analysis::figure::{Figure, Panel, Series, SeriesStyle, palette};
use betaglass::campaign::report::{
    BarrierChoice, CampaignReport, ReportOptions, read_barrier_samples,
};

pub struct ResultsPlugin {
    /// A campaign folder or samplings CSV to open at start (`--results`).
    pub open: Option<PathBuf>,
}

impl Plugin for ResultsPlugin {
    fn build(&self, app: &mut App) {
        let mut view = ResultsView::default();
        if let Some(path) = &self.open {
            view.load(path.clone());
        }
        app.insert_resource(view)
            .add_systems(Update, (open_chosen, receive_report).chain())
            .add_systems(EguiPrimaryContextPass, results_window);
    }
}

/// A campaign's report as the window shows it.
pub struct LoadedResults {
    pub source: PathBuf,
    pub figures: Vec<Figure>,
    /// The report's plain-text table (the one `betaglass stats` prints).
    pub table: String,
    pub warnings: Vec<String>,
}

/// The results window: what is loaded, what is loading, which figure is shown.
#[derive(Resource)]
pub struct ResultsView {
    pub open: bool,
    /// Which ΔF column the statistics read. The window starts at `final-else-crossing`, so a
    /// short campaign whose F(s) never showed its second basin still shows its crossing
    /// barriers (every fallback is counted in the table); `betaglass stats` defaults to
    /// `final`.
    barrier: BarrierChoice,
    reading: BackgroundRead<LoadedResults>,
    pub loaded: Option<LoadedResults>,
    pub error: Option<String>,
    /// Index of the figure shown; `figures.len()` shows the table.
    selected: usize,
}

impl Default for ResultsView {
    fn default() -> Self {
        Self {
            open: false,
            barrier: BarrierChoice::FinalElseCrossing,
            reading: BackgroundRead::default(),
            loaded: None,
            error: None,
            selected: 0,
        }
    }
}

impl ResultsView {
    /// Reads and reduces `path` (a campaign folder or a CSV) on a worker thread.
    pub fn load(&mut self, path: PathBuf) {
        let options = ReportOptions {
            barrier: self.barrier,
            ..ReportOptions::default()
        };
        self.reading
            .start(path, move |source| compute(source, &options));
        self.error = None;
        self.open = true;
    }

    /// Whether a report is being computed.
    pub fn is_loading(&self) -> bool {
        self.reading.is_running()
    }

    /// For the capture report: what the window holds (null when closed).
    pub fn summary(&self) -> serde_json::Value {
        if !self.open {
            return serde_json::Value::Null;
        }
        serde_json::json!({
            "source": self.loaded.as_ref().map(|l| l.source.display().to_string()),
            "figures": self.loaded.as_ref().map(|l| {
                l.figures.iter().map(|f| f.name.clone()).collect::<Vec<_>>()
            }),
            "error": self.error,
        })
    }
}

fn compute(path: &Path, options: &ReportOptions) -> Result<LoadedResults, String> {
    let table = read_barrier_samples(path).map_err(|e| e.to_string())?;
    let report = CampaignReport::from_samples(&table.samples, options);
    Ok(LoadedResults {
        source: path.to_path_buf(),
        figures: report.figures(),
        table: report.to_table(),
        warnings: table.warnings,
    })
}

fn open_chosen(mut chosen: MessageReader<ResultsChosen>, mut view: ResMut<ResultsView>) {
    for ResultsChosen(path) in chosen.read() {
        view.load(path.clone());
    }
}

fn receive_report(mut view: ResMut<ResultsView>) {
    match view.reading.poll() {
        Some(Ok(loaded)) => {
            // A reload (another ΔF column) keeps the figure on show.
            if view.loaded.as_ref().map(|l| &l.source) != Some(&loaded.source) {
                view.selected = 0;
            }
            view.loaded = Some(loaded);
        }
        Some(Err(message)) => view.error = Some(message),
        None => {}
    }
}

fn results_window(
    mut contexts: EguiContexts,
    mut view: ResMut<ResultsView>,
    mut files: MessageWriter<FileRequest>,
) -> Result {
    if !view.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let mut open = true;
    let mut requests = Vec::new();
    let table = view
        .loaded
        .as_ref()
        .is_some_and(|l| view.selected >= l.figures.len());
    let window = egui::Window::new("Campaign results")
        .open(&mut open)
        .default_size([820.0, 600.0])
        .default_pos([360.0, 70.0]);
    window_scrolls(window, table).show(&ctx, |ui| requests = results_contents(ui, &mut view));
    view.open = open;
    files.write_batch(requests.into_iter().map(FileRequest));
    Ok(())
}

/// The window's contents; returns the files the plots' menus asked to save.
fn results_contents(ui: &mut egui::Ui, view: &mut ResultsView) -> Vec<FileAction> {
    view.reading.status_ui(ui, view.error.as_deref());
    let selected = view.selected;
    let Some(loaded) = &view.loaded else {
        if !view.reading.is_running() && view.error.is_none() {
            ui.label("File → Open campaign results… picks a campaign folder or a samplings CSV.");
        }
        return Vec::new();
    };
    let mut barrier = view.barrier;
    ui.horizontal(|ui| {
        ui.label(format!("{}", loaded.source.display()));
        ui.separator();
        ui.label("ΔF:");
        for choice in [
            BarrierChoice::StopRule,
            BarrierChoice::Profile,
            BarrierChoice::Crossing,
            BarrierChoice::FinalElseCrossing,
            BarrierChoice::Final,
        ] {
            ui.selectable_value(&mut barrier, choice, choice.as_str())
                .on_hover_text(choice.describe());
        }
    });
    if barrier != view.barrier {
        let source = loaded.source.clone();
        view.barrier = barrier;
        view.load(source);
        return Vec::new();
    }
    for w in &loaded.warnings {
        ui.small(format!("warning: {w}"));
    }
    let mut choice = selected;
    ui.horizontal_wrapped(|ui| {
        for (i, f) in loaded.figures.iter().enumerate() {
            ui.selectable_value(&mut choice, i, tab_label(&f.name))
                .on_hover_text(&f.title);
        }
        ui.selectable_value(&mut choice, loaded.figures.len(), "Table");
    });
    ui.separator();
    let requests = match loaded.figures.get(choice) {
        Some(figure) => {
            ui.strong(&figure.title);
            draw_figure(ui, figure)
        }
        None => {
            table_view(ui, &loaded.table);
            Vec::new()
        }
    };
    view.selected = choice;
    requests
}

/// A monospaced table at its full width: the window around it scrolls (see
/// [`window_scrolls`]), with its bars always drawn, so a table wider than the window is read
/// by scrolling rather than cut off at the right.
pub(super) fn table_view(ui: &mut egui::Ui, table: &str) {
    ui.add(egui::Label::new(egui::RichText::new(table).monospace()).extend());
}

/// A window that shows a table scrolls both ways with visible bars; one that shows figures
/// does not (the figures scroll inside it, and fill its width).
pub(super) fn window_scrolls<'a>(window: egui::Window<'a>, table: bool) -> egui::Window<'a> {
    if table {
        window
            .scroll([true, true])
            // Without a bound the window grows to the table and covers the whole app.
            .max_size([900.0, 620.0])
            .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
    } else {
        window
    }
}

/// A short tab label from a figure's file stem: `fig4_spectra` → `Fig. 4 spectra`.
fn tab_label(name: &str) -> String {
    match name
        .strip_prefix("fig")
        .and_then(|rest| rest.split_once('_'))
    {
        Some((number, what)) => format!("Fig. {number} {}", what.replace('_', " ")),
        None => name.replace('_', " "),
    }
}

/// A figure's panels in its grid, each an egui_plot plot, then its notes. Returns the files
/// the plots' menus asked to save.
pub(super) fn draw_figure(ui: &mut egui::Ui, figure: &Figure) -> Vec<FileAction> {
    let columns = figure.columns.clamp(1, figure.panels.len().max(1));
    let rows = figure.panels.len().div_ceil(columns).max(1);
    let notes_height = 18.0 * figure.notes.len() as f32;
    let height = ((ui.available_height() - notes_height - 30.0) / rows as f32).max(160.0);
    let mut requests = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (r, row) in figure.panels.chunks(columns).enumerate() {
            ui.columns(columns, |cols| {
                for (c, panel) in row.iter().enumerate() {
                    let id = format!("{}_{r}_{c}", figure.name);
                    requests.extend(draw_panel(&mut cols[c], &id, panel, height));
                }
            });
            // Room between a row's x-axis labels and the next row's titles.
            ui.add_space(8.0);
        }
        for note in &figure.notes {
            ui.small(note);
        }
    });
    requests
}

fn draw_panel(ui: &mut egui::Ui, id: &str, panel: &Panel, height: f32) -> Option<FileAction> {
    // The title wraps within its column instead of running under the neighbour's axis.
    ui.add(egui::Label::new(egui::RichText::new(&panel.title).strong()).wrap());
    let ctx = ui.ctx().clone();
    let plot_height = (height - 28.0)
        .max(100.0)
        .max(plot_kit::min_height_for_y_label(&panel.y_label));
    let mut plot = plot_kit::plot(&ctx, id, &panel.x_label, &panel.y_label, None)
        .height(plot_height)
        .legend(Legend::default().text_style(egui::TextStyle::Small));
    if let Some([lo, hi]) = panel.x_range {
        plot = plot.include_x(lo).include_x(hi);
    }
    if let Some([lo, hi]) = panel.y_range {
        plot = plot.include_y(lo).include_y(hi);
    }
    if let Some(top) = legend_headroom(panel, plot_height) {
        plot = plot.include_y(top);
    }
    let shown = plot.show(ui, |p| {
        for series in &panel.series {
            draw_series(p, series);
        }
        if let Some(why) = &panel.empty {
            let centre = panel.data_range(0).map_or(0.5, |[a, b]| 0.5 * (a + b));
            p.text(egui_plot::Text::new(
                "empty",
                egui_plot::PlotPoint::new(centre, 0.5),
                why.as_str(),
            ));
        }
    });
    plot_menu(&shown.response, id, || PlotData {
        title: panel.title.clone(),
        x_label: panel.x_label.clone(),
        y_label: panel.y_label.clone(),
        series: panel
            .series
            .iter()
            .map(|s| (s.name.clone(), s.points.clone()))
            .collect(),
    })
}

/// The y the plot must reach for the legend (top right) to sit above the data rather than
/// on it: the legend's rows take this share of the plot's height.
fn legend_headroom(panel: &Panel, plot_height: f32) -> Option<f64> {
    let mut names: Vec<&str> = panel.series.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return None;
    }
    let [lo, hi] = match panel.y_range {
        Some(r) => r,
        None => panel.data_range(1)?,
    };
    let legend_px = 14.0 * names.len() as f64 + 12.0;
    let share = (legend_px / f64::from(plot_height)).min(0.6);
    Some(hi + (hi - lo).max(1e-12) * share / (1.0 - share))
}

fn draw_series(p: &mut egui_plot::PlotUi, s: &Series) {
    // The palette is made for white paper; its black is drawn light on the app's dark plots.
    let colour = match palette(s.colour) {
        [0, 0, 0] => egui::Color32::from_gray(230),
        [r, g, b] => egui::Color32::from_rgb(r, g, b),
    };
    let points = || PlotPoints::new(s.points.clone());
    match s.style {
        SeriesStyle::Line => p.line(Line::new(&s.name, points()).color(colour).width(2.0)),
        SeriesStyle::Dashed => p.line(
            Line::new(&s.name, points())
                .color(colour)
                .width(1.5)
                .style(LineStyle::dashed_loose()),
        ),
        SeriesStyle::Markers => p.points(Points::new(&s.name, points()).color(colour).radius(4.0)),
        SeriesStyle::LineMarkers => {
            p.line(Line::new(&s.name, points()).color(colour).width(1.5));
            p.points(Points::new(&s.name, points()).color(colour).radius(4.0));
        }
        SeriesStyle::Bars { width } => {
            let bars = s
                .points
                .iter()
                .map(|&[x, y]| Bar::new(x, y).width(width).fill(colour.gamma_multiply(0.6)))
                .collect();
            p.bar_chart(BarChart::new(&s.name, bars).color(colour));
        }
    }
    // Error bars as short vertical lines under the series' legend entry.
    if let Some(errors) = &s.y_error {
        for (pt, [lo, hi]) in s.points.iter().zip(errors) {
            if lo.is_finite() && hi.is_finite() {
                p.line(
                    Line::new(&s.name, PlotPoints::new(vec![[pt[0], *lo], [pt[0], *hi]]))
                        .color(colour)
                        .width(1.0),
                );
            }
        }
    }
}
