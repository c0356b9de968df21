//! What the engine shows: the display state it keeps beside the simulation ([`ViewState`])
//! and the [`Snapshot`]s built from it, published at display rate; an event as the display
//! replays it ([`event_view`]).

use std::sync::Arc;
use std::time::Instant;

use super::snapshot::{AtomFrame, EventView, Snapshot, ThermoPoint};
use crate::analysis::rdf::{RdfLandmarks, partial_rdfs};
use crate::calculator::Calculator;
use crate::io::lammps_deck::SamplingDeck;
use crate::potential::Potential;
use crate::sampling::{Barrier, Estimator, Event, MetadynamicsRun};
use crate::simulation::Simulation;
use crate::system::{System, Vec3};

/// Per-atom energies, while the display colours by energy, are recomputed at most every
/// this many MD steps and [`ENERGY_REFRESH_S`] seconds: a neighbour list and a force
/// evaluation each, so one extra evaluation per hundred steps whatever the engine's speed.
pub const ENERGY_REFRESH_STEPS: u64 = 100;
/// See [`ENERGY_REFRESH_STEPS`]: a fast engine refreshes twice a second, no more.
pub const ENERGY_REFRESH_S: f64 = 0.5;

/// Publications per second while running: the display's rate, no more.
pub(super) const PUBLISH_HZ: f64 = 30.0;
/// Thermo points kept; older ones are thinned by half when the history is full.
const THERMO_HISTORY_MAX: usize = 4000;

/// What the engine keeps only for the display.
pub(super) struct ViewState {
    pub(super) serial: u64,
    pub(super) sampling_serial: u64,
    pub(super) message_serial: u64,
    pub(super) message: Option<(u64, String)>,
    /// Reference positions by id order (the configuration when the bias was switched on).
    pub(super) reference_angstrom: Vec<Vec3>,
    /// Storage indices in ascending id order, and the atom map generation they belong to.
    pub(super) order: Vec<usize>,
    pub(super) order_generation: Option<u64>,
    /// MD steps before the current run began (equilibration and earlier samplings).
    pub(super) steps_before_run: u64,
    pub(super) thermo_history: Vec<ThermoPoint>,
    pub(super) barrier_history: Vec<(f64, Option<f64>)>,
    pub(super) events: Vec<Arc<EventView>>,
    pub(super) last_publish: Option<Instant>,
    pub(super) rate: RateMeter,
    /// The atoms last shown: kept on screen when a sampling stops or fails to start.
    pub(super) last_atoms: Arc<AtomFrame>,
    /// The cluster a sampling being started will push (shown while it equilibrates).
    pub(super) starting_cluster: Vec<u64>,
    /// RDF landmarks of the opened configuration, computed once per configuration.
    pub(super) rdf_landmarks: Option<Arc<Vec<(String, RdfLandmarks)>>>,
    /// The LAMMPS + Colvars deck of the sampling, or why there is none.
    pub(super) deck: Result<Arc<SamplingDeck>, String>,
    /// Per-atom energies for the display, when it asked for them.
    pub(super) energies: Option<AtomEnergies>,
}

/// The display's per-atom energies: a calculator of their own (the run's is not touched, so
/// the dynamics never see this), and the last values in id order.
pub(super) struct AtomEnergies {
    calculator: Option<Calculator>,
    /// When (wall clock, MD step) they were last computed.
    computed: Option<(Instant, u64)>,
    excess_ev: Vec<f32>,
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            serial: 0,
            sampling_serial: 0,
            message_serial: 0,
            message: None,
            reference_angstrom: Vec::new(),
            order: Vec::new(),
            order_generation: None,
            steps_before_run: 0,
            thermo_history: Vec::new(),
            barrier_history: Vec::new(),
            events: Vec::new(),
            last_publish: None,
            rate: RateMeter::default(),
            last_atoms: Arc::default(),
            starting_cluster: Vec::new(),
            rdf_landmarks: None,
            deck: Err("no sampling has started yet".into()),
            energies: None,
        }
    }
}

