//! Embedded-atom method, LAMMPS `pair_style eam/fs` and `eam/alloy`, with LAMMPS's splines.
//!
//! E = Σ_i F_i(ρ_i) + ½ Σ_i Σ_{j≠i} φ_ij(r_ij),  ρ_i = Σ_{j≠i} g_{t_j→t_i}(r_ij).
//! Forces come in two passes over the half neighbour list: densities, then pair forces with
//! F′. Each rayon task owns a contiguous block of atoms and accumulates into its own buffers,
//! which are summed in a fixed order: no locks, and the same thread count gives the same bits.

use std::sync::Arc;

use rayon::prelude::*;

use super::setfl::SetflTables;
use super::spline::Spline;
use super::{ForceInput, ForceKernel, ForceResult, Potential};

/// How many pairs ahead the density pass prefetches table rows.
const PREFETCH_AHEAD: usize = 6;

/// Hints the CPU to load a 192-byte table record (three cache lines) into L1.
#[inline(always)]
pub(super) fn prefetch_record(record: &[f64; 24]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = record.as_ptr() as *const i8;
        // SAFETY: prefetching is a hint that never faults or changes memory; SSE is part of
        // the x86_64 baseline, and `p .. p + 128` lies inside `record` (192 bytes).
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(p);
            _mm_prefetch::<_MM_HINT_T0>(p.add(64));
            _mm_prefetch::<_MM_HINT_T0>(p.add(128));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = record;
}
use crate::system::Vec3;

/// Per-atom and per-thread working memory of one EAM kernel, kept between calls so that the
/// step loop allocates nothing.
#[derive(Debug, Default)]
struct Scratch {
    per_atom_a: Vec<f64>,
    per_atom_b: Vec<f64>,
    chunks: Vec<ChunkAccumulator>,
    /// Cartesian periodic-image vectors of the neighbour list, for the current box.
    images: Vec<Vec3>,
}

/// One thread's share of a force evaluation: partial sums over its atoms' half-list pairs.
#[derive(Debug, Default)]
struct ChunkAccumulator {
    atoms: std::ops::Range<usize>,
    /// Pair terms of the chunk's atoms that do not depend on F′ (filled by the density pass),
    /// and where each atom's terms start.
    pairs: Vec<PairTerm>,
    pair_starts: Vec<u32>,
    /// One atom's pairs inside the cutoff, gathered before the table walk.
    near: Vec<NearPair>,
    density: Vec<f64>,
    forces: Vec<Vec3>,
    energies: Vec<f64>,
    pair_energy_ev: f64,
    virial_ev: [f64; 6],
}

/// One pair inside the cutoff, as the force pass needs it: the force is
/// −(F′_i·a + F′_j·b + c)·(x_i − x_j), with a = g′_{j→i}/r, b = g′_{i→j}/r, c = φ′/r.
#[derive(Clone, Copy, Debug, Default)]
struct PairTerm {
    a: f64,
    b: f64,
    c: f64,
    j: u32,
    image: u16,
}

/// A pair found inside the cutoff: partner, image, distance and its table row.
#[derive(Clone, Copy, Debug, Default)]
struct NearPair {
    r: f64,
    fraction: f64,
    row: u32,
    table: u32,
    j: u32,
    image: u16,
}

