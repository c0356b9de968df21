//! Exact EAM energy and forces of a few mobile atoms in a frozen environment: the rest of the
//! system stays where it was at a reference configuration, so only terms that involve a mobile
//! atom change. ART's local saddle searches evaluate forces this way ([`crate::landscape`]).
//!
//! With M the mobile atoms and B the frozen atoms within reach of one (the buffer):
//! - ρ_i of a mobile atom is summed afresh over all its neighbours;
//! - ρ_j of a buffer atom is ρ_j^fixed + Σ_{i∈M} g_{i→j}(r_ij), where ρ_j^fixed (its frozen
//!   neighbours' share) is ρ_j at the reference minus the mobile atoms' share there;
//! - every other atom keeps its reference density;
//! - E = E_ref + Σ_{i∈M} F(ρ_i) + Σ_{j∈B} [F(ρ_j) − F(ρ_j^ref)] + Σ_{pairs with a mobile atom} φ
//!   − (the same sums at the reference), the pairs of two frozen atoms being constant;
//! - the force on a mobile atom i is −Σ_k (F′_i g′_{k→i} + F′_k g′_{i→k} + φ′_ik) r̂_ik, which
//!   needs F′ of the mobile and buffer atoms only.
//!
//! The pair values come from the EAM kernel's own tables and splines ([`Eam::pair`],
//! [`Eam::embed`]). The cost is ∝ |M| × neighbours instead of N × neighbours.
//!
//! Coordinates are unwrapped (continuous): each mobile atom's list holds its partners with the
//! periodic image vector fixed at the list build, as the engine's list does; the list is rebuilt
//! when a mobile atom has moved half the skin (frozen atoms never move). A frozen atom that
//! comes into reach joins the buffer and stays in it.

use std::sync::Arc;

use super::eam::{Eam, pair_values, prefetch_record};
use crate::system::{Cell, Vec3};

/// Why a frozen environment cannot be set up.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FrozenEnvironmentError {
    #[error("the potential {0} has no frozen-environment evaluation (EAM only)")]
    NotEam(String),
    #[error("no mobile atoms")]
    NoMobileAtoms,
    #[error("mobile atom {0} is not an atom of the system ({1} atoms) or is listed twice")]
    BadMobileAtom(usize, usize),
    #[error(
        "the box ({0:.3} Å along its shortest edge) is shorter than twice the cutoff plus skin ({1:.3} Å): a mobile atom would see two images of one partner"
    )]
    BoxTooSmall(f64, f64),
}

/// How many pairs ahead the table walk prefetches (the kernel's choice).
const PREFETCH_AHEAD: usize = 6;

/// One pair of a mobile atom inside the cutoff, for the force pass.
#[derive(Clone, Copy, Debug)]
struct LocalPair {
    mobile: u32,
    slot: u32,
    a: f64,
    b: f64,
    c: f64,
    /// x_i − x_k (Å).
    del: Vec3,
}

/// The frozen environment of a set of mobile atoms: see the module documentation.
#[derive(Debug, Clone)]
pub struct FrozenEnvironment {
    eam: Arc<Eam>,
    cell: Cell,
    cutoff_angstrom: f64,
    skin_angstrom: f64,
    /// Storage indices of the mobile atoms; mobile atom a has slot a.
    mobile: Vec<usize>,
    /// Per atom, its slot (mobile or buffer), or `u32::MAX`.
    slot_of_atom: Vec<u32>,
    /// Per atom, its position at the reference (unwrapped): where the frozen atoms stay.
    reference: Vec<Vec3>,
    element_of_atom: Vec<usize>,
    rho_reference: Vec<f64>,
    /// Per slot: the atom, its element, the density from frozen atoms (buffer; 0 for mobile
    /// atoms) and F(ρ_ref) (buffer; 0 for mobile atoms).
    slot_atom: Vec<usize>,
    slot_element: Vec<usize>,
    rho_fixed: Vec<f64>,
    embedding_reference: Vec<f64>,
    /// E_ref minus the local sums at the reference.
    energy_constant_ev: f64,
    /// Per mobile atom: partner slots and image vectors within cutoff + skin at the build.
    list: Vec<Vec<(u32, Vec3)>>,
    positions_at_build: Vec<Vec3>,
    rho: Vec<f64>,
    fp: Vec<f64>,
    pairs: Vec<LocalPair>,
    /// One mobile atom's pairs inside the cutoff: slot, table, row, fraction, r, x_i − x_k.
    near: Vec<(u32, u32, u32, f64, f64, Vec3)>,
    list_builds: u64,
}