/// Steps per second over a sliding second.
#[derive(Default)]
pub(super) struct RateMeter {
    pub(super) window_start: Option<(Instant, u64)>,
    pub(super) steps_per_s: f64,
}

impl RateMeter {
    pub(super) fn observe(&mut self, total_steps: u64) {
        let now = Instant::now();
        match self.window_start {
            Some((t0, s0)) => {
                let dt = now.duration_since(t0).as_secs_f64();
                if dt >= 1.0 {
                    self.steps_per_s = total_steps.saturating_sub(s0) as f64 / dt;
                    self.window_start = Some((now, total_steps));
                }
            }
            None => self.window_start = Some((now, total_steps)),
        }
    }

    pub(super) fn reset(&mut self) {
        *self = Self::default();
    }
}

impl ViewState {
    /// Whether a display frame's time has passed since the last publication.
    pub(super) fn publish_due(&self) -> bool {
        self.last_publish
            .is_none_or(|t| t.elapsed().as_secs_f64() >= 1.0 / PUBLISH_HZ)
    }

    /// Adds a thermo point; a full history is thinned by half first.
    pub(super) fn record_thermo(&mut self, point: ThermoPoint) {
        let h = &mut self.thermo_history;
        if h.len() >= THERMO_HISTORY_MAX {
            // Keep every other point: the plot keeps its span at half the resolution.
            let mut k = 0;
            h.retain(|_| {
                k += 1;
                k % 2 == 1
            });
        }
        h.push(point);
    }

    /// The storage indices in id order, refreshed when the engine has re-sorted its atoms.
    pub(super) fn refresh_order(&mut self, sim: &Simulation) {
        let generation = sim.atom_map().generation();
        if self.order_generation != Some(generation) || self.order.len() != sim.system().n_atoms() {
            let ids = &sim.system().ids;
            let mut order: Vec<usize> = (0..ids.len()).collect();
            order.sort_unstable_by_key(|&i| ids[i]);
            self.order = order;
            self.order_generation = Some(generation);
        }
    }

    pub(super) fn set_per_atom_energy(&mut self, on: bool) {
        self.energies = on.then(|| AtomEnergies {
            calculator: None,
            computed: None,
            excess_ev: Vec::new(),
        });
    }

    /// Recomputes the per-atom energies when asked for and both [`ENERGY_REFRESH_STEPS`] and
    /// [`ENERGY_REFRESH_S`] have passed. Uses `self.order`, so call after
    /// [`Self::refresh_order`].
    pub(super) fn refresh_energies(&mut self, sim: &Simulation, potential: &Arc<dyn Potential>) {
        let Some(e) = self.energies.as_mut() else {
            return;
        };
        let step = sim.step_count();
        if e.computed.is_some_and(|(t, s)| {
            t.elapsed().as_secs_f64() < ENERGY_REFRESH_S
                || step.saturating_sub(s) < ENERGY_REFRESH_STEPS
        }) {
            return;
        }
        e.computed = Some((Instant::now(), step));
        let system = sim.system();
        if e.calculator.is_none() {
            e.calculator = Calculator::new(system, potential.clone(), 1.0).ok();
        }
        let Some(calculator) = e.calculator.as_mut() else {
            return;
        };
        let cell = &system.cell;
        let wrapped: Vec<Vec3> = system
            .positions_angstrom
            .iter()
            .map(|&x| cell.wrap(x))
            .collect();
        calculator.set_types(&system.types);
        calculator.rebuild(&wrapped, cell);
        let per_atom = &calculator.compute(&wrapped, cell, true).per_atom_energy_ev;
        e.excess_ev = excess_over_species_mean(per_atom, &system.types, &self.order);
    }

    /// `header` with the atoms and the histories every running state shows.
    fn base_snapshot(&self, header: Snapshot, sim: &Simulation) -> Snapshot {
        let mut s = header;
        s.steps_per_s = self.rate.steps_per_s;
        s.atoms = Arc::new(self.atom_frame(sim));
        s.thermo_history = Arc::new(self.thermo_history.clone());
        s.barrier_history = Arc::new(self.barrier_history.clone());
        s.events = Arc::new(self.events.clone());
        s.rdf_landmarks = self.rdf_landmarks.clone().unwrap_or_default();
        s.deck = self.deck.clone();
        s
    }