/// One pair's spline values at fraction `p` of its table row `c`, distance `r`: the densities
/// it gives atom i (g_{j→i}) and atom j (g_{i→j}), φ, and the force-pass terms a = g′_{j→i}/r,
/// b = g′_{i→j}/r, c = φ′/r (the force on i is −(F′_i·a + F′_j·b + c)·(x_i − x_j)). The one
/// place the kernel and the frozen-environment evaluation ([`super::frozen`]) read the tables.
#[derive(Clone, Copy, Debug)]
pub(super) struct PairValues {
    pub density_at_i: f64,
    pub density_at_j: f64,
    pub phi: f64,
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

#[inline(always)]
pub(super) fn pair_values(c: &[f64; 24], p: f64, r: f64) -> PairValues {
    let density_at_i = ((c[0] * p + c[1]) * p + c[2]) * p + c[3];
    let density_at_j = ((c[4] * p + c[5]) * p + c[6]) * p + c[7];
    let rho_ip = (c[8] * p + c[9]) * p + c[10];
    let rho_jp = (c[11] * p + c[12]) * p + c[13];
    let zp = (c[14] * p + c[15]) * p + c[16];
    let z = ((c[17] * p + c[18]) * p + c[19]) * p + c[20];
    let recip = 1.0 / r;
    let phi = z * recip;
    let phip = zp * recip - phi * recip;
    PairValues {
        density_at_i,
        density_at_j,
        phi,
        a: rho_jp * recip,
        b: rho_ip * recip,
        c: phip * recip,
    }
}

/// An EAM potential's force evaluation: the shared tables and this evaluator's scratch.
#[derive(Debug)]
struct EamKernel {
    eam: Arc<Eam>,
    scratch: Scratch,
}

impl ForceKernel for EamKernel {
    fn compute(&mut self, input: &ForceInput, out: &mut ForceResult) {
        self.eam.compute(input, &mut self.scratch, out);
    }
}

#[derive(Clone, Debug)]
pub struct Eam {
    description: String,
    elements: Vec<String>,
    masses_amu: Vec<f64>,
    cutoff_angstrom: f64,
    /// `embedding[a]` = F_a(ρ).
    embedding: Vec<Spline>,
    /// The r grid (Δr, n) all pair tables share, for lookups.
    r_grid: Spline,
    rho_max: f64,
    /// Per ordered element pair (a·n + b), every spline coefficient a pair needs at one grid
    /// point, packed into one 192-byte record: one table walk per pair (LAMMPS's OPT package
    /// packs its tables the same way).
    pair_tables: Vec<PairTable>,
}

/// Interleaved spline coefficients of one ordered element pair (i of type a, j of type b):
/// `[c3,c4,s,f]` of g_{b→a} (density at i) and of g_{a→b} (density at j), `[e0,e1,e2]` of
/// g_{a→b}, of g_{b→a} and of r·φ_ab, `[c3,c4,s,f]` of r·φ_ab, three zeros of padding.
#[derive(Clone, Debug)]
struct PairTable {
    records: Vec<[f64; 24]>,
}

impl PairTable {
    fn new(to_i: &Spline, to_j: &Spline, r_phi: &Spline) -> Self {
        let records = (0..r_phi.len())
            .map(|m| {
                let (di, dj, z) = (
                    to_i.coefficients(m),
                    to_j.coefficients(m),
                    r_phi.coefficients(m),
                );
                [
                    di[3], di[4], di[5], di[6], dj[3], dj[4], dj[5], dj[6], dj[0], dj[1], dj[2],
                    di[0], di[1], di[2], z[0], z[1], z[2], z[3], z[4], z[5], z[6], 0.0, 0.0, 0.0,
                ]
            })
            .collect();
        Self { records }
    }
}

impl Eam {
    /// Builds the splines of a setfl table set.
    pub fn from_tables(tables: &SetflTables, description: String) -> Self {
        let n = tables.elements.len();
        let pair_index = |f: &dyn Fn(usize, usize) -> Spline| -> Vec<Spline> {
            (0..n * n).map(|k| f(k / n, k % n)).collect()
        };
        let grid = &tables.grid;
        let density = pair_index(&|a, b| Spline::new(&tables.density[a][b], grid.d_r));
        let r_phi = pair_index(&|a, b| Spline::new(&tables.r_phi[a][b], grid.d_r));
        // Pair (i: a, j: b): density at i comes from g_{b→a}, at j from g_{a→b}.
        let pair_tables = (0..n * n)
            .map(|k| {
                let (a, b) = (k / n, k % n);
                PairTable::new(&density[b * n + a], &density[a * n + b], &r_phi[k])
            })
            .collect();
        Self {
            description,
            pair_tables,
            elements: tables.elements.iter().map(|e| e.symbol.clone()).collect(),
            masses_amu: tables.elements.iter().map(|e| e.mass_amu).collect(),
            cutoff_angstrom: grid.cutoff_angstrom,
            embedding: tables
                .embedding
                .iter()
                .map(|f| Spline::new(f, grid.d_rho))
                .collect(),
            r_grid: r_phi[0].clone(),
            rho_max: grid.rho_max(),
        }
    }

