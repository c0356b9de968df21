//! The app's engine thread without a window: commands change the engine as asked, snapshots
//! carry consistent data, a restart with a new σ and centre resets the bias, a blow-up stops
//! cleanly, and the thread ends when its handle is dropped.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use betaglass::live::{Command, Engine, EngineConfig, EngineStatus, Snapshot};
use betaglass::potential::mendelev;
use betaglass::sampling::setup::nearest_cu_to_box_centre;
use betaglass::sampling::{CentreChoice, SamplingSetup};

/// A sampling that starts at once: 10 steps of equilibration, a sample and a hill every
/// 10 steps.
fn quick_setup() -> SamplingSetup {
    let mut s = SamplingSetup::teaching();
    s.equilibrate_ps = 0.02;
    s.sample_every_steps = 10;
    s.hills.stride_steps = 10;
    s
}

fn engine(setup: SamplingSetup, start_paused: bool) -> Engine {
    Engine::spawn(EngineConfig {
        system: betaglass::assets::default_glass(),
        label: "default".into(),
        potential: Arc::new(mendelev::cu_zr_mendelev_2007()),
        setup,
        threads: Some(1),
        start_paused,
    })
}

/// Polls the newest snapshot until `ok` holds; fails the test after `seconds`.
fn wait_for(
    engine: &Engine,
    seconds: u64,
    what: &str,
    ok: impl Fn(&Snapshot) -> bool,
) -> Arc<Snapshot> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let s = engine.latest();
        if ok(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; last status {:?}, message {:?}, biased steps {}",
            s.status,
            s.message,
            s.biased_steps
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn snapshots_are_consistent() {
    let e = engine(quick_setup(), false);
    let s = wait_for(&e, 120, "three hills", |s| s.hills.len() >= 3);
    let system = betaglass::assets::default_glass();
    // Atoms: every id once, ascending, inside the box.
    assert_eq!(s.atoms.len(), system.n_atoms());
    assert!(s.atoms.ids.windows(2).all(|w| w[0] < w[1]));
    let lo = s.atoms.cell_lo_angstrom;
    let len = s.atoms.cell_lengths_angstrom;
    for x in &s.atoms.positions_angstrom {
        for k in 0..3 {
            assert!(
                x[k] >= lo[k] - 1e-3 && x[k] <= lo[k] + len[k] + 1e-3,
                "{x:?}"
            );
        }
    }
    // The default centre is the Cu atom nearest the box centre, first in the cluster.
    let centre = nearest_cu_to_box_centre(&system).unwrap();
    assert_eq!(s.centre_id, Some(centre));
    assert_eq!(s.cluster_ids[0], centre);
    assert!(s.cluster_ids.len() >= 10, "{:?}", s.cluster_ids);
    for id in &s.cluster_ids {
        let k = s.atoms.index_of(*id).expect("cluster atom in the frame");
        assert_eq!(s.atoms.ids[k], *id);
    }
    assert_eq!(s.atoms.species_of(s.atoms.index_of(centre).unwrap()), "Cu");
    // The trace ends at the snapshot's step; grids agree in length; F's minimum is 0.
    let last = s.trace.last().unwrap();
    assert_eq!(last.biased_step, s.biased_steps);
    assert_eq!(s.trace[0].biased_step, 0);
    assert_eq!(s.grid_s_angstrom.len(), s.bias_ev.len());
    assert_eq!(s.grid_s_angstrom.len(), s.free_energy_ev.len());
    let f_min = s
        .free_energy_ev
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    assert!(f_min.abs() < 1e-12, "{f_min}");
    // The first hill at full height w₀; well-tempered hills after it are positive and never
    // taller than w₀.
    let w0 = quick_setup().hills.height_ev;
    assert!((s.hills[0].1 - w0).abs() < 1e-12);
    for &(_, w) in s.hills.iter() {
        assert!(w > 0.0 && w <= w0 + 1e-12, "{w}");
    }
    // The bias is positive somewhere once hills are down.
    assert!(s.bias_ev.iter().any(|&v| v > 0.0));
    // Serials only grow.
    let later = wait_for(&e, 60, "a newer snapshot", |x| x.serial > s.serial);
    assert!(later.biased_steps >= s.biased_steps);
    assert_eq!(later.sampling_serial, s.sampling_serial);
    assert!(matches!(later.status, EngineStatus::Sampling));
    assert!(later.steps_per_s >= 0.0);
    assert!(later.thermo.is_some());
}

#[test]
fn pause_step_and_resume() {
    let e = engine(quick_setup(), false);
    wait_for(&e, 120, "sampling", |s| s.biased_steps >= 20);
    e.send(Command::Pause);
    let paused = wait_for(&e, 30, "paused", |s| s.status == EngineStatus::Paused);
    std::thread::sleep(Duration::from_millis(500));
    let still = e.latest();
    assert_eq!(
        still.biased_steps, paused.biased_steps,
        "a paused engine moved"
    );
    // One step: exactly one sample interval.
    e.send(Command::Step);
    let stepped = wait_for(&e, 30, "one step", |s| {
        s.biased_steps != paused.biased_steps
    });
    assert_eq!(stepped.biased_steps, paused.biased_steps + 10);
    e.send(Command::Resume);
    wait_for(&e, 60, "running again", |s| {
        s.biased_steps > stepped.biased_steps + 20
    });
}

#[test]
fn new_hill_settings_apply_from_the_next_hill() {
    let e = engine(quick_setup(), false);
    let before = wait_for(&e, 120, "two hills", |s| s.hills.len() >= 2);
    let mut hills = before.setup.hills;
    hills.height_ev = 0.005;
    hills.stride_steps = 20;
    e.send(Command::SetHills(hills));
    let after = wait_for(&e, 60, "new hills", |s| {
        s.setup.hills == hills && s.hills.len() >= before.hills.len() + 3
    });
    // Earlier hills stay; later ones start from the new w₀ (scaled down by the bias).
    assert_eq!(after.hills[0], before.hills[0]);
    let last = after.hills.last().unwrap();
    assert!(last.1 <= 0.005 + 1e-12, "{last:?}");
    // Hills now come every 20 steps: spacing of the last two in time = 20 × 2 fs.
    let n = after.hills.len();
    let dt = after.hills[n - 1].0 - after.hills[n - 2].0;
    assert!((dt - 0.04).abs() < 1e-9, "{dt}");
}

#[test]
fn restart_with_new_sigma_and_centre_resets_the_bias() {
    let e = engine(quick_setup(), false);
    let first = wait_for(&e, 120, "three hills", |s| s.hills.len() >= 3);
    let system = betaglass::assets::default_glass();
    let new_centre = system
        .ids
        .iter()
        .copied()
        .find(|&id| Some(id) != first.centre_id)
        .unwrap();
    let mut setup = quick_setup();
    setup.hills.sigma_angstrom = 0.3;
    setup.centre = CentreChoice::Atom(new_centre);
    setup.cutoff_angstrom = 3.6;
    e.send(Command::Restart {
        setup: setup.clone(),
        from_current: false,
    });
    let s = wait_for(&e, 120, "the new sampling", |s| {
        s.sampling_serial > first.sampling_serial && !s.trace.is_empty()
    });
    assert_eq!(s.centre_id, Some(new_centre));
    assert_eq!(s.setup, setup);
    // A fresh bias: at most the hills of the new run, none of the old ones.
    assert!(s.hills.len() <= s.biased_steps as usize / 10 + 1);
    assert_eq!(s.trace[0].biased_step, 0);
    assert!(s.trace[0].s_angstrom.abs() < 1e-12);
    let s2 = wait_for(&e, 60, "a hill of the new sampling", |x| {
        x.sampling_serial == s.sampling_serial && !x.hills.is_empty()
    });
    assert_eq!(s2.setup.hills.sigma_angstrom, 0.3);
}

#[test]
fn a_bad_file_is_reported_and_the_run_goes_on() {
    let e = engine(quick_setup(), false);
    wait_for(&e, 120, "sampling", |s| s.biased_steps >= 10);
    e.send(Command::Open {
        file: Some("/nonexistent/glass.extxyz".into()),
        setup: quick_setup(),
    });
    let s = wait_for(&e, 30, "an error message", |s| s.message.is_some());
    let (_, text) = s.message.clone().unwrap();
    assert!(text.contains("/nonexistent/glass.extxyz"), "{text}");
    let later = wait_for(&e, 60, "more steps", |x| x.biased_steps > s.biased_steps);
    assert_eq!(later.sampling_serial, s.sampling_serial);
}

#[test]
fn a_blow_up_stops_cleanly_and_keeps_the_configuration() {
    let mut setup = quick_setup();
    // 40 fs steps throw atoms into each other within a few steps.
    setup.timestep_fs = 40.0;
    setup.equilibrate_ps = 2.0;
    let e = engine(setup, false);
    let s = wait_for(&e, 120, "a stop", |s| {
        matches!(s.status, EngineStatus::Stopped { .. })
    });
    let EngineStatus::Stopped { reason } = &s.status else {
        unreachable!()
    };
    assert!(reason.contains("unstable"), "{reason}");
    // The last good configuration stays on screen.
    assert_eq!(s.atoms.len(), 4000);
    // The engine still answers: a sane restart runs.
    e.send(Command::Restart {
        setup: quick_setup(),
        from_current: false,
    });
    wait_for(&e, 120, "the sane run", |x| {
        x.sampling_serial > s.sampling_serial && x.biased_steps >= 10
    });
}

#[test]
fn export_and_restart_files_round_trip() {
    let e = engine(quick_setup(), false);
    wait_for(&e, 120, "hills", |s| s.hills.len() >= 2);
    e.send(Command::Pause);
    let s = wait_for(&e, 30, "paused", |s| s.status == EngineStatus::Paused);
    let dir = common::scratch_dir("export_and_restart_files_round_trip");
    let prefix = dir.join("run").display().to_string();
    e.send(Command::ExportSampling(prefix.clone()));
    let restart = dir.join("run.restart.json");
    e.send(Command::SaveRestart(restart.clone()));
    wait_for(&e, 30, "saved", |x| {
        x.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("saved the sampling"))
    });
    let hills = std::fs::read_to_string(format!("{prefix}.colvars.meta.hills.traj")).unwrap();
    let hills = betaglass::io::colvars::read_hills(&hills, "hills").unwrap();
    assert_eq!(hills.len(), s.hills.len());
    let traj = std::fs::read_to_string(format!("{prefix}.colvars.traj")).unwrap();
    assert_eq!(traj.lines().count(), 1 + s.trace.len());
    // Resume it: the same steps, hills and cluster, as a new sampling.
    e.send(Command::ResumeFrom(restart));
    let r = wait_for(&e, 60, "resumed", |x| x.sampling_serial > s.sampling_serial);
    assert_eq!(r.biased_steps, s.biased_steps);
    assert_eq!(r.hills.len(), s.hills.len());
    assert_eq!(r.cluster_ids, s.cluster_ids);
}