    /// The atoms in id order, f32, wrapped, with their displacement from the reference.
    fn atom_frame(&self, sim: &Simulation) -> AtomFrame {
        let system = sim.system();
        let cell = &system.cell;
        let f32x3 = |v: Vec3| [v[0] as f32, v[1] as f32, v[2] as f32];
        let mut frame = AtomFrame {
            species: system.species.iter().map(|s| s.symbol.clone()).collect(),
            cell_lo_angstrom: f32x3(cell.lo_angstrom()),
            cell_lengths_angstrom: f32x3(cell.lengths_angstrom()),
            ..AtomFrame::default()
        };
        let n = self.order.len();
        frame.ids.reserve(n);
        frame.types.reserve(n);
        frame.positions_angstrom.reserve(n);
        frame.displacements_angstrom.reserve(n);
        for (k, &i) in self.order.iter().enumerate() {
            let x = system.positions_angstrom[i];
            frame.ids.push(system.ids[i]);
            frame.types.push(system.types[i] as u8);
            frame.positions_angstrom.push(f32x3(cell.wrap(x)));
            let d = match self.reference_angstrom.get(k) {
                Some(r) => cell.minimum_image([x[0] - r[0], x[1] - r[1], x[2] - r[2]]),
                None => [0.0; 3],
            };
            frame.displacements_angstrom.push(f32x3(d));
        }
        if let Some(e) = &self.energies
            && e.excess_ev.len() == n
        {
            frame.excess_energies_ev = e.excess_ev.clone();
        }
        frame
    }

    /// `header` with what a sampling being started shows: the cluster it will push, and
    /// its thermo (no bias yet).
    pub(super) fn starting_snapshot(&self, header: Snapshot, sim: &Simulation) -> Snapshot {
        let thermo = thermo_point(sim, sim.time_ps());
        let mut snapshot = self.base_snapshot(header, sim);
        snapshot.cluster_ids = self.starting_cluster.clone();
        snapshot.centre_id = snapshot.cluster_ids.first().copied();
        snapshot.total_steps = sim.step_count();
        snapshot.thermo = Some(thermo);
        snapshot
    }

    /// `header` with everything a running sampling shows.
    pub(super) fn sampling_snapshot(&self, header: Snapshot, run: &MetadynamicsRun) -> Snapshot {
        let sim = run.simulation();
        let mut s = self.base_snapshot(header, sim);
        let last = run.last_sample();
        s.cluster_ids = run.cluster_ids();
        // Clusters are built nearest-first around their centre.
        s.centre_id = s.cluster_ids.first().copied();
        s.total_steps = sim.step_count();
        s.biased_steps = run.biased_steps();
        s.md_time_ps = last.md_time_ps;
        s.boosted_time_ps = last.boosted_time_ps;
        s.thermo = self.thermo_history.last().copied();
        s.trace = Arc::new(run.trace().to_vec());
        let meta = run.metadynamics();
        s.grid_s_angstrom = Arc::new(meta.grid().centres());
        s.bias_ev = Arc::new(meta.grid_values_ev().to_vec());
        s.free_energy_ev = Arc::new(run.free_energy_profile().free_energy_ev);
        let dt_ps = sim.settings().timestep_ps;
        s.hills = Arc::new(
            run.hills()
                .iter()
                .map(|h| (h.step as f64 * dt_ps, h.weight_ev))
                .collect(),
        );
        (s.barrier_estimator, s.barrier) = live_barrier(run);
        s.precursors = Arc::new(run.precursors().to_vec());
        s
    }

    /// Numbers `snapshot` as the next publication and remembers what it shows.
    pub(super) fn stamp(&mut self, snapshot: &mut Snapshot) {
        self.serial += 1;
        snapshot.serial = self.serial;
        self.last_publish = Some(Instant::now());
        self.last_atoms = snapshot.atoms.clone();
    }
}

