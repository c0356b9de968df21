//! Extra forces at the engine's single force choke point, in the manner of LAMMPS's `fix`
//! styles: a bias on a collective variable, a restraint, an ART push. The engine calls every
//! fix right after the interatomic forces, adds what it returns, and saves and restores the
//! fixes with its checkpoints, so a rollback or a resumed run sees the same fix state.
//!
//! The engine re-sorts atoms in memory for speed; a fix names its atoms by their stable id
//! and looks up their current storage index through [`AtomMap`].

use std::any::Any;
use std::collections::HashMap;

use crate::system::{System, Vec3};

/// Stable atom id → current storage index. Rebuilt whenever the engine reorders atoms;
/// `generation` changes with it, so a fix can cache indices and refresh them only then.
#[derive(Clone, Debug, Default)]
pub struct AtomMap {
    index_of_id: HashMap<u64, usize>,
    generation: u64,
}

impl AtomMap {
    /// The map for `ids` (storage order).
    pub fn new(ids: &[u64]) -> Self {
        let mut map = Self::default();
        map.refresh(ids);
        map
    }

    /// Re-reads the ids after a reorder and bumps the generation.
    pub fn refresh(&mut self, ids: &[u64]) {
        self.index_of_id.clear();
        self.index_of_id
            .extend(ids.iter().enumerate().map(|(i, &id)| (id, i)));
        self.generation += 1;
    }

    /// Storage index of the atom with this id, if there is one.
    pub fn index_of(&self, id: u64) -> Option<usize> {
        self.index_of_id.get(&id).copied()
    }

    /// Changes whenever storage indices may have changed.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// What a fix sees when it is called.
pub struct FixContext<'a> {
    /// The step whose forces are being computed (LAMMPS's `ntimestep`).
    pub step: u64,
    pub time_ps: f64,
    pub timestep_ps: f64,
    pub system: &'a System,
    pub atom_map: &'a AtomMap,
    /// True inside the MD step loop. False for single-point evaluations, minimisation and
    /// the force recomputation after a rollback: a fix must not accumulate history then
    /// (a metadynamics bias deposits no hill).
    pub dynamics: bool,
}

/// An extra force term. Implementations must be cheap to clone: the engine keeps a copy
/// with its rollback checkpoint.
pub trait Fix: Send + Sync + std::fmt::Debug + Any {
    /// A short name (its key in saved states).
    fn name(&self) -> &str;

    /// Adds this fix's forces (eV/Å, storage order) and virial (eV, xx yy zz xy xz yz) and
    /// returns its energy (eV). Called once per force evaluation, after the potential.
    fn post_force(
        &mut self,
        ctx: &FixContext,
        forces_ev_per_angstrom: &mut [Vec3],
        virial_ev: &mut [f64; 6],
    ) -> f64;

    /// Called after each completed MD step (positions and velocities at the new step).
    fn end_of_step(&mut self, _ctx: &FixContext) {}

    /// The fix's state as JSON, for a restart file.
    fn save_state(&self) -> serde_json::Value;

    /// Continues from a state written by [`Fix::save_state`].
    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), String>;

    fn clone_box(&self) -> Box<dyn Fix>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl Clone for Box<dyn Fix> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}