    /// The pair values of an atom of element `ti` and one of element `tj` at distance `r`
    /// (inside the cutoff): the kernel's table record and spline.
    #[inline]
    pub(super) fn pair(&self, ti: usize, tj: usize, r: f64) -> PairValues {
        let g = self.r_grid.locate_r(r);
        let table = &self.pair_tables[ti * self.elements.len() + tj];
        pair_values(&table.records[g.index], g.fraction, r)
    }

    /// Where the pair values of elements `ti`, `tj` at distance `r` are: (table, row,
    /// fraction), for [`Self::record`] and [`pair_values`].
    #[inline]
    pub(super) fn pair_location(&self, ti: usize, tj: usize, r: f64) -> (u32, u32, f64) {
        let g = self.r_grid.locate_r(r);
        (
            (ti * self.elements.len() + tj) as u32,
            g.index as u32,
            g.fraction,
        )
    }

    /// One packed table record (see [`PairTable`]).
    #[inline]
    pub(super) fn record(&self, table: u32, row: u32) -> &[f64; 24] {
        &self.pair_tables[table as usize].records[row as usize]
    }

    /// Every atom's electron density for `input` (the kernel's density pass, serial), from
    /// the whole half list (not only the candidates the last motion left in reach).
    pub(crate) fn densities(&self, input: &ForceInput, rho: &mut Vec<f64>) {
        let n = input.positions_angstrom.len();
        rho.clear();
        rho.resize(n, 0.0);
        let images = input.neighbors.image_vectors(input.cell);
        let cutsq = self.cutoff_angstrom * self.cutoff_angstrom;
        let (x, types) = (input.positions_angstrom, input.element_of_atom);
        for i in 0..n {
            let (partners, codes) = input.neighbors.partners_of(i);
            for (&j, &code) in partners.iter().zip(codes) {
                let (j, s) = (j as usize, images[code as usize]);
                let d: Vec3 = std::array::from_fn(|k| x[j][k] + s[k] - x[i][k]);
                let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                if r2 < cutsq {
                    let v = self.pair(types[i], types[j], r2.sqrt());
                    rho[i] += v.density_at_i;
                    rho[j] += v.density_at_j;
                }
            }
        }
    }

    /// Embedding energy and F′ of an `element` atom at density `rho` (LAMMPS's extrapolation above ρmax).
    #[inline]
    pub(super) fn embed(&self, element: usize, rho: f64) -> (f64, f64) {
        let spline = &self.embedding[element];
        let g = spline.locate_rho(rho);
        let (mut f, fp) = spline.value_and_derivative(g);
        if rho > self.rho_max {
            f += fp * (rho - self.rho_max);
        }
        (f, fp)
    }
}

impl Potential for Eam {
    fn description(&self) -> String {
        self.description.clone()
    }

    fn elements(&self) -> &[String] {
        &self.elements
    }

    fn masses_amu(&self) -> &[f64] {
        &self.masses_amu
    }

    fn cutoff_angstrom(&self) -> f64 {
        self.cutoff_angstrom
    }

    fn kernel(self: Arc<Self>) -> Box<dyn ForceKernel> {
        Box::new(EamKernel {
            eam: self,
            scratch: Scratch::default(),
        })
    }

