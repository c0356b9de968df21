//! The fix trait from outside the crate, with a small test fix: a harmonic tether of a few
//! atoms to fixed anchor points, E = Σ ½k|x_i − a_i|² (minimum image). Its energy is checked
//! against the analytic sum, its force against a finite difference of its energy, the
//! engine's NVE conserved energy (which includes the fixes') against a run without it, and
//! its state through a restart file and the engine's typed handles.

mod common;

use betaglass::dynamics::Ensemble;
use betaglass::fix::{AtomMap, Fix, FixContext, FixError};
use betaglass::io::read_configuration;
use betaglass::simulation::{MdSettings, Simulation, SimulationState};
use betaglass::system::{System, Vec3};

/// Tethered atoms (ids) and each one's anchor offset from its starting site (Å).
const TETHERED: [(u64, Vec3); 3] = [
    (348, [0.3, -0.2, 0.1]),
    (1393, [-0.15, 0.25, 0.2]),
    (2543, [0.05, 0.1, -0.35]),
];
const K_EV_PER_ANGSTROM2: f64 = 1.0;

/// A harmonic tether (LAMMPS's `fix spring/self` with chosen anchors). It counts the steps
/// it has seen, so that it has a state to save.
#[derive(Clone, Debug)]
struct Tether {
    ids: Vec<u64>,
    anchors_angstrom: Vec<Vec3>,
    k_ev_per_angstrom2: f64,
    /// 1 for the tether; a negative control scales its force away from −∇E.
    force_scale: f64,
    steps_seen: u64,
}

impl Tether {
    /// Tethers `TETHERED`'s atoms to their sites in `system` shifted by the offsets.
    fn on(system: &System) -> Self {
        let map = AtomMap::new(&system.ids);
        let (ids, anchors_angstrom) = TETHERED
            .iter()
            .map(|&(id, offset)| {
                let x = system.positions_angstrom[map.index_of(id).unwrap()];
                (id, std::array::from_fn(|k| x[k] + offset[k]))
            })
            .unzip();
        Self {
            ids,
            anchors_angstrom,
            k_ev_per_angstrom2: K_EV_PER_ANGSTROM2,
            force_scale: 1.0,
            steps_seen: 0,
        }
    }

    /// Each tethered atom's storage index and its minimum-image separation from the anchor.
    fn stretches<'a>(&'a self, ctx: &'a FixContext) -> impl Iterator<Item = (usize, Vec3)> + 'a {
        self.ids.iter().zip(&self.anchors_angstrom).map(|(&id, a)| {
            let i = ctx.atom_map.index_of(id).unwrap();
            let x = ctx.system.positions_angstrom[i];
            (
                i,
                ctx.system
                    .cell
                    .minimum_image([x[0] - a[0], x[1] - a[1], x[2] - a[2]]),
            )
        })
    }
}

impl Fix for Tether {
    fn name(&self) -> &str {
        "tether"
    }

    fn post_force(
        &mut self,
        ctx: &FixContext,
        forces_ev_per_angstrom: &mut [Vec3],
        virial_ev: &mut [f64; 6],
    ) -> f64 {
        let k = self.k_ev_per_angstrom2;
        let mut energy = 0.0;
        for (i, d) in self.stretches(ctx) {
            energy += 0.5 * k * (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            let f = d.map(|c| -self.force_scale * k * c);
            for c in 0..3 {
                forces_ev_per_angstrom[i][c] += f[c];
            }
            let w = [
                d[0] * f[0],
                d[1] * f[1],
                d[2] * f[2],
                d[0] * f[1],
                d[0] * f[2],
                d[1] * f[2],
            ];
            virial_ev.iter_mut().zip(w).for_each(|(v, x)| *v += x);
        }
        energy
    }

    fn end_of_step(&mut self, _ctx: &FixContext) {
        self.steps_seen += 1;
    }

    fn save_state(&self) -> serde_json::Value {
        serde_json::json!({ "steps_seen": self.steps_seen })
    }

    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), FixError> {
        let steps = state["steps_seen"]
            .as_u64()
            .ok_or_else(|| FixError::Mismatch {
                fix: self.name().into(),
                reason: format!("no step count in {state}"),
            })?;
        self.steps_seen = steps;
        Ok(())
    }