/// The thermo of `sim` at `md_time_ps`.
pub(super) fn thermo_point(sim: &Simulation, md_time_ps: f64) -> ThermoPoint {
    let th = sim.thermo();
    ThermoPoint {
        md_time_ps,
        temperature_k: th.temperature_k,
        potential_energy_ev: th.potential_energy_ev,
        total_energy_ev: th.total_energy_ev,
    }
}

/// Landmarks of every partial RDF up to 8 Å ("Cu–Zr", landmarks).
pub(super) fn rdf_landmarks(system: &System) -> Vec<(String, RdfLandmarks)> {
    partial_rdfs(system, 8.0, 0.02)
        .into_iter()
        .map(|g| {
            let (a, b) = g.species;
            let name = format!("{}–{}", system.species[a].symbol, system.species[b].symbol);
            (name, g.landmarks())
        })
        .collect()
}

/// The display's view of an event: positions from the inherent structures.
///
/// The region is every atom within 8 Å of the centroid of the atoms that moved (of the
/// cluster `cluster_ids`, when none moved farther than the motion threshold), unwrapped
/// around that centroid so it stays in one piece across the periodic boundary.
pub fn event_view(e: &Event, cluster_ids: &[u64]) -> EventView {
    let f32x3 = |v: Vec3| [v[0] as f32, v[1] as f32, v[2] as f32];
    let mut region = Vec::new();
    let mut moved = Vec::new();
    if let (Some(before), Some(after)) = (&e.inherent_before, &e.inherent_after) {
        let index_after: std::collections::HashMap<u64, usize> = after
            .ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i))
            .collect();
        let cell = &before.cell;
        let anchors: Vec<u64> = if e.moved.is_empty() {
            cluster_ids.to_vec()
        } else {
            e.moved.iter().map(|m| m.id).collect()
        };
        if let Some(centre) = centroid(before, &anchors) {
            for (i, &id) in before.ids.iter().enumerate() {
                let Some(&j) = index_after.get(&id) else {
                    continue;
                };
                let x = before.positions_angstrom[i];
                let r = cell.minimum_image([x[0] - centre[0], x[1] - centre[1], x[2] - centre[2]]);
                if r.iter().map(|c| c * c).sum::<f64>() > REPLAY_RADIUS_ANGSTROM.powi(2) {
                    continue;
                }
                let a = [centre[0] + r[0], centre[1] + r[1], centre[2] + r[2]];
                let b = after.positions_angstrom[j];
                let d = cell.minimum_image([b[0] - x[0], b[1] - x[1], b[2] - x[2]]);
                let end = [a[0] + d[0], a[1] + d[1], a[2] + d[2]];
                region.push((id, f32x3(a), f32x3(end)));
            }
        }
        let moved_ids: std::collections::HashSet<u64> = e.moved.iter().map(|m| m.id).collect();
        moved = region
            .iter()
            .filter(|(id, ..)| moved_ids.contains(id))
            .copied()
            .collect();
    }
    EventView {
        number: e.number,
        crossing_md_time_ps: e.crossing.md_time_ps,
        crossing_boosted_time_ps: e.crossing.boosted_time_ps,
        confirmed_md_time_ps: e.confirmed.md_time_ps,
        basin_before_angstrom: e.basin_before_angstrom,
        basin_after_angstrom: e.basin_after_angstrom,
        inherent_rmsd_angstrom: e.inherent_rmsd_angstrom,
        inherent_energy_change_ev: e.inherent_energy_after_ev - e.inherent_energy_before_ev,
        motion: e.motion.clone(),
        filled_depth_ev: e.filled_depth.map(|b| b.depth_ev),
        moved,
        region,
    }
}

/// Radius of the region an event replay shows (Å): the cluster and two shells around it.
const REPLAY_RADIUS_ANGSTROM: f64 = 8.0;