    fn eam(self: Arc<Self>) -> Option<Arc<Eam>> {
        Some(self)
    }
}

impl Eam {
    /// Energy, forces and virial into `out`, reusing `scratch` between calls.
    fn compute(&self, input: &ForceInput, scratch: &mut Scratch, out: &mut ForceResult) {
        let n = input.positions_angstrom.len();
        prepare_chunks(scratch, input, n);
        input
            .neighbors
            .image_vectors_into(input.cell, &mut scratch.images);
        let images = &scratch.images;

        // Pass 1: electron densities.
        scratch
            .chunks
            .par_iter_mut()
            .for_each(|chunk| self.accumulate_density(input, images, chunk));
        let rho = &mut scratch.per_atom_a;
        rho.resize(n, 0.0);
        let chunks = &scratch.chunks;
        rho.par_iter_mut()
            .enumerate()
            .for_each(|(i, r)| *r = chunks.iter().map(|c| c.density[i]).sum());

        // Embedding energies and F′.
        let fp = &mut scratch.per_atom_b;
        fp.resize(n, 0.0);
        out.per_atom_energy_ev.clear();
        out.per_atom_energy_ev.resize(n, 0.0);
        let types = input.element_of_atom;
        fp.par_iter_mut()
            .zip(out.per_atom_energy_ev.par_iter_mut())
            .enumerate()
            .for_each(|(i, (fp_i, e_i))| {
                let (f, d) = self.embed(types[i], rho[i]);
                *fp_i = d;
                *e_i = f;
            });
        let embedding_energy: f64 = out.per_atom_energy_ev.iter().sum();

        // Pass 2: forces, pair energy, virial.
        let fp: &[f64] = fp;
        scratch
            .chunks
            .par_iter_mut()
            .for_each(|chunk| self.accumulate_forces(input, images, fp, chunk));
        reduce_forces(&scratch.chunks, input.per_atom_energy, out);
        out.energy_ev =
            embedding_energy + scratch.chunks.iter().map(|c| c.pair_energy_ev).sum::<f64>();
        if !input.per_atom_energy {
            out.per_atom_energy_ev.clear();
        }
    }
}

impl Eam {
    /// Density pass: ρ contributions, pair energy, and every F′-independent pair term the
    /// force pass needs, so that pass walks a linear buffer instead of the tables.
    fn accumulate_density(
        &self,
        input: &ForceInput,
        images: &[Vec3],
        chunk: &mut ChunkAccumulator,
    ) {
        let n_el = self.elements.len();
        let cutsq = self.cutoff_angstrom * self.cutoff_angstrom;
        let x = input.positions_angstrom;
        let types = input.element_of_atom;
        let per_atom = input.per_atom_energy;
        chunk.density.fill(0.0);
        if per_atom {
            chunk.energies.fill(0.0);
        }
        chunk.pairs.clear();
        chunk.pair_starts.clear();
        let mut pair_energy = 0.0;
        let grid = &self.r_grid;
        for i in chunk.atoms.clone() {
            chunk.pair_starts.push(chunk.pairs.len() as u32);
            let xi = x[i];
            let ti = types[i];
            let (partners, codes) = input.neighbors.candidates_of(i);
            // Gather the pairs inside the cutoff first, so the table walk below knows every
            // row it will read and can prefetch a few pairs ahead (the rows live in L3).
            chunk.near.clear();
            for (&j, &code) in partners.iter().zip(codes) {
                let s = images[code as usize];
                let xj = x[j as usize];
                let d = [
                    xj[0] + s[0] - xi[0],
                    xj[1] + s[1] - xi[1],
                    xj[2] + s[2] - xi[2],
                ];
                let r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                if r2 < cutsq {
                    let r = r2.sqrt();
                    let g = grid.locate_r(r);
                    chunk.near.push(NearPair {
                        r,
                        fraction: g.fraction,
                        row: g.index as u32,
                        table: (ti * n_el + types[j as usize]) as u32,
                        j,
                        image: code,
                    });
                }
            }
            let mut rho_i = 0.0;
            for k in 0..chunk.near.len() {
                if let Some(ahead) = chunk.near.get(k + PREFETCH_AHEAD) {
                    prefetch_record(
                        &self.pair_tables[ahead.table as usize].records[ahead.row as usize],
                    );
                }
                let np = chunk.near[k];
                let j = np.j as usize;
                let c = &self.pair_tables[np.table as usize].records[np.row as usize];
                let v = pair_values(c, np.fraction, np.r);
                rho_i += v.density_at_i;
                chunk.density[j] += v.density_at_j;
                pair_energy += v.phi;
                if per_atom {
                    chunk.energies[i] += 0.5 * v.phi;
                    chunk.energies[j] += 0.5 * v.phi;
                }
                chunk.pairs.push(PairTerm {
                    a: v.a,
                    b: v.b,
                    c: v.c,
                    j: np.j,
                    image: np.image,
                });
            }
            chunk.density[i] += rho_i;
        }
        chunk.pair_starts.push(chunk.pairs.len() as u32);
        chunk.pair_energy_ev = pair_energy;
    }

