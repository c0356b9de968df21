//! The egui side of the window: menu bar, status bar, the controls panel (sampling, cluster,
//! events, view, engine), the plots panel, the help overlay and the keyboard.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui, input::EguiWantsInput};

use betaglass::io::scene::Scene;
use betaglass::live::{Command, EngineStatus, Snapshot, default_threads};
use betaglass::sampling::{Barrier, CentreChoice, SamplingSetup};
use betaglass::system::units::format_time_ps;

use super::art::ArtView;
use super::atoms_view::{ClipMode, OthersMode, Selection, ViewLayout, ViewSettings};
use super::bridge::{EngineBridge, Latest};
use super::plots::{self, PlotState};
use super::results::ResultsView;
use super::state::{
    ConfigurationChosen, FileAction, FileRequest, FrameStats, Notice, PanelRects, SceneChosen,
    SceneFiles,
};

pub struct PanelsPlugin {
    pub scene: Scene,
}

impl Plugin for PanelsPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Controls::new(self.scene.clone()))
            .add_systems(Update, (follow_engine, keyboard, act_on_messages))
            .add_systems(EguiPrimaryContextPass, ui_system);
    }
}

/// What the person is editing, before it is sent to the engine.
#[derive(Resource)]
pub struct Controls {
    pub scene: Scene,
    /// The sampling the panel would start.
    pub pending: SamplingSetup,
    /// Start the next sampling from the current (thermalised) configuration.
    pub from_current: bool,
    pub show_help: bool,
    /// The cluster preview was computed for (pending centre, cutoff, running centre).
    preview_key: Option<(Option<u64>, u64, Option<u64>)>,
    pub threads: usize,
    /// The last message the engine or the files wrote, shown in the status bar.
    pub notice: String,
    notice_serial: u64,
}

impl Controls {
    fn new(scene: Scene) -> Self {
        Self {
            pending: scene.setup.clone(),
            threads: scene.threads.unwrap_or_else(default_threads),
            scene,
            from_current: false,
            show_help: false,
            preview_key: None,
            notice: String::new(),
            notice_serial: 0,
        }
    }

    /// The status bar's message; also on the terminal, for a record of the session (and for
    /// CI's scripted-input stage, which reads it there).
    pub fn set_notice(&mut self, text: impl Into<String>) {
        self.notice = text.into();
        info!("{}", self.notice);
    }

    /// Opens `scene` as `--scene` does at start-up: its configuration (or the embedded glass),
    /// its sampling set-up in the controls as well as in the engine (so the sliders and the
    /// next *Start sampling* are the scene's), and its engine threads when it names them.
    pub fn adopt_scene(&mut self, scene: Scene, bridge: &EngineBridge) {
        bridge.send(Command::Open {
            file: scene.system_file.clone(),
            setup: scene.setup.clone(),
        });
        if let Some(n) = scene.threads {
            bridge.send(Command::SetThreads(n));
            self.threads = n;
        }
        self.pending = scene.setup.clone();
        self.from_current = false;
        self.preview_key = None;
        self.set_notice(format!("opened scene {}", scene.name));
        self.scene = scene;
    }
}

/// What the other plugins asked of the panel: notices for the status bar, a configuration to
/// open with the pending sampling, a scene to open as `--scene` does.
fn act_on_messages(
    mut notices: MessageReader<Notice>,
    mut configurations: MessageReader<ConfigurationChosen>,
    mut scenes: MessageReader<SceneChosen>,
    mut controls: ResMut<Controls>,
    bridge: Res<EngineBridge>,
) {
    for Notice(text) in notices.read() {
        controls.set_notice(text.clone());
    }
    for ConfigurationChosen(path) in configurations.read() {
        bridge.send(Command::Open {
            file: Some(path.clone()),
            setup: controls.pending.clone(),
        });
    }
    for SceneChosen(scene) in scenes.read() {
        controls.adopt_scene(scene.clone(), &bridge);
    }
}

