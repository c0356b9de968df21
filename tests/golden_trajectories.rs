//! Bit-for-bit pins of the engine's trajectories, taken before the engine was split into
//! integrator styles, one force calculator and bias fixes (issue 15). Every golden value
//! below was printed by a run of the UNCHANGED code (commit b75ea99, branch `house`) and
//! pasted here; a refactoring that moves code must leave every one of them identical.
//! A deliberate change of the numerics must re-record them and say why in its commit.
//!
//! Each case runs in a one-thread rayon pool: the EAM's chunked sums (and so the last bits)
//! depend on the thread count, not on the machine.

mod common;

use std::sync::Arc;

use betaglass::dynamics::{Ensemble, FireSettings};
use betaglass::io::read_configuration;
use betaglass::landscape::relax::{FireRelaxSettings, minimize};
use betaglass::landscape::surface::{EnergySurface, GlassSurface};
use betaglass::potential::Potential;
use betaglass::sampling::{MetadynamicsRun, MetadynamicsSettings};
use betaglass::simulation::{MdSettings, Simulation};
use betaglass::system::System;

/// The paper's cluster in the LAMMPS glass: atom 348 and its 12 neighbours within 4 Å.
const CLUSTER_348: [u64; 13] = [
    348, 1393, 2543, 2104, 2341, 724, 1915, 2148, 3291, 2675, 2459, 1614, 2011,
];

fn glass() -> System {
    read_configuration(&common::data_path("glass_300K.data")).unwrap()
}

fn potential() -> Arc<dyn Potential> {
    common::embedded_potential()
}

fn one_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(f)
}

