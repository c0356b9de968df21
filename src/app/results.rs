//! Campaign results in the app: the figures `betaglass stats --plots` writes (the paper's
//! Figs. 2–5), drawn with egui_plot from a campaign folder or a samplings CSV, with the
//! same per-temperature table. The report comes from the library's
//! [`CampaignReport`](betaglass::campaign::report::CampaignReport), so the app, the CLI and
//! the tests read one set of numbers. It is computed on its own thread (the bootstrap takes
//! a moment): a frame never waits for it.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use egui_plot::{Bar, BarChart, Legend, Line, LineStyle, Plot, PlotPoints, Points};

use super::reader::BackgroundRead;
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
            .add_systems(Update, receive_report)
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

fn results_window(mut contexts: EguiContexts, mut view: ResMut<ResultsView>) -> Result {
    if !view.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let mut open = true;
    egui::Window::new("Campaign results")
        .open(&mut open)
        .default_size([820.0, 600.0])
        .default_pos([360.0, 70.0])
        .show(&ctx, |ui| results_contents(ui, &mut view));
    view.open = open;
    Ok(())
}

fn results_contents(ui: &mut egui::Ui, view: &mut ResultsView) {
    view.reading.status_ui(ui, view.error.as_deref());
    let selected = view.selected;
    let Some(loaded) = &view.loaded else {
        if !view.reading.is_running() && view.error.is_none() {
            ui.label("File → Open campaign results… picks a campaign folder or a samplings CSV.");
        }
        return;
    };
    let mut barrier = view.barrier;
    ui.horizontal(|ui| {
        ui.label(format!("{}", loaded.source.display()));
        ui.separator();
        ui.label("ΔF:");
        for choice in [
            BarrierChoice::Final,
            BarrierChoice::Crossing,
            BarrierChoice::FinalElseCrossing,
        ] {
            ui.selectable_value(&mut barrier, choice, choice.as_str())
                .on_hover_text(choice.describe());
        }
    });
    if barrier != view.barrier {
        let source = loaded.source.clone();
        view.barrier = barrier;
        view.load(source);
        return;
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
    match loaded.figures.get(choice) {
        Some(figure) => {
            ui.strong(&figure.title);
            draw_figure(ui, figure);
        }
        None => {
            egui::ScrollArea::both().show(ui, |ui| {
                ui.add(egui::Label::new(egui::RichText::new(&loaded.table).monospace()).extend());
            });
        }
    }
    view.selected = choice;
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

/// A figure's panels in its grid, each an egui_plot plot, then its notes.
pub(super) fn draw_figure(ui: &mut egui::Ui, figure: &Figure) {
    let columns = figure.columns.clamp(1, figure.panels.len().max(1));
    let rows = figure.panels.len().div_ceil(columns).max(1);
    let notes_height = 18.0 * figure.notes.len() as f32;
    let height = ((ui.available_height() - notes_height - 30.0) / rows as f32).max(140.0);
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (r, row) in figure.panels.chunks(columns).enumerate() {
            ui.columns(columns, |cols| {
                for (c, panel) in row.iter().enumerate() {
                    let id = format!("{}_{r}_{c}", figure.name);
                    draw_panel(&mut cols[c], &id, panel, height);
                }
            });
        }
        for note in &figure.notes {
            ui.small(note);
        }
    });
}

fn draw_panel(ui: &mut egui::Ui, id: &str, panel: &Panel, height: f32) {
    ui.strong(&panel.title);
    let mut plot = Plot::new(id)
        .height(height - 20.0)
        .legend(Legend::default().text_style(egui::TextStyle::Small))
        .x_axis_label(panel.x_label.clone())
        .y_axis_label(panel.y_label.clone());
    if let Some([lo, hi]) = panel.x_range {
        plot = plot.include_x(lo).include_x(hi);
    }
    if let Some([lo, hi]) = panel.y_range {
        plot = plot.include_y(lo).include_y(hi);
    }
    plot.show(ui, |p| {
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