/// Keeps the panel in step with the engine: a new sampling resets the edits to what runs,
/// engine messages become notices, a picked atom becomes the pending centre, and the
/// cluster preview follows the pending centre and cutoff.
fn follow_engine(
    latest: Res<Latest>,
    mut controls: ResMut<Controls>,
    mut selection: ResMut<Selection>,
    mut settings: ResMut<ViewSettings>,
) {
    let s = &latest.snapshot;
    if latest.new_sampling {
        controls.pending = s.setup.clone();
        settings.replay = None;
        settings.event_arrows = None;
    }
    if let Some((serial, text)) = &s.message
        && *serial != controls.notice_serial
    {
        controls.notice_serial = *serial;
        controls.notice = text.clone();
        // Also on the terminal, for a record of the session.
        info!("{text}");
    }
    if latest.changed && !s.events.is_empty() && settings.event_arrows.is_none() {
        settings.event_arrows = Some(s.events.len() - 1);
    }
    if let Some(id) = selection.picked.take() {
        controls.pending.centre = CentreChoice::Atom(id);
        controls.set_notice(format!(
            "atom {id} picked: Enter (or \"Start sampling\") samples the cluster around it"
        ));
    }
    // The cluster preview: atoms within the pending cutoff of the pending centre.
    let centre = match controls.pending.centre {
        CentreChoice::Atom(id) => Some(id),
        CentreChoice::NearestCuToBoxCentre => s.centre_id,
        CentreChoice::RandomCu => None,
    };
    let key = (
        centre,
        controls.pending.cutoff_angstrom.to_bits(),
        s.centre_id,
    );
    if controls.preview_key == Some(key) {
        return;
    }
    controls.preview_key = Some(key);
    let differs = centre != s.centre_id
        || (controls.pending.cutoff_angstrom - s.setup.cutoff_angstrom).abs() > 1e-9;
    settings.preview_ids = match centre {
        Some(c) if differs => cluster_preview(s, c, controls.pending.cutoff_angstrom),
        _ => Vec::new(),
    };
}

/// Ids within `cutoff` of atom `centre` (minimum image), the centre included.
fn cluster_preview(s: &Snapshot, centre: u64, cutoff_angstrom: f64) -> Vec<u64> {
    let a = &s.atoms;
    let Some(c) = a.index_of(centre) else {
        return Vec::new();
    };
    let l = a.cell_lengths_angstrom.map(f64::from);
    let x0 = a.positions_angstrom[c].map(f64::from);
    (0..a.len())
        .filter(|&k| {
            let x = a.positions_angstrom[k];
            let mut r2 = 0.0;
            for d in 0..3 {
                let mut dx = f64::from(x[d]) - x0[d];
                dx -= l[d] * (dx / l[d]).round();
                r2 += dx * dx;
            }
            r2 <= cutoff_angstrom * cutoff_angstrom
        })
        .map(|k| a.ids[k])
        .collect()
}

/// Space pause/resume, N one step, F focus, R reset, Enter sample the picked atom, C clip,
/// A arrows, E replay the latest event, H / F1 help, Esc stop a replay or an ART event and close
/// help, Ctrl+S screenshot.
#[allow(clippy::too_many_arguments)]
fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    egui_input: Res<EguiWantsInput>,
    latest: Res<Latest>,
    bridge: Res<EngineBridge>,
    mut controls: ResMut<Controls>,
    mut selection: ResMut<Selection>,
    mut settings: ResMut<ViewSettings>,
    mut files: MessageWriter<FileRequest>,
    mut art_view: ResMut<ArtView>,
) {
    if egui_input.wants_any_keyboard_input() {
        return;
    }
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    if keys.just_pressed(KeyCode::Space) {
        toggle_pause(&latest.snapshot, &bridge);
    }
    if keys.just_pressed(KeyCode::KeyN) {
        bridge.send(Command::Step);
    }
    if keys.just_pressed(KeyCode::KeyF) {
        selection.focus_cluster = true;
    }
    if keys.just_pressed(KeyCode::KeyR) {
        selection.reset_view = true;
    }
    if keys.just_pressed(KeyCode::Enter) {
        start_pending(&controls, &bridge);
    }
    if keys.just_pressed(KeyCode::KeyC) {
        settings.clip = match settings.clip {
            ClipMode::Off => ClipMode::Slab,
            ClipMode::Slab => ClipMode::Sphere,
            ClipMode::Sphere => ClipMode::Off,
        };
    }
    if keys.just_pressed(KeyCode::KeyA) {
        settings.show_displacements = !settings.show_displacements;
    }
    if keys.just_pressed(KeyCode::KeyE) {
        let last = latest.snapshot.events.len().checked_sub(1);
        settings.replay = if settings.replay.is_some() {
            None
        } else {
            last
        };
        if settings.replay.is_some() {
            art_view.shown = None;
        }
    }
    if keys.just_pressed(KeyCode::KeyH) || keys.just_pressed(KeyCode::F1) {
        controls.show_help = !controls.show_help;
    }
    if keys.just_pressed(KeyCode::Escape) {
        settings.replay = None;
        art_view.shown = None;
        controls.show_help = false;
    }
    if ctrl && keys.just_pressed(KeyCode::KeyS) {
        files.write(FileRequest(FileAction::Screenshot));
    }
}

fn toggle_pause(s: &Snapshot, bridge: &EngineBridge) {
    if s.status == EngineStatus::Paused {
        bridge.send(Command::Resume);
    } else {
        bridge.send(Command::Pause);
    }
}

