//! Extra forces at the engine's single force choke point, in the manner of LAMMPS's `fix`
//! styles: a bias on a collective variable, a restraint, an ART push. The engine calls every
//! fix right after the interatomic forces (`post_force`), adds what it returns, calls
//! `end_of_step` after each completed step, and saves and restores the fixes with its
//! checkpoints, so a rollback or a resumed run sees the same fix state.
//!
//! [`crate::simulation::Simulation::add_fix`] returns a typed [`FixHandle`], through which
//! the caller reads or changes its fix later.
//!
//! The engine re-sorts atoms in memory for speed; a fix names its atoms by their stable id
//! and looks up their current storage index through [`AtomMap`].

use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;

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

/// Why a fix cannot take a saved state.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("fix {fix}: the saved state does not read: {source}")]
    Unreadable {
        fix: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("fix {fix}: the saved state does not fit this fix: {reason}")]
    Mismatch { fix: String, reason: String },
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
    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), FixError>;

    fn clone_box(&self) -> Box<dyn Fix>;
}

impl Clone for Box<dyn Fix> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A fix of type `F` inside one engine, as [`crate::simulation::Simulation::add_fix`]
/// returned it. It stays valid until the fix is removed or replaced by one of the same name.
pub struct FixHandle<F> {
    id: u64,
    fix: PhantomData<fn() -> F>,
}

impl<F> FixHandle<F> {
    pub(crate) fn new(id: u64) -> Self {
        Self {
            id,
            fix: PhantomData,
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

impl<F> Clone for FixHandle<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F> Copy for FixHandle<F> {}

impl<F> PartialEq for FixHandle<F> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<F> std::fmt::Debug for FixHandle<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FixHandle<{}>({})", std::any::type_name::<F>(), self.id)
    }
}

/// One fix in the engine, with the id its handles name it by.
#[derive(Clone, Debug)]
pub(crate) struct FixSlot {
    pub id: u64,
    pub fix: Box<dyn Fix>,
}

impl FixSlot {
    /// The fix as its concrete type, if it is an `F`.
    pub fn downcast_ref<F: Fix>(&self) -> Option<&F> {
        let any: &dyn Any = &*self.fix;
        any.downcast_ref()
    }

    pub fn downcast_mut<F: Fix>(&mut self) -> Option<&mut F> {
        let any: &mut dyn Any = &mut *self.fix;
        any.downcast_mut()
    }
}
