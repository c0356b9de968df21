//! Live plots (egui_plot): s(t) with events marked, V(s) and F(s) with the minima, saddle
//! and ΔF, ΔF's convergence, hill heights, temperature and energy. The point series are
//! rebuilt only when a new snapshot arrives; frames borrow them.

use bevy::prelude::*;
use bevy_egui::egui;
use egui_plot::{Legend, Line, PlotPoint, PlotPoints, Points, Text, VLine};

use betaglass::live::Snapshot;
use betaglass::sampling::Barrier;
use betaglass::system::units::format_time_ps;

use super::bridge::Latest;
use super::plot_kit::{self, PlotData, plot_menu};
use super::state::FileAction;
use super::style;

pub struct PlotsPlugin;

impl Plugin for PlotsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PlotState>()
            .add_systems(Update, rebuild_series);
    }
}

/// Which clock the s(t) plot uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimeAxis {
    #[default]
    Md,
    Boosted,
}

/// The plotted series, cached per snapshot.
#[derive(Resource, Default)]
pub struct PlotState {
    pub time_axis: TimeAxis,
    built_for: Option<(u64, TimeAxis)>,
    pub trace: Vec<PlotPoint>,
    pub events_t: Vec<f64>,
    pub bias: Vec<PlotPoint>,
    pub free_energy: Vec<PlotPoint>,
    pub barrier_history: Vec<PlotPoint>,
    pub hills: Vec<PlotPoint>,
    pub temperature: Vec<PlotPoint>,
    pub energy: Vec<PlotPoint>,
    /// Where the s(t) plot was drawn (logical pixels), for the screenshot report.
    pub trace_rect: Option<egui::Rect>,
}

fn rebuild_series(latest: Res<Latest>, mut state: ResMut<PlotState>) {
    let key = (latest.snapshot.serial, state.time_axis);
    if state.built_for == Some(key) {
        return;
    }
    state.built_for = Some(key);
    let s = &latest.snapshot;
    let boosted = state.time_axis == TimeAxis::Boosted;
    let t = |md: f64, b: f64| if boosted { b } else { md };
    state.trace = s
        .trace
        .iter()
        .map(|c| PlotPoint::new(t(c.md_time_ps, c.boosted_time_ps), c.s_angstrom))
        .collect();
    state.events_t = s
        .events
        .iter()
        .map(|e| t(e.crossing_md_time_ps, e.crossing_boosted_time_ps))
        .collect();
    // V and F where the CV has been (and a few σ beyond): the rest of the grid is flat.
    let visited = s.trace.iter().map(|c| c.s_angstrom).fold(0.0, f64::max);
    let s_max = (visited + 3.0 * s.setup.hills.sigma_angstrom).max(1.0);
    let on_view = |x: &&f64| **x <= s_max;
    state.bias = s
        .grid_s_angstrom
        .iter()
        .take_while(on_view)
        .zip(s.bias_ev.iter())
        .map(|(&x, &v)| PlotPoint::new(x, v))
        .collect();
    state.free_energy = s
        .grid_s_angstrom
        .iter()
        .take_while(on_view)
        .zip(s.free_energy_ev.iter())
        .map(|(&x, &f)| PlotPoint::new(x, f))
        .collect();
    state.barrier_history = s
        .barrier_history
        .iter()
        .filter_map(|&(t, b)| b.map(|b| PlotPoint::new(t, b)))
        .collect();
    state.hills = s.hills.iter().map(|&(t, w)| PlotPoint::new(t, w)).collect();
    state.temperature = s
        .thermo_history
        .iter()
        .map(|p| PlotPoint::new(p.md_time_ps, p.temperature_k))
        .collect();
    let e0 = s
        .thermo_history
        .first()
        .map_or(0.0, |p| p.potential_energy_ev);
    state.energy = s
        .thermo_history
        .iter()
        .map(|p| PlotPoint::new(p.md_time_ps, p.potential_energy_ev - e0))
        .collect();
}

fn line<'a>(name: &str, points: &'a [PlotPoint], rgb: [u8; 3]) -> Line<'a> {
    Line::new(name, PlotPoints::Borrowed(points))
        .color(style::color32(rgb))
        .width(2.0)
}

fn xy(points: &[PlotPoint]) -> Vec<[f64; 2]> {
    points.iter().map(|p| [p.x, p.y]).collect()
}

/// A plot's export: `series` as (name, points).
fn data(title: &str, x: &str, y: &str, series: &[(&str, &[PlotPoint])]) -> PlotData {
    PlotData {
        title: title.to_string(),
        x_label: x.to_string(),
        y_label: y.to_string(),
        series: series
            .iter()
            .map(|(name, points)| (name.to_string(), xy(points)))
            .collect(),
    }
}

/// Ticks of a time axis in ps, with their unit (the boosted clock runs from fs to ages).
fn time_ticks(mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>) -> String {
    format_time_ps(mark.value)
}