fn start_pending(controls: &Controls, bridge: &EngineBridge) {
    bridge.send(Command::Restart {
        setup: controls.pending.clone(),
        from_current: controls.from_current,
    });
}

/// Keys and what they do, for the help overlay.
const KEYS: &[(&str, &str)] = &[
    ("Space", "pause / resume the simulation"),
    ("N", "one sample interval of MD (while paused)"),
    ("Left-drag", "rotate the view"),
    ("Right- or middle-drag", "pan"),
    ("Wheel", "zoom"),
    ("Click an atom", "pick it as the next cluster centre"),
    ("Enter", "start a sampling with the panel's settings"),
    ("F", "focus the camera on the cluster"),
    ("R", "reset the view to the whole box"),
    ("C", "cycle the clip: slab, sphere, off"),
    ("A", "displacement arrows on / off"),
    ("E", "replay the latest event / stop"),
    ("Ctrl+S", "save a screenshot"),
    ("H or F1", "this help"),
    (
        "Esc",
        "stop an event replay, leave an ART event, close this help",
    ),
];

/// How long a button may seem held and still count as a click (s). egui times a press by the
/// frames that see it go down and up; under a software renderer at one frame a second the
/// release of a quick click lands a frame (over a second) after the press, beyond egui's
/// 0.8 s, and the click is lost ("menu clicks took several tries"). Three frames' time, never
/// under egui's own 0.8 s. Only touch screens use the limit for anything else (long-press).
fn click_time_limit_s(frames_per_s: f64) -> f64 {
    const EGUI_DEFAULT_S: f64 = 0.8;
    if frames_per_s > 0.0 {
        (3.0 / frames_per_s).clamp(EGUI_DEFAULT_S, 10.0)
    } else {
        EGUI_DEFAULT_S
    }
}

#[allow(clippy::too_many_arguments)]
fn ui_system(
    mut contexts: EguiContexts,
    latest: Res<Latest>,
    bridge: Res<EngineBridge>,
    stats: Res<FrameStats>,
    mut controls: ResMut<Controls>,
    mut settings: ResMut<ViewSettings>,
    mut selection: ResMut<Selection>,
    mut layout: ResMut<ViewLayout>,
    mut rects: ResMut<PanelRects>,
    mut plot_state: ResMut<PlotState>,
    mut files: MessageWriter<FileRequest>,
    scene_files: Res<SceneFiles>,
    mut results_view: ResMut<ResultsView>,
    mut art_view: ResMut<ArtView>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let max_click_s = click_time_limit_s(stats.fps);
    ctx.options_mut(|o| o.input_options.max_click_duration = max_click_s);
    let mut root = egui::Ui::new(
        ctx.clone(),
        "betaglass_root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let s = latest.snapshot.clone();

    let menu = egui::Panel::top("menu_bar").show(&mut root, |ui| {
        menu_bar(
            ui,
            &mut controls,
            &mut files,
            &scene_files,
            &mut selection,
            &mut results_view.open,
            &mut art_view.open,
        )
    });
    if let Some(scene) = menu.inner {
        controls.adopt_scene(scene, &bridge);
    }
    let top = menu.response.rect;
    let bottom = egui::Panel::bottom("status_bar")
        .show(&mut root, |ui| {
            status_bar(ui, &s, &controls, &stats, &selection)
        })
        .response
        .rect;
    let left = egui::Panel::left("controls")
        .resizable(true)
        .default_size(330.0)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                controls_panel(
                    ui,
                    &s,
                    &bridge,
                    &stats,
                    &mut controls,
                    &mut settings,
                    &mut selection,
                );
            });
        })
        .response
        .rect;
    let right = egui::Panel::right("plots")
        .resizable(true)
        .default_size(440.0)
        .show(&mut root, |ui| {
            plots::plots_panel(ui, &s, &mut plot_state);
        })
        .response
        .rect;
    *layout = ViewLayout {
        left: left.width(),
        right: right.width(),
        top: top.height(),
        bottom: bottom.height(),
    };
    *rects = PanelRects {
        controls: left,
        plots: right,
        view: egui::Rect::from_min_max(
            egui::pos2(left.right(), top.bottom()),
            egui::pos2(right.left(), bottom.top()),
        ),
    };
    if controls.show_help {
        help_window(&ctx, &mut controls);
    }
    Ok(())
}