#[test]
fn dropping_the_handle_stops_the_thread() {
    let e = engine(quick_setup(), false);
    wait_for(&e, 120, "sampling", |s| s.biased_steps >= 10);
    assert!(e.is_running());
    let t = Instant::now();
    drop(e);
    // At most one chunk of MD (a frame's worth) or one quench.
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

#[test]
fn shutdown_during_equilibration_is_prompt() {
    let mut setup = quick_setup();
    setup.equilibrate_ps = 100.0;
    let e = engine(setup, false);
    wait_for(
        &e,
        60,
        "equilibrating",
        |s| matches!(s.status, EngineStatus::Equilibrating { done_steps, .. } if done_steps > 0),
    );
    let t = Instant::now();
    e.shutdown();
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn a_new_sampling_asked_for_while_paused_runs() {
    let e = engine(quick_setup(), false);
    let first = wait_for(&e, 120, "sampling", |s| s.biased_steps >= 10);
    e.send(Command::Pause);
    wait_for(&e, 30, "paused", |s| s.status == EngineStatus::Paused);
    e.send(Command::Restart {
        setup: quick_setup(),
        from_current: true,
    });
    wait_for(&e, 120, "the new sampling running", |s| {
        s.sampling_serial > first.sampling_serial
            && s.status == EngineStatus::Sampling
            && s.biased_steps >= 20
    });
}