impl FrozenEnvironment {
    /// The environment of `mobile` (storage indices) in the configuration `reference`
    /// (unwrapped positions of every atom, in `cell`), whose energy is `energy_reference_ev`
    /// and densities `rho_reference` (both from the full calculation).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        eam: Arc<Eam>,
        cell: Cell,
        element_of_atom: Vec<usize>,
        reference: Vec<Vec3>,
        rho_reference: Vec<f64>,
        energy_reference_ev: f64,
        mobile: &[usize],
        skin_angstrom: f64,
    ) -> Result<Self, FrozenEnvironmentError> {
        use crate::potential::Potential;
        let n = reference.len();
        if mobile.is_empty() {
            return Err(FrozenEnvironmentError::NoMobileAtoms);
        }
        let cutoff_angstrom = eam.cutoff_angstrom();
        let reach = cutoff_angstrom + skin_angstrom;
        let shortest = cell
            .lengths_angstrom()
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        if shortest < 2.0 * reach {
            return Err(FrozenEnvironmentError::BoxTooSmall(shortest, 2.0 * reach));
        }
        let mut slot_of_atom = vec![u32::MAX; n];
        for (a, &i) in mobile.iter().enumerate() {
            if i >= n || slot_of_atom[i] != u32::MAX {
                return Err(FrozenEnvironmentError::BadMobileAtom(i, n));
            }
            slot_of_atom[i] = a as u32;
        }
        let slot_element = mobile.iter().map(|&i| element_of_atom[i]).collect();
        let mut env = Self {
            eam,
            cell,
            cutoff_angstrom,
            skin_angstrom,
            mobile: mobile.to_vec(),
            slot_of_atom,
            element_of_atom,
            rho_reference,
            slot_atom: mobile.to_vec(),
            slot_element,
            rho_fixed: vec![0.0; mobile.len()],
            embedding_reference: vec![0.0; mobile.len()],
            energy_constant_ev: 0.0,
            list: vec![Vec::new(); mobile.len()],
            positions_at_build: Vec::new(),
            rho: Vec::new(),
            fp: Vec::new(),
            pairs: Vec::new(),
            near: Vec::new(),
            list_builds: 0,
            reference,
        };
        let x0: Vec<Vec3> = mobile.iter().map(|&i| env.reference[i]).collect();
        env.build_list(&x0);
        // The buffer atoms' frozen share of the density: the reference density less the mobile
        // atoms' share at the reference.
        let m = mobile.len();
        env.densities(&x0);
        for s in m..env.slot_atom.len() {
            let mobile_share = env.rho[s] - env.rho_fixed[s];
            env.rho_fixed[s] -= mobile_share;
        }
        let local = env.local_energy(&x0);
        env.energy_constant_ev = energy_reference_ev - local;
        Ok(env)
    }

    /// Storage indices of the mobile atoms, in the order of the local coordinates.
    pub fn mobile(&self) -> &[usize] {
        &self.mobile
    }

    /// Frozen atoms that have come within cutoff + skin of a mobile atom.
    pub fn buffer_len(&self) -> usize {
        self.slot_atom.len() - self.mobile.len()
    }

    /// Times the mobile atoms' list was built.
    pub fn list_builds(&self) -> u64 {
        self.list_builds
    }

    /// Energy of the whole system (eV) with the mobile atoms at `x` (3 per mobile atom,
    /// unwrapped, continuous with the reference) and every other atom at the reference; the
    /// forces on the mobile atoms into `forces` (eV/Å, 3 per mobile atom).
    pub fn energy_forces(&mut self, x: &[f64], forces: &mut [f64]) -> f64 {
        let xm: Vec<Vec3> = x.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        let energy = self.local_energy(&xm) + self.energy_constant_ev;
        forces.iter_mut().for_each(|f| *f = 0.0);
        for p in &self.pairs {
            let a = p.mobile as usize;
            let fpair = -(self.fp[a] * p.a + self.fp[p.slot as usize] * p.b + p.c);
            for k in 0..3 {
                forces[3 * a + k] += p.del[k] * fpair;
            }
        }
        energy
    }

    /// The local sums (embedding of mobile and buffer atoms, pairs with a mobile atom) at
    /// mobile positions `xm`, leaving F′ and the pairs for the force pass.
    fn local_energy(&mut self, xm: &[Vec3]) -> f64 {
        let pair_energy = self.densities(xm);
        let mut energy = pair_energy;
        self.fp.resize(self.rho.len(), 0.0);
        for s in 0..self.rho.len() {
            let (f, fp) = self.eam.embed(self.slot_element[s], self.rho[s]);
            self.fp[s] = fp;
            energy += f - self.embedding_reference[s];
        }
        energy
    }

    /// Densities of every slot and the pairs inside the cutoff at mobile positions `xm`;
    /// returns the pair energy of the pairs with a mobile atom.
    fn densities(&mut self, xm: &[Vec3]) -> f64 {
        let half_skin = 0.5 * self.skin_angstrom;
        let moved = xm
            .iter()
            .zip(&self.positions_at_build)
            .any(|(x, x0)| distance2(*x, *x0) > half_skin * half_skin);
        if moved || self.positions_at_build.len() != xm.len() {
            self.build_list(xm);
        }
        let m = self.mobile.len();
        self.rho.clear();
        self.rho.extend_from_slice(&self.rho_fixed);
        self.pairs.clear();
        let cutsq = self.cutoff_angstrom * self.cutoff_angstrom;
        let mut pair_energy = 0.0;
        let mut near = std::mem::take(&mut self.near);
        for (a, partners) in self.list.iter().enumerate() {
            let xi = xm[a];
            let ti = self.slot_element[a];
            // Gather the pairs inside the cutoff first, so the table walk can prefetch its
            // rows a few pairs ahead, as the kernel's density pass does.
            near.clear();
            for &(slot, shift) in partners {
                let s = slot as usize;
                let base = if s < m {
                    xm[s]
                } else {
                    self.reference[self.slot_atom[s]]
                };
                let del: Vec3 = std::array::from_fn(|k| xi[k] - (base[k] + shift[k]));
                let r2 = del[0] * del[0] + del[1] * del[1] + del[2] * del[2];
                if r2 < cutsq {
                    let r = r2.sqrt();
                    let (table, row, fraction) =
                        self.eam.pair_location(ti, self.slot_element[s], r);
                    near.push((slot, table, row, fraction, r, del));
                }
            }
            for k in 0..near.len() {
                if let Some(&(_, table, row, ..)) = near.get(k + PREFETCH_AHEAD) {
                    prefetch_record(self.eam.record(table, row));
                }
                let (slot, table, row, fraction, r, del) = near[k];
                let s = slot as usize;
                let v = pair_values(self.eam.record(table, row), fraction, r);
                self.rho[a] += v.density_at_i;
                if s >= m {
                    self.rho[s] += v.density_at_j;
                    pair_energy += v.phi;
                } else {
                    // Seen from both mobile atoms.
                    pair_energy += 0.5 * v.phi;
                }
                self.pairs.push(LocalPair {
                    mobile: a as u32,
                    slot,
                    a: v.a,
                    b: v.b,
                    c: v.c,
                    del,
                });
            }
        }
        self.near = near;
        pair_energy
    }

    /// Lists every atom within cutoff + skin of each mobile atom (minimum image at `xm`),
    /// giving a buffer slot to each frozen atom seen for the first time.
    fn build_list(&mut self, xm: &[Vec3]) {
        let reach2 = (self.cutoff_angstrom + self.skin_angstrom).powi(2);
        let m = self.mobile.len();
        for a in 0..m {
            let (i, xi) = (self.mobile[a], xm[a]);
            let mut partners = std::mem::take(&mut self.list[a]);
            partners.clear();
            for k in 0..self.reference.len() {
                if k == i {
                    continue;
                }
                let slot = self.slot_of_atom[k];
                let xk = if (slot as usize) < m {
                    xm[slot as usize]
                } else {
                    self.reference[k]
                };
                let raw: Vec3 = std::array::from_fn(|c| xk[c] - xi[c]);
                let d = self.cell.minimum_image(raw);
                if d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < reach2 {
                    let slot = self.slot_for(k);
                    partners.push((slot, std::array::from_fn(|c| d[c] - raw[c])));
                }
            }
            self.list[a] = partners;
        }
        self.positions_at_build = xm.to_vec();
        self.list_builds += 1;
    }

    /// The slot of atom `k`, a new buffer slot for a frozen atom not yet in the buffer: its
    /// density is then its reference one (no mobile atom was within the cutoff of it at the
    /// reference, or it would have been listed then).
    fn slot_for(&mut self, k: usize) -> u32 {
        if self.slot_of_atom[k] == u32::MAX {
            let s = self.slot_atom.len() as u32;
            self.slot_of_atom[k] = s;
            self.slot_atom.push(k);
            let element = self.element_of_atom[k];
            self.slot_element.push(element);
            let rho = self.rho_reference[k];
            self.rho_fixed.push(rho);
            self.embedding_reference
                .push(self.eam.embed(element, rho).0);
        }
        self.slot_of_atom[k]
    }
}