/// The menu bar; returns the built-in scene when it was chosen (opened by the caller, as a
/// scene from a file is).
fn menu_bar(
    ui: &mut egui::Ui,
    controls: &mut Controls,
    files: &mut MessageWriter<FileRequest>,
    scene_files: &SceneFiles,
    selection: &mut Selection,
    results_open: &mut bool,
    art_open: &mut bool,
) -> Option<Scene> {
    let mut built_in = None;
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            let items = [
                ("Open configuration…", FileAction::OpenConfiguration),
                ("Save configuration…", FileAction::SaveConfiguration),
                (
                    "Export sampling (Colvars files, events)…",
                    FileAction::ExportSampling,
                ),
                ("Save sampling state…", FileAction::SaveRestart),
                ("Resume sampling state…", FileAction::ResumeRestart),
                ("Export plots as CSV…", FileAction::ExportCsv),
                ("Export plots as PNG…", FileAction::ExportPlotsPng),
                ("Screenshot…", FileAction::Screenshot),
                (
                    "Open campaign results (folder)…",
                    FileAction::OpenCampaignFolder,
                ),
                ("Open samplings CSV…", FileAction::OpenSamplingsCsv),
                ("Open ART run (folder)…", FileAction::OpenArtRun),
            ];
            for (label, action) in items {
                if ui.button(label).clicked() {
                    files.write(FileRequest(action));
                    ui.close();
                }
            }
            ui.separator();
            if ui.button("Quit").clicked() {
                files.write(FileRequest(FileAction::Quit));
            }
        });
        ui.menu_button("Scenes", |ui| {
            for (name, path) in &scene_files.0 {
                if ui.button(name.as_str()).clicked() {
                    files.write(FileRequest(FileAction::LoadScene(path.clone())));
                    ui.close();
                }
            }
            if ui.button("Built-in teaching scene").clicked() {
                built_in = Some(Scene::teaching());
                ui.close();
            }
            ui.separator();
            if ui.button("Open scene file…").clicked() {
                files.write(FileRequest(FileAction::OpenScene));
                ui.close();
            }
        });
        ui.menu_button("View", |ui| {
            if ui.button("Focus on cluster (F)").clicked() {
                selection.focus_cluster = true;
                ui.close();
            }
            if ui.button("Reset view (R)").clicked() {
                selection.reset_view = true;
                ui.close();
            }
            ui.checkbox(results_open, "Campaign results window");
            ui.checkbox(art_open, "ART events window");
        });
        ui.menu_button("Help", |ui| {
            if ui.button("Keys and what you are seeing (H)").clicked() {
                controls.show_help = true;
                ui.close();
            }
        });
        ui.separator();
        ui.label(egui::RichText::new(&controls.scene.name).strong());
    });
    built_in
}

fn status_bar(
    ui: &mut egui::Ui,
    s: &Snapshot,
    controls: &Controls,
    stats: &FrameStats,
    selection: &Selection,
) {
    ui.horizontal(|ui| {
        ui.label(s.status.label());
        ui.separator();
        ui.label(format!(
            "{:.0} steps/s · {:.1} frames/s · {} engine thread(s)",
            s.steps_per_s, stats.fps, s.threads
        ));
        ui.separator();
        if let Some(id) = selection.hovered
            && let Some(k) = s.atoms.index_of(id)
        {
            let d = s.atoms.displacements_angstrom[k];
            let moved = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
            ui.label(format!(
                "atom {id} ({}) moved {moved:.2} Å{}",
                s.atoms.species_of(k),
                if s.cluster_ids.contains(&id) {
                    " · in the cluster"
                } else {
                    ""
                }
            ));
            ui.separator();
        }
        ui.label(&controls.notice);
    });
}

/// A label and a value in a two-column grid, with a tooltip for students.
fn readout(ui: &mut egui::Ui, name: &str, value: String, tip: &str) {
    ui.label(name).on_hover_text(tip);
    ui.monospace(value).on_hover_text(tip);
    ui.end_row();
}

fn controls_panel(
    ui: &mut egui::Ui,
    s: &Snapshot,
    bridge: &EngineBridge,
    stats: &FrameStats,
    controls: &mut Controls,
    settings: &mut ViewSettings,
    selection: &mut Selection,
) {
    ui.heading("betaglass");
    if !controls.scene.description.is_empty() {
        ui.collapsing("About this scene", |ui| {
            ui.label(&controls.scene.description);
        });
    }
    ui.small(&s.configuration_label);
    run_controls(ui, s, bridge);
    readouts(ui, s, stats);
    ui.separator();
    egui::CollapsingHeader::new("Bias: hills")
        .default_open(true)
        .show(ui, |ui| hill_controls(ui, s, bridge, controls));
    egui::CollapsingHeader::new("Cluster and start")
        .default_open(true)
        .show(ui, |ui| cluster_controls(ui, s, bridge, controls, settings));
    egui::CollapsingHeader::new(format!("Events ({})", s.events.len()))
        .id_salt("events")
        .default_open(true)
        .show(ui, |ui| events_list(ui, s, settings));
    egui::CollapsingHeader::new("View")
        .default_open(false)
        .show(ui, |ui| view_controls(ui, settings, selection));
    egui::CollapsingHeader::new("Engine")
        .default_open(false)
        .show(ui, |ui| {
            let max = std::thread::available_parallelism().map_or(1, |n| n.get());
            let r = ui
                .add(egui::Slider::new(&mut controls.threads, 1..=max).text("threads"))
                .on_hover_text(
                    "Force threads of the engine. All cores but one keeps the window smooth.",
                );
            if r.drag_stopped() || (r.changed() && !r.dragged()) {
                bridge.send(Command::SetThreads(controls.threads));
            }
        });
}

