//! The timeline: the sampling's recent frames in a ring buffer, scrubbed and played back
//! while the engine runs on, with the view and s(t) linked (what VMD's trajectory slider and
//! the Colvars Dashboard's linked plots give).
//!
//! A frame is kept at most once per CV sample interval (`sample_every_steps` × time step),
//! the rate at which s(t) itself is sampled, so a frame stands for one point of s(t). The app
//! sees the engine's snapshots at display rate only: a frame is the first snapshot at or
//! after each interval, not always the sample step itself. The buffer holds the newest
//! [`TIMELINE_FRAMES`] frames (about 130 kB each for 4000 atoms: ~50 MB when full).
//!
//! The bridge hands every new live snapshot to [`Timeline::record`], and shows the live
//! snapshot with its atoms taken from [`Timeline::shown`] when a past frame is chosen. The
//! engine never waits: the timeline only holds the frames' `Arc`s.

use std::collections::VecDeque;
use std::sync::Arc;

use bevy::prelude::*;
use bevy_egui::egui;

use betaglass::live::{AtomFrame, EngineStatus, Snapshot};
use betaglass::system::units::format_time_ps;

/// Frames the timeline keeps.
pub const TIMELINE_FRAMES: usize = 400;

/// One stored moment of the sampling.
#[derive(Clone, Debug)]
pub struct TimelineFrame {
    pub md_time_ps: f64,
    pub boosted_time_ps: f64,
    pub atoms: Arc<AtomFrame>,
}

/// Which clock a time given to [`Timeline::seek_time`] is on (the s(t) plot's axis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Md,
    Boosted,
}

/// The ring buffer and which of its frames is shown (none: the live state).
#[derive(Resource, Debug)]
pub struct Timeline {
    frames: VecDeque<TimelineFrame>,
    capacity: usize,
    /// Index into `frames` of the frame shown; None: live.
    cursor: Option<usize>,
    /// Playing the stored frames forward, one per rendered frame. Any move the person makes
    /// (seek, step, live) stops it.
    playing: bool,
    /// The sampling the frames belong to.
    sampling_serial: Option<u64>,
    /// Bumped whenever the frame shown changes, so the bridge knows to recompose.
    revision: u64,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new(TIMELINE_FRAMES)
    }
}

