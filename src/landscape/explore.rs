//! ART on the glass: the relaxed initial minimum, pushes localised on a cluster, each saddle
//! verified (force and Hessian), classified and given its Vineyard prefactor; duplicates found
//! by energy and positions.

use std::sync::Arc;
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::artn::{
    ArtEvent, ArtSettings, FailureKind, SaddleSearch, connect, find_saddle, refine_saddle,
};
use super::lanczos::LanczosSettings;
use super::relax::{Minimum, minimize, minimize_lbfgs};
use super::saddle_check::SaddleCheck;
use super::surface::{
    EnergySurface, GlassSurface, LocalGlassSurface, SurfaceError, max_particle_distance, norm,
};
use super::vineyard::{
    VineyardError, mass_weighted_eigenvalues, region_hessian, vineyard_prefactor_hz,
};
use crate::potential::Potential;
use crate::sampling::cluster::{Cluster, ClusterError};
use crate::sampling::event::compare_inherent_structures;
use crate::sampling::motion::{MotionKind, MotionSettings};
use crate::system::{System, Vec3};

/// Everything an ART run of the glass is set with (saved as `DIR/art.json`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlassArtSettings {
    pub art: ArtSettings,
    /// Neighbour-list skin (Å). Default 1.0 Å.
    pub skin_angstrom: f64,
    /// Lanczos of the saddle check. Default [`LanczosSettings::verification`].
    pub check: LanczosSettings,
    /// Compute the Vineyard prefactor. Default true.
    pub prefactor: bool,
    /// The prefactor's region: the cluster and every atom within this distance of a cluster
    /// atom, or of an atom that moves in the event (Å). Default 3.0 Å: the nearest-neighbour shell (first RDF minimum of Cu–Cu ≈ 3.0).
    pub shell_angstrom: f64,
    /// The prefactor's region also takes in every atom that moves more than this from the
    /// initial minimum to the saddle, and every atom that carries the unstable mode, with
    /// their shell (Å). Default 0.1 Å: the event's unstable mode need not sit on the pushed
    /// cluster. Raised (up to 5×) where the region would exceed `max_prefactor_atoms`.
    pub prefactor_core_displacement_angstrom: f64,
    /// Largest prefactor region (atoms; 6 force calls per atom and configuration, on the
    /// region's frozen-environment surface). Default 300.
    pub max_prefactor_atoms: usize,
    /// Finite-difference step of the region Hessian (Å). Default 10⁻³ Å.
    pub hessian_step_angstrom: f64,
    /// Atoms within this distance of the cluster's centre take part in the classification (Å).
    /// Default 8 Å, as for metadynamics events.
    pub region_radius_angstrom: f64,
    pub motion: MotionSettings,
    /// Atoms that moved more than this between the initial and the new minimum, or between the
    /// initial minimum and the saddle, are the event's arrows (Å). Default 0.3 Å.
    pub arrow_threshold_angstrom: f64,
    /// Two events are the same when their new minima's energies differ by less than this
    /// (eV)…
    pub duplicate_energy_ev: f64,
    /// …and no atom of the new minima is farther apart than this (Å): an event is its pair of
    /// end minima (the initial one is shared). Defaults 10⁻³ eV and 0.1 Å.
    pub duplicate_distance_angstrom: f64,
    /// A saddle is local only when fewer than this many atoms move more than
    /// `arrow_threshold_angstrom` (initial minimum → saddle or → new minimum), as eOn's
    /// `nonlocal_count_abort` (include/eon/Parameters.h) bounds the atoms an event may move.
    /// Default 50: a cluster event moves the cluster's ~13 atoms and their neighbours; the old
    /// run's event 7 moved 84.
    pub max_moving_atoms: usize,
    /// A search whose verification fails only because the second eigenvalue's Lanczos did not
    /// converge, or converged to a value below this (eV/Å²), is re-checked with
    /// `refine_iterations` Lanczos iterations instead of being thrown away. Default 0.05: a
    /// Ritz value bounds the eigenvalue from above, so a marginal λ₂ may hide a negative one.
    pub marginal_second_eigenvalue_ev_per_angstrom2: f64,
    /// Default 600.
    pub refine_iterations: usize,
    /// Search on the frozen-environment surface ([`super::surface::LocalGlassSurface`]): only
    /// the atoms of a region around the cluster move and are evaluated; the saddle is then
    /// converged, verified and connected on the full system. Default true (issue 17, item 3);
    /// false: every force call of the search is a full one.
    pub local_search: bool,
    /// The search's region: every atom within this distance of the cluster's centre atom (Å).
    /// Default 9 Å (≈ 172 of 4000 atoms): the pushed atoms (4 Å) and the next two neighbour
    /// shells (first RDF minima of Cu–Zr at ≈ 3.3 and 5.5 Å). The frozen boundary then holds
    /// some local saddles strained: converging them on the full system moved atoms by up to
    /// 1.1 Å (frozen ones by up to 0.6 Å) in the 7 disconnected searches of seed 1. 12 Å
    /// (≈ 394 atoms) keeps that hand-over below 0.22 Å in most searches and kept 3 + 1
    /// duplicate of seed 1's 16 against 2, but 1 of seed 2's 16 against 3 (more `lost_mode`),
    /// at 2–3× the cost of a local call: not the default (/work/notes/art-local-readme.md).
    pub local_radius_angstrom: f64,
    /// The region grows when an atom within this distance of its edge (Å)…
    pub local_edge_margin_angstrom: f64,
    /// …has moved more than this from the initial minimum (Å) at the local saddle: that atom
    /// becomes a core of the region too (every atom within `local_radius_angstrom` of a core
    /// atom moves), and the climb goes on from where it was. Defaults 2.5 Å and 0.15 Å.
    pub local_growth_displacement_angstrom: f64,
    /// Most growths of one search's region. Default 3.
    pub max_region_growths: usize,
    /// The new minimum's relaxation on the full system (after the local descent) is L-BFGS
    /// with this many correction pairs (ASE's `LBFGS` default memory 100; 10 is the usual
    /// choice of Nocedal & Wright, ch. 7); 0: FIRE, as the descents. Default 10: FIRE took
    /// 475–795 full force calls to bring a locally relaxed minimum to 2·10⁻⁵ eV/Å.
    pub full_relaxation_lbfgs_memory: usize,
    /// Run the connectivity test's two descents on the search's local surface (frozen at the
    /// initial minimum) before the full check, then relax the new minimum on the full system.
    /// Default false: LAMMPS's CG from the full-system saddle (`scripts/check_art_lammps.py`)
    /// reached other minima than these local descents for 3 of 4 saddles (the far field,
    /// relaxed at the full saddle, is snapped back to the initial minimum), so the descents
    /// run on the full system, as before the local search.
    pub local_descents: bool,
    /// Converge the local saddle on frozen-environment regions this much wider (Å), then
    /// wider again, before the full system ([`ArtSetup::refine_regions`]). Default 4 Å: the
    /// 9 Å saddle goes to 13 and 17 Å regions (500–1 350 and 1 100–1 950 atoms on the glass).
    /// Released at once, the far field (its relaxation lowers the saddle by 0.1–3.0 eV, mostly
    /// 0.1–0.5) carried 8 of 64 searches onto saddles of the full system that are not joined
    /// to the initial minimum (7) or off the cluster (1): in steps, 23 of 64 keep a saddle
    /// against 15 (seeds 1–4, the same pushes: 8 gained, none lost; README). 2 Å steps kept
    /// the same 12 of seeds 1–2 at more calls. None: straight to the full system.
    pub refine_radius_step_angstrom: Option<f64>,
}