fn run_controls(ui: &mut egui::Ui, s: &Snapshot, bridge: &EngineBridge) {
    match &s.status {
        EngineStatus::Equilibrating {
            done_steps,
            total_steps,
        } => {
            let f = *done_steps as f32 / (*total_steps).max(1) as f32;
            ui.add(egui::ProgressBar::new(f).text(format!(
                "equilibrating: {done_steps}/{total_steps} steps of unbiased MD"
            )));
        }
        EngineStatus::Quenching => {
            ui.add(
                egui::ProgressBar::new(1.0)
                    .animate(true)
                    .text("quenching the starting inherent structure"),
            );
        }
        EngineStatus::Stopped { reason } => {
            ui.colored_label(egui::Color32::LIGHT_RED, format!("stopped: {reason}"));
        }
        EngineStatus::Sampling | EngineStatus::Paused => {
            // How far the current dwell has got towards confirming an event is not known
            // here; show the bias filling instead: hills so far.
            let f = (s.hills.len() as f32 / 1000.0).min(1.0);
            ui.add(egui::ProgressBar::new(f).text(format!(
                "{} hills · {} of biased MD",
                s.hills.len(),
                format_time_ps(s.md_time_ps)
            )))
            .on_hover_text(
                "The bar fills over the first 1000 hills; the sampling runs on until you stop it.",
            );
        }
    }
    ui.horizontal(|ui| {
        let paused = s.status == EngineStatus::Paused;
        if ui
            .button(if paused { "▶ Resume" } else { "⏸ Pause" })
            .on_hover_text("Space")
            .clicked()
        {
            bridge.send(if paused {
                Command::Resume
            } else {
                Command::Pause
            });
        }
        if ui
            .add_enabled(paused, egui::Button::new("Step"))
            .on_hover_text("One sample interval of biased MD (N)")
            .clicked()
        {
            bridge.send(Command::Step);
        }
    });
}

fn readouts(ui: &mut egui::Ui, s: &Snapshot, stats: &FrameStats) {
    let last = s.trace.last();
    let barrier = barrier_readout(s);
    egui::Grid::new("readouts").num_columns(2).show(ui, |ui| {
        readout(ui, "MD time", format_time_ps(s.md_time_ps),
            "Simulated time of the biased run: what the atoms actually lived through.");
        readout(ui, "boosted time", format_time_ps(s.boosted_time_ps),
            "Σ Δt·exp(V/kT): the time the same escapes would take without the bias. \
             Metadynamics buys this factor by pushing the cluster.");
        readout(ui, "s (CV)", last.map_or("—".into(), |c| format!("{:.3} Å", c.s_angstrom)),
            "The collective variable: RMSD of the cluster from its starting shape, after the best rotation (Å).");
        readout(ui, "bias V(s)", last.map_or("—".into(), |c| format!("{:.3} eV", c.metadynamics_ev)),
            "The metadynamics bias at the current s: the hills piled up so far.");
        readout(ui, "ΔF", barrier,
            "Free-energy barrier F(s‡) − F(initial minimum), read off F(s) = −(T+ΔT)/ΔT·V(s), with the estimator that read it: \
             'profile' (the paper's) once F(s) shows the first event's two basins, before that 'final' \
             (the first well beyond the starting basin on the profile now: a diagnostic). s‡ is the saddle it used, marked on the F(s) plot.");
        readout(ui, "events", events_readout(s),
            "β-events: a confirmed jump of s whose two inherent structures have at least min_movers atoms displaced more than the mover \
             threshold (2 Å, the paper's). Smaller confirmed rearrangements are precursors: listed apart, the sampling goes on.");
        readout(ui, "T", s.thermo.map_or("—".into(), |t| format!("{:.0} K", t.temperature_k)),
            "Instantaneous kinetic temperature (the thermostat holds its average at the set T).");
        readout(ui, "steps/s", format!("{:.0}", s.steps_per_s),
            "MD steps per second of the engine thread.");
        readout(ui, "frames/s", format!("{:.1}", stats.fps), "Frames per second of this window, by the wall clock.");
    });
}

