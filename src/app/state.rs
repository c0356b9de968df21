//! The app's shared UI state and the messages its plugins talk through.
//!
//! Plugins do not reach into each other's resources: the panels ask for a file by writing a
//! [`FileRequest`], the file plugin answers with a [`Notice`], a [`ConfigurationChosen`] or a
//! [`SceneChosen`] that the panels act on, and hands a chosen results file, ART run or
//! recording folder on as [`ResultsChosen`], [`ArtRequest::OpenRun`] or [`RecordReplayInto`];
//! the keyboard, the menus and the buttons ask the 3D view and the ART window for what they
//! own with [`ViewRequest`] and [`ArtRequest`]. The frame statistics and panel rectangles that
//! several plugins read live here.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::egui;

use betaglass::io::scene::Scene;

pub struct StatePlugin;

impl Plugin for StatePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FrameStats>()
            .init_resource::<PanelRects>()
            .init_resource::<SceneFiles>()
            .add_message::<FileRequest>()
            .add_message::<Notice>()
            .add_message::<ConfigurationChosen>()
            .add_message::<SceneChosen>()
            .add_message::<ViewRequest>()
            .add_message::<ArtRequest>()
            .add_message::<ResultsChosen>()
            .add_message::<RecordReplayInto>()
            .add_systems(Update, frame_stats);
    }
}

/// Something the person asked for that needs a path.
#[derive(Clone, Debug)]
pub enum FileAction {
    OpenConfiguration,
    SaveConfiguration,
    ExportSampling,
    SaveRestart,
    ResumeRestart,
    ExportCsv,
    ExportPlotsPng,
    /// One plot's data, from its right-click menu.
    SavePlotCsv(super::plot_kit::PlotData),
    /// One plot as drawn: `rect` (logical pixels) cropped from the window.
    SavePlotPng {
        title: String,
        rect: egui::Rect,
    },
    Screenshot,
    /// The 3D view only, as PNG.
    SaveViewPng,
    /// One loop of the event replay as numbered PNGs of the 3D view, into a folder.
    RecordReplay,
    OpenScene,
    LoadScene(PathBuf),
    OpenCampaignFolder,
    OpenSamplingsCsv,
    OpenArtRun,
    Quit,
}

/// The person asked for `FileAction` (a dialog, or an action that needs no path).
#[derive(Message, Clone, Debug)]
pub struct FileRequest(pub FileAction);

/// A line for the status bar (and the terminal).
#[derive(Message, Clone, Debug)]
pub struct Notice(pub String);

/// A configuration file was chosen to open with the sampling the panel would start.
#[derive(Message, Clone, Debug)]
pub struct ConfigurationChosen(pub PathBuf);

/// A scene was read and is to be opened as `--scene` opens it.
#[derive(Message, Clone, Debug)]
pub struct SceneChosen(pub Scene);

/// What the keyboard, the menus and the panels' buttons ask of the 3D view; the view's
/// plugin acts on it (it owns the camera and the view settings).
#[derive(Message, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewRequest {
    /// Centre the camera on the cluster, close up.
    FocusCluster,
    /// The whole box in the view.
    FitBox,
    /// Clipping off → slab → sphere → off.
    CycleClip,
    /// Thermal displacement arrows on / off.
    ToggleDisplacements,
    /// Replay the latest event, or stop the replay that runs.
    ToggleLatestReplay,
    /// Stop a replay.
    StopReplay,
    /// Forget the distance tool's atoms.
    ClearMeasurement,
}

/// What is asked of the ART window's event in the view.
#[derive(Message, Clone, Debug, PartialEq, Eq)]
pub enum ArtRequest {
    /// Back to the glass: the ART event leaves the view (Esc, or a live replay starts).
    HideEvent,
    /// Read the ART run in this folder (and open the window on it).
    OpenRun(PathBuf),
}

/// A campaign folder or samplings CSV was chosen: the results window reads it.
#[derive(Message, Clone, Debug)]
pub struct ResultsChosen(pub PathBuf);

/// A folder was chosen to record the event replay into: the 3D view records it.
#[derive(Message, Clone, Debug)]
pub struct RecordReplayInto(pub PathBuf);

/// The scenes found in `scenes/` (name, path), for the Scenes menu.
#[derive(Resource, Default, Clone, Debug)]
pub struct SceneFiles(pub Vec<(String, PathBuf)>);

/// Frames drawn, and frames per second by the wall clock.
///
/// Not Bevy's `Time` (virtual time): it caps a frame's delta at 0.25 s, so a window drawing
/// 1 frame/s would read 4 frames/s. `Instant` is what a person's watch says.
#[derive(Resource, Default)]
pub struct FrameStats {
    pub frames: u64,
    /// Over the last whole second (or longer, when a frame takes longer).
    pub fps: f64,
    /// When the first frame was counted.
    pub first: Option<std::time::Instant>,
    /// When frame `WARM_FRAMES` was counted: the start of the steady-state average (the
    /// first frames compile shaders and lay out the panels).
    pub warm: Option<std::time::Instant>,
    window: Option<(std::time::Instant, u64)>,
}

/// Frames left out of the steady-state frame rate.
pub const WARM_FRAMES: u64 = 20;

impl FrameStats {
    /// Frames per second from the first frame to `now`.
    pub fn fps_mean(&self, now: std::time::Instant) -> f64 {
        self.first.map_or(0.0, |t| {
            self.frames.saturating_sub(1) as f64 / (now - t).as_secs_f64().max(1e-9)
        })
    }

    /// Frames per second after the first `WARM_FRAMES`, to `now` (0 before then).
    pub fn fps_steady(&self, now: std::time::Instant) -> f64 {
        self.warm.map_or(0.0, |t| {
            self.frames.saturating_sub(WARM_FRAMES) as f64 / (now - t).as_secs_f64().max(1e-9)
        })
    }
}

/// Where the panels are, in logical pixels (for the screenshot report and plot export).
#[derive(Resource, Clone, Copy, Debug)]
pub struct PanelRects {
    pub controls: egui::Rect,
    pub plots: egui::Rect,
    pub view: egui::Rect,
}

impl Default for PanelRects {
    fn default() -> Self {
        Self {
            controls: egui::Rect::NOTHING,
            plots: egui::Rect::NOTHING,
            view: egui::Rect::NOTHING,
        }
    }
}

fn frame_stats(mut stats: ResMut<FrameStats>) {
    let now = std::time::Instant::now();
    stats.frames += 1;
    stats.first.get_or_insert(now);
    if stats.frames == WARM_FRAMES {
        stats.warm = Some(now);
    }
    let frames = stats.frames;
    let (t0, f0) = *stats.window.get_or_insert((now, frames));
    let dt = (now - t0).as_secs_f64();
    if dt >= 1.0 {
        stats.fps = (stats.frames - f0) as f64 / dt;
        stats.window = Some((now, stats.frames));
    }
}