/// Centroid of the atoms `ids` (minimum image around the first), wrapped into the box.
fn centroid(system: &System, ids: &[u64]) -> Option<Vec3> {
    let index: std::collections::HashMap<u64, usize> = system
        .ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();
    let members: Vec<usize> = ids.iter().filter_map(|id| index.get(id).copied()).collect();
    let origin = system.positions_angstrom[*members.first()?];
    let mut sum = [0.0; 3];
    for &i in &members {
        let x = system.positions_angstrom[i];
        let d = system
            .cell
            .minimum_image([x[0] - origin[0], x[1] - origin[1], x[2] - origin[2]]);
        for k in 0..3 {
            sum[k] += d[k];
        }
    }
    let n = members.len() as f64;
    Some(system.cell.wrap([
        origin[0] + sum[0] / n,
        origin[1] + sum[1] / n,
        origin[2] + sum[2] / n,
    ]))
}

/// The ΔF a display shows now, by the estimator that read it: the paper's `profile` reading
/// of the first event once F(s) shows its two basins, else the `final` diagnostic (the first
/// well beyond the starting basin on the profile now).
pub(super) fn live_barrier(run: &MetadynamicsRun) -> (Estimator, Barrier) {
    match run.profile_reading(None) {
        Some(b @ Barrier::Determined(_)) => (Estimator::Profile, b),
        _ => (Estimator::Final, run.barrier()),
    }
}

/// `per_atom_ev` (storage order) less the mean of each atom's species, in the id order
/// `order` (storage indices), as f32 for the display.
pub fn excess_over_species_mean(per_atom_ev: &[f64], types: &[usize], order: &[usize]) -> Vec<f32> {
    let species = types.iter().max().map_or(0, |&t| t + 1);
    let mut sum = vec![0.0; species];
    let mut count = vec![0usize; species];
    for (&e, &t) in per_atom_ev.iter().zip(types) {
        sum[t] += e;
        count[t] += 1;
    }
    let mean: Vec<f64> = sum
        .iter()
        .zip(&count)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
        .collect();
    order
        .iter()
        .map(|&i| (per_atom_ev[i] - mean[types[i]]) as f32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excess_energies_are_per_species_deviations_in_id_order() {
        // Storage order: atoms of types 0, 1, 0, 1; id order visits storage 3, 0, 2, 1.
        let e = [-3.0, -6.0, -3.4, -6.6];
        let types = [0, 1, 0, 1];
        let order = [3, 0, 2, 1];
        let x = excess_over_species_mean(&e, &types, &order);
        // Means: type 0 −3.2, type 1 −6.3.
        let expected = [-0.3, 0.2, -0.2, 0.3];
        for (a, b) in x.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{x:?}");
        }
    }

    #[test]
    fn the_display_energies_of_the_glass_sum_to_its_energy_less_the_species_means() {
        // The per-atom split is LAMMPS's (tests/lammps_reference.rs); here: what the display
        // gets sums to zero per species, and has the spread of a glass (not all zeros).
        let system = crate::assets::default_glass();
        let potential: Arc<dyn Potential> =
            Arc::new(crate::potential::mendelev::cu_zr_mendelev_2007());
        let sim = Simulation::new(system, potential.clone(), Default::default()).unwrap();
        let mut view = ViewState::default();
        view.refresh_order(&sim);
        view.set_per_atom_energy(true);
        view.refresh_energies(&sim, &potential);
        let frame = view.atom_frame(&sim);
        assert_eq!(frame.excess_energies_ev.len(), frame.len());
        for t in 0..2u8 {
            let of_t: Vec<f64> = (0..frame.len())
                .filter(|&k| frame.types[k] == t)
                .map(|k| f64::from(frame.excess_energies_ev[k]))
                .collect();
            let mean = of_t.iter().sum::<f64>() / of_t.len() as f64;
            let spread = (of_t.iter().map(|x| x * x).sum::<f64>() / of_t.len() as f64).sqrt();
            assert!(mean.abs() < 1e-5, "species {t}: mean {mean}");
            assert!(
                spread > 0.02 && spread < 1.0,
                "species {t}: spread {spread} eV"
            );
        }
        view.set_per_atom_energy(false);
        assert!(view.atom_frame(&sim).excess_energies_ev.is_empty());
    }
}