impl Timeline {
    pub fn new(capacity: usize) -> Self {
        Self {
            frames: VecDeque::with_capacity(capacity.min(TIMELINE_FRAMES)),
            capacity: capacity.max(1),
            cursor: None,
            playing: false,
            sampling_serial: None,
            revision: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    #[cfg(test)]
    pub fn frames(&self) -> impl Iterator<Item = &TimelineFrame> {
        self.frames.iter()
    }

    /// Changes whenever the frame shown changes (a seek, a step, playback, going live, a
    /// shown frame dropped from the buffer).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Index of the frame shown; None while live.
    pub fn cursor(&self) -> Option<usize> {
        self.cursor
    }

    pub fn is_live(&self) -> bool {
        self.cursor.is_none()
    }

    /// The stored frame shown instead of the live atoms, if any.
    pub fn shown(&self) -> Option<&TimelineFrame> {
        self.cursor.and_then(|i| self.frames.get(i))
    }

    /// Keeps `s`'s atoms when it is a biased-run state at least one CV sample interval after
    /// the last frame kept; a new sampling empties the buffer and goes live.
    pub fn record(&mut self, s: &Snapshot) {
        if self.sampling_serial != Some(s.sampling_serial) {
            self.sampling_serial = Some(s.sampling_serial);
            self.frames.clear();
            self.go_live();
        }
        let biased =
            s.biased_steps > 0 && matches!(s.status, EngineStatus::Sampling | EngineStatus::Paused);
        if !biased || s.atoms.is_empty() {
            return;
        }
        let interval_ps = s.setup.sample_every_steps as f64 * s.setup.timestep_fs * 1e-3;
        if let Some(last) = self.frames.back() {
            // A hair under the interval, so a frame published exactly on a sample step counts.
            if Arc::ptr_eq(&last.atoms, &s.atoms)
                || s.md_time_ps < last.md_time_ps + interval_ps * (1.0 - 1e-9)
            {
                return;
            }
        }
        self.frames.push_back(TimelineFrame {
            md_time_ps: s.md_time_ps,
            boosted_time_ps: s.boosted_time_ps,
            atoms: s.atoms.clone(),
        });
        if self.frames.len() > self.capacity {
            self.frames.pop_front();
            // The shown frame keeps its place in time; the oldest one, dropped, gives way to
            // the next oldest.
            match self.cursor {
                Some(0) => self.revision += 1,
                Some(i) => self.cursor = Some(i - 1),
                None => {}
            }
        }
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Play / pause: playback runs the kept frames forward from the one shown (from the
    /// oldest when live).
    pub fn toggle_playing(&mut self) {
        self.playing = !self.playing;
    }

    /// Back to the live state (playback stops).
    pub fn go_live(&mut self) {
        self.playing = false;
        self.show_live();
    }

    /// Shows stored frame `index` (clamped to the buffer; playback stops); nothing when the
    /// buffer is empty.
    pub fn seek(&mut self, index: usize) {
        self.playing = false;
        self.show(index);
    }

    /// Moves the shown frame by `delta` frames (playback stops); from live, −1 is the newest
    /// stored frame. Stepping past the newest frame goes live.
    pub fn step(&mut self, delta: isize) {
        self.playing = false;
        self.move_by(delta);
    }

    fn show_live(&mut self) {
        if self.cursor.take().is_some() {
            self.revision += 1;
        }
    }

    fn show(&mut self, index: usize) {
        if self.frames.is_empty() {
            return;
        }
        let index = index.min(self.frames.len() - 1);
        if self.cursor != Some(index) {
            self.cursor = Some(index);
            self.revision += 1;
        }
    }

    fn move_by(&mut self, delta: isize) {
        let n = self.frames.len() as isize;
        if n == 0 {
            return;
        }
        let from = self.cursor.map_or(n, |i| i as isize);
        let to = from + delta;
        if to >= n {
            self.show_live();
        } else {
            self.show(to.max(0) as usize);
        }
    }

    /// Shows the frame nearest `time_ps` on `clock` (playback stops). A time after the newest
    /// frame goes live;
    /// a time more than one frame spacing before the oldest is refused with what the buffer
    /// holds, since that moment was not kept. Returns the time of the frame shown.
    pub fn seek_time(&mut self, time_ps: f64, clock: Clock) -> Result<Option<f64>, String> {
        self.playing = false;
        let at = |f: &TimelineFrame| match clock {
            Clock::Md => f.md_time_ps,
            Clock::Boosted => f.boosted_time_ps,
        };
        let (Some(first), Some(last)) = (self.frames.front(), self.frames.back()) else {
            return Err(
                "the timeline holds no frames yet: they are kept once the bias runs".into(),
            );
        };
        let (t0, t1) = (at(first), at(last));
        let spacing = if self.frames.len() > 1 {
            (t1 - t0) / (self.frames.len() - 1) as f64
        } else {
            0.0
        };
        if time_ps > t1 + 0.5 * spacing {
            self.go_live();
            return Ok(None);
        }
        if time_ps < t0 - spacing {
            return Err(format!(
                "{} is older than the timeline holds (its {} go back to {})",
                format_time_ps(time_ps),
                match self.frames.len() {
                    1 => "one frame".to_string(),
                    n => format!("{n} frames"),
                },
                format_time_ps(t0),
            ));
        }
        let index = self
            .frames
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| (at(a) - time_ps).abs().total_cmp(&(at(b) - time_ps).abs()))
            .map(|(i, _)| i)
            .unwrap_or(0);
        self.seek(index);
        Ok(Some(at(&self.frames[index])))
    }

    /// One playback tick: the next stored frame; past the newest, live again and stopped.
    /// Starting from live, playback begins at the oldest frame.
    pub fn advance_playback(&mut self) {
        if !self.playing {
            return;
        }
        match self.cursor {
            None => self.show(0),
            Some(_) => {
                self.move_by(1);
                if self.is_live() {
                    self.playing = false;
                }
            }
        }
    }

    /// The snapshot the display shows: `live`, with the atoms of the frame chosen (the
    /// cluster, plots and read-outs stay live), under `display_serial`.
    pub fn compose(&self, live: &Arc<Snapshot>, display_serial: u64) -> Arc<Snapshot> {
        let mut shown = Snapshot::clone(live);
        shown.serial = display_serial;
        if let Some(frame) = self.shown() {
            shown.atoms = frame.atoms.clone();
        }
        Arc::new(shown)
    }
}

/// The timeline's controls, drawn under the s(t) header: back to the oldest frame, a step
/// back, play / pause, a step forward, live; a slider over the kept frames; what is shown.
pub fn timeline_bar(ui: &mut egui::Ui, t: &mut Timeline, live: &Snapshot) {
    let n = t.len();
    ui.horizontal(|ui| {
        ui.label("timeline").on_hover_text(
            "The sampling's recent frames, one per CV sample: scrub or play them back while \
             the engine runs on; click on s(t) to jump to a moment",
        );
        ui.add_enabled_ui(!t.is_empty(), |ui| {
            let mut button =
                |label: &str, hint: &str| ui.small_button(label).on_hover_text(hint).clicked();
            if button("|◀", "oldest frame kept") {
                t.seek(0);
            }
            if button("◀", "one frame back") {
                t.step(-1);
            }
            let play = if t.is_playing() { "pause" } else { "play" };
            if button(
                play,
                "play the kept frames forward, one per drawn frame, up to live",
            ) {
                t.toggle_playing();
            }
            if button("▶", "one frame forward") {
                t.step(1);
            }
        });
        if ui
            .selectable_label(t.is_live(), "live")
            .on_hover_text("show the running sampling")
            .clicked()
        {
            t.go_live();
        }
    });
    // Always drawn (disabled while empty), so the plots below do not jump when frames come.
    let mut index = t.cursor().unwrap_or(n.saturating_sub(1));
    let slider = egui::Slider::new(&mut index, 0..=n.saturating_sub(1))
        .show_value(false)
        .trailing_fill(true);
    if ui.add_enabled(n > 0, slider).changed() {
        t.seek(index);
    }
    ui.small(timeline_caption(t, live));
}

/// What the timeline shows, in words: live or the moment chosen, and the span it holds.
pub fn timeline_caption(t: &Timeline, live: &Snapshot) -> String {
    let (Some(first), Some(last)) = (t.frames.front(), t.frames.back()) else {
        return "live · frames are kept once the bias runs".into();
    };
    let span = format!(
        "{} frames, {} – {}",
        t.len(),
        format_time_ps(first.md_time_ps),
        format_time_ps(last.md_time_ps)
    );
    match (t.cursor, t.shown()) {
        (Some(i), Some(f)) => format!(
            "showing {} (frame {} of {}; live at {}) · {span}",
            format_time_ps(f.md_time_ps),
            i + 1,
            t.len(),
            format_time_ps(live.md_time_ps)
        ),
        _ => format!("live · {span}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use betaglass::sampling::SamplingSetup;

    /// A live snapshot of sampling `sampling` at biased step `step` (time step 2 fs, a CV
    /// sample every 100 steps: 0.2 ps), whose one atom sits at x = step.
    fn snapshot(sampling: u64, step: u64) -> Snapshot {
        let mut setup = SamplingSetup::teaching();
        setup.timestep_fs = 2.0;
        setup.sample_every_steps = 100;
        let mut s = Snapshot::empty(setup);
        s.sampling_serial = sampling;
        s.serial = step;
        s.status = EngineStatus::Sampling;
        s.biased_steps = step;
        s.md_time_ps = step as f64 * 2e-3;
        s.boosted_time_ps = 10.0 * s.md_time_ps;
        s.atoms = Arc::new(AtomFrame {
            ids: vec![1],
            types: vec![0],
            species: vec!["Cu".into()],
            positions_angstrom: vec![[step as f32, 0.0, 0.0]],
            displacements_angstrom: vec![[0.0; 3]],
            ..AtomFrame::default()
        });
        s
    }

    fn feed(t: &mut Timeline, sampling: u64, steps: impl IntoIterator<Item = u64>) {
        for step in steps {
            t.record(&snapshot(sampling, step));
        }
    }

    fn shown_x(t: &Timeline) -> Option<f32> {
        t.shown().map(|f| f.atoms.positions_angstrom[0][0])
    }

    #[test]
    fn a_frame_is_kept_once_per_cv_sample_interval() {
        let mut t = Timeline::new(100);
        // Snapshots every 30 steps: frames at steps 30, 150 (≥ 130), 270 (≥ 250), 390 …
        feed(&mut t, 1, (1..=20).map(|k| 30 * k));
        let steps: Vec<f64> = t.frames().map(|f| f.md_time_ps / 2e-3).collect();
        let expected = [30.0, 150.0, 270.0, 390.0, 510.0];
        assert_eq!(steps.len(), expected.len());
        for (a, b) in steps.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{steps:?}");
        }
        // Consecutive frames at least one sample interval (0.2 ps) apart.
        let times: Vec<f64> = t.frames().map(|f| f.md_time_ps).collect();
        assert!(times.windows(2).all(|w| w[1] - w[0] >= 0.2 - 1e-9));
    }

    #[test]
    fn nothing_is_kept_before_the_bias_and_a_new_sampling_starts_over() {
        let mut t = Timeline::new(100);
        let mut s = snapshot(1, 0);
        s.status = EngineStatus::Equilibrating {
            done_steps: 10,
            total_steps: 100,
        };
        t.record(&s);
        assert!(t.is_empty());
        feed(&mut t, 1, [100, 200, 300]);
        t.seek(1);
        assert_eq!(shown_x(&t), Some(200.0));
        feed(&mut t, 2, [100]);
        assert_eq!(t.len(), 1);
        assert!(t.is_live(), "a new sampling shows the live state");
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_and_the_shown_frame_stays_put() {
        let mut t = Timeline::new(3);
        feed(&mut t, 1, [100, 200, 300]);
        t.seek(1);
        assert_eq!(shown_x(&t), Some(200.0));
        feed(&mut t, 1, [400]);
        assert_eq!(t.len(), 3);
        assert_eq!(t.frames().next().unwrap().md_time_ps, 200.0 * 2e-3);
        assert_eq!(shown_x(&t), Some(200.0), "the same moment is still shown");
        let r = t.revision();
        feed(&mut t, 1, [500]);
        // Its frame dropped: the next oldest is shown, and the bridge is told.
        assert_eq!(shown_x(&t), Some(300.0));
        assert_ne!(t.revision(), r);
    }

    #[test]
    fn seeking_by_time_on_either_clock_finds_the_nearest_frame() {
        let mut t = Timeline::new(100);
        feed(&mut t, 1, (1..=10).map(|k| 100 * k));
        // MD time 0.81 ps is step 405: nearest frame step 400.
        let shown = t.seek_time(0.81, Clock::Md).unwrap().unwrap();
        assert!((shown - 0.8).abs() < 1e-9);
        assert_eq!(shown_x(&t), Some(400.0));
        // Boosted time is 10× MD time here: 12.1 ps boosted is step 605, frame 600.
        let shown = t.seek_time(12.1, Clock::Boosted).unwrap().unwrap();
        assert!((shown - 12.0).abs() < 1e-9);
        assert_eq!(shown_x(&t), Some(600.0));
        // After the newest frame: live.
        assert_eq!(t.seek_time(2.5, Clock::Md), Ok(None));
        assert!(t.is_live());
        // Long before the oldest frame: refused, and what is shown does not change.
        let err = t.seek_time(-5.0, Clock::Md).unwrap_err();
        assert!(err.contains("older than the timeline holds"), "{err}");
        assert!(t.is_live());
    }

    #[test]
    fn stepping_and_playback_walk_the_frames_and_end_live() {
        let mut t = Timeline::new(100);
        feed(&mut t, 1, [100, 200, 300]);
        t.step(-1);
        assert_eq!(shown_x(&t), Some(300.0), "−1 from live is the newest frame");
        t.step(-5);
        assert_eq!(shown_x(&t), Some(100.0), "clamped at the oldest");
        t.go_live();
        t.toggle_playing();
        let mut seen = Vec::new();
        for _ in 0..5 {
            t.advance_playback();
            seen.push(shown_x(&t));
        }
        assert_eq!(seen, [Some(100.0), Some(200.0), Some(300.0), None, None]);
        assert!(
            !t.is_playing(),
            "playback stops when it reaches the live state"
        );
        t.toggle_playing();
        t.advance_playback();
        t.step(-1);
        assert!(!t.is_playing(), "a step by the person stops playback");
    }

    #[test]
    fn the_composed_snapshot_is_live_but_for_the_atoms() {
        let mut t = Timeline::new(100);
        feed(&mut t, 1, [100, 200]);
        let live = Arc::new(snapshot(1, 250));
        let shown = t.compose(&live, 7);
        assert_eq!(shown.serial, 7);
        assert!(Arc::ptr_eq(&shown.atoms, &live.atoms));
        t.seek(0);
        let shown = t.compose(&live, 8);
        assert_eq!(shown.atoms.positions_angstrom[0][0], 100.0);
        assert_eq!(shown.md_time_ps, live.md_time_ps, "read-outs stay live");
    }
}
