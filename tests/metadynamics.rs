//! Metadynamics on the glass: the RMSD CV against LAMMPS's Colvars, the bias fix inside the
//! engine (ids across atom re-sorts, energy conservation), the well-tempered law of a real
//! run's hills, F = −((T+ΔT)/ΔT)·V, and bit-identical restarts.

mod common;

use std::sync::Arc;

use betaglass::dynamics::Ensemble;
use betaglass::io::read_lammps_data;
use betaglass::potential::Potential;
use betaglass::sampling::{
    Bias, Cluster, ClusterTracker, CollectiveVariable, CvBiasFix, CvGrid, FreeEnergyProfile,
    HarmonicRestraint, Hill, HillSettings, Metadynamics, MetadynamicsRun, MetadynamicsSettings,
    MetadynamicsState, RmsdCv,
};
use betaglass::simulation::{MdSettings, Simulation};
use betaglass::system::units::BOLTZMANN_EV_PER_K;
use betaglass::system::{Cell, System};
use common::{data_path, load_json, vec3};

/// The paper's cluster in the LAMMPS glass: atom 348 and its 12 neighbours within 4 Å.
const CLUSTER_348: [u64; 13] = [
    348, 1393, 2543, 2104, 2341, 724, 1915, 2148, 3291, 2675, 2459, 1614, 2011,
];

fn lammps_glass() -> System {
    let path = data_path("glass_300K.data");
    let text = std::fs::read_to_string(&path).unwrap();
    read_lammps_data(&text, &path.display().to_string()).unwrap()
}

fn potential() -> Arc<dyn Potential> {
    common::embedded_potential()
}

fn nvt(temperature_k: f64) -> MdSettings {
    MdSettings {
        ensemble: Ensemble::Nvt {
            temperature_k,
            damping_ps: 0.2,
        },
        ..MdSettings::default()
    }
}

#[test]
fn rmsd_and_gradient_equal_colvars() {
    let data = load_json("colvars/rmsd_cases.json");
    let lo = vec3(&data["cell_lo_angstrom"]);
    let hi = vec3(&data["cell_hi_angstrom"]);
    let cell = Cell::new(lo, std::array::from_fn(|k| hi[k] - lo[k])).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 9);
    let (mut worst_s, mut worst_g) = (0.0f64, 0.0f64);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let ids: Vec<u64> = case["atom_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let vectors = |key: &str| -> Vec<[f64; 3]> {
            case[key].as_array().unwrap().iter().map(vec3).collect()
        };
        let cv = RmsdCv::new(ids.clone(), &vectors("reference_positions_angstrom")).unwrap();
        // betaglass sees wrapped positions; the tracker makes the cluster whole, as image
        // flags do for Colvars.
        let tracker = ClusterTracker::whole_around_first(&vectors("positions_angstrom"), &cell);
        let mut g = vec![[0.0; 3]; ids.len()];
        let s = cv.value_and_gradient(tracker.positions_angstrom(), &mut g);
        let s_ref = case["rmsd_angstrom"].as_f64().unwrap();
        worst_s = worst_s.max((s - s_ref).abs());
        assert!((s - s_ref).abs() < 1e-9, "{name}: s {s} vs Colvars {s_ref}");
        for (k, (gi, gr)) in g.iter().zip(vectors("gradient_per_angstrom")).enumerate() {
            for d in 0..3 {
                worst_g = worst_g.max((gi[d] - gr[d]).abs());
                assert!(
                    (gi[d] - gr[d]).abs() < 1e-9,
                    "{name}: atom {} axis {d}: {} vs Colvars {}",
                    ids[k],
                    gi[d],
                    gr[d]
                );
            }
        }
    }
    println!("RMSD vs Colvars: max |Δs| {worst_s:.2e} Å, max |Δ∇s| {worst_g:.2e} /Å");
}

/// s of the cluster straight from the configuration (ids looked up, made whole).
fn rmsd_of(system: &System, cv: &RmsdCv) -> f64 {
    let c = Cluster::from_ids(system, cv.atom_ids()).unwrap();
    let mut g = vec![[0.0; 3]; cv.atom_ids().len()];
    cv.value_and_gradient(&c.positions_angstrom(), &mut g)
}

