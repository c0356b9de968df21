//! The egui side of the window: menu bar, status bar, the controls panel (sampling, cluster,
//! events, view, engine), the plots panel, the help overlay and the keyboard.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui, input::EguiWantsInput};

use betaglass::io::scene::Scene;
use betaglass::live::{Command, EngineStatus, Snapshot, default_threads};
use betaglass::sampling::{Barrier, CentreChoice, SamplingSetup};
use betaglass::system::units::format_time_ps;

mod controls;
mod help;
mod menu;
mod overlay;
mod status;

use controls::*;
use help::*;
use menu::*;
use overlay::*;
use status::*;

use super::art::ArtView;
use super::atoms_view::{ClipMode, ColourBy, OthersMode, Selection, ViewLayout, ViewSettings};
use super::bridge::{EngineBridge, Latest};
use super::deck::DeckView;
use super::plots::{self, PlotState};
use super::results::ResultsView;
use super::state::{
    ArtRequest, ConfigurationChosen, FileAction, FileRequest, FrameStats, Notice, PanelRects,
    SceneChosen, SceneFiles, ViewRequest,
};
use super::timeline::{self, Clock, Timeline};

pub struct PanelsPlugin {
    pub scene: Scene,
}

impl Plugin for PanelsPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Controls::new(self.scene.clone()))
            .add_systems(
                Update,
                (follow_engine, keyboard, act_on_messages, request_energies),
            )
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

/// Asks the engine for per-atom energies while the view colours by energy, and no longer
/// once it does not (they cost a force evaluation each).
fn request_energies(
    settings: Res<ViewSettings>,
    bridge: Res<EngineBridge>,
    mut asked: Local<bool>,
) {
    let wanted = settings.colour_by == ColourBy::Energy;
    if wanted != *asked {
        bridge.send(Command::PerAtomEnergy(wanted));
        *asked = wanted;
    }
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
/// help, Ctrl+S screenshot, ← / → one timeline frame back / forward, End live. The keys act
/// through messages, as the menus and buttons do: the view and the ART window apply them to
/// what they own (the timeline is the panel's own).
#[allow(clippy::too_many_arguments)]
fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    egui_input: Res<EguiWantsInput>,
    latest: Res<Latest>,
    bridge: Res<EngineBridge>,
    mut controls: ResMut<Controls>,
    mut views: MessageWriter<ViewRequest>,
    mut art: MessageWriter<ArtRequest>,
    mut files: MessageWriter<FileRequest>,
    mut timeline: ResMut<Timeline>,
) {
    if egui_input.wants_any_keyboard_input() {
        return;
    }
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    let pressed = |k| keys.just_pressed(k);
    if pressed(KeyCode::Space) {
        toggle_pause(&latest.snapshot, &bridge);
    }
    if pressed(KeyCode::KeyN) {
        bridge.send(Command::Step);
    }
    if pressed(KeyCode::Enter) {
        start_pending(&controls, &bridge);
    }
    for (key, request) in [
        (KeyCode::KeyF, ViewRequest::FocusCluster),
        (KeyCode::KeyR, ViewRequest::FitBox),
        (KeyCode::KeyC, ViewRequest::CycleClip),
        (KeyCode::KeyA, ViewRequest::ToggleDisplacements),
        (KeyCode::KeyE, ViewRequest::ToggleLatestReplay),
    ] {
        if pressed(key) {
            views.write(request);
        }
    }
    if pressed(KeyCode::KeyH) || pressed(KeyCode::F1) {
        controls.show_help = !controls.show_help;
    }
    if pressed(KeyCode::Escape) {
        views.write(ViewRequest::StopReplay);
        views.write(ViewRequest::ClearMeasurement);
        art.write(ArtRequest::HideEvent);
        controls.show_help = false;
    }
    if ctrl && pressed(KeyCode::KeyS) {
        files.write(FileRequest(FileAction::Screenshot));
    }
    for (key, step) in [(KeyCode::ArrowLeft, -1), (KeyCode::ArrowRight, 1)] {
        if pressed(key) {
            timeline.step(step);
        }
    }
    if pressed(KeyCode::End) {
        timeline.go_live();
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

/// What the panels read each frame: the newest snapshot, the engine to command, the frame rate.
#[derive(SystemParam)]
struct PanelInputs<'w> {
    latest: Res<'w, Latest>,
    bridge: Res<'w, EngineBridge>,
    stats: Res<'w, FrameStats>,
}

/// What the person edits through the panels: the pending sampling and the view settings
/// (the selection is read, for the status bar).
#[derive(SystemParam)]
struct PanelEdits<'w> {
    controls: ResMut<'w, Controls>,
    settings: ResMut<'w, ViewSettings>,
    selection: Res<'w, Selection>,
}