    fn clone_box(&self) -> Box<dyn Fix> {
        Box::new(self.clone())
    }
}

fn glass() -> System {
    read_configuration(&common::data_path("glass_300K.data")).unwrap()
}

fn nve(system: System) -> Simulation {
    let settings = MdSettings {
        ensemble: Ensemble::Nve,
        ..MdSettings::default()
    };
    Simulation::new(system, common::embedded_potential(), settings).unwrap()
}

#[test]
fn tether_energy_is_the_analytic_spring_energy_and_its_force_reaches_the_atoms() {
    let mut sim = nve(glass());
    let bare = sim.forces().forces_ev_per_angstrom.clone();
    let tether = Tether::on(sim.system());
    let handle = sim.add_fix(tether);
    let analytic: f64 = TETHERED
        .iter()
        .map(|(_, o)| 0.5 * K_EV_PER_ANGSTROM2 * (o[0] * o[0] + o[1] * o[1] + o[2] * o[2]))
        .sum();
    let e = sim.fix_energy_ev();
    println!("tether energy {e:.15} eV, analytic {analytic:.15} eV");
    assert!((e - analytic).abs() < 1e-12 * analytic);
    assert_eq!(sim.thermo().fix_energy_ev, e);
    // The engine adds the fix's force, −k(x − a) = k·offset, to exactly its atoms.
    let map = sim.atom_map().clone();
    let with = &sim.forces().forces_ev_per_angstrom;
    for (i, (f, g)) in with.iter().zip(&bare).enumerate() {
        let offset = TETHERED
            .iter()
            .find(|(id, _)| map.index_of(*id) == Some(i))
            .map_or([0.0; 3], |(_, o)| *o);
        for c in 0..3 {
            let expected = K_EV_PER_ANGSTROM2 * offset[c];
            assert!(
                (f[c] - g[c] - expected).abs() < 1e-12,
                "atom {i}: {f:?} vs {g:?}"
            );
        }
    }
    assert_eq!(sim.fix(handle).unwrap().steps_seen, 0);
}

#[test]
fn tether_force_is_minus_the_finite_difference_of_its_energy() {
    let mut system = glass();
    let mut tether = Tether::on(&system);
    // Move the tethered atoms off their anchors' offsets so every component is stretched.
    let map = AtomMap::new(&system.ids);
    let energy_forces = |tether: &mut Tether, system: &System| {
        let ctx = FixContext {
            step: 0,
            time_ps: 0.0,
            timestep_ps: 0.002,
            system,
            atom_map: &map,
            dynamics: false,
        };
        let mut f = vec![[0.0; 3]; system.n_atoms()];
        let mut w = [0.0; 6];
        let e = tether.post_force(&ctx, &mut f, &mut w);
        (e, f)
    };
    let (_, forces) = energy_forces(&mut tether, &system);
    let h = 1e-5;
    let mut worst = 0.0f64;
    for &(id, _) in &TETHERED {
        let i = map.index_of(id).unwrap();
        for c in 0..3 {
            let x0 = system.positions_angstrom[i][c];
            system.positions_angstrom[i][c] = x0 + h;
            let (up, _) = energy_forces(&mut tether, &system);
            system.positions_angstrom[i][c] = x0 - h;
            let (down, _) = energy_forces(&mut tether, &system);
            system.positions_angstrom[i][c] = x0;
            let fd = -(up - down) / (2.0 * h);
            worst = worst.max((fd - forces[i][c]).abs());
        }
    }
    println!("largest |F + dE/dx| {worst:.2e} eV/Å");
    // A quadratic energy: the central difference is exact up to round-off, ~ε·E/h.
    assert!(worst < 1e-9);
}

