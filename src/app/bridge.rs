//! The engine thread as a resource, and the newest snapshot pulled once per frame.
//!
//! `Latest::changed` is true in the frame what is shown changed (a new snapshot arrived, or
//! the timeline moved), so systems that rebuild meshes, arrows or plot caches do so only then.

use std::path::PathBuf;
use std::sync::Arc;

use bevy::prelude::*;

use betaglass::io::scene::Scene;
use betaglass::live::{Command, Engine, EngineConfig, Snapshot};
use betaglass::potential::mendelev;

use super::timeline::Timeline;

pub struct BridgePlugin {
    pub scene: Scene,
    pub file: Option<PathBuf>,
}

/// The engine. Dropping it (when the app exits) stops the engine thread and joins it.
#[derive(Resource)]
pub struct EngineBridge {
    engine: Engine,
}

impl EngineBridge {
    pub fn send(&self, command: Command) {
        self.engine.send(command);
    }
}

/// The snapshot this frame shows.
#[derive(Resource)]
pub struct Latest {
    /// What the display shows: the engine's newest snapshot, with the atoms of the
    /// timeline's frame when a past moment is chosen. Its `serial` counts what was shown.
    pub snapshot: Arc<Snapshot>,
    /// The engine's newest snapshot.
    pub live: Arc<Snapshot>,
    /// What is shown changed this frame.
    pub changed: bool,
    /// A new sampling (or configuration) began this frame.
    pub new_sampling: bool,
    /// (live serial, timeline revision) that `snapshot` was composed from.
    shown_from: (u64, u64),
}

impl Plugin for BridgePlugin {
    fn build(&self, app: &mut App) {
        let (system, label) = match &self.file {
            Some(p) => match betaglass::io::read_configuration(p) {
                Ok(s) => (s, p.display().to_string()),
                Err(e) => {
                    error!("{e}; opening the embedded default glass instead");
                    (
                        betaglass::assets::default_glass(),
                        format!("embedded default glass ({e})"),
                    )
                }
            },
            None => (
                betaglass::assets::default_glass(),
                "embedded default glass".into(),
            ),
        };
        let engine = Engine::spawn(EngineConfig {
            system,
            label,
            potential: Arc::new(mendelev::cu_zr_mendelev_2007()),
            setup: self.scene.setup.clone(),
            threads: self.scene.threads,
            start_paused: false,
        });
        let snapshot = engine.latest();
        app.insert_resource(EngineBridge { engine })
            .init_resource::<Timeline>()
            .insert_resource(Latest {
                live: snapshot.clone(),
                shown_from: (snapshot.serial, 0),
                snapshot,
                changed: true,
                new_sampling: true,
            })
            .add_systems(PreUpdate, pull_snapshot)
            .add_systems(Last, stop_engine_on_exit);
    }
}

/// Takes the newest snapshot (a pointer swap under a lock the engine holds for nanoseconds),
/// lets the timeline keep it and play on, and composes what is shown.
fn pull_snapshot(
    bridge: Res<EngineBridge>,
    mut latest: ResMut<Latest>,
    mut timeline: ResMut<Timeline>,
) {
    let next = bridge.engine.latest();
    latest.new_sampling = next.sampling_serial != latest.live.sampling_serial;
    if next.serial != latest.live.serial {
        timeline.record(&next);
        latest.live = next;
    }
    timeline.advance_playback();
    let from = (latest.live.serial, timeline.revision());
    latest.changed = from != latest.shown_from;
    if latest.changed {
        let serial = latest.snapshot.serial + 1;
        latest.snapshot = timeline.compose(&latest.live, serial);
        latest.shown_from = from;
    }
}

/// Asks the engine to stop as soon as the app decides to exit, so the join on drop is short.
fn stop_engine_on_exit(mut exits: MessageReader<AppExit>, bridge: Res<EngineBridge>) {
    if exits.read().next().is_some() {
        bridge.send(Command::Shutdown);
    }
}
