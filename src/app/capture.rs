//! `--frames N --screenshot PNG --report JSON`: run N frames (and at least until the
//! sampling has produced a few CV samples, so the plots have something to show), save a
//! screenshot, write a report, quit. CI runs it under Xvfb and checks the pixels.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use bevy::prelude::*;

use super::art::ArtView;
use super::atoms_view::{
    AtomEntities, AtomIndex, OrbitCamera, PickProbe, drawn_spheres, probe_picking,
};
use super::bridge::Latest;
use super::files::save_screenshot;
use super::plots::PlotState;
use super::results::ResultsView;
use super::state::{FrameStats, PanelRects};
use super::style;

pub struct CapturePlugin {
    pub frames: Option<u64>,
    pub screenshot: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub until_event: bool,
}

/// Frames drawn between the conditions being met and the screenshot.
const SETTLE_FRAMES: u64 = 8;

/// How long `--until-event` waits for the first event after N frames (s).
const MAX_EVENT_WAIT_S: f64 = 1800.0;

/// CV samples the capture waits for after N frames (at most `MAX_EXTRA_WAIT_S` longer).
const MIN_SAMPLES: usize = 20;
const MAX_EXTRA_WAIT_S: f64 = 300.0;

#[derive(Resource)]
struct Capture {
    frames: u64,
    screenshot: Option<PathBuf>,
    report: Option<PathBuf>,
    until_event: bool,
    started: Option<(Instant, u64)>,
    frames_done_at: Option<Instant>,
    /// The frame from which the screenshot may be taken, once the conditions are met.
    ready_at_frame: Option<u64>,
    requested: Option<(Instant, u64, u64)>,
    saved: Arc<AtomicBool>,
    /// Picking checked on atoms projected with the app's camera, at the opening size.
    pick: Option<PickProbe>,
}

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        let Some(frames) = self.frames else { return };
        app.insert_resource(Capture {
            frames,
            screenshot: self.screenshot.clone(),
            report: self.report.clone(),
            until_event: self.until_event,
            started: None,
            frames_done_at: None,
            ready_at_frame: None,
            requested: None,
            saved: Arc::new(AtomicBool::new(false)),
            pick: None,
        })
        .add_systems(Last, capture);
    }
}

#[allow(clippy::too_many_arguments)]
fn capture(
    mut commands: Commands,
    mut cap: ResMut<Capture>,
    latest: Res<Latest>,
    stats: Res<FrameStats>,
    rects: Res<PanelRects>,
    plots: Res<PlotState>,
    results: Res<ResultsView>,
    art: Res<ArtView>,
    window: Single<&Window>,
    cameras: Query<(&Camera, &GlobalTransform), With<OrbitCamera>>,
    atoms: Res<AtomEntities>,
    spheres: Query<(&Transform, &Visibility), With<AtomIndex>>,
    mut exit: MessageWriter<AppExit>,
) {
    let s = &latest.snapshot;
    let started = *cap.started.get_or_insert((Instant::now(), s.total_steps));
    if stats.frames < cap.frames {
        return;
    }
    let frames_done = *cap.frames_done_at.get_or_insert_with(Instant::now);
    if cap.requested.is_none() {
        let waited = frames_done.elapsed().as_secs_f64();
        if s.trace.len() < MIN_SAMPLES && waited < MAX_EXTRA_WAIT_S {
            return;
        }
        if cap.until_event && s.events.is_empty() && waited < MAX_EVENT_WAIT_S {
            return;
        }
        // `--results`: the campaign's figures in the window, not its spinner.
        if (results.is_loading() || art.is_loading()) && waited < MAX_EXTRA_WAIT_S {
            return;
        }
        // A few frames more, so what the last snapshot changed (arrows, new glyphs in egui's
        // font atlas) is drawn before the capture.
        let ready_at = *cap
            .ready_at_frame
            .get_or_insert(stats.frames + SETTLE_FRAMES);
        if stats.frames < ready_at {
            return;
        }
        // The pick check reads the camera only: a window resize here would draw this frame
        // with the old projection in the new viewport (the stretched atoms of issue 19). The
        // resized case is covered by `atoms_view::tests`.
        cap.pick = cameras.single().ok().map(|(camera, transform)| {
            let drawn: Vec<_> = drawn_spheres(&latest, &atoms, &spheres).collect();
            probe_picking(camera, transform, &drawn, &probe_ids(s))
        });
        let path = cap.screenshot.clone();
        match path {
            Some(p) => {
                let saved = cap.saved.clone();
                save_screenshot(&mut commands, p, None, Some(saved));
            }
            None => cap.saved.store(true, Ordering::SeqCst),
        }
        info!("capture: screenshot requested at frame {}", stats.frames);
        cap.requested = Some((Instant::now(), stats.frames, s.total_steps));
        return;
    }
    if !cap.saved.load(Ordering::SeqCst) {
        return;
    }
    let (t_req, frames_at_request, steps_at_request) = cap.requested.expect("requested");
    // Wall-clock time from the first capture call to the request (frames counted from the
    // first frame: the few before the first call add a negligible bias).
    let elapsed = t_req.duration_since(started.0).as_secs_f64().max(1e-9);
    let scale = f64::from(window.scale_factor());
    let rect = |r: bevy_egui::egui::Rect| {
        [
            (f64::from(r.min.x) * scale).round(),
            (f64::from(r.min.y) * scale).round(),
            (f64::from(r.max.x) * scale).round(),
            (f64::from(r.max.y) * scale).round(),
        ]
    };
    let sim_steps = steps_at_request.saturating_sub(started.1);
    let report = serde_json::json!({
        "frames": frames_at_request,
        "fps_mean": stats.fps_mean(t_req),
        "fps_steady": stats.fps_steady(t_req),
        "fps_last_second": stats.fps,
        "seconds": elapsed,
        "sim_steps": sim_steps,
        "sim_steps_per_s": sim_steps as f64 / elapsed,
        "threads": s.threads,
        "cluster_atom_ids": s.cluster_ids,
        "centre_id": s.centre_id,
        "events": s.events.len(),
        "cv_samples": s.trace.len(),
        "hills": s.hills.len(),
        "status": s.status.label(),
        "pick_check": cap.pick.clone().unwrap_or_default(),
        "results": results.summary(),
        "art": art.summary(),
        "window_px": [window.physical_width(), window.physical_height()],
        "layout": {
            "view": rect(rects.view),
            "plots": rect(plots.trace_rect.unwrap_or(rects.plots)),
            "controls": rect(rects.controls),
        },
        "colors": {
            "cu": style::CU_RGB,
            "zr": style::ZR_RGB,
            "cluster_highlight": style::CLUSTER_CU_RGB,
            "centre": style::CENTRE_RGB,
            "trace_line": style::TRACE_RGB,
        },
    });
    if let Some(p) = &cap.report {
        let text = serde_json::to_string_pretty(&report).expect("a JSON value");
        if let Err(e) = std::fs::write(p, text) {
            error!("cannot write the report {}: {e}", p.display());
        }
    }
    println!("{report}");
    exit.write(AppExit::Success);
}

/// Atoms the report's pick check projects and picks back: the cluster (centre first) and
/// every 40th atom of the glass.
fn probe_ids(s: &betaglass::live::Snapshot) -> Vec<u64> {
    let mut ids: Vec<u64> = s.centre_id.into_iter().collect();
    let others = s.cluster_ids.iter().chain(s.atoms.ids.iter().step_by(40));
    for &id in others {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}