/// Largest |E_conserved(t) − E_conserved(0)| over `steps` NVE steps, and the range of the
/// fix energy over them, with a tether whose force is `force_scale` × −∇E (none if `None`).
fn nve_deviation(force_scale: Option<f64>, steps: u64) -> (f64, f64) {
    let mut sim = nve(glass());
    sim.randomize_velocities(300.0, 3);
    if let Some(force_scale) = force_scale {
        let tether = Tether {
            force_scale,
            ..Tether::on(sim.system())
        };
        sim.add_fix(tether);
    }
    let e0 = sim.thermo().conserved_energy_ev;
    let (mut worst, mut lo, mut hi) = (0.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for _ in 0..steps / 10 {
        sim.step(10).unwrap();
        let t = sim.thermo();
        worst = worst.max((t.conserved_energy_ev - e0).abs());
        lo = lo.min(t.fix_energy_ev);
        hi = hi.max(t.fix_energy_ev);
    }
    (worst, hi - lo)
}

#[test]
fn nve_with_a_tether_conserves_energy_plus_tether_energy() {
    let (bare, _) = nve_deviation(None, 600);
    let (tethered, swing) = nve_deviation(Some(1.0), 600);
    let (wrong, _) = nve_deviation(Some(0.5), 600);
    println!(
        "NVE 1.2 ps: max |ΔE_conserved| {bare:.2e} eV bare, {tethered:.2e} eV tethered, {wrong:.2e} eV with half the tether's force; tether energy swings by {swing:.3} eV"
    );
    // A force that is not −∇E of the fix energy the engine adds to the conserved quantity
    // leaves an error of the order of the energy the fix exchanges (the control, with half
    // the force, shows it). The tether (k = 1 eV/Å², softer than the EAM's ~16 eV/Å² bonds)
    // must add less than 1 % of that to the glass's own integration error.
    assert!(
        wrong - bare > 0.1 * swing,
        "the control must show a wrong force"
    );
    assert!(
        (tethered - bare).abs() < 0.01 * swing,
        "{tethered} vs {bare}"
    );
}

#[test]
fn tether_state_survives_a_restart_file_and_handles_follow_their_fix() {
    let mut sim = nve(glass());
    sim.randomize_velocities(300.0, 5);
    let tether = Tether::on(sim.system());
    let handle = sim.add_fix(tether.clone());
    sim.step(40).unwrap();
    assert_eq!(sim.fix(handle).unwrap().steps_seen, 40);
    let saved = serde_json::to_string(&sim.save_state()).unwrap();
    sim.step(20).unwrap();

    let state: SimulationState = serde_json::from_str(&saved).unwrap();
    let mut resumed = Simulation::from_state(
        state.clone(),
        common::embedded_potential(),
        vec![Box::new(tether.clone())],
    )
    .unwrap();
    let resumed_handle = resumed.fix_handle::<Tether>("tether").unwrap();
    assert_eq!(resumed.fix(resumed_handle).unwrap().steps_seen, 40);
    resumed.step(20).unwrap();
    assert_eq!(resumed.fix(resumed_handle).unwrap().steps_seen, 60);
    assert_eq!(resumed.system(), sim.system());
    assert_eq!(resumed.thermo(), sim.thermo());

    // A state that does not fit is a typed error naming the fix.
    let mut bad = state;
    bad.fixes[0].1 = serde_json::json!({ "count": 3 });
    let err = Simulation::from_state(bad, common::embedded_potential(), vec![Box::new(tether)])
        .unwrap_err();
    assert!(err.to_string().contains("tether"), "{err}");

    // Replacing a fix by name retires the old handle; removing returns the fix.
    let replacement = Tether::on(sim.system());
    let new_handle = sim.add_fix(replacement);
    assert!(sim.fix(handle).is_none());
    let removed = sim.remove_fix(new_handle).unwrap();
    assert_eq!(removed.steps_seen, 0);
    assert!(sim.fix(new_handle).is_none());
    assert_eq!(sim.fix_energy_ev(), 0.0);
}
