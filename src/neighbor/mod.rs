//! Verlet neighbour list with a skin, built from a cell (bin) list, rebuilt on demand.
//!
//! The list is a *half* list: each pair within `cutoff + skin` is stored once, on its lower
//! index, together with the periodic image of the partner (an integer shift of box vectors).
//! Storing the image lets the force loop skip minimum-image arithmetic, and lets boxes smaller
//! than twice the cutoff (small crystals) see several images of the same atom, as LAMMPS's
//! ghost atoms do.

use rayon::prelude::*;

use crate::system::{Cell, Vec3};

/// Periodic image of a neighbour: `x_j + shift · L`.
pub type ImageShift = [i32; 3];

/// One thread's share of a list build, kept between builds to reuse its memory.
#[derive(Clone, Debug, Default)]
struct ListBlock {
    partners: Vec<u32>,
    images: Vec<u16>,
    counts: Vec<u32>,
    level_ends: Vec<[u32; 3]>,
    pending: Vec<(f64, u32, u16)>,
}

impl ListBlock {
    fn clear(&mut self) {
        self.partners.clear();
        self.images.clear();
        self.counts.clear();
        self.level_ends.clear();
    }
}

#[derive(Clone, Debug, Default)]
pub struct NeighborList {
    cutoff_angstrom: f64,
    skin_angstrom: f64,
    /// Pairs of atom i are `partners[offsets[i]..offsets[i+1]]`.
    offsets: Vec<u32>,
    partners: Vec<u32>,
    images: Vec<u16>,
    image_shifts: Vec<ImageShift>,
    /// Positions and box at the last build, for the rebuild check.
    positions_at_build: Vec<Vec3>,
    lengths_at_build: Vec3,
    builds: u64,
    // Scratch for the bin sort, kept to avoid allocating on every rebuild.
    bin_of_atom: Vec<u32>,
    bin_start: Vec<u32>,
    atoms_by_bin: Vec<u32>,
    blocks: Vec<ListBlock>,
    /// Per atom, how many partners lie within cutoff + skin·k/4 at build time (k = 1, 2, 3);
    /// partners are sorted by distance, so these are prefix lengths.
    level_ends: Vec<[u32; 3]>,
    /// Which prefix the force loops must scan now (0..=3; 3 = the whole list).
    scan_level: usize,
}

impl NeighborList {
    pub fn new(cutoff_angstrom: f64, skin_angstrom: f64) -> Self {
        Self {
            cutoff_angstrom,
            skin_angstrom,
            ..Default::default()
        }
    }

    pub fn cutoff_angstrom(&self) -> f64 {
        self.cutoff_angstrom
    }

    pub fn skin_angstrom(&self) -> f64 {
        self.skin_angstrom
    }

    /// Number of times the list has been built.
    pub fn builds(&self) -> u64 {
        self.builds
    }

    pub fn n_pairs(&self) -> usize {
        self.partners.len()
    }

    /// Partners of atom `i` and the index of each one's image in [`Self::image_shifts`].
    #[inline]
    pub fn partners_of(&self, i: usize) -> (&[u32], &[u16]) {
        let range = self.offsets[i] as usize..self.offsets[i + 1] as usize;
        (&self.partners[range.clone()], &self.images[range])
    }

    /// The partners of atom `i` that can be within the cutoff now: atoms have moved at most
    /// δ since the build, so pairs built farther than cutoff + 2δ are skipped.
    #[inline]
    pub fn candidates_of(&self, i: usize) -> (&[u32], &[u16]) {
        let start = self.offsets[i] as usize;
        let end = match self.level_ends.get(i) {
            Some(ends) if self.scan_level < 3 => start + ends[self.scan_level] as usize,
            _ => self.offsets[i + 1] as usize,
        };
        (&self.partners[start..end], &self.images[start..end])
    }