/// Where the panels ended up, for the 3D view's viewport and for the screenshot report.
#[derive(SystemParam)]
struct PanelLayout<'w> {
    layout: ResMut<'w, ViewLayout>,
    rects: ResMut<'w, PanelRects>,
}

/// What the menus reach: file requests, view requests, the scene list, the results and ART
/// windows.
#[derive(SystemParam)]
struct MenuTargets<'w> {
    files: MessageWriter<'w, FileRequest>,
    views: MessageWriter<'w, ViewRequest>,
    scene_files: Res<'w, SceneFiles>,
    results_view: ResMut<'w, ResultsView>,
    art_view: ResMut<'w, ArtView>,
    deck_view: ResMut<'w, DeckView>,
}

fn ui_system(
    mut contexts: EguiContexts,
    inputs: PanelInputs,
    edits: PanelEdits,
    placed: PanelLayout,
    menus: MenuTargets,
    mut plot_state: ResMut<PlotState>,
    mut timeline: ResMut<Timeline>,
) -> Result {
    let PanelInputs {
        latest,
        bridge,
        stats,
    } = inputs;
    let PanelEdits {
        mut controls,
        mut settings,
        selection,
    } = edits;
    let PanelLayout {
        mut layout,
        mut rects,
    } = placed;
    let MenuTargets {
        mut files,
        mut views,
        scene_files,
        mut results_view,
        mut art_view,
        mut deck_view,
    } = menus;
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
            &mut views,
            &mut [
                ("Campaign results window", &mut results_view.open),
                ("ART events window", &mut art_view.open),
                ("LAMMPS + Colvars deck window", &mut deck_view.open),
            ],
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
                    &mut views,
                );
            });
        })
        .response
        .rect;
    let right = egui::Panel::right("plots")
        .resizable(true)
        .default_size(440.0)
        .show(&mut root, |ui| {
            timeline::timeline_bar(ui, &mut timeline, &latest.live);
            ui.separator();
            let clock = match plot_state.time_axis {
                plots::TimeAxis::Md => Clock::Md,
                plots::TimeAxis::Boosted => Clock::Boosted,
            };
            plot_state.timeline_t = timeline.shown().map(|f| match clock {
                Clock::Md => f.md_time_ps,
                Clock::Boosted => f.boosted_time_ps,
            });
            for action in plots::plots_panel(ui, &s, &mut plot_state) {
                files.write(FileRequest(action));
            }
            if let Some(t) = plot_state.clicked_t.take() {
                match timeline.seek_time(t, clock) {
                    Ok(_) => {
                        controls.set_notice(timeline::timeline_caption(&timeline, &latest.live))
                    }
                    Err(e) => controls.set_notice(e),
                }
            }
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
    let timeline_note = timeline.shown().map(|f| {
        format!(
            "timeline: {} (live at {}) · \"live\" above the plots returns",
            format_time_ps(f.md_time_ps),
            format_time_ps(latest.live.md_time_ps)
        )
    });
    view_overlay(
        &ctx,
        rects.view,
        &latest,
        &settings,
        &selection,
        timeline_note,
    );
    if controls.show_help {
        help_window(&ctx, &mut controls);
    }
    Ok(())
}