/// The one ΔF read-out: the value, the estimator that read it and the saddle it used.
fn barrier_readout(s: &Snapshot) -> String {
    match &s.barrier {
        Barrier::Determined(b) => format!(
            "{:.3} eV ({}, s‡ {:.2} Å)",
            b.barrier_ev,
            s.barrier_estimator.as_str(),
            b.saddle_angstrom
        ),
        Barrier::NotYetDetermined { .. } => "not yet (one basin)".into(),
    }
}

/// "1", or "1 (+2 precursors)".
fn events_readout(s: &Snapshot) -> String {
    match s.precursors.len() {
        0 => s.events.len().to_string(),
        1 => format!("{} (+1 precursor)", s.events.len()),
        n => format!("{} (+{n} precursors)", s.events.len()),
    }
}

fn hill_controls(ui: &mut egui::Ui, s: &Snapshot, bridge: &EngineBridge, controls: &mut Controls) {
    let p = &mut controls.pending;
    ui.add(egui::Slider::new(&mut p.temperature_k, 100.0..=1200.0).text("T (K)"))
        .on_hover_text("Temperature of the thermostat, of the boosted clock and of F(s). Applies at the next start.");
    ui.add(
        egui::Slider::new(&mut p.hills.height_ev, 0.002..=0.03)
            .logarithmic(true)
            .text("w₀ (eV)"),
    )
    .on_hover_text("Initial hill height. Small hills fill the basin gently (slower, smoother F); large ones push hard.");
    ui.add(egui::Slider::new(&mut p.hills.sigma_angstrom, 0.05..=0.5).text("σ (Å)"))
        .on_hover_text("Gaussian width of each hill along s. Narrow hills resolve F(s) finely but need many more of them.");
    let hill_width = 2.0 * p.hills.sigma_angstrom / p.grid_width_angstrom;
    ui.small(format!(
        "Colvars: width {} Å, hillWidth {:.2} (σ = hillWidth·width/2; full width 2σ = {:.3} Å)",
        p.grid_width_angstrom,
        hill_width,
        2.0 * p.hills.sigma_angstrom
    ));
    let mut plain = !p.hills.bias_temperature_k.is_finite();
    ui.horizontal(|ui| {
        ui.add_enabled(
            !plain,
            egui::Slider::new(&mut p.hills.bias_temperature_k, 300.0..=10000.0)
                .logarithmic(true)
                .text("ΔT (K)"),
        )
        .on_hover_text("Bias temperature of well-tempered metadynamics: hills shrink as exp(−V/kΔT), so the bias converges; F = −(T+ΔT)/ΔT·V.");
        if ui.checkbox(&mut plain, "plain").on_hover_text("Plain metadynamics: hills never shrink (ΔT = ∞).").changed() {
            p.hills.bias_temperature_k = if plain { f64::INFINITY } else { 2700.0 };
        }
    });
    ui.add(
        egui::Slider::new(&mut p.hills.stride_steps, 10..=5000)
            .logarithmic(true)
            .text("stride τ (steps)"),
    )
    .on_hover_text("MD steps between hills. The paper uses 1000 (2 ps); teaching uses 100.");
    if ui
        .button("Apply hills now (keep the bias)")
        .on_hover_text("w₀, σ, τ and ΔT from the next hill on; the hills already down stay.")
        .clicked()
    {
        bridge.send(Command::SetHills(p.hills));
    }
    let running = &s.setup.hills;
    ui.small(format!(
        "running: w₀ {} eV, σ {} Å, τ {} steps, ΔT {} K",
        running.height_ev, running.sigma_angstrom, running.stride_steps, running.bias_temperature_k
    ));
}