    /// Growth of pair separations since the build: 2·max displacement + √3·max|ΔL| (Å);
    /// infinite when there is no list for these atoms yet.
    fn separation_change(&self, positions: &[Vec3], cell: &Cell) -> f64 {
        if positions.len() != self.positions_at_build.len() || self.builds == 0 {
            return f64::INFINITY;
        }
        let l = cell.lengths_angstrom();
        let box_change = (0..3)
            .map(|k| (l[k] - self.lengths_at_build[k]).abs())
            .fold(0.0, f64::max);
        let mut max_d2 = 0.0f64;
        for (x, x0) in positions.iter().zip(&self.positions_at_build) {
            let d2 = (x[0] - x0[0]).powi(2) + (x[1] - x0[1]).powi(2) + (x[2] - x0[2]).powi(2);
            max_d2 = max_d2.max(d2);
        }
        2.0 * max_d2.sqrt() + 3f64.sqrt() * box_change
    }

    /// Like [`Self::needs_rebuild`], and when the list stays, narrows the scan of
    /// [`Self::candidates_of`] to what the atoms' motion since the build requires.
    pub fn check(&mut self, positions: &[Vec3], cell: &Cell) -> bool {
        let change = self.separation_change(positions, cell);
        if change > self.skin_angstrom {
            return true;
        }
        let quarter = 0.25 * self.skin_angstrom;
        self.scan_level = (0..3)
            .find(|&k| change <= quarter * (k + 1) as f64)
            .unwrap_or(3);
        false
    }

    /// Integer image shifts referenced by [`Self::partners_of`].
    pub fn image_shifts(&self) -> &[ImageShift] {
        &self.image_shifts
    }

    /// Cartesian image vectors for the current box (Å).
    pub fn image_vectors(&self, cell: &Cell) -> Vec<Vec3> {
        let mut vectors = Vec::new();
        self.image_vectors_into(cell, &mut vectors);
        vectors
    }

    /// [`Self::image_vectors`] into `out`, reusing its memory (for the step loop).
    pub fn image_vectors_into(&self, cell: &Cell, out: &mut Vec<Vec3>) {
        let l = cell.lengths_angstrom();
        out.clear();
        out.extend(
            self.image_shifts
                .iter()
                .map(|s| std::array::from_fn::<f64, 3, _>(|k| s[k] as f64 * l[k])),
        );
    }

    /// Whether any pair may have come within the cutoff since the last build.
    ///
    /// Two atoms approach by at most twice the largest displacement; a box change moves
    /// periodic images by at most √3·max|ΔL|. Either eating up the skin forces a rebuild.
    pub fn needs_rebuild(&self, positions: &[Vec3], cell: &Cell) -> bool {
        self.separation_change(positions, cell) > self.skin_angstrom
    }

    /// Builds the list for `positions`, which must lie inside `cell` (wrapped).
    pub fn build(&mut self, positions: &[Vec3], cell: &Cell) {
        let reach = self.cutoff_angstrom + self.skin_angstrom;
        let l = cell.lengths_angstrom();
        let bins: [usize; 3] = std::array::from_fn(|k| (l[k] / (0.5 * reach)).floor() as usize);
        self.offsets.clear();
        self.partners.clear();
        self.images.clear();
        self.image_shifts.clear();
        self.level_ends.clear();
        self.scan_level = 0;
        if bins.iter().all(|&b| b >= 5) {
            self.build_binned(positions, cell, bins, reach);
        } else {
            self.build_all_images(positions, cell, reach);
        }
        self.positions_at_build.clear();
        self.positions_at_build.extend_from_slice(positions);
        self.lengths_at_build = l;
        self.builds += 1;
    }