/// The plots panel, drawn inside the right-hand egui panel. Returns the files the plots'
/// menus asked to save.
pub fn plots_panel(ui: &mut egui::Ui, s: &Snapshot, state: &mut PlotState) -> Vec<FileAction> {
    let height = ((ui.available_height() - 120.0) / 4.0).clamp(90.0, 220.0);
    ui.horizontal(|ui| {
        ui.strong("s(t)");
        ui.selectable_value(&mut state.time_axis, TimeAxis::Md, "MD time")
            .on_hover_text("Simulated time of the biased run (ps)");
        ui.selectable_value(&mut state.time_axis, TimeAxis::Boosted, "boosted time")
            .on_hover_text("Σ Δt·exp(V/kT): the unbiased time the same escapes would take (ps)");
    })
    .response
    .on_hover_text("Every plot: scroll to zoom, drag to pan, double-click to reset, right-click to copy or save it");
    let ctx = ui.ctx().clone();
    let mut requests = Vec::new();
    let state_ref: &PlotState = state;
    let time_label = match state_ref.time_axis {
        TimeAxis::Md => "MD time",
        TimeAxis::Boosted => "boosted time",
    };
    let trace = plot_kit::plot(&ctx, "trace", time_label, "s (Å)", Some(time_ticks))
        .height(height)
        .show(ui, |p| {
            p.line(line("s", &state_ref.trace, style::TRACE_RGB));
            for (i, &t) in state_ref.events_t.iter().enumerate() {
                p.add(
                    VLine::new(format!("event {}", i + 1), t)
                        .color(style::color32(style::EVENT_RGB))
                        .width(1.5),
                );
            }
        });
    let trace_rect = trace.response.rect;
    requests.extend(plot_menu(&trace.response, "trace", || {
        data(
            "s(t)",
            &format!("{time_label} (ps)"),
            "s (Å)",
            &[("s", &state_ref.trace)],
        )
    }));

    ui.strong("Bias V(s) and free energy F(s)");
    // Headroom above the curves: the legend (top right) and the ΔF label sit in it instead of
    // on the curves.
    let fes_top_ev = state_ref
        .free_energy
        .iter()
        .chain(state_ref.bias.iter())
        .fold(0.0_f64, |m, q| m.max(q.y));
    let fes = plot_kit::plot(&ctx, "fes", "s (Å)", "energy (eV)", None)
        .height(height * 1.2)
        .legend(Legend::default())
        .include_y(0.0)
        .include_y(1.4 * fes_top_ev.max(1e-3))
        .show(ui, |p| {
            p.line(line("V(s)", &state_ref.bias, style::BIAS_RGB));
            p.line(line("F(s)", &state_ref.free_energy, style::FREE_ENERGY_RGB));
            if let Barrier::Determined(b) = &s.barrier {
                barrier_marks(p, state_ref, b, s.barrier_estimator.as_str(), fes_top_ev);
            }
        });
    requests.extend(plot_menu(&fes.response, "fes", || {
        data(
            "V(s) and F(s)",
            "s (Å)",
            "energy (eV)",
            &[("V(s)", &state_ref.bias), ("F(s)", &state_ref.free_energy)],
        )
    }));

    ui.strong("ΔF over time")
        .on_hover_text("The end-of-run ΔF as the bias grows: it appears once F(s) shows a second basin, and settles as the bias converges.");
    let history = plot_kit::plot(&ctx, "barrier_history", "MD time (ps)", "ΔF (eV)", None)
        .height(height * 0.7)
        .show(ui, |p| {
            p.line(line("ΔF", &state_ref.barrier_history, [255, 255, 255]));
            if state_ref.barrier_history.is_empty() {
                p.text(Text::new(
                    "none yet",
                    PlotPoint::new(0.5, 0.5),
                    "no ΔF yet: it appears once F(s) shows a second basin",
                ));
            }
        });
    requests.extend(plot_menu(&history.response, "barrier_history", || {
        data(
            "DeltaF over time",
            "MD time (ps)",
            "ΔF (eV)",
            &[("ΔF", &state_ref.barrier_history)],
        )
    }));

    let small: [(&str, &str, &[PlotPoint], [u8; 3]); 3] = [
        ("hills", "hill (eV)", &state_ref.hills, style::BIAS_RGB),
        ("thermo", "T (K)", &state_ref.temperature, [255, 200, 120]),
        (
            "energy",
            "E_pot − E₀ (eV)",
            &state_ref.energy,
            [200, 200, 255],
        ),
    ];
    ui.columns(3, |cols| {
        for (col, (id, y_label, points, rgb)) in cols.iter_mut().zip(small) {
            let shown = plot_kit::plot(&ctx, id, "MD time (ps)", y_label, None)
                .height(height * 0.8)
                .show(col, |p| p.line(line(y_label, points, rgb)));
            requests.extend(plot_menu(&shown.response, id, || {
                data(id, "MD time (ps)", y_label, &[(y_label, points)])
            }));
        }
    });
    state.trace_rect = Some(trace_rect);
    requests
}

/// The initial minimum, saddle and new minimum on F(s), and ΔF above the saddle.
fn barrier_marks(
    p: &mut egui_plot::PlotUi,
    state: &PlotState,
    b: &betaglass::sampling::BarrierReading,
    estimator: &str,
    fes_top_ev: f64,
) {
    let f_at = |x: f64| {
        state
            .free_energy
            .iter()
            .min_by(|a, c| (a.x - x).abs().total_cmp(&(c.x - x).abs()))
            .map_or(0.0, |q| q.y)
    };
    let marks = vec![
        [b.initial_minimum_angstrom, f_at(b.initial_minimum_angstrom)],
        [b.saddle_angstrom, f_at(b.saddle_angstrom)],
        [b.next_minimum_angstrom, f_at(b.next_minimum_angstrom)],
    ];
    // Above the saddle marker, not on it: a tenth of the plotted range higher.
    let top = PlotPoint::new(
        b.saddle_angstrom,
        f_at(b.saddle_angstrom) + 0.1 * fes_top_ev.max(1e-3),
    );
    p.points(
        Points::new("minima and saddle", PlotPoints::new(marks))
            .radius(5.0)
            .color(egui::Color32::WHITE),
    );
    p.text(Text::new(
        "ΔF",
        top,
        format!("ΔF = {:.3} eV ({estimator})", b.barrier_ev),
    ));
}