#[test]
fn the_bias_follows_its_atoms_by_id_through_resorts() {
    let glass = lammps_glass();
    let cluster = Cluster::from_ids(&glass, &CLUSTER_348).unwrap();
    let cv = RmsdCv::new(cluster.ids(), &cluster.positions_angstrom()).unwrap();
    let restraint = Bias::Harmonic(HarmonicRestraint {
        centre_angstrom: 0.6,
        force_constant_ev_per_angstrom2: 50.0,
    });
    let mut sim = Simulation::new(glass, potential(), nvt(300.0)).unwrap();
    sim.randomize_velocities(300.0, 7);
    let handle = sim.add_fix(CvBiasFix::new(
        Box::new(cv.clone()),
        vec![restraint],
        300.0,
        0,
    ));
    let generation = sim.atom_map().generation();
    let mut pulled = Vec::new();
    for _ in 0..10 {
        sim.step(200).unwrap();
        let fix = sim.fix(handle).unwrap();
        let s = fix.last_sample().s_angstrom;
        assert!((s - rmsd_of(sim.system(), &cv)).abs() < 1e-9);
        pulled.push(s);
    }
    assert!(
        sim.atom_map().generation() > generation,
        "atoms were re-sorted during the run"
    );
    // The restraint (k = 50 eV/Å², stiffer than the cage: s fluctuates by ~0.05 Å, so the
    // cage's own stiffness is ~k_BT/0.05² ≈ 10 eV/Å²) pulls the cluster from s ≈ 0.2 Å
    // (thermal) most of the way to 0.6 Å.
    let late = pulled[5..].iter().sum::<f64>() / 5.0;
    println!("restrained s over the run: {pulled:.3?}");
    assert!(late > 0.45, "the restraint moved s to {late}");
}

#[test]
fn nve_with_a_frozen_bias_conserves_energy_plus_bias() {
    let glass = lammps_glass();
    let cluster = Cluster::from_ids(&glass, &CLUSTER_348).unwrap();
    let cv = RmsdCv::new(cluster.ids(), &cluster.positions_angstrom()).unwrap();
    // Hills that never grow (stride beyond the run), steep enough to push: V changes by
    // ~0.1 eV as s fluctuates.
    let settings = HillSettings {
        height_ev: 0.3,
        sigma_angstrom: 0.1,
        stride_steps: u64::MAX,
        bias_temperature_k: f64::INFINITY,
    };
    let mut meta = Metadynamics::new(settings, CvGrid::new(0.0, 5.25, 0.035).unwrap()).unwrap();
    for (k, c) in [0.1, 0.2, 0.25, 0.3].into_iter().enumerate() {
        meta.add_hill(Hill {
            step: k as u64,
            centre_angstrom: c,
            sigma_angstrom: 0.1,
            weight_ev: 0.3,
        });
    }
    let md = MdSettings {
        timestep_ps: 0.001,
        ensemble: Ensemble::Nve,
        ..MdSettings::default()
    };
    let mut sim = Simulation::new(glass, potential(), md).unwrap();
    sim.randomize_velocities(300.0, 11);
    sim.add_fix(CvBiasFix::new(
        Box::new(cv),
        vec![Bias::Metadynamics(meta)],
        300.0,
        0,
    ));
    let (mut conserved, mut bias, mut physical) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..200 {
        sim.step(10).unwrap();
        let t = sim.thermo();
        conserved.push(t.conserved_energy_ev);
        physical.push(t.total_energy_ev);
        bias.push(t.fix_energy_ev);
    }
    let spread = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    };
    let (sc, sb, sp) = (spread(&conserved), spread(&bias), spread(&physical));
    println!(
        "NVE 1 fs, 2000 steps, frozen bias: rms of E+V {sc:.3e} eV, of V {sb:.3e} eV, of E alone {sp:.3e} eV"
    );
    assert!(sb > 1e-2, "the bias must matter: rms V = {sb}");
    // E + V is conserved as well as the unbiased glass conserves E at 1 fs (~1e-3 eV for
    // 4000 atoms), far better than E alone, which exchanges energy with the bias.
    assert!(sc < 2e-3, "rms of E + V = {sc}");
    assert!(
        sc < 0.1 * sp,
        "E + V ({sc}) must be conserved far better than E ({sp})"
    );
}

fn short_run_settings() -> MetadynamicsSettings {
    let mut s = MetadynamicsSettings::paper(300.0);
    s.hills.stride_steps = 50;
    s.sample_every_steps = 50;
    s
}