/// FNV-1a over the bits of a sequence of numbers.
fn fnv(values: impl IntoIterator<Item = f64>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Ids, positions, velocities and box of a system, in storage order, as one hash.
fn state_hash(s: &System) -> u64 {
    let ids = s.ids.iter().map(|&id| id as f64);
    let x = s.positions_angstrom.iter().flatten().copied();
    let v = s.velocities_angstrom_per_ps.iter().flatten().copied();
    let l = s.cell.lengths_angstrom();
    fnv(ids.chain(x).chain(v).chain(l))
}

/// (state hash, conserved energy bits, potential energy bits, pressure bits) after `steps`.
fn md_fingerprint(ensemble: Ensemble, steps: u64) -> (u64, u64, u64, u64) {
    one_thread(|| {
        let settings = MdSettings {
            ensemble,
            ..MdSettings::default()
        };
        let mut sim = Simulation::new(glass(), potential(), settings).unwrap();
        sim.randomize_velocities(300.0, 7);
        sim.step(steps).unwrap();
        let t = sim.thermo();
        (
            state_hash(sim.system()),
            t.conserved_energy_ev.to_bits(),
            t.potential_energy_ev.to_bits(),
            t.pressure_bar.to_bits(),
        )
    })
}

fn check(label: &str, got: (u64, u64, u64, u64), golden: (u64, u64, u64, u64)) {
    println!(
        "{label}: ({:#018x}, {:#018x}, {:#018x}, {:#018x})",
        got.0, got.1, got.2, got.3
    );
    assert_eq!(got, golden, "{label} left its recorded trajectory");
}

#[test]
fn nve_trajectory_is_unchanged() {
    let golden = (
        0xf029f427bb3315bf,
        0xc0d2af7116c7f585,
        0xc0d2d6ce2b848e20,
        0xc04fbaa13d37bf05,
    );
    check("nve", md_fingerprint(Ensemble::Nve, 150), golden);
}

#[test]
fn nose_hoover_trajectory_is_unchanged() {
    let ensemble = Ensemble::Nvt {
        temperature_k: 350.0,
        damping_ps: 0.1,
    };
    let golden = (
        0xc685f5559469f7ce,
        0xc0d2af7026ec64a0,
        0xc0d2d2212ef40fa1,
        0x408a8e6d52ebc939,
    );
    check("nvt", md_fingerprint(ensemble, 150), golden);
}

#[test]
fn langevin_trajectory_is_unchanged() {
    let ensemble = Ensemble::Langevin {
        temperature_k: 350.0,
        damping_ps: 0.1,
    };
    let golden = (
        0xcefc38c6a786429d,
        0xc0d2a43d1b7c42ea,
        0xc0d2d1a1e42cf1f2,
        0x4087be3e43280ccb,
    );
    check("langevin", md_fingerprint(ensemble, 150), golden);
}

#[test]
fn npt_trajectory_is_unchanged() {
    let ensemble = Ensemble::Npt {
        temperature_k: 350.0,
        temperature_damping_ps: 0.1,
        pressure_bar: 1000.0,
        pressure_damping_ps: 0.5,
    };
    let golden = (
        0x1a048b3b02e480ff,
        0xc0d2a4365b4774a2,
        0xc0d2d2270e1b3c21,
        0x407f9eb9e0cb99b7,
    );
    check("npt", md_fingerprint(ensemble, 150), golden);
}

/// A well-tempered metadynamics run on the paper's cluster, hills every 25 steps, with a
/// save/restore in the middle: hills, trace and final state.
#[test]
fn metadynamics_trajectory_is_unchanged() {
    let got = one_thread(|| {
        let settings = MdSettings {
            ensemble: Ensemble::Nvt {
                temperature_k: 300.0,
                damping_ps: 0.2,
            },
            ..MdSettings::default()
        };
        let mut sim = Simulation::new(glass(), potential(), settings).unwrap();
        sim.randomize_velocities(300.0, 11);
        let mut meta = MetadynamicsSettings::paper(300.0);
        meta.hills.stride_steps = 25;
        meta.sample_every_steps = 25;
        let mut run = MetadynamicsRun::start(sim, &CLUSTER_348, meta).unwrap();
        run.advance(100).unwrap();
        let saved = serde_json::to_string(&run.save_state()).unwrap();
        let mut run =
            MetadynamicsRun::resume(serde_json::from_str(&saved).unwrap(), potential()).unwrap();
        run.advance(100).unwrap();
        let hills = fnv(run
            .hills()
            .iter()
            .flat_map(|h| [h.centre_angstrom, h.weight_ev, h.step as f64]));
        let trace = fnv(run.trace().iter().map(|c| c.s_angstrom));
        let t = run.simulation().thermo();
        (
            state_hash(run.simulation().system()),
            hills ^ trace.rotate_left(17),
            t.conserved_energy_ev.to_bits(),
            t.fix_energy_ev.to_bits(),
        )
    });
    let golden = (
        0x86c331ecafb751eb,
        0x7e7fdd313508e1f0,
        0xc0d2af66287c51a1,
        0x3fc565da5ec49822,
    );
    check("metad", got, golden);
}

/// The engine's FIRE (FIRE 2.0 in physical time) from the hot glass, 60 steps.
#[test]
fn engine_fire_is_unchanged() {
    let got = one_thread(|| {
        let settings = MdSettings {
            ensemble: Ensemble::Nve,
            ..MdSettings::default()
        };
        let mut sim = Simulation::new(glass(), potential(), settings).unwrap();
        let out = sim.minimize(FireSettings {
            max_steps: 60,
            ..FireSettings::default()
        });
        (
            state_hash(sim.system()),
            out.energy_ev.to_bits(),
            out.max_force_ev_per_angstrom.to_bits(),
            out.steps as u64,
        )
    });
    let golden = (
        0x40a51055e76afc46,
        0xc0d2ff117378569d,
        0x3fa7171397b0aacb,
        0x000000000000003c,
    );
    check("engine fire", got, golden);
}

/// ART's FIRE on the glass surface (unwrapped coordinates, list rebuilt as atoms move), 80
/// steps from a configuration with one atom pushed 0.6 Å off its site.
#[test]
fn surface_fire_is_unchanged() {
    let got = one_thread(|| {
        let system = glass();
        let mut surface = GlassSurface::new(&system, potential(), 1.0).unwrap();
        let mut x = surface.coordinates();
        x[3 * 347] += 0.6;
        let m = minimize(&mut surface, x, 1e-4, 80, FireRelaxSettings::default());
        (
            fnv(m.x.iter().copied()),
            m.energy.to_bits(),
            fnv(m.forces.iter().copied()),
            surface.force_calls(),
        )
    });
    let golden = (
        0xae725b27e97657b8,
        0xc0d2ff33626d27fa,
        0x9f59fe3e3cda8f65,
        0x0000000000000051,
    );
    check("surface fire", got, golden);
}