impl Default for GlassArtSettings {
    fn default() -> Self {
        Self {
            art: ArtSettings::default(),
            skin_angstrom: 1.0,
            check: LanczosSettings::verification(),
            prefactor: true,
            shell_angstrom: 3.0,
            prefactor_core_displacement_angstrom: 0.1,
            max_prefactor_atoms: 300,
            hessian_step_angstrom: 1e-3,
            region_radius_angstrom: 8.0,
            motion: MotionSettings::default(),
            arrow_threshold_angstrom: 0.3,
            duplicate_energy_ev: 1e-3,
            duplicate_distance_angstrom: 0.1,
            max_moving_atoms: 50,
            marginal_second_eigenvalue_ev_per_angstrom2: 0.05,
            refine_iterations: 600,
            local_search: true,
            local_radius_angstrom: 9.0,
            local_edge_margin_angstrom: 2.5,
            local_growth_displacement_angstrom: 0.15,
            max_region_growths: 3,
            full_relaxation_lbfgs_memory: 10,
            local_descents: false,
            refine_radius_step_angstrom: Some(4.0),
        }
    }
}

/// Why an ART run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ArtError {
    #[error(transparent)]
    Surface(#[from] SurfaceError),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("invalid settings: {0}")]
    Settings(String),
    #[error(
        "the initial configuration did not relax: largest force {max_force_ev_per_angstrom:.3e} eV/Å after {steps} FIRE steps"
    )]
    NotRelaxed {
        max_force_ev_per_angstrom: f64,
        steps: usize,
    },
    #[error("the prefactor region's Hessian at the initial minimum: {0}")]
    Region(String),
}

/// The unstable mode's atoms join the prefactor region down to these fractions of its largest
/// amplitude, the next tried only when the region's saddle Hessian has no negative mode.
pub const PREFACTOR_MODE_FRACTIONS: &[f64] = &[0.1, 0.03, 0.01];

/// The prefactor region's displacement threshold, as multiples of
/// `prefactor_core_displacement_angstrom`, raised in turn until the region fits
/// `max_prefactor_atoms`.
pub const PREFACTOR_DISPLACEMENT_FACTORS: &[f64] = &[1.0, 1.5, 2.25, 3.375, 5.0625];

/// The fixed part of a run: the initial minimum, the cluster, the prefactor region.
#[derive(Debug)]
pub struct ArtSetup {
    pub settings: GlassArtSettings,
    pub potential: Arc<dyn Potential>,
    /// The initial minimum (wrapped), energy and largest force.
    pub initial: System,
    pub initial_energy_ev: f64,
    pub initial_max_force_ev_per_angstrom: f64,
    /// FIRE steps and force calls the initial relaxation took.
    pub initial_relaxation_steps: usize,
    pub cluster: Cluster,
    pub centre_index: usize,
    /// Storage indices of the atoms getting a push.
    pub push_atoms: Vec<usize>,
    /// Storage indices of the prefactor region's atoms.
    pub region_atoms: Vec<usize>,
    /// Mass-weighted eigenvalues of the region at the initial minimum (eV/(Å²·amu)).
    pub region_eigenvalues_minimum: Option<Vec<f64>>,
}

/// [`refine_saddle`] on the frozen-environment surface `local` from the full-length point `x`
/// and mode `v` (restricted to its mobile atoms and renormalised); the result is in `local`'s
/// coordinates.
fn refine_on(
    local: &mut LocalGlassSurface,
    x0: &[f64],
    x: &[f64],
    v: &[f64],
    activation_steps: usize,
    settings: &ArtSettings,
) -> Result<SaddleSearch, FailureKind> {
    let mut v_local = local.restrict(v);
    let n = norm(&v_local);
    v_local.iter_mut().for_each(|c| *c /= n);
    let (x0_local, x_local) = (local.restrict(x0), local.restrict(x));
    refine_saddle(
        local,
        &x0_local,
        &x_local,
        &v_local,
        activation_steps,
        settings,
    )
}

fn trace() -> bool {
    std::env::var_os("BETAGLASS_ART_TRACE").is_some()
}