#[test]
fn well_tempered_hills_of_a_glass_run_obey_the_law_and_the_pmf_is_minus_gamma_v() {
    let mut sim = Simulation::new(lammps_glass(), potential(), nvt(300.0)).unwrap();
    sim.randomize_velocities(300.0, 1001);
    let settings = short_run_settings();
    let mut run = MetadynamicsRun::start(sim, &CLUSTER_348, settings.clone()).unwrap();
    run.advance(3000).unwrap();
    let hills = run.hills().to_vec();
    assert_eq!(hills.len(), 60);
    let kt_bias = BOLTZMANN_EV_PER_K * settings.hills.bias_temperature_k;
    let grid = settings.grid;
    let mut worst = 0.0f64;
    for (k, h) in hills.iter().enumerate() {
        // Colvars' law: w₀·exp(−V/k_BΔT), V of the earlier hills at the centre of s's bin.
        let centre = grid.centre(grid.bin_of(h.centre_angstrom).unwrap());
        let v: f64 = hills[..k].iter().map(|e| e.energy_ev(centre)).sum();
        let expected = 0.03 * (-v / kt_bias).exp();
        worst = worst.max((h.weight_ev / expected - 1.0).abs());
        // The hill sits at the CV sampled at its step.
        let sample = run
            .trace()
            .iter()
            .find(|c| c.biased_step == h.step)
            .unwrap();
        assert_eq!(sample.s_angstrom, h.centre_angstrom);
        assert_eq!(h.sigma_angstrom, 0.175);
    }
    println!(
        "60 hills, last weight {:.4} eV, worst relative deviation from the WT law {worst:.1e}",
        hills[59].weight_ev
    );
    assert!(worst < 1e-12);
    assert!(
        hills[59].weight_ev < 0.8 * 0.03,
        "the basin fills, so weights fall"
    );
    let factor = (300.0 + 2700.0) / 2700.0;
    let profile = run.free_energy_profile();
    let exact: Vec<f64> = grid
        .centres()
        .iter()
        .map(|&s| -factor * hills.iter().map(|h| h.energy_ev(s)).sum::<f64>())
        .collect();
    let min = exact.iter().copied().fold(f64::INFINITY, f64::min);
    for (f, e) in profile.free_energy_ev.iter().zip(&exact) {
        assert!((f - (e - min)).abs() < 1e-12);
    }
    let from_history = FreeEnergyProfile::of_metadynamics_at(run.metadynamics(), 300.0, u64::MAX);
    assert_eq!(from_history.free_energy_ev, profile.free_energy_ev);
}

#[test]
fn a_resumed_run_is_bit_identical() {
    let mut sim = Simulation::new(lammps_glass(), potential(), nvt(300.0)).unwrap();
    sim.randomize_velocities(300.0, 5);
    let mut run = MetadynamicsRun::start(sim, &CLUSTER_348, short_run_settings()).unwrap();
    run.advance(400).unwrap();
    let saved = serde_json::to_string(&run.save_state()).unwrap();
    run.advance(400).unwrap();
    let state: MetadynamicsState = serde_json::from_str(&saved).unwrap();
    eprintln!(
        "state step {} trace last {:?}",
        state.simulation.step,
        state.trace.last()
    );
    let mut resumed = MetadynamicsRun::resume(state, potential()).unwrap();
    eprintln!(
        "resumed biased {} sim step {}",
        resumed.biased_steps(),
        resumed.simulation().step_count()
    );
    resumed.advance(400).unwrap();
    assert_eq!(resumed.biased_steps(), 800);
    assert_eq!(resumed.trace(), run.trace());
    assert_eq!(resumed.hills(), run.hills());
    assert_eq!(resumed.simulation().system(), run.simulation().system());
    assert_eq!(
        resumed.simulation().thermo(),
        run.simulation().thermo(),
        "thermostat and energies continue bit for bit"
    );
}

#[test]
fn bad_sampling_input_is_an_error() {
    let glass = lammps_glass();
    let sim = Simulation::new(glass.clone(), potential(), nvt(300.0)).unwrap();
    let mut s = short_run_settings();
    s.hills.sigma_angstrom = 0.0;
    let e = MetadynamicsRun::start(sim, &CLUSTER_348, s).err().unwrap();
    assert!(e.to_string().contains("σ"), "{e}");
    let sim = Simulation::new(glass.clone(), potential(), nvt(300.0)).unwrap();
    let e = MetadynamicsRun::start(sim, &[348, 999_999], short_run_settings())
        .err()
        .unwrap();
    assert!(e.to_string().contains("999999"), "{e}");
    let e = Cluster::around(&glass, 348, 1.0).unwrap_err();
    assert!(e.to_string().contains("only 1 atom"), "{e}");
    let mut s = short_run_settings();
    s.hills.bias_temperature_k = 0.0;
    let sim = Simulation::new(glass, potential(), nvt(300.0)).unwrap();
    assert!(MetadynamicsRun::start(sim, &CLUSTER_348, s).is_err());
}