    /// Force pass over the pair terms: f = −(F′_i a + F′_j b + c)(x_i − x_j), LAMMPS's
    /// −ψ′/r · del with ψ′ = F′_i g′_{j→i} + F′_j g′_{i→j} + φ′.
    fn accumulate_forces(
        &self,
        input: &ForceInput,
        images: &[Vec3],
        fp: &[f64],
        chunk: &mut ChunkAccumulator,
    ) {
        let x = input.positions_angstrom;
        chunk.forces.fill([0.0; 3]);
        let mut w = [0.0; 6];
        for (local, i) in chunk.atoms.clone().enumerate() {
            let xi = x[i];
            let fp_i = fp[i];
            let terms = &chunk.pairs
                [chunk.pair_starts[local] as usize..chunk.pair_starts[local + 1] as usize];
            let mut f_i = [0.0; 3];
            for t in terms {
                let j = t.j as usize;
                let s = images[t.image as usize];
                let xj = x[j];
                // LAMMPS's del = x_i − x_j.
                let del = [
                    xi[0] - (xj[0] + s[0]),
                    xi[1] - (xj[1] + s[1]),
                    xi[2] - (xj[2] + s[2]),
                ];
                let fpair = -(fp_i * t.a + fp[j] * t.b + t.c);
                let f = [del[0] * fpair, del[1] * fpair, del[2] * fpair];
                f_i[0] += f[0];
                f_i[1] += f[1];
                f_i[2] += f[2];
                let f_j = &mut chunk.forces[j];
                f_j[0] -= f[0];
                f_j[1] -= f[1];
                f_j[2] -= f[2];
                w[0] += del[0] * f[0];
                w[1] += del[1] * f[1];
                w[2] += del[2] * f[2];
                w[3] += del[0] * f[1];
                w[4] += del[0] * f[2];
                w[5] += del[1] * f[2];
            }
            let f = &mut chunk.forces[i];
            f[0] += f_i[0];
            f[1] += f_i[1];
            f[2] += f_i[2];
        }
        chunk.virial_ev = w;
    }
}

/// One chunk per rayon thread, each a contiguous block of atoms holding about the same
/// number of pairs.
fn prepare_chunks(scratch: &mut Scratch, input: &ForceInput, n: usize) {
    let k = rayon::current_num_threads().clamp(1, n.max(1));
    scratch.chunks.resize_with(k, ChunkAccumulator::default);
    let total = input.neighbors.n_pairs().max(1);
    let mut start = 0;
    let mut pairs_so_far = 0usize;
    let mut i = 0;
    for (c, chunk) in scratch.chunks.iter_mut().enumerate() {
        let target = total * (c + 1) / k;
        while i < n && (pairs_so_far < target || c + 1 == k) {
            pairs_so_far += input.neighbors.partners_of(i).0.len();
            i += 1;
        }
        chunk.atoms = start..i;
        start = i;
        chunk.density.resize(n, 0.0);
        chunk.forces.resize(n, [0.0; 3]);
        chunk
            .energies
            .resize(if input.per_atom_energy { n } else { 0 }, 0.0);
    }
}

/// Sums the chunks' forces (and per-atom pair energies) in chunk order.
fn reduce_forces(chunks: &[ChunkAccumulator], per_atom: bool, out: &mut ForceResult) {
    let n = chunks.first().map_or(0, |c| c.forces.len());
    out.forces_ev_per_angstrom.resize(n, [0.0; 3]);
    out.forces_ev_per_angstrom
        .par_iter_mut()
        .zip(out.per_atom_energy_ev.par_iter_mut())
        .enumerate()
        .for_each(|(i, (f, e))| {
            *f = [0.0; 3];
            for c in chunks {
                f[0] += c.forces[i][0];
                f[1] += c.forces[i][1];
                f[2] += c.forces[i][2];
                if per_atom {
                    *e += c.energies[i];
                }
            }
        });
    out.virial_ev = [0.0; 6];
    for c in chunks {
        for (w, cw) in out.virial_ev.iter_mut().zip(&c.virial_ev) {
            *w += cw;
        }
    }
}