/// Minimum-image distance between two positions.
fn distance(system: &System, a: Vec3, b: Vec3) -> f64 {
    let d = system
        .cell
        .minimum_image([a[0] - b[0], a[1] - b[1], a[2] - b[2]]);
    (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
}

/// The Cu atom nearest the box centre: the paper-style cluster's centre. `None` without Cu.
pub fn copper_nearest_centre(system: &System) -> Option<u64> {
    let c = system.cell.centre_angstrom();
    (0..system.n_atoms())
        .filter(|&i| system.species[system.types[i]].symbol == "Cu")
        .min_by(|&i, &j| {
            distance(system, system.positions_angstrom[i], c)
                .total_cmp(&distance(system, system.positions_angstrom[j], c))
                .then(system.ids[i].cmp(&system.ids[j]))
        })
        .map(|i| system.ids[i])
}

impl ArtSetup {
    /// Relaxes `system` (FIRE to the ART minimum force threshold), selects the cluster around
    /// `centre_id` within `cutoff_angstrom`, and computes the prefactor region's Hessian.
    pub fn new(
        system: &System,
        potential: Arc<dyn Potential>,
        centre_id: u64,
        cutoff_angstrom: f64,
        settings: GlassArtSettings,
    ) -> Result<Self, ArtError> {
        settings.art.validate().map_err(ArtError::Settings)?;
        for (name, v) in [
            ("shell_angstrom", settings.shell_angstrom),
            ("hessian_step_angstrom", settings.hessian_step_angstrom),
            (
                "arrow_threshold_angstrom",
                settings.arrow_threshold_angstrom,
            ),
            ("duplicate_energy_ev", settings.duplicate_energy_ev),
            (
                "duplicate_distance_angstrom",
                settings.duplicate_distance_angstrom,
            ),
            ("local_radius_angstrom", settings.local_radius_angstrom),
            (
                "local_edge_margin_angstrom",
                settings.local_edge_margin_angstrom,
            ),
            (
                "local_growth_displacement_angstrom",
                settings.local_growth_displacement_angstrom,
            ),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(ArtError::Settings(format!(
                    "{name} must be positive and finite, got {v}"
                )));
            }
        }
        settings
            .motion
            .validate()
            .map_err(|e| ArtError::Settings(e.to_string()))?;
        // Select the cluster first, so a bad centre is reported before the relaxation.
        Cluster::around(system, centre_id, cutoff_angstrom)?;
        let mut surface = GlassSurface::new(system, potential.clone(), settings.skin_angstrom)?;
        let x0 = surface.coordinates();
        let m = minimize(
            &mut surface,
            x0,
            settings.art.minimum_force_threshold,
            settings.art.max_minimization_steps,
            settings.art.fire,
        );
        if !m.converged {
            return Err(ArtError::NotRelaxed {
                max_force_ev_per_angstrom: m.max_force,
                steps: m.steps,
            });
        }
        let initial = surface.system_at(&m.x);
        let cluster = Cluster::around(&initial, centre_id, cutoff_angstrom)?;
        let centre_index = initial
            .ids
            .iter()
            .position(|&id| id == centre_id)
            .ok_or(ClusterError::UnknownId(centre_id))?;
        let centre = initial.positions_angstrom[centre_index];
        let push_atoms: Vec<usize> = (0..initial.n_atoms())
            .filter(|&i| {
                distance(&initial, initial.positions_angstrom[i], centre)
                    <= settings.art.push_radius
            })
            .collect();
        let cluster_positions: Vec<Vec3> = cluster
            .ids()
            .iter()
            .map(|id| {
                let i = initial
                    .ids
                    .iter()
                    .position(|x| x == id)
                    .expect("cluster atom");
                initial.positions_angstrom[i]
            })
            .collect();
        let region_atoms: Vec<usize> = (0..initial.n_atoms())
            .filter(|&i| {
                let x = initial.positions_angstrom[i];
                cluster_positions
                    .iter()
                    .any(|&c| distance(&initial, x, c) <= settings.shell_angstrom)
            })
            .collect();
        let mut setup = Self {
            settings,
            potential,
            initial_energy_ev: m.energy,
            initial_max_force_ev_per_angstrom: m.max_force,
            initial_relaxation_steps: m.steps,
            initial,
            cluster,
            centre_index,
            push_atoms,
            region_atoms,
            region_eigenvalues_minimum: None,
        };
        if settings.prefactor {
            let values = setup.region_eigenvalues(&setup.initial.clone());
            let bad = values.iter().filter(|&&l| l <= 0.0).count();
            if bad > 0 {
                return Err(ArtError::Region(format!(
                    "{bad} non-positive eigenvalue(s); the initial configuration is not a minimum"
                )));
            }
            setup.region_eigenvalues_minimum = Some(values);
        }
        Ok(setup)
    }

    /// A surface of the initial minimum.
    pub fn surface(&self) -> GlassSurface {
        GlassSurface::new(
            &self.initial,
            self.potential.clone(),
            self.settings.skin_angstrom,
        )
        .expect("the initial minimum made a surface before")
    }

    /// Mass-weighted eigenvalues of the prefactor region at `configuration` (same atoms and
    /// order as the initial minimum).
    pub fn region_eigenvalues(&self, configuration: &System) -> Vec<f64> {
        self.region_eigenvalues_of(configuration, &self.region_atoms)
    }

    /// The core atoms (storage indices) and every atom within the shell distance of one, in
    /// the initial minimum.
    pub fn region_around(&self, core: &[usize]) -> Vec<usize> {
        let x = &self.initial.positions_angstrom;
        (0..self.initial.n_atoms())
            .filter(|&i| {
                core.iter()
                    .any(|&c| distance(&self.initial, x[i], x[c]) <= self.settings.shell_angstrom)
            })
            .collect()
    }

    /// Mass-weighted eigenvalues of the region `atoms` (storage indices) at `configuration`.
    pub fn region_eigenvalues_of(&self, configuration: &System, atoms: &[usize]) -> Vec<f64> {
        let mut surface = GlassSurface::new(
            configuration,
            self.potential.clone(),
            self.settings.skin_angstrom,
        )
        .expect("same atoms as the initial minimum");
        let x = surface.coordinates();
        let masses_all = configuration.masses_amu();
        let masses: Vec<f64> = atoms.iter().flat_map(|&i| [masses_all[i]; 3]).collect();
        // The region's Hessian block is the second derivative with every other atom held:
        // exactly the frozen-environment surface of the region, at a cost ∝ its atoms.
        let h = match surface.local(&x, atoms) {
            Ok(mut local) => {
                let x_local = local.restrict(&x);
                let dofs: Vec<usize> = (0..x_local.len()).collect();
                region_hessian(
                    &mut local,
                    &x_local,
                    &dofs,
                    self.settings.hessian_step_angstrom,
                )
            }
            Err(_) => {
                let dofs: Vec<usize> = atoms
                    .iter()
                    .flat_map(|&i| [3 * i, 3 * i + 1, 3 * i + 2])
                    .collect();
                region_hessian(&mut surface, &x, &dofs, self.settings.hessian_step_angstrom)
            }
        };
        mass_weighted_eigenvalues(&h, &masses)
    }

    /// The push direction of exploration `index` of a run seeded `seed`: on each atom within
    /// the push radius of the centre an isotropic random vector (uniform in the unit ball, as
    /// pARTn's `push_init.f90` draws per-atom pushes), zero elsewhere. The search scales it so
    /// the largest atom moves `push_step` per push.
    pub fn push_direction(&self, seed: u64, index: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        let mut d = vec![0.0; 3 * self.initial.n_atoms()];
        for &i in &self.push_atoms {
            let p = loop {
                let p: [f64; 3] = std::array::from_fn(|_| rng.random_range(-1.0..=1.0));
                if p.iter().map(|c| c * c).sum::<f64>() <= 1.0 {
                    break p;
                }
            };
            d[3 * i..3 * i + 3].copy_from_slice(&p);
        }
        d
    }

    /// Storage indices of the cluster's atoms.
    pub fn cluster_indices(&self) -> Vec<usize> {
        self.cluster
            .ids()
            .iter()
            .filter_map(|id| self.initial.ids.iter().position(|x| x == id))
            .collect()
    }

    /// The locality test of a saddle at `x` (flat coordinates in storage order): the atom that
    /// moved farthest from the initial minimum must be a cluster atom
    /// ([`FailureKind::OffCluster`]), and fewer than `max_moving_atoms` atoms may move more
    /// than the arrow threshold, to the saddle or (when given) to the new minimum
    /// ([`FailureKind::TooManyMovers`]).
    pub fn locality(
        &self,
        saddle: &[f64],
        final_minimum: Option<&[f64]>,
    ) -> Result<(), FailureKind> {
        let moves = |x: &[f64]| -> Vec<f64> {
            (0..self.initial.n_atoms())
                .map(|i| {
                    let p = [x[3 * i], x[3 * i + 1], x[3 * i + 2]];
                    distance(&self.initial, self.initial.positions_angstrom[i], p)
                })
                .collect()
        };
        let to_saddle = moves(saddle);
        let farthest = (0..to_saddle.len())
            .max_by(|&a, &b| to_saddle[a].total_cmp(&to_saddle[b]))
            .unwrap_or(0);
        if std::env::var_os("BETAGLASS_ART_TRACE").is_some() {
            art_eprintln!(
                "locality: farthest mover {farthest} by {:.3} Å, cluster {:?}",
                to_saddle[farthest],
                self.cluster_indices()
            );
        }
        if !self.cluster_indices().contains(&farthest) {
            return Err(FailureKind::OffCluster);
        }
        let to_final = final_minimum.map(moves);
        let threshold = self.settings.arrow_threshold_angstrom;
        let movers = (0..to_saddle.len())
            .filter(|&i| {
                to_saddle[i] > threshold || to_final.as_ref().is_some_and(|m| m[i] > threshold)
            })
            .count();
        if movers >= self.settings.max_moving_atoms {
            return Err(FailureKind::TooManyMovers);
        }
        Ok(())
    }

    /// The full-system saddle check, refined rather than thrown away when only the second
    /// eigenvalue is in doubt (unconverged, or converged but marginally positive).
    fn verify_saddle(
        &self,
        surface: &mut GlassSurface,
        x: &[f64],
        v: &[f64],
    ) -> Option<SaddleCheck> {
        let threshold = self.settings.art.force_threshold;
        let check = SaddleCheck::by_lanczos(surface, x, v, &self.settings.check)?;
        let marginal = check.negative_count == 1
            && check.max_force < threshold
            && (!check.converged
                || check.second_eigenvalue
                    < self.settings.marginal_second_eigenvalue_ev_per_angstrom2);
        if check.is_first_order_saddle(threshold) && check.converged && !marginal {
            return Some(check);
        }
        if !marginal {
            return Some(check);
        }
        let longer = LanczosSettings {
            max_iterations: self
                .settings
                .refine_iterations
                .max(self.settings.check.max_iterations),
            ..self.settings.check
        };
        let refined = SaddleCheck::by_lanczos(surface, x, v, &longer)?;
        Some(SaddleCheck {
            force_calls: check.force_calls + refined.force_calls,
            ..refined
        })
    }

    /// The storage indices of every atom within `local_radius_angstrom` of a `core` atom in
    /// the initial minimum: the local search's mobile atoms.
    pub fn local_region(&self, core: &[usize]) -> Vec<usize> {
        self.region_within(core, self.settings.local_radius_angstrom)
    }

    /// The wider regions a local saddle is converged on before the full system: radius
    /// `local_radius_angstrom` + k·`refine_radius_step_angstrom`, k = 1, 2, …, while the
    /// region holds less than half the atoms.
    pub fn refine_regions(&self, core: &[usize]) -> Vec<Vec<usize>> {
        let Some(step) = self.settings.refine_radius_step_angstrom else {
            return Vec::new();
        };
        let half = self.initial.n_atoms() / 2;
        (1..)
            .map(|k| {
                self.region_within(core, self.settings.local_radius_angstrom + k as f64 * step)
            })
            .take_while(|region| region.len() < half)
            .collect()
    }

    /// Every atom within `r` (Å) of an atom of `core`.
    fn region_within(&self, core: &[usize], r: f64) -> Vec<usize> {
        let x = &self.initial.positions_angstrom;
        (0..self.initial.n_atoms())
            .filter(|&i| {
                core.iter()
                    .any(|&c| distance(&self.initial, x[i], x[c]) <= r)
            })
            .collect()
    }

    /// The saddle search on the frozen-environment surface of a region around the centre,
    /// grown where the displacement reaches its edge, then converged on the full system
    /// (`surface`) from the local saddle. Returns the full-system saddle and the last local
    /// surface (for the descents); adds the local force calls to `local_calls`.
    fn local_saddle(
        &self,
        surface: &mut GlassSurface,
        x0: &[f64],
        direction: &[f64],
        local_calls: &mut u64,
    ) -> Result<(SaddleSearch, LocalGlassSurface), FailureKind> {
        let art = &self.settings.art;
        let mut core = vec![self.centre_index];
        let new_local = |surface: &mut GlassSurface, region: &[usize]| {
            surface
                .local(x0, region)
                .expect("the glass's EAM and box made a full surface")
        };
        let mut local = new_local(surface, &self.local_region(&core));
        let direction_local = local.restrict(direction);
        let x0_local = local.restrict(x0);
        let search = find_saddle(&mut local, &x0_local, &direction_local, art);
        let mut saddle = match search {
            Ok(s) => s,
            Err(kind) => {
                *local_calls += local.force_calls();
                return Err(kind);
            }
        };
        let mut search_calls = saddle.force_calls;
        let mut climbing_steps = saddle.climbing_steps;
        for _ in 0..self.settings.max_region_growths {
            let x = local.embed(&saddle.x);
            let grow = self.edge_movers(&core, local.mobile(), &x);
            if grow.is_empty() {
                break;
            }
            if trace() {
                art_eprintln!(
                    "region grows: {} core atoms + {} at the edge ({} mobile)",
                    core.len(),
                    grow.len(),
                    local.mobile().len()
                );
            }
            core.extend(grow);
            let v = local.embed_vector(&saddle.eigenvector);
            *local_calls += local.force_calls();
            local = new_local(surface, &self.local_region(&core));
            match refine_on(&mut local, x0, &x, &v, saddle.activation_steps, art) {
                Ok(s) => {
                    search_calls += s.force_calls;
                    climbing_steps += s.climbing_steps;
                    saddle = s;
                }
                Err(kind) => {
                    *local_calls += local.force_calls();
                    return Err(kind);
                }
            }
        }
        *local_calls += local.force_calls();
        // Converge on the full system from the local saddle: the frozen atoms relax.
        let mut x = local.embed(&saddle.x);
        let mut v = local.embed_vector(&saddle.eigenvector);
        for region in self.refine_regions(&core) {
            // A gentler hand-over: converge first on wider frozen-environment regions.
            let mut wide = new_local(surface, &region);
            let refined = refine_on(&mut wide, x0, &x, &v, saddle.activation_steps, art);
            *local_calls += wide.force_calls();
            let refined = refined?;
            if trace() {
                art_eprintln!(
                    "wide saddle: {} mobile, {} calls, E {:.5}, moved {:.3} Å",
                    wide.mobile().len(),
                    refined.force_calls,
                    refined.energy,
                    max_particle_distance(&wide.embed(&refined.x), &x, 3)
                );
            }
            search_calls += refined.force_calls;
            climbing_steps += refined.climbing_steps;
            x = wide.embed(&refined.x);
            v = wide.embed_vector(&refined.eigenvector);
        }
        let full = refine_saddle(surface, x0, &x, &v, saddle.activation_steps, art)?;
        if trace() {
            // How far the full-system convergence moved the mobile atoms and the frozen ones
            // (largest move, atoms moved > 0.1 Å).
            let mobile = local.mobile();
            let (mut mobile_max, mut frozen_max, mut mobile_n, mut frozen_n) =
                (0.0f64, 0.0f64, 0, 0);
            for i in 0..x.len() / 3 {
                let d = max_particle_distance(&full.x[3 * i..3 * i + 3], &x[3 * i..3 * i + 3], 3);
                if mobile.contains(&i) {
                    mobile_max = mobile_max.max(d);
                    mobile_n += usize::from(d > 0.1);
                } else {
                    frozen_max = frozen_max.max(d);
                    frozen_n += usize::from(d > 0.1);
                }
            }
            art_eprintln!(
                "local saddle: {} mobile, {} local calls, E {:.5}; full: {} calls, {} climbing steps, E {:.5}, moved mobile {mobile_max:.3} Å ({mobile_n} > 0.1 Å), frozen {frozen_max:.3} Å ({frozen_n} > 0.1 Å)",
                local.mobile().len(),
                search_calls,
                saddle.energy,
                full.force_calls,
                full.climbing_steps,
                full.energy,
            );
        }
        Ok((
            SaddleSearch {
                force_calls: search_calls + full.force_calls,
                climbing_steps: climbing_steps + full.climbing_steps,
                ..full
            },
            local,
        ))
    }

    /// The mobile atoms within `local_edge_margin_angstrom` of the region's edge (farther
    /// than radius − margin from every core atom) that have moved more than
    /// `local_growth_displacement_angstrom` at full coordinates `x`.
    fn edge_movers(&self, core: &[usize], mobile: &[usize], x: &[f64]) -> Vec<usize> {
        let p = &self.initial.positions_angstrom;
        let inner = self.settings.local_radius_angstrom - self.settings.local_edge_margin_angstrom;
        mobile
            .iter()
            .copied()
            .filter(|&i| {
                let moved = distance(&self.initial, p[i], [x[3 * i], x[3 * i + 1], x[3 * i + 2]]);
                moved > self.settings.local_growth_displacement_angstrom
                    && core
                        .iter()
                        .all(|&c| distance(&self.initial, p[i], p[c]) > inner)
            })
            .collect()
    }

    /// The connectivity test with the descents on the local surface `local` (frozen at the
    /// initial minimum): the saddle `saddle` (full coordinates) restricted to the mobile atoms.
    /// Returns the local new minimum and the return distance.
    fn local_descents(
        &self,
        local: &mut LocalGlassSurface,
        x0: &[f64],
        saddle: &SaddleSearch,
    ) -> Result<(Minimum, f64), FailureKind> {
        let mut v = local.restrict(&saddle.eigenvector);
        let n = norm(&v);
        v.iter_mut().for_each(|c| *c /= n);
        let saddle_local = SaddleSearch {
            x: local.restrict(&saddle.x),
            forces: local.restrict(&saddle.forces),
            eigenvector: v,
            ..saddle.clone()
        };
        let x0_local = local.restrict(x0);
        connect(local, &x0_local, &saddle_local, &self.settings.art)
    }

    /// The new minimum of the local descent (full coordinates `x`) relaxed on the full system
    /// to the minima's threshold, and checked again to differ from the initial minimum.
    fn relax_full(
        &self,
        surface: &mut GlassSurface,
        x0: &[f64],
        x: Vec<f64>,
    ) -> Result<Minimum, FailureKind> {
        let art = &self.settings.art;
        let m = match self.settings.full_relaxation_lbfgs_memory {
            0 => minimize(
                surface,
                x,
                art.minimum_force_threshold,
                art.max_minimization_steps,
                art.fire,
            ),
            memory => minimize_lbfgs(
                surface,
                x,
                art.minimum_force_threshold,
                art.max_minimization_steps,
                art.fire.max_step,
                memory,
            ),
        };
        if trace() {
            art_eprintln!(
                "full relaxation of the new minimum: {} steps, E {:.5}",
                m.steps,
                m.energy
            );
        }
        if !m.converged {
            return Err(FailureKind::MinimizationFailed);
        }
        if max_particle_distance(&m.x, x0, 3) < art.same_minimum_distance {
            return Err(FailureKind::ReturnedToInitial);
        }
        Ok(m)
    }

    /// One exploration: search, locality, verification, connection, classification,
    /// prefactor. The cheap tests run first: locality, then the connectivity descents, then
    /// the saddle check.
    pub fn explore(&self, seed: u64, index: u64) -> ExplorationRecord {
        let start = Instant::now();
        super::set_trace_label(Some(index));
        let mut surface = self.surface();
        let x0 = surface.coordinates();
        let direction = self.push_direction(seed, index);
        let art = &self.settings.art;
        let mut search_wall_s = 0.0;
        let mut local_calls = 0u64;
        let result = (|| {
            let (saddle, mut local) = if self.settings.local_search {
                let (s, l) = self.local_saddle(&mut surface, &x0, &direction, &mut local_calls)?;
                (s, Some(l))
            } else {
                (find_saddle(&mut surface, &x0, &direction, art)?, None)
            };
            if saddle.energy <= self.initial_energy_ev {
                return Err(FailureKind::SaddleBelowInitial);
            }
            self.locality(&saddle.x, None)?;
            // The local descents are cheap: the connectivity test runs before the full check.
            let descended = match local.as_mut().filter(|_| self.settings.local_descents) {
                Some(l) => {
                    let before = l.force_calls();
                    let d = self.local_descents(l, &x0, &saddle);
                    local_calls += l.force_calls() - before;
                    let (m, r) = d?;
                    Some((l.embed(&m.x), r, l.force_calls() - before))
                }
                None => None,
            };
            // The full-system connectivity test runs before the saddle check: its L-BFGS
            // descents (≈ 100 full calls back, 150–450 forward) cost less than the check
            // (≈ 400–700), and it refuses more saddles (8 of the 10 converged ones, seed 1).
            let calls_before_connect = surface.force_calls();
            let ends = match descended {
                Some((x, r, calls)) => Ends::Local(x, r, calls),
                None => {
                    let (m, r) = connect(&mut surface, &x0, &saddle, art)?;
                    Ends::Full(m, r)
                }
            };
            let connect_calls = surface.force_calls() - calls_before_connect;
            let check = self.verify_saddle(&mut surface, &saddle.x, &saddle.eigenvector);
            if trace()
                && let Some(c) = &check
            {
                art_eprintln!(
                    "check: λ1 {:.4} λ2 {:.4} fmax {:.4} converged {} in {} full calls",
                    c.lowest_eigenvalue,
                    c.second_eigenvalue,
                    c.max_force,
                    c.converged,
                    c.force_calls
                );
            }
            let check = check
                .filter(|c| c.is_first_order_saddle(art.force_threshold))
                .ok_or(FailureKind::NotFirstOrder)?;
            let calls_before_relax = surface.force_calls();
            let (final_minimum, return_distance, local_connect_calls) = match ends {
                Ends::Local(x, r, calls) => (self.relax_full(&mut surface, &x0, x)?, r, calls),
                Ends::Full(m, r) => (m, r, 0),
            };
            self.locality(&saddle.x, Some(&final_minimum.x))?;
            search_wall_s = start.elapsed().as_secs_f64();
            let event = ArtEvent {
                force_calls: saddle.force_calls
                    + connect_calls
                    + (surface.force_calls() - calls_before_relax)
                    + local_connect_calls,
                saddle,
                final_minimum,
                return_distance,
            };
            Ok(self.describe(&surface, &event, check))
        })();
        if trace() {
            art_eprintln!(
                "exploration {index}: {}",
                match &result {
                    Ok(e) => format!(
                        "ΔQ {:.3} eV, ΔE {:.3} eV, {} arrows",
                        e.delta_q_ev,
                        e.delta_e_ev,
                        e.arrows.len()
                    ),
                    Err(k) => k.name().to_string(),
                }
            );
        }
        super::set_trace_label(None);
        if search_wall_s == 0.0 {
            search_wall_s = start.elapsed().as_secs_f64();
        }
        ExplorationRecord {
            index,
            seed,
            result,
            force_calls: surface.force_calls() + local_calls,
            local_force_calls: local_calls,
            full_force_calls: surface.force_calls(),
            search_wall_s,
            wall_s: start.elapsed().as_secs_f64(),
        }
    }

    /// The Vineyard prefactor of a verified saddle (Hz) and its region's size. The region's
    /// core is the cluster, the atoms that carry the unstable mode `mode` (amplitude at least
    /// a fraction of the largest) and the atoms that move from the minimum to the saddle; the
    /// region adds their neighbour shell. The region must hold the unstable mode (a principal
    /// block of the Hessian has at most the full Hessian's one negative eigenvalue, and none
    /// when the mode leaks out), so where the saddle's block has none the mode's fraction is
    /// lowered ([`PREFACTOR_MODE_FRACTIONS`]); where the region exceeds `max_prefactor_atoms`
    /// the displacement threshold is raised ([`PREFACTOR_DISPLACEMENT_FACTORS`]): the far
    /// field's small elastic displacements change the Hessian little.
    fn prefactor(&self, saddle: &System, mode: &[f64]) -> (Result<f64, String>, usize) {
        // Per atom, once for every region tried: the mode's amplitude and the displacement.
        let amplitude: Vec<f64> = (0..self.initial.n_atoms())
            .map(|i| mode.get(3 * i..3 * i + 3).map_or(0.0, norm))
            .collect();
        let displacement: Vec<f64> = (0..self.initial.n_atoms())
            .map(|i| {
                distance(
                    &self.initial,
                    self.initial.positions_angstrom[i],
                    saddle.positions_angstrom[i],
                )
            })
            .collect();
        let cluster = self.cluster_indices();
        let mut outcome = (Err("no region tried".to_string()), 0);
        for &fraction in PREFACTOR_MODE_FRACTIONS {
            let region = match self.prefactor_region(&cluster, &amplitude, &displacement, fraction)
            {
                Ok(region) => region,
                Err(e) => {
                    let e = match outcome.0 {
                        Err(narrower) if outcome.1 > 0 => {
                            format!("{narrower} ({} atoms); a wider one: {e}", outcome.1)
                        }
                        _ => e,
                    };
                    return (Err(e), outcome.1);
                }
            };
            let at_min = self.region_eigenvalues_of(&self.initial, &region);
            let at_saddle = self.region_eigenvalues_of(saddle, &region);
            let result = vineyard_prefactor_hz(&at_min, &at_saddle);
            let lost_mode = result == Err(VineyardError::SaddleNotFirstOrder(0));
            outcome = (result.map_err(|e| e.to_string()), region.len());
            if !lost_mode {
                break;
            }
        }
        outcome
    }

    /// The smallest prefactor region (storage indices) within `max_prefactor_atoms` around the
    /// `cluster`, the atoms whose mode `amplitude` reaches `mode_fraction` of its largest, and
    /// the atoms whose `displacement` to the saddle exceeds the (raised) threshold.
    fn prefactor_region(
        &self,
        cluster: &[usize],
        amplitude: &[f64],
        displacement: &[f64],
        mode_fraction: f64,
    ) -> Result<Vec<usize>, String> {
        let largest = amplitude.iter().copied().fold(0.0, f64::max);
        let mut smallest = 0;
        for (k, factor) in PREFACTOR_DISPLACEMENT_FACTORS.iter().enumerate() {
            let threshold = factor * self.settings.prefactor_core_displacement_angstrom;
            let core: Vec<usize> = (0..amplitude.len())
                .filter(|&i| {
                    cluster.contains(&i)
                        || amplitude[i] >= mode_fraction * largest
                        || displacement[i] > threshold
                })
                .collect();
            let region = self.region_around(&core);
            if region.len() <= self.settings.max_prefactor_atoms {
                if trace() && k > 0 {
                    art_eprintln!(
                        "prefactor region: {} atoms with the displacement threshold raised to {threshold:.3} Å",
                        region.len()
                    );
                }
                return Ok(region);
            }
            smallest = region.len();
        }
        Err(format!(
            "the region ({smallest} atoms, mode fraction {mode_fraction}) exceeds max_prefactor_atoms ({})",
            self.settings.max_prefactor_atoms
        ))
    }

    fn describe(
        &self,
        surface: &GlassSurface,
        event: &ArtEvent,
        check: SaddleCheck,
    ) -> Box<GlassEvent> {
        let saddle = surface.system_at(&event.saddle.x);
        let final_minimum = surface.system_at(&event.final_minimum.x);
        let class = compare_inherent_structures(
            &self.initial,
            &final_minimum,
            &self.cluster.ids(),
            self.settings.region_radius_angstrom,
            &self.settings.motion,
        )
        .map(|(_, analysis)| analysis.kind)
        .map_err(|e| e.to_string());
        let (prefactor_hz, prefactor_region_atoms) = if self.settings.prefactor {
            self.prefactor(&saddle, &event.saddle.eigenvector)
        } else {
            (Err("not computed".to_string()), 0)
        };
        if trace()
            && let Err(e) = &prefactor_hz
        {
            art_eprintln!("no prefactor: {e}");
        }
        let arrows = event_arrows(
            &self.initial,
            &saddle,
            &final_minimum,
            self.settings.arrow_threshold_angstrom,
        );
        Box::new(GlassEvent {
            saddle_energy_ev: event.saddle.energy,
            final_energy_ev: event.final_minimum.energy,
            delta_q_ev: event.saddle.energy - self.initial_energy_ev,
            delta_e_ev: event.final_minimum.energy - self.initial_energy_ev,
            force_calls_to_saddle: event.saddle.force_calls,
            force_calls_total: event.force_calls,
            activation_steps: event.saddle.activation_steps,
            climbing_steps: event.saddle.climbing_steps,
            final_max_force_ev_per_angstrom: event.final_minimum.max_force,
            check,
            class: class.unwrap_or(MotionKind::Other),
            prefactor_hz,
            prefactor_region_atoms,
            arrows,
            unstable_mode: {
                let away: Vec<f64> = event
                    .saddle
                    .x
                    .iter()
                    .zip(surface.coordinates())
                    .map(|(a, b)| a - b)
                    .collect();
                let v = &event.saddle.eigenvector;
                let sign = if v.iter().zip(&away).map(|(a, b)| a * b).sum::<f64>() < 0.0 {
                    -1.0
                } else {
                    1.0
                };
                v.iter().map(|c| sign * c).collect()
            },
            saddle,
            final_minimum,
        })
    }
}