    /// Bins of edge ≥ reach/2 and a stencil of ±2 bins; with ≥ 5 bins per axis every
    /// neighbour bin is distinct, so each pair is found exactly once per direction.
    fn build_binned(&mut self, positions: &[Vec3], cell: &Cell, bins: [usize; 3], reach: f64) {
        let n = positions.len();
        let lo = cell.lo_angstrom();
        let l = cell.lengths_angstrom();
        let bin_edge: Vec3 = std::array::from_fn(|k| l[k] / bins[k] as f64);
        let n_bins = bins[0] * bins[1] * bins[2];
        let bin_coords = |x: &Vec3| -> [usize; 3] {
            std::array::from_fn(|k| {
                (((x[k] - lo[k]) / bin_edge[k]).floor().max(0.0) as usize).min(bins[k] - 1)
            })
        };
        let flat = |b: [usize; 3]| (b[0] * bins[1] + b[1]) * bins[2] + b[2];

        // Counting sort of atoms into bins.
        self.bin_of_atom.clear();
        self.bin_of_atom
            .extend(positions.iter().map(|x| flat(bin_coords(x)) as u32));
        self.bin_start.clear();
        self.bin_start.resize(n_bins + 1, 0);
        for &b in &self.bin_of_atom {
            self.bin_start[b as usize + 1] += 1;
        }
        for b in 0..n_bins {
            self.bin_start[b + 1] += self.bin_start[b];
        }
        self.atoms_by_bin.clear();
        self.atoms_by_bin.resize(n, 0);
        let mut fill = self.bin_start.clone();
        for (i, &b) in self.bin_of_atom.iter().enumerate() {
            self.atoms_by_bin[fill[b as usize] as usize] = i as u32;
            fill[b as usize] += 1;
        }

        // Stencil: bin offsets whose closest approach is within reach.
        let mut stencil = Vec::new();
        for ox in -2i32..=2 {
            for oy in -2i32..=2 {
                for oz in -2i32..=2 {
                    let o = [ox, oy, oz];
                    let gap2: f64 = (0..3)
                        .map(|k| {
                            let g = (o[k].abs() - 1).max(0) as f64 * bin_edge[k];
                            g * g
                        })
                        .sum();
                    if gap2 < reach * reach {
                        stencil.push(o);
                    }
                }
            }
        }
        for sx in -1..=1 {
            for sy in -1..=1 {
                for sz in -1..=1 {
                    self.image_shifts.push([sx, sy, sz]);
                }
            }
        }
        let shift_code = |s: [i32; 3]| ((s[0] + 1) * 9 + (s[1] + 1) * 3 + (s[2] + 1)) as u16;

        let reach2 = reach * reach;
        let quarter = 0.25 * self.skin_angstrom;
        let level_r2: [f64; 3] =
            std::array::from_fn(|k| (self.cutoff_angstrom + quarter * (k + 1) as f64).powi(2));
        // Atoms are split into one block per thread; each block's lists are built in
        // parallel and then concatenated in order, so the result does not depend on threads.
        let n_blocks = rayon::current_num_threads().clamp(1, n.max(1));
        let mut blocks = std::mem::take(&mut self.blocks);
        blocks.resize_with(n_blocks, ListBlock::default);
        let (atoms_by_bin, bin_start) = (&self.atoms_by_bin, &self.bin_start);
        blocks.par_iter_mut().enumerate().for_each(|(c, block)| {
            block.clear();
            for i in n * c / n_blocks..n * (c + 1) / n_blocks {
                let xi = positions[i];
                let bi = bin_coords(&xi);
                block.pending.clear();
                for o in &stencil {
                    let mut shift = [0i32; 3];
                    let mut nb = [0usize; 3];
                    for k in 0..3 {
                        let c = bi[k] as i32 + o[k];
                        let m = bins[k] as i32;
                        shift[k] = c.div_euclid(m);
                        nb[k] = c.rem_euclid(m) as usize;
                    }
                    let image: Vec3 = std::array::from_fn(|k| shift[k] as f64 * l[k]);
                    let b = flat(nb);
                    for &j in &atoms_by_bin[bin_start[b] as usize..bin_start[b + 1] as usize] {
                        if (j as usize) <= i {
                            continue;
                        }
                        let xj = positions[j as usize];
                        let d2: f64 = (0..3).map(|k| (xj[k] + image[k] - xi[k]).powi(2)).sum();
                        if d2 < reach2 {
                            block.pending.push((d2, j, shift_code(shift)));
                        }
                    }
                }
                // Nearest first: the force loops then find the pairs inside the cutoff as one
                // run (a predictable branch) and walk the spline tables in increasing r.
                block.pending.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                let pending = &block.pending;
                block
                    .level_ends
                    .push(level_r2.map(|r2| pending.partition_point(|p| p.0 < r2) as u32));
                block.partners.extend(pending.iter().map(|p| p.1));
                block.images.extend(pending.iter().map(|p| p.2));
                block.counts.push(pending.len() as u32);
            }
        });
        self.offsets.push(0);
        for block in &blocks {
            self.partners.extend_from_slice(&block.partners);
            self.images.extend_from_slice(&block.images);
            self.level_ends.extend_from_slice(&block.level_ends);
            for &count in &block.counts {
                let last = *self.offsets.last().unwrap_or(&0);
                self.offsets.push(last + count);
            }
        }
        self.blocks = blocks;
    }