fn distance2(a: Vec3, b: Vec3) -> f64 {
    (0..3).map(|k| (a[k] - b[k]).powi(2)).sum()
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use crate::assets::default_glass;
    use crate::calculator::Calculator;
    use crate::potential::mendelev::cu_zr_mendelev_2007;
    use crate::system::System;

    /// The glass, its flat coordinates, and the atoms within `radius` of atom `centre`
    /// (minimum image).
    fn glass_region(centre: usize, radius: f64) -> (System, Vec<f64>, Vec<usize>) {
        let glass = default_glass();
        let x: Vec<f64> = glass.positions_angstrom.iter().flatten().copied().collect();
        let c = glass.positions_angstrom[centre];
        let mobile = (0..glass.n_atoms())
            .filter(|&i| {
                let p = glass.positions_angstrom[i];
                let d = glass
                    .cell
                    .minimum_image([p[0] - c[0], p[1] - c[1], p[2] - c[2]]);
                d.iter().map(|v| v * v).sum::<f64>() < radius * radius
            })
            .collect();
        (glass, x, mobile)
    }

    /// The full calculation with the mobile atoms at `xm` and the others at `x0`: energy and
    /// the mobile atoms' forces.
    fn full(
        calculator: &mut Calculator,
        glass: &System,
        x0: &[f64],
        mobile: &[usize],
        xm: &[f64],
    ) -> (f64, Vec<f64>) {
        let mut x = x0.to_vec();
        for (a, &i) in mobile.iter().enumerate() {
            x[3 * i..3 * i + 3].copy_from_slice(&xm[3 * a..3 * a + 3]);
        }
        let r = calculator.compute_unwrapped(&x, &glass.cell);
        let f = mobile
            .iter()
            .flat_map(|&i| r.forces_ev_per_angstrom[i])
            .collect();
        (r.energy_ev, f)
    }

    #[test]
    fn frozen_environment_equals_the_full_calculation() {
        // A region around an atom near the box corner, so mobile atoms interact across the
        // periodic boundary, moved in random steps large enough to rebuild the list and bring
        // new frozen atoms into the buffer.
        let glass = default_glass();
        let corner = (0..glass.n_atoms())
            .min_by(|&a, &b| {
                let s = |i: usize| glass.positions_angstrom[i].iter().sum::<f64>();
                s(a).total_cmp(&s(b))
            })
            .unwrap();
        let (glass, x0, mobile) = glass_region(corner, 7.0);
        assert!(mobile.len() > 60, "{} mobile atoms", mobile.len());
        let potential = std::sync::Arc::new(cu_zr_mendelev_2007());
        let mut calculator = Calculator::new(&glass, potential, 1.0).unwrap();
        let mut env = calculator
            .frozen_environment(&x0, &glass.cell, &mobile)
            .unwrap();
        let mut xm: Vec<f64> = mobile
            .iter()
            .flat_map(|&i| &x0[3 * i..3 * i + 3])
            .copied()
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut f = vec![0.0; xm.len()];
        let buffer0 = env.buffer_len();
        let mut worst_energy = 0.0f64;
        let mut worst_force = 0.0f64;
        for _ in 0..8 {
            xm.iter_mut()
                .for_each(|c| *c += rng.random_range(-0.15..0.15));
            let e = env.energy_forces(&xm, &mut f);
            let (e_full, f_full) = full(&mut calculator, &glass, &x0, &mobile, &xm);
            worst_energy = worst_energy.max(((e - e_full) / e_full).abs());
            let df = f
                .iter()
                .zip(&f_full)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            worst_force = worst_force.max(df);
        }
        assert!(
            worst_energy < 1e-12,
            "relative energy error {worst_energy:e}"
        );
        assert!(worst_force < 1e-10, "force error {worst_force:e} eV/Å");
        assert!(env.list_builds() > 1, "the list was never rebuilt");
        assert!(
            env.buffer_len() > buffer0,
            "no frozen atom joined the buffer"
        );
    }

    #[test]
    fn frozen_environment_forces_are_minus_the_energy_gradient() {
        let (glass, x0, mobile) = glass_region(100, 6.0);
        let potential = std::sync::Arc::new(cu_zr_mendelev_2007());
        let mut calculator = Calculator::new(&glass, potential, 1.0).unwrap();
        let mut env = calculator
            .frozen_environment(&x0, &glass.cell, &mobile)
            .unwrap();
        let mut xm: Vec<f64> = mobile
            .iter()
            .flat_map(|&i| &x0[3 * i..3 * i + 3])
            .copied()
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        xm.iter_mut()
            .for_each(|c| *c += rng.random_range(-0.1..0.1));
        let mut f = vec![0.0; xm.len()];
        env.energy_forces(&xm, &mut f);
        let h = 1e-5;
        let mut scratch = vec![0.0; xm.len()];
        for k in (0..xm.len()).step_by(7) {
            let mut xp = xm.clone();
            xp[k] += h;
            let ep = env.energy_forces(&xp, &mut scratch);
            xp[k] -= 2.0 * h;
            let em = env.energy_forces(&xp, &mut scratch);
            let fd = -(ep - em) / (2.0 * h);
            assert!((fd - f[k]).abs() < 1e-5, "coordinate {k}: {fd} vs {}", f[k]);
        }
    }
}