/// Where the connectivity test left the new minimum: relaxed on the full system (with the
/// return distance), or found by the local descents (full coordinates, return distance, local
/// force calls) and still to be relaxed on the full system.
enum Ends {
    Full(Minimum, f64),
    Local(Vec<f64>, f64, u64),
}

/// One atom of an event as the app draws it: where it was in the initial minimum, at the
/// saddle and in the new minimum (unwrapped around the initial position, Å).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventArrow {
    pub id: u64,
    pub species: String,
    pub initial_angstrom: Vec3,
    pub saddle_angstrom: Vec3,
    pub final_angstrom: Vec3,
}

impl EventArrow {
    /// |final − initial| (Å).
    pub fn displacement_angstrom(&self) -> f64 {
        let d: Vec3 = std::array::from_fn(|k| self.final_angstrom[k] - self.initial_angstrom[k]);
        (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
    }
}

/// The atoms that moved more than `threshold_angstrom` from the initial minimum to the saddle
/// or to the new minimum (matched by id), largest final displacement first.
pub fn event_arrows(
    initial: &System,
    saddle: &System,
    final_minimum: &System,
    threshold_angstrom: f64,
) -> Vec<EventArrow> {
    let index_of = |s: &System| -> std::collections::HashMap<u64, usize> {
        s.ids.iter().enumerate().map(|(i, &id)| (id, i)).collect()
    };
    let (in_saddle, in_final) = (index_of(saddle), index_of(final_minimum));
    let unwrap = |x0: Vec3, x: Vec3| -> (Vec3, f64) {
        let d = initial
            .cell
            .minimum_image([x[0] - x0[0], x[1] - x0[1], x[2] - x0[2]]);
        (
            [x0[0] + d[0], x0[1] + d[1], x0[2] + d[2]],
            (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt(),
        )
    };
    let mut arrows: Vec<EventArrow> = Vec::new();
    for (i, &id) in initial.ids.iter().enumerate() {
        let (Some(&js), Some(&jf)) = (in_saddle.get(&id), in_final.get(&id)) else {
            continue;
        };
        let x0 = initial.positions_angstrom[i];
        let (xs, ds) = unwrap(x0, saddle.positions_angstrom[js]);
        let (xf, df) = unwrap(x0, final_minimum.positions_angstrom[jf]);
        if ds > threshold_angstrom || df > threshold_angstrom {
            arrows.push(EventArrow {
                id,
                species: initial.species[initial.types[i]].symbol.clone(),
                initial_angstrom: x0,
                saddle_angstrom: xs,
                final_angstrom: xf,
            });
        }
    }
    arrows.sort_by(|a, b| {
        b.displacement_angstrom()
            .total_cmp(&a.displacement_angstrom())
            .then(a.id.cmp(&b.id))
    });
    arrows
}

/// A verified event of the glass.
#[derive(Clone, Debug, PartialEq)]
pub struct GlassEvent {
    pub saddle: System,
    pub final_minimum: System,
    pub saddle_energy_ev: f64,
    pub final_energy_ev: f64,
    /// ΔQ = E_saddle − E_initial and ΔE = E_final − E_initial (eV).
    pub delta_q_ev: f64,
    pub delta_e_ev: f64,
    pub force_calls_to_saddle: u64,
    /// Search, push over and minimisation (not the check or the prefactor).
    pub force_calls_total: u64,
    pub activation_steps: usize,
    pub climbing_steps: usize,
    pub final_max_force_ev_per_angstrom: f64,
    pub check: SaddleCheck,
    /// The motion's class between the two minima (the metadynamics events' classifier).
    pub class: MotionKind,
    /// ν* (Hz), or why there is none.
    pub prefactor_hz: Result<f64, String>,
    /// Atoms of the prefactor's region (0 when not computed).
    pub prefactor_region_atoms: usize,
    pub arrows: Vec<EventArrow>,
    /// The saddle's unstable mode from the search (flat, storage order, unit norm, signed away
    /// from the initial minimum): the connectivity test steps along it, and so does the LAMMPS
    /// check (`saddles/NNNN.mode`).
    pub unstable_mode: Vec<f64>,
}

/// One exploration's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct ExplorationRecord {
    pub index: u64,
    pub seed: u64,
    pub result: Result<Box<GlassEvent>, FailureKind>,
    /// Force calls of the whole exploration: search, saddle verification and connection
    /// (both descents); not the prefactor's region Hessians. The sum of the two below.
    pub force_calls: u64,
    /// Of these, calls on the frozen-environment surface (cost ∝ its mobile atoms)…
    pub local_force_calls: u64,
    /// …and on the full system (the saddle's convergence and check, the new minimum's
    /// relaxation, each region's reference).
    pub full_force_calls: u64,
    /// Wall time of the search alone, and with the verification, classification and prefactor (s).
    pub search_wall_s: f64,
    pub wall_s: f64,
}

/// Events kept so far, for the duplicate test: an event is its pair of end minima, and the
/// initial minimum is shared, so it is identified by its new minimum.
#[derive(Clone, Debug, Default)]
pub struct SaddleCatalogue {
    /// Event number, new minimum's energy, its positions ordered by atom id, saddle energy.
    entries: Vec<(usize, f64, Vec<Vec3>, f64)>,
}

fn by_id(system: &System) -> Vec<Vec3> {
    let mut order: Vec<usize> = (0..system.n_atoms()).collect();
    order.sort_by_key(|&i| system.ids[i]);
    order
        .iter()
        .map(|&i| system.positions_angstrom[i])
        .collect()
}

impl SaddleCatalogue {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The kept event with the same new minimum (energies within `energy_tolerance_ev`, every
    /// atom within `distance_tolerance_angstrom`), if any: its number and saddle energy.
    pub fn find(
        &self,
        final_minimum: &System,
        final_energy_ev: f64,
        energy_tolerance_ev: f64,
        distance_tolerance_angstrom: f64,
    ) -> Option<(usize, f64)> {
        let x = by_id(final_minimum);
        self.entries.iter().find_map(|(number, e, y, saddle)| {
            ((e - final_energy_ev).abs() < energy_tolerance_ev
                && x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| distance(final_minimum, *a, *b) < distance_tolerance_angstrom))
            .then_some((*number, *saddle))
        })
    }