fn cluster_controls(
    ui: &mut egui::Ui,
    s: &Snapshot,
    bridge: &EngineBridge,
    controls: &mut Controls,
    settings: &ViewSettings,
) {
    let compare = controls.scene.compare_cutoffs_angstrom.clone();
    let p = &mut controls.pending;
    ui.horizontal(|ui| {
        ui.label("centre").on_hover_text(
            "The atom the cluster is built around. Click an atom in the view to pick it.",
        );
        let mut id = match p.centre {
            CentreChoice::Atom(id) => id,
            _ => s.centre_id.unwrap_or(1),
        };
        if ui
            .add(egui::DragValue::new(&mut id).range(1..=u64::MAX))
            .changed()
        {
            p.centre = CentreChoice::Atom(id);
        }
        if ui
            .button("nearest Cu")
            .on_hover_text("The Cu atom nearest the box centre")
            .clicked()
        {
            p.centre = CentreChoice::NearestCuToBoxCentre;
        }
        if ui
            .button("random Cu")
            .on_hover_text("A Cu atom drawn with the seed")
            .clicked()
        {
            p.centre = CentreChoice::RandomCu;
        }
    });
    ui.small(match p.centre {
        CentreChoice::Atom(id) => format!("atom {id}"),
        CentreChoice::NearestCuToBoxCentre => "the Cu atom nearest the box centre".into(),
        CentreChoice::RandomCu => format!("a random Cu atom (seed {})", p.seed),
    });
    ui.add(egui::Slider::new(&mut p.cutoff_angstrom, 2.5..=6.0).text("cutoff r_c (Å)"))
        .on_hover_text("Atoms within r_c of the centre form the cluster. 4.0 Å (the first minimum of g(r)) gives the centre and its ~12 nearest neighbours.");
    let count = if settings.preview_ids.is_empty() {
        s.cluster_ids.len()
    } else {
        settings.preview_ids.len()
    };
    ui.small(format!(
        "{count} atoms{}",
        if settings.preview_ids.is_empty() {
            " (running)"
        } else {
            " (preview, sky blue)"
        }
    ));
    for (pair, l) in s.rdf_landmarks.iter().filter(|(p, _)| p.starts_with("Cu")) {
        let f = |x: Option<f64>| x.map_or("—".into(), |v| format!("{v:.2}"));
        ui.small(format!(
            "g {pair}: 1st peak {} Å, 1st min {} Å, 2nd peak {} Å",
            f(l.first_peak_angstrom),
            f(l.first_minimum_angstrom),
            f(l.second_peak_angstrom)
        ))
        .on_hover_text(
            "RDF landmarks: a cutoff at the first minimum takes exactly the first shell.",
        );
    }
    if !compare.is_empty() {
        ui.horizontal(|ui| {
            ui.label("compare:");
            for c in compare {
                if ui.button(format!("{c} Å")).clicked() {
                    p.cutoff_angstrom = c;
                }
            }
        });
    }
    ui.horizontal(|ui| {
        ui.add(egui::DragValue::new(&mut p.seed).prefix("seed "));
        ui.add(
            egui::DragValue::new(&mut p.equilibrate_ps)
                .range(0.0..=100.0)
                .speed(0.1)
                .suffix(" ps equil."),
        );
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::DragValue::new(&mut p.event_jump_angstrom)
                .range(0.05..=3.0)
                .speed(0.01)
                .prefix("jump ")
                .suffix(" Å"),
        )
        .on_hover_text("An event is proposed when the plateau of s moves by this much…");
        ui.add(
            egui::DragValue::new(&mut p.event_dwell_ps)
                .range(0.1..=100.0)
                .speed(0.1)
                .prefix("dwell ")
                .suffix(" ps"),
        )
        .on_hover_text("…and stays there this long.");
    });
    ui.checkbox(&mut controls.from_current, "from the current configuration")
        .on_hover_text(
            "Start from the atoms as they are now (after events), not from the opened file.",
        );
    let valid = controls.pending.validate();
    let r = ui.add_enabled(valid.is_ok(), egui::Button::new("↻ Start sampling (Enter)"));
    if let Err(e) = &valid {
        ui.colored_label(egui::Color32::LIGHT_RED, e.to_string());
    }
    if r.on_hover_text("A new sampling with these settings: the bias starts from zero.")
        .clicked()
    {
        start_pending(controls, bridge);
    }
}

fn events_list(ui: &mut egui::Ui, s: &Snapshot, settings: &mut ViewSettings) {
    precursors_list(ui, s);
    if s.events.is_empty() {
        ui.small(
            "No event yet. Watch s(t): an event is a jump of its plateau that stays, \
             with at least two atoms moved more than 2 Å.",
        );
        return;
    }
    for (i, e) in s.events.iter().enumerate() {
        let rgb = super::style::motion_rgb(e.motion.class_name());
        ui.horizontal(|ui| {
            let class = match e.motion.class_name() {
                "none" => "no atom hopped > 2 Å",
                c => c,
            };
            ui.colored_label(super::style::color32(rgb), format!("#{} {class}", e.number));
            ui.label(format!("at {}", format_time_ps(e.crossing_md_time_ps)));
        })
        .response
        .on_hover_text(format!(
            "{}\ninherent-structure RMSD {:.2} Å, energy change {:+.3} eV",
            ascii_arrows(&e.motion.describe()),
            e.inherent_rmsd_angstrom,
            e.inherent_energy_change_ev,
        ));
        ui.small(format!(
            "s {:.2} -> {:.2} Å · filled depth {}",
            e.basin_before_angstrom,
            e.basin_after_angstrom,
            e.filled_depth_ev
                .map_or("n/a".into(), |b| format!("{b:.3} eV"))
        ));
        ui.horizontal(|ui| {
            let mut arrows = settings.event_arrows == Some(i);
            if ui.checkbox(&mut arrows, "arrows").changed() {
                settings.event_arrows = arrows.then_some(i);
            }
            let replaying = settings.replay == Some(i);
            if ui
                .selectable_label(replaying, "replay")
                .on_hover_text(
                    "Loop the motion between the inherent structures before and after (Esc stops)",
                )
                .clicked()
            {
                settings.replay = if replaying { None } else { Some(i) };
            }
        });
    }
    ui.add(egui::Slider::new(&mut settings.event_threshold_angstrom, 0.1..=3.0).text("event arrows over (Å)"))
        .on_hover_text("Arrows for atoms that moved more than this between the inherent structures before and after the event.");
    ui.add(egui::Slider::new(&mut settings.event_arrow_scale, 1.0..=10.0).text("arrow length ×"))
        .on_hover_text("Event arrows drawn this many times their length, so sub-ångström moves stick out of the spheres.");
}

