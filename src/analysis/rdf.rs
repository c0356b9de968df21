//! Partial radial distribution functions g_ab(r) and their first-peak positions.

use crate::neighbor::NeighborList;
use crate::system::System;

/// g_ab(r) on a uniform grid of bin centres.
#[derive(Clone, Debug)]
pub struct PartialRdf {
    pub species: (usize, usize),
    pub r_angstrom: Vec<f64>,
    pub g: Vec<f64>,
}

/// All partial RDFs of `system` up to `r_max_angstrom` with bins of `bin_angstrom`,
/// one for each unordered species pair (a ≤ b).
pub fn partial_rdfs(system: &System, r_max_angstrom: f64, bin_angstrom: f64) -> Vec<PartialRdf> {
    let n_species = system.species.len();
    let n_bins = (r_max_angstrom / bin_angstrom).ceil() as usize;
    let mut counts = vec![vec![0u64; n_bins]; n_species * n_species];
    let mut list = NeighborList::new(r_max_angstrom, 0.0);
    let mut wrapped = system.clone();
    wrapped.wrap_positions();
    list.build(&wrapped.positions_angstrom, &wrapped.cell);
    let images = list.image_vectors(&wrapped.cell);
    let x = &wrapped.positions_angstrom;
    for i in 0..x.len() {
        let (partners, codes) = list.partners_of(i);
        for (&j, &c) in partners.iter().zip(codes) {
            let j = j as usize;
            let s = images[c as usize];
            let r = (0..3)
                .map(|k| (x[j][k] + s[k] - x[i][k]).powi(2))
                .sum::<f64>()
                .sqrt();
            let bin = (r / bin_angstrom) as usize;
            if bin < n_bins {
                let (a, b) = (system.types[i], system.types[j]);
                let key = a.min(b) * n_species + a.max(b);
                counts[key][bin] += 1;
            }
        }
    }
    let per_species = system.count_by_species();
    let volume = system.cell.volume_angstrom3();
    let mut out = Vec::new();
    for a in 0..n_species {
        for b in a..n_species {
            // Unordered pairs expected in a shell for an ideal gas of the same densities.
            let pairs = if a == b {
                0.5 * per_species[a] as f64 * (per_species[a] as f64 - 1.0)
            } else {
                per_species[a] as f64 * per_species[b] as f64
            };
            let (r, g) = (0..n_bins)
                .map(|k| {
                    let (r0, r1) = (k as f64 * bin_angstrom, (k + 1) as f64 * bin_angstrom);
                    let shell = 4.0 / 3.0 * std::f64::consts::PI * (r1.powi(3) - r0.powi(3));
                    let ideal = pairs * shell / volume;
                    let g = if ideal > 0.0 {
                        counts[a * n_species + b][k] as f64 / ideal
                    } else {
                        0.0
                    };
                    (0.5 * (r0 + r1), g)
                })
                .unzip();
            out.push(PartialRdf {
                species: (a, b),
                r_angstrom: r,
                g,
            });
        }
    }
    out
}

impl PartialRdf {
    /// Position of the first peak (Å): the highest point of g below `r_search_max`,
    /// refined by a least-squares parabola through the bins within ±`half_width` of it.
    pub fn first_peak_angstrom(&self, r_search_max: f64, half_width: f64) -> Option<f64> {
        let (i_max, _) = self
            .r_angstrom
            .iter()
            .zip(&self.g)
            .enumerate()
            .filter(|(_, (r, _))| **r < r_search_max)
            .max_by(|a, b| a.1.1.total_cmp(b.1.1))?;
        let r0 = self.r_angstrom[i_max];
        let points: Vec<(f64, f64)> = self
            .r_angstrom
            .iter()
            .zip(&self.g)
            .filter(|(r, _)| (**r - r0).abs() <= half_width)
            .map(|(r, g)| (*r - r0, *g))
            .collect();
        let [_, b, c] = super::stats::fit_quadratic(&points)?;
        (c < 0.0).then(|| r0 - b / (2.0 * c))
    }
}

/// Characteristic distances of an RDF (Å): where cluster cutoffs sensibly sit.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct RdfLandmarks {
    pub first_peak_angstrom: Option<f64>,
    pub first_minimum_angstrom: Option<f64>,
    pub second_peak_angstrom: Option<f64>,
    pub second_minimum_angstrom: Option<f64>,
}

impl PartialRdf {
    /// First peak, first minimum, second peak and second minimum of g(r), found on a
    /// 5-bin running mean (single bins are noisy in a 4000-atom glass). The second peak of a
    /// metallic glass is split; its higher sub-peak is taken.
    pub fn landmarks(&self) -> RdfLandmarks {
        let n = self.g.len();
        let smooth: Vec<f64> = (0..n)
            .map(|i| {
                let (a, b) = (i.saturating_sub(2), (i + 3).min(n));
                self.g[a..b].iter().sum::<f64>() / (b - a) as f64
            })
            .collect();
        let r = &self.r_angstrom;
        // The extreme of `smooth` over r in [from, to), by `better`.
        let extreme = |from: f64, to: f64, better: fn(f64, f64) -> bool| -> Option<usize> {
            (0..n)
                .filter(|&i| r[i] >= from && r[i] < to)
                .fold(None, |best: Option<usize>, i| match best {
                    Some(b) if !better(smooth[i], smooth[b]) => Some(b),
                    _ => Some(i),
                })
        };
        let p1 = extreme(0.0, 3.8, |a, b| a > b).filter(|&i| smooth[i] > 1.0);
        let Some(p1) = p1 else {
            return RdfLandmarks::default();
        };
        let m1 = extreme(r[p1], r[p1] + 1.6, |a, b| a < b);
        let p2 = m1.and_then(|m| extreme(r[m], r[m] + 2.2, |a, b| a > b));
        let m2 = p2.and_then(|p| extreme(r[p], r[p] + 1.6, |a, b| a < b));
        RdfLandmarks {
            first_peak_angstrom: Some(r[p1]),
            first_minimum_angstrom: m1.map(|i| r[i]),
            second_peak_angstrom: p2.map(|i| r[i]),
            second_minimum_angstrom: m2.map(|i| r[i]),
        }
    }
}