    /// Adds event `number`, or replaces it (a lower saddle between the same minima).
    pub fn insert(
        &mut self,
        number: usize,
        final_minimum: &System,
        final_energy_ev: f64,
        saddle_energy_ev: f64,
    ) {
        let entry = (
            number,
            final_energy_ev,
            by_id(final_minimum),
            saddle_energy_ev,
        );
        match self.entries.iter_mut().find(|e| e.0 == number) {
            Some(e) => *e = entry,
            None => self.entries.push(entry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_a_json_round_trip() {
        // `betaglass art --resume` compares the saved settings with the new ones.
        let s = GlassArtSettings::default();
        let text = serde_json::to_string(&s).unwrap();
        let back: GlassArtSettings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn arrows_are_the_atoms_that_moved() {
        let mut initial = System::new(
            crate::system::Cell::cubic(10.0).unwrap(),
            vec![crate::system::Species::new("Cu", 63.546)],
        );
        initial.push_atom(0, [1.0, 1.0, 1.0]);
        initial.push_atom(0, [5.0, 5.0, 5.0]);
        let mut saddle = initial.clone();
        let mut fin = initial.clone();
        // Atom 1 hops across the periodic boundary; atom 2 barely moves.
        saddle.positions_angstrom[0] = [0.6, 1.0, 1.0];
        fin.positions_angstrom[0] = [9.8, 1.0, 1.0];
        fin.positions_angstrom[1] = [5.05, 5.0, 5.0];
        let arrows = event_arrows(&initial, &saddle, &fin, 0.3);
        assert_eq!(arrows.len(), 1);
        assert_eq!(arrows[0].id, 1);
        assert!((arrows[0].final_angstrom[0] + 0.2).abs() < 1e-12);
        assert!((arrows[0].displacement_angstrom() - 1.2).abs() < 1e-12);
    }
}