    /// Small boxes: every atom pair and every image within reach (O(N²·images)).
    fn build_all_images(&mut self, positions: &[Vec3], cell: &Cell, reach: f64) {
        let l = cell.lengths_angstrom();
        let m: [i32; 3] = std::array::from_fn(|k| (reach / l[k]).ceil() as i32);
        for sx in -m[0]..=m[0] {
            for sy in -m[1]..=m[1] {
                for sz in -m[2]..=m[2] {
                    self.image_shifts.push([sx, sy, sz]);
                }
            }
        }
        let vectors = self.image_vectors(cell);
        let zero = self
            .image_shifts
            .iter()
            .position(|s| *s == [0, 0, 0])
            .unwrap_or(0);
        let reach2 = reach * reach;
        self.offsets.push(0);
        for (i, xi) in positions.iter().enumerate() {
            for (j, xj) in positions.iter().enumerate().skip(i) {
                for (code, v) in vectors.iter().enumerate() {
                    // The self-pair keeps only one of each ± image pair (the later code).
                    if j == i && code <= zero {
                        continue;
                    }
                    let d2: f64 = (0..3).map(|k| (xj[k] + v[k] - xi[k]).powi(2)).sum();
                    if d2 < reach2 {
                        self.partners.push(j as u32);
                        self.images.push(code as u16);
                    }
                }
            }
            self.offsets.push(self.partners.len() as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Brute-force count of pairs within `reach` over all images.
    fn brute_pairs(positions: &[Vec3], cell: &Cell, reach: f64) -> usize {
        let l = cell.lengths_angstrom();
        let m: [i32; 3] = std::array::from_fn(|k| (reach / l[k]).ceil() as i32 + 1);
        let mut count = 0;
        for i in 0..positions.len() {
            for j in i..positions.len() {
                for sx in -m[0]..=m[0] {
                    for sy in -m[1]..=m[1] {
                        for sz in -m[2]..=m[2] {
                            let s = [sx, sy, sz];
                            if i == j && s <= [0, 0, 0] {
                                continue;
                            }
                            let d2: f64 = (0..3)
                                .map(|k| {
                                    (positions[j][k] + s[k] as f64 * l[k] - positions[i][k]).powi(2)
                                })
                                .sum();
                            if d2 < reach * reach {
                                count += 1;
                            }
                        }
                    }
                }
            }
        }
        count
    }

    fn random_positions(n: usize, cell: &Cell, seed: u64) -> Vec<Vec3> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let lo = cell.lo_angstrom();
        let l = cell.lengths_angstrom();
        (0..n)
            .map(|_| std::array::from_fn(|k| lo[k] + rng.random::<f64>() * l[k]))
            .collect()
    }

    #[test]
    fn binned_list_finds_every_pair_once() {
        let cell = Cell::new([-3.0, 0.0, 1.0], [30.0, 27.0, 33.0]).unwrap();
        let x = random_positions(600, &cell, 7);
        let mut list = NeighborList::new(4.0, 1.0);
        list.build(&x, &cell);
        assert_eq!(list.n_pairs(), brute_pairs(&x, &cell, 5.0));
    }

    #[test]
    fn small_box_sees_several_images() {
        let cell = Cell::new([0.0; 3], [6.0, 7.0, 8.0]).unwrap();
        let x = random_positions(5, &cell, 3);
        let mut list = NeighborList::new(7.6, 1.0);
        list.build(&x, &cell);
        assert_eq!(list.n_pairs(), brute_pairs(&x, &cell, 8.6));
    }

    #[test]
    fn rebuild_check_tracks_displacement_and_box() {
        let cell = Cell::cubic(30.0).unwrap();
        let mut x = random_positions(50, &cell, 1);
        let mut list = NeighborList::new(4.0, 1.0);
        list.build(&x, &cell);
        assert!(!list.needs_rebuild(&x, &cell));
        x[3][0] += 0.49;
        assert!(!list.needs_rebuild(&x, &cell));
        x[3][0] += 0.02;
        assert!(list.needs_rebuild(&x, &cell));
        x[3][0] -= 0.51;
        assert!(list.needs_rebuild(&x, &cell.scaled_about_centre(1.02)));
    }
}
