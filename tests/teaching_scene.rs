//! The teaching scene shows the paper's event, not a precursor: on the embedded glass, the
//! app's own engine thread (one engine thread, as the app takes on a 2-core machine) confirms
//! an event of at least two atoms moved more than 2 Å, classed as a loop, pair exchange or
//! string, within 20 000 MD steps (equilibration included).
//!
//! About five minutes of MD on one core: the cost of proving what a teacher will see.

use std::sync::Arc;
use std::time::{Duration, Instant};

use betaglass::io::scene::Scene;
use betaglass::live::{Engine, EngineConfig, EngineStatus};
use betaglass::potential::mendelev;
use betaglass::sampling::SamplingSetup;

/// The budget for the teaching scene's event (MD steps, equilibration included).
const MAX_MD_STEPS: f64 = 20_000.0;

#[test]
fn the_teaching_scene_shows_a_classified_event_within_20000_steps() {
    let setup = SamplingSetup::teaching();
    assert_eq!(
        Scene::teaching().setup,
        setup,
        "the scene file is the set-up"
    );
    assert_eq!(setup.event_min_movers, 2, "the paper's event definition");
    assert_eq!(setup.event_mover_threshold_angstrom, 2.0);
    let engine = Engine::spawn(EngineConfig {
        system: betaglass::assets::default_glass(),
        label: "embedded default glass".into(),
        potential: Arc::new(mendelev::cu_zr_mendelev_2007()),
        setup: setup.clone(),
        threads: Some(1),
        start_paused: false,
    });
    let equilibration_steps = (setup.equilibrate_ps * 1000.0 / setup.timestep_fs).round();
    let biased_budget = (MAX_MD_STEPS - equilibration_steps) as u64;
    // Generous: the MD takes ~5 min on an idle core; a loaded machine is slower, not wrong.
    let deadline = Instant::now() + Duration::from_secs(3600);
    let s = loop {
        let s = engine.latest();
        if !s.events.is_empty() {
            break s;
        }
        if let EngineStatus::Stopped { reason } = &s.status {
            panic!("the sampling stopped: {reason}");
        }
        assert!(
            s.biased_steps <= biased_budget + 2_000,
            "no event in {} biased steps (precursors: {:?})",
            s.biased_steps,
            s.precursors.iter().map(|p| p.label()).collect::<Vec<_>>()
        );
        assert!(
            Instant::now() < deadline,
            "timed out at {} biased steps",
            s.biased_steps
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let event = &s.events[0];
    let crossing_md_steps =
        equilibration_steps + event.crossing_md_time_ps * 1000.0 / setup.timestep_fs;
    println!(
        "event 1: {} at {:.0} MD steps (biased {:.1} ps), {} movers, after {} precursor(s)",
        event.motion.describe(),
        crossing_md_steps,
        event.crossing_md_time_ps,
        event.moved.len(),
        s.precursors.len()
    );
    assert!(
        crossing_md_steps <= MAX_MD_STEPS,
        "the event crossed at {crossing_md_steps} MD steps"
    );
    let class = event.motion.class_name();
    assert!(
        ["loop", "pair exchange", "string"].contains(&class),
        "the event is classed '{class}'"
    );
    assert!(
        event.moved.len() >= 2,
        "{} atoms moved more than 2 Å",
        event.moved.len()
    );
}
