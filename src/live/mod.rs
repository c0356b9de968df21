//! The live engine the desktop app drives: a sampling on its own thread, steered by
//! commands and shown through snapshots. No Bevy here, so it is tested without a window
//! (tests/live_engine.rs) and any other display could drive it.

pub mod engine;
pub mod publish;
pub mod snapshot;

pub use engine::{Command, Engine, EngineConfig, default_threads};
pub use publish::event_view;
pub use snapshot::{AtomFrame, EngineStatus, EventView, Snapshot, SnapshotSlot, ThermoPoint};