/// egui's default fonts have no arrows: write them as ASCII.
/// The precursors, apart from the events: what moved, when, s before and after.
fn precursors_list(ui: &mut egui::Ui, s: &Snapshot) {
    if s.precursors.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("Precursors ({})", s.precursors.len()))
        .id_salt("precursors")
        .show(ui, |ui| {
            ui.small(
                "Confirmed rearrangements with fewer movers than an event: \
                 not the paper's β-event; the bias keeps filling and the sampling goes on.",
            );
            for p in s.precursors.iter() {
                ui.small(format!(
                    "p{} at {} · s {:.2} -> {:.2} Å · {}",
                    p.number,
                    format_time_ps(p.crossing.md_time_ps),
                    p.s_before_angstrom,
                    p.s_after_angstrom,
                    p.label()
                ))
                .on_hover_text(format!(
                    "{} atom(s) moved more than the mover threshold; inherent-structure RMSD {:.2} Å",
                    p.movers, p.inherent_rmsd_angstrom
                ));
            }
        });
}

fn ascii_arrows(text: &str) -> String {
    text.replace('→', "->").replace('↔', "<->")
}

fn view_controls(ui: &mut egui::Ui, settings: &mut ViewSettings, selection: &mut Selection) {
    egui::ComboBox::from_label("other atoms")
        .selected_text(format!("{:?}", settings.others))
        .show_ui(ui, |ui| {
            for m in [
                OthersMode::Translucent,
                OthersMode::Normal,
                OthersMode::Hidden,
            ] {
                ui.selectable_value(&mut settings.others, m, format!("{m:?}"));
            }
        });
    egui::ComboBox::from_label("clip around the cluster (C)")
        .selected_text(format!("{:?}", settings.clip))
        .show_ui(ui, |ui| {
            for m in [ClipMode::Slab, ClipMode::Sphere, ClipMode::Off] {
                ui.selectable_value(&mut settings.clip, m, format!("{m:?}"));
            }
        });
    ui.add(egui::Slider::new(&mut settings.clip_width_angstrom, 4.0..=45.0).text("clip width (Å)"));
    ui.add(egui::Slider::new(&mut settings.atom_scale, 0.3..=1.6).text("atom size"));
    ui.checkbox(&mut settings.show_box, "box edges");
    ui.checkbox(&mut settings.show_displacements, "displacement arrows (A)")
        .on_hover_text(
            "White arrows: atoms moved farther than the threshold since the sampling began.",
        );
    ui.add(
        egui::Slider::new(&mut settings.displacement_threshold_angstrom, 0.5..=4.0)
            .text("arrow threshold (Å)"),
    );
    ui.horizontal(|ui| {
        if ui.button("Focus cluster (F)").clicked() {
            selection.focus_cluster = true;
        }
        if ui.button("Reset view (R)").clicked() {
            selection.reset_view = true;
        }
    });
}

fn help_window(ctx: &egui::Context, controls: &mut Controls) {
    let mut open = true;
    egui::Window::new("Keys, and what you are seeing")
        .open(&mut open)
        .collapsible(false)
        .default_width(460.0)
        .show(ctx, |ui| {
            egui::Grid::new("keys").num_columns(2).striped(true).show(ui, |ui| {
                for (k, what) in KEYS {
                    ui.strong(*k);
                    ui.label(*what);
                    ui.end_row();
                }
            });
            ui.separator();
            ui.label(
                "Bronze spheres are Cu, green Zr. The gold/lime atoms are the cluster being pushed, \
                 the magenta one its centre. Metadynamics adds a small Gaussian hill to the bias \
                 V(s) at the cluster's current s every τ steps, so the cluster is pushed out of \
                 the shapes it has already visited. When it escapes its basin — a β-event — \
                 s(t) jumps to a new plateau and stays; the event's arrows show which atoms \
                 took which sites (a loop, a pair exchange or a string). F(s) is the mirror image \
                 of the bias, scaled by (T+ΔT)/ΔT; ΔF is read from it.",
            );
        });
    if !open {
        controls.show_help = false;
    }
}
