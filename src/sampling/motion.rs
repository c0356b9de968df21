//! What the atoms did in a β-event: pair exchange, loop, string, or none of these.
//!
//! Input: two inherent structures (energy-minimised configurations) of the same atoms, one before
//! and one after the event. The paper (Yang et al., PRB 102, 174103, Fig. 1) draws an arrow for every
//! atom displaced by more than 2 Å and reads the mechanism off the arrows: a *loop-like motion* is a
//! closed chain of a few atoms, each moving into or towards its neighbour's site; a *pair exchange* is
//! two atoms swapping sites. This module makes that reading mechanical:
//!
//! 1. **Moved atoms** are those whose minimum-image displacement exceeds
//!    [`MotionSettings::moved_threshold_angstrom`] (the paper's 2 Å). Only they take part: only their
//!    old sites can be taken, and only they can take one.
//! 2. **Links.** A moved atom `i` is linked to a moved atom `j ≠ i` when `i` *took* `j`'s old site
//!    (ended within [`MotionSettings::site_tolerance_angstrom`] of it) or moved *towards* it (`j` was a
//!    neighbour, within [`MotionSettings::neighbor_cutoff_angstrom`] of `i`'s old site, and the
//!    distance from `i` to `j`'s old site shrank by at least [`MotionSettings::towards_fraction`]).
//!    Each atom gets at most one outgoing link and each site at most one incoming one: all eligible
//!    pairs are taken in order of increasing distance between the atom's new position and the site
//!    (ties by input order), and a pair is kept when neither its atom nor its site is spoken for. An
//!    atom whose nearest site was claimed by a closer arrival falls back to its next eligible site.
//! 3. **Structures.** With in- and out-degree at most one, the links split the moved atoms into closed
//!    cycles, open chains and lone atoms. A cycle of two is a pair exchange, a longer cycle a loop, an
//!    open chain of two or more a string.
//! 4. **Kind.** Nothing moved: [`MotionKind::None`]. Otherwise the largest cycle if there is one (a
//!    closed cycle is the self-contained rearrangement the paper calls the event, so any cycle outranks
//!    any chain), else the longest string, else (every moved atom lone) [`MotionKind::Other`]. All
//!    cycles, strings and lone atoms stay in [`MotionAnalysis`], so a mixed event is visible;
//!    [`MotionAnalysis::is_single_structure`] says whether the kind tells the whole story.
//!
//! An atom that moved less than the threshold but whose old site a moved atom took is *not* admitted
//! as a chain end. The participants are exactly the paper's arrows, so the classification describes
//! the picture the paper (and the app) draws, and it needs no second, unpublished threshold. Such a
//! taker is then the last atom of its string, or lone (an [`MotionKind::Other`] hop) if nothing else
//! links to it.
//!
//! Positions may be wrapped into the box: every displacement and site distance is a minimum image, which
//! assumes each atom moved less than half a box edge (a few Å against ~40 Å). A net drift of the whole
//! system between the two structures is not removed here: it would count as motion of every atom.

use crate::system::{Cell, Vec3};
use serde::{Deserialize, Serialize};

/// Thresholds of the classification. Defaults are chosen for Cu–Zr; see each field.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MotionSettings {
    /// An atom *moved* when its displacement exceeds this (Å). Default 2.0 Å: the paper's threshold for
    /// drawing displacement arrows in Fig. 1.
    pub moved_threshold_angstrom: f64,
    /// An atom *took* another's site when it ends within this distance of that atom's old site (Å).
    /// Default 1.0 Å. Old sites in the glass are never closer than ~2.2 Å (onset of the Cu–Cu
    /// first RDF peak), so a sphere of 1.0 Å holds at most one of them and "took" is unambiguous; it is
    /// well above the 0.1–0.5 Å by which minimisation shifts the surrounding cage, so a true hop onto a
    /// site is not missed; and it is half the moved threshold, so an atom that took a site has really
    /// left its own.
    pub site_tolerance_angstrom: f64,
    /// An atom moved *towards* a neighbour's site when its distance to that site shrank by at least this
    /// fraction of the starting distance (dimensionless, in [0, 1]). Default 0.5: the atom ended past the
    /// half-way mark (for a move along the bond, across the bisecting plane between the two old sites,
    /// i.e. into the neighbour's Voronoi half). The paper's loops have atoms moving "into or towards"
    /// the next site; a half-way move is the least that reads as *towards* rather than *near*.
    pub towards_fraction: f64,
    /// A site counts for "towards" only when its atom was a neighbour: within this distance of the
    /// mover's old site (Å). Default 4.0 Å: the paper's cluster cutoff, the first coordination shell of
    /// Cu in the glass (12 atoms, near the first RDF minimum). Without it, a long hop would be said to
    /// move "towards" any site up to twice its length away. Does not restrict "took" links: an atom that
    /// landed on a site occupies it wherever it came from.
    #[serde(alias = "neighbour_cutoff_angstrom")]
    pub neighbor_cutoff_angstrom: f64,
}

impl Default for MotionSettings {
    fn default() -> Self {
        Self {
            moved_threshold_angstrom: 2.0,
            site_tolerance_angstrom: 1.0,
            towards_fraction: 0.5,
            neighbor_cutoff_angstrom: 4.0,
        }
    }
}

impl MotionSettings {
    /// Checks that every threshold is a usable number (infinite distances are allowed: they switch a
    /// criterion fully on or off).
    pub fn validate(&self) -> Result<(), MotionError> {
        let distances = [
            ("moved_threshold_angstrom", self.moved_threshold_angstrom),
            ("site_tolerance_angstrom", self.site_tolerance_angstrom),
            ("neighbor_cutoff_angstrom", self.neighbor_cutoff_angstrom),
        ];
        for (name, value) in distances {
            if value.is_nan() || value < 0.0 {
                return Err(MotionError::BadSetting {
                    name,
                    value,
                    expected: "a distance >= 0",
                });
            }
        }
        if !(0.0..=1.0).contains(&self.towards_fraction) {
            return Err(MotionError::BadSetting {
                name: "towards_fraction",
                value: self.towards_fraction,
                expected: "a fraction in [0, 1]",
            });
        }
        Ok(())
    }
}

/// Why a motion cannot be classified.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MotionError {
    #[error(
        "per-atom arrays differ in length: {ids} ids, {before} positions before, {after} positions after"
    )]
    LengthMismatch {
        ids: usize,
        before: usize,
        after: usize,
    },
    #[error("atom {id} (index {index}) has a non-finite position {when} the event")]
    NonFinitePosition {
        index: usize,
        id: u64,
        when: &'static str,
    },
    #[error("motion setting {name} = {value}: expected {expected}")]
    BadSetting {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
}

/// How a moved atom relates to the site it is linked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteLink {
    /// Ended within the site tolerance of the other atom's old site.
    Took,
    /// Ended farther than the tolerance, but moved at least `towards_fraction` of the way to it.
    Towards,
}

/// One atom displaced by more than the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MovedAtom {
    pub id: u64,
    /// Position of the atom in the input arrays.
    pub index: usize,
    /// Minimum-image displacement, after − before (Å).
    pub displacement_angstrom: Vec3,
    pub distance_angstrom: f64,
    /// The id of the moved atom whose old site this one took or moved towards, if any.
    pub took_site_of: Option<u64>,
    /// Whether that site was reached or only approached; `None` with `took_site_of`.
    pub site_link: Option<SiteLink>,
    /// Distance from this atom's new position to that site (Å); `None` with `took_site_of`.
    pub end_to_site_angstrom: Option<f64>,
}

/// The mechanism of one event. Cycles list ids in link order (each atom went to, or towards, the next
/// one's site; the last to the first's) starting at the smallest id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MotionKind {
    /// No atom moved farther than the threshold: the motion of a precursor, never an event's
    /// class (an event has at least `min_movers` ≥ 1 movers).
    None,
    /// Two atoms took each other's sites. Ids in ascending order.
    PairExchange { atoms: [u64; 2] },
    /// A closed cycle of three or more atoms, in cycle order.
    Loop { atoms: Vec<u64> },
    /// An open chain of two or more atoms, from the atom that left a site no moved atom took to the one
    /// that went where no moved atom had been (each went to, or towards, the next one's site).
    String { atoms: Vec<u64> },
    /// Atoms moved, but none is linked to another's site.
    Other,
}

impl MotionKind {
    /// The class's name, as the paper writes it.
    pub fn class_name(&self) -> &'static str {
        match self {
            MotionKind::None => "none",
            MotionKind::PairExchange { .. } => "pair exchange",
            MotionKind::Loop { .. } => "loop",
            MotionKind::String { .. } => "string",
            MotionKind::Other => "other",
        }
    }

    /// The class and the atoms, in one line ("loop 12 → 40 → 7 → 12").
    pub fn describe(&self) -> String {
        let chain = |atoms: &[u64], sep: &str| {
            atoms
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(sep)
        };
        match self {
            MotionKind::PairExchange { atoms } => {
                format!("pair exchange {} ↔ {}", atoms[0], atoms[1])
            }
            MotionKind::Loop { atoms } => {
                format!("loop {} → {}", chain(atoms, " → "), atoms[0])
            }
            MotionKind::String { atoms } => format!("string {}", chain(atoms, " → ")),
            other => other.class_name().to_string(),
        }
    }
}

/// Everything the classification found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MotionAnalysis {
    /// Every atom displaced by more than the threshold, in input order.
    pub moved: Vec<MovedAtom>,
    /// The mechanism: see the module documentation for how it is picked.
    pub kind: MotionKind,
    /// Every closed cycle (pair exchanges included), largest first, each in cycle order from its
    /// smallest id.
    pub cycles: Vec<Vec<u64>>,
    /// Every open chain of two or more atoms, longest first, in chain order.
    pub strings: Vec<Vec<u64>>,
    /// Moved atoms in no cycle or chain, in input order.
    pub unlinked: Vec<u64>,
    /// The largest displacement of any input atom (Å; 0 without atoms), moved or not, and its
    /// id: what a precursor, a rearrangement below the mover threshold, reports.
    #[serde(default)]
    pub largest_displacement_angstrom: f64,
    #[serde(default)]
    pub largest_displacement_id: Option<u64>,
}

impl MotionAnalysis {
    /// True when `kind` accounts for every moved atom: one cycle or chain and no other mover (or
    /// nothing moved). A loop with a stray extra hop is still reported as a loop, but not single.
    pub fn is_single_structure(&self) -> bool {
        match self.kind {
            MotionKind::None => true,
            MotionKind::Other => false,
            _ => self.cycles.len() + self.strings.len() == 1 && self.unlinked.is_empty(),
        }
    }
}

fn difference(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn norm(v: Vec3) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// A link the assignment may keep: mover `from` (index into the moved list) to the old site of mover
/// `to`, with the distance that ranks it.
struct CandidateLink {
    end_to_site_angstrom: f64,
    from: usize,
    to: usize,
    site_link: SiteLink,
}

/// Classifies the motion between two inherent structures; see the module documentation.
///
/// `ids`, `before_angstrom` and `after_angstrom` are per-atom and in the same order. Errors: arrays of
/// different lengths, a non-finite position, or an unusable setting. Never panics.
pub fn classify_motion(
    ids: &[u64],
    before_angstrom: &[Vec3],
    after_angstrom: &[Vec3],
    cell: &Cell,
    settings: &MotionSettings,
) -> Result<MotionAnalysis, MotionError> {
    settings.validate()?;
    if ids.len() != before_angstrom.len() || ids.len() != after_angstrom.len() {
        return Err(MotionError::LengthMismatch {
            ids: ids.len(),
            before: before_angstrom.len(),
            after: after_angstrom.len(),
        });
    }
    // A NaN or infinite coordinate is an upstream failure (a blown-up minimisation); classifying
    // around it would hide that.
    for (index, ((&id, before), after)) in ids
        .iter()
        .zip(before_angstrom)
        .zip(after_angstrom)
        .enumerate()
    {
        for (position, when) in [(before, "before"), (after, "after")] {
            if !position.iter().all(|x| x.is_finite()) {
                return Err(MotionError::NonFinitePosition { index, id, when });
            }
        }
    }

    let mut moved: Vec<MovedAtom> = Vec::new();
    let mut largest: (f64, Option<u64>) = (0.0, None);
    for (index, (before, after)) in before_angstrom.iter().zip(after_angstrom).enumerate() {
        let displacement = cell.minimum_image(difference(*after, *before));
        let distance = norm(displacement);
        if largest.1.is_none() || distance > largest.0 {
            largest = (distance, Some(ids[index]));
        }
        if distance > settings.moved_threshold_angstrom {
            moved.push(MovedAtom {
                id: ids[index],
                index,
                displacement_angstrom: displacement,
                distance_angstrom: distance,
                took_site_of: None,
                site_link: None,
                end_to_site_angstrom: None,
            });
        }
    }

    // Every (mover, site) pair that qualifies as "took" or "towards". Quadratic in the number of
    // movers, which is a handful in a β-event.
    let mut candidates: Vec<CandidateLink> = Vec::new();
    for (from, mover) in moved.iter().enumerate() {
        let old = before_angstrom[mover.index];
        let new = after_angstrom[mover.index];
        for (to, other) in moved.iter().enumerate() {
            if to == from {
                continue;
            }
            let site = before_angstrom[other.index];
            let end_to_site = norm(cell.minimum_image(difference(new, site)));
            let site_link = if end_to_site <= settings.site_tolerance_angstrom {
                SiteLink::Took
            } else {
                let start_to_site = norm(cell.minimum_image(difference(old, site)));
                let neighbor = start_to_site <= settings.neighbor_cutoff_angstrom;
                if neighbor && end_to_site <= (1.0 - settings.towards_fraction) * start_to_site {
                    SiteLink::Towards
                } else {
                    continue;
                }
            };
            candidates.push(CandidateLink {
                end_to_site_angstrom: end_to_site,
                from,
                to,
                site_link,
            });
        }
    }
    // Closest arrivals first; ties by input order so the result does not depend on sort stability.
    candidates.sort_by(|a, b| {
        a.end_to_site_angstrom
            .total_cmp(&b.end_to_site_angstrom)
            .then(a.from.cmp(&b.from))
            .then(a.to.cmp(&b.to))
    });

    let count = moved.len();
    let mut next: Vec<Option<usize>> = vec![None; count];
    let mut taken_by: Vec<Option<usize>> = vec![None; count];
    for candidate in &candidates {
        if next[candidate.from].is_none() && taken_by[candidate.to].is_none() {
            next[candidate.from] = Some(candidate.to);
            taken_by[candidate.to] = Some(candidate.from);
            let site_id = moved[candidate.to].id;
            let mover = &mut moved[candidate.from];
            mover.took_site_of = Some(site_id);
            mover.site_link = Some(candidate.site_link);
            mover.end_to_site_angstrom = Some(candidate.end_to_site_angstrom);
        }
    }

    // Chains start at movers whose site nobody took; whatever is left lies on cycles. The step bound
    // only guards the walk: with in- and out-degree at most one it is never reached.
    let mut visited = vec![false; count];
    let mut strings: Vec<Vec<u64>> = Vec::new();
    let mut unlinked: Vec<u64> = Vec::new();
    for start in 0..count {
        if taken_by[start].is_some() {
            continue;
        }
        let mut chain = Vec::new();
        let mut current = Some(start);
        while let Some(node) = current {
            if visited[node] || chain.len() > count {
                break;
            }
            visited[node] = true;
            chain.push(moved[node].id);
            current = next[node];
        }
        if chain.len() >= 2 {
            strings.push(chain);
        } else {
            unlinked.extend(chain);
        }
    }
    let mut cycles: Vec<Vec<u64>> = Vec::new();
    for start in 0..count {
        if visited[start] {
            continue;
        }
        let mut cycle = Vec::new();
        let mut current = Some(start);
        while let Some(node) = current {
            if visited[node] || cycle.len() > count {
                break;
            }
            visited[node] = true;
            cycle.push(moved[node].id);
            current = next[node];
        }
        // Start at the smallest id so equal cycles compare equal.
        if let Some(first) = (0..cycle.len()).min_by_key(|&k| cycle[k]) {
            cycle.rotate_left(first);
        }
        cycles.push(cycle);
    }
    // Largest first; the sort is stable, so equal sizes keep input order.
    cycles.sort_by_key(|cycle| std::cmp::Reverse(cycle.len()));
    strings.sort_by_key(|chain| std::cmp::Reverse(chain.len()));

    let kind = if moved.is_empty() {
        MotionKind::None
    } else if let Some(cycle) = cycles.first() {
        match cycle.as_slice() {
            &[a, b] => MotionKind::PairExchange {
                atoms: [a.min(b), a.max(b)],
            },
            atoms => MotionKind::Loop {
                atoms: atoms.to_vec(),
            },
        }
    } else if let Some(chain) = strings.first() {
        MotionKind::String {
            atoms: chain.clone(),
        }
    } else {
        MotionKind::Other
    };

    Ok(MotionAnalysis {
        moved,
        kind,
        cycles,
        strings,
        unlinked,
        largest_displacement_angstrom: largest.0,
        largest_displacement_id: largest.1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    /// Sites per box edge of the test lattice and their spacing (Å): 216 atoms, nearest neighbours at
    /// a Cu–Cu-like distance.
    const SIDE: usize = 6;
    const SPACING_ANGSTROM: f64 = 2.6;
    /// Random offset of each site, per component (Å). Small enough that a face diagonal (3.68 Å) stays
    /// inside the default neighbour cutoff of 4.0 Å.
    const JITTER_ANGSTROM: f64 = 0.1;

    /// A perturbed simple-cubic glass stand-in. Ids are not indices, so id bookkeeping is tested.
    struct Lattice {
        cell: Cell,
        ids: Vec<u64>,
        sites_angstrom: Vec<Vec3>,
    }

    impl Lattice {
        fn new(seed: u64) -> Self {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            // A box not at the origin, to exercise the cell's corner.
            let cell = Cell::new([-5.0, 3.0, 0.0], [SIDE as f64 * SPACING_ANGSTROM; 3]).unwrap();
            let mut ids = Vec::new();
            let mut sites_angstrom = Vec::new();
            for ix in 0..SIDE {
                for iy in 0..SIDE {
                    for iz in 0..SIDE {
                        let lattice_point = [ix, iy, iz];
                        let site: Vec3 = std::array::from_fn(|k| {
                            cell.lo_angstrom()[k]
                                + (lattice_point[k] as f64 + 0.5) * SPACING_ANGSTROM
                                + rng.random_range(-JITTER_ANGSTROM..JITTER_ANGSTROM)
                        });
                        ids.push(1000 + 7 * ids.len() as u64);
                        sites_angstrom.push(cell.wrap(site));
                    }
                }
            }
            Self {
                cell,
                ids,
                sites_angstrom,
            }
        }

        /// Index of lattice point (ix, iy, iz), periodic.
        fn index(&self, point: [i64; 3]) -> usize {
            let side = SIDE as i64;
            let [ix, iy, iz] = point.map(|c| c.rem_euclid(side) as usize);
            (ix * SIDE + iy) * SIDE + iz
        }

        fn id(&self, point: [i64; 3]) -> u64 {
            self.ids[self.index(point)]
        }

        /// Removes the atom at `point`, leaving an empty site; returns where it was.
        fn vacate(&mut self, point: [i64; 3]) -> Vec3 {
            let index = self.index(point);
            self.ids.remove(index);
            self.sites_angstrom.remove(index)
        }

        fn index_of_id(&self, id: u64) -> usize {
            self.ids.iter().position(|&x| x == id).unwrap()
        }

        fn classify(&self, after_angstrom: &[Vec3]) -> MotionAnalysis {
            classify_motion(
                &self.ids,
                &self.sites_angstrom,
                after_angstrom,
                &self.cell,
                &MotionSettings::default(),
            )
            .unwrap()
        }
    }

    /// After-positions where each atom of `cycle` (ids) moves exactly onto the next one's old site.
    fn cycled(lattice: &Lattice, cycle: &[u64]) -> Vec<Vec3> {
        let mut after = lattice.sites_angstrom.clone();
        for (k, &id) in cycle.iter().enumerate() {
            let target = cycle[(k + 1) % cycle.len()];
            after[lattice.index_of_id(id)] = lattice.sites_angstrom[lattice.index_of_id(target)];
        }
        after
    }

    /// True when `found` is `expected` rotated.
    fn same_cycle(found: &[u64], expected: &[u64]) -> bool {
        found.len() == expected.len()
            && (0..expected.len()).any(|shift| {
                let mut rotated = expected.to_vec();
                rotated.rotate_left(shift);
                rotated == found
            })
    }

    #[test]
    fn swap_of_two_neighbors_is_a_pair_exchange() {
        let lattice = Lattice::new(1);
        let (a, b) = (lattice.id([2, 2, 2]), lattice.id([3, 2, 2]));
        let analysis = lattice.classify(&cycled(&lattice, &[a, b]));
        assert_eq!(analysis.kind, MotionKind::PairExchange { atoms: [a, b] });
        assert_eq!(analysis.moved.len(), 2);
        let took: Vec<_> = analysis.moved.iter().map(|m| m.took_site_of).collect();
        assert_eq!(took, vec![Some(b), Some(a)]);
        assert!(
            analysis
                .moved
                .iter()
                .all(|m| m.site_link == Some(SiteLink::Took))
        );
        assert!(analysis.is_single_structure());
    }

    #[test]
    fn three_and_four_cycles_of_neighbors_are_loops_in_cycle_order() {
        let lattice = Lattice::new(2);
        let triangle = [[2, 2, 2], [3, 2, 2], [2, 3, 2]].map(|p| lattice.id(p));
        let square = [[2, 2, 2], [3, 2, 2], [3, 3, 2], [2, 3, 2]].map(|p| lattice.id(p));
        for cycle in [&triangle[..], &square[..]] {
            let analysis = lattice.classify(&cycled(&lattice, cycle));
            let MotionKind::Loop { atoms } = &analysis.kind else {
                panic!("expected a loop, got {:?}", analysis.kind);
            };
            assert!(same_cycle(atoms, cycle), "{atoms:?} vs {cycle:?}");
            // Reversed order is a different loop: the direction of motion is part of the answer.
            let mut reversed = cycle.to_vec();
            reversed.reverse();
            assert!(!same_cycle(atoms, &reversed));
            assert_eq!(analysis.cycles.len(), 1);
            assert!(analysis.is_single_structure());
        }
    }

    #[test]
    fn partial_four_loop_with_thermal_noise_is_a_loop() {
        let lattice = Lattice::new(3);
        // A square on face diagonals (3.68 Å edges), so that 70 % of an edge (2.57 Å) clears the 2 Å
        // threshold: atoms move towards, not onto, the next site.
        let points = [[3, 2, 2], [4, 3, 2], [3, 4, 2], [2, 3, 2]];
        let cycle = points.map(|p| lattice.id(p));
        let mut after = lattice.sites_angstrom.clone();
        for k in 0..4 {
            let from = lattice.index(points[k]);
            let to = lattice.index(points[(k + 1) % 4]);
            let step = lattice.cell.minimum_image(difference(
                lattice.sites_angstrom[to],
                lattice.sites_angstrom[from],
            ));
            after[from] = std::array::from_fn(|c| lattice.sites_angstrom[from][c] + 0.7 * step[c]);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(33);
        let noise = Normal::new(0.0, 0.1).unwrap();
        for position in &mut after {
            for c in 0..3 {
                position[c] += noise.sample(&mut rng);
            }
            *position = lattice.cell.wrap(*position);
        }
        let analysis = lattice.classify(&after);
        let MotionKind::Loop { atoms } = &analysis.kind else {
            panic!("expected a loop, got {:?}", analysis.kind);
        };
        assert!(same_cycle(atoms, &cycle), "{atoms:?} vs {cycle:?}");
        assert_eq!(
            analysis.moved.len(),
            4,
            "noise alone must not count as motion"
        );
        assert!(analysis.is_single_structure());
        // The loop closes through the "towards" criterion: ends are ~1.1 Å from the next site.
        assert!(
            analysis
                .moved
                .iter()
                .any(|m| m.site_link == Some(SiteLink::Towards))
        );
        // Control: with "towards" switched off the same motion is no loop.
        let strict = MotionSettings {
            towards_fraction: 1.0,
            ..MotionSettings::default()
        };
        let strict_analysis = classify_motion(
            &lattice.ids,
            &lattice.sites_angstrom,
            &after,
            &lattice.cell,
            &strict,
        )
        .unwrap();
        assert!(!matches!(strict_analysis.kind, MotionKind::Loop { .. }));
    }

    #[test]
    fn chain_ending_in_a_vacancy_is_a_string_from_tail_to_head() {
        let mut lattice = Lattice::new(4);
        let chain = [[1, 2, 2], [2, 2, 2], [3, 2, 2]].map(|p| lattice.id(p));
        let hole_angstrom = lattice.vacate([4, 2, 2]);
        let mut after = cycled(&lattice, &chain);
        // The head moves into the empty site instead of closing the cycle.
        after[lattice.index_of_id(chain[2])] = hole_angstrom;
        let analysis = lattice.classify(&after);
        assert_eq!(
            analysis.kind,
            MotionKind::String {
                atoms: chain.to_vec()
            }
        );
        assert!(analysis.cycles.is_empty());
        assert!(analysis.is_single_structure());
    }

    #[test]
    fn lone_hop_into_empty_space_is_other() {
        let mut lattice = Lattice::new(5);
        let hopper = lattice.id([2, 2, 2]);
        lattice.vacate([3, 3, 2]);
        let mut after = lattice.sites_angstrom.clone();
        let index = lattice.index_of_id(hopper);
        let direction = std::f64::consts::FRAC_1_SQRT_2;
        after[index][0] += 3.0 * direction;
        after[index][1] += 3.0 * direction;
        let analysis = lattice.classify(&after);
        assert_eq!(analysis.kind, MotionKind::Other);
        assert_eq!(analysis.unlinked, vec![hopper]);
        assert!((analysis.moved[0].distance_angstrom - 3.0).abs() < 1e-12);
        assert!(!analysis.is_single_structure());
    }

    #[test]
    fn nothing_moved_is_none() {
        let lattice = Lattice::new(6);
        let mut rng = ChaCha8Rng::seed_from_u64(66);
        let noise = Normal::new(0.0, 0.1).unwrap();
        let after: Vec<Vec3> = lattice
            .sites_angstrom
            .iter()
            .map(|s| lattice.cell.wrap(s.map(|x| x + noise.sample(&mut rng))))
            .collect();
        let analysis = lattice.classify(&after);
        assert_eq!(analysis.kind, MotionKind::None);
        assert!(analysis.moved.is_empty());
        assert!(analysis.is_single_structure());
    }

    #[test]
    fn swap_across_the_periodic_boundary_is_a_pair_exchange() {
        let lattice = Lattice::new(7);
        // x = 0 and x = SIDE − 1 are neighbours through the box face.
        let (a, b) = (lattice.id([0, 2, 2]), lattice.id([-1, 2, 2]));
        let after = cycled(&lattice, &[a, b]);
        let analysis = lattice.classify(&after);
        assert_eq!(
            analysis.kind,
            MotionKind::PairExchange {
                atoms: [a.min(b), a.max(b)]
            }
        );
        for moved in &analysis.moved {
            assert!((moved.distance_angstrom - SPACING_ANGSTROM).abs() < 0.5);
        }
        // Unwrapped images of the same positions give the same answer.
        let length = lattice.cell.lengths_angstrom();
        let unwrapped: Vec<Vec3> = after
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let shift = [i as f64 % 3.0 - 1.0, 2.0, -3.0];
                std::array::from_fn(|k| p[k] + shift[k] * length[k])
            })
            .collect();
        assert_eq!(lattice.classify(&unwrapped).kind, analysis.kind);
    }

    #[test]
    fn any_cycle_outranks_chains_and_all_structures_are_kept() {
        let mut lattice = Lattice::new(8);
        let pair = [[1, 1, 1], [2, 1, 1]].map(|p| lattice.id(p));
        let triangle = [[1, 4, 4], [2, 4, 4], [1, 5, 4]].map(|p| lattice.id(p));
        let chain = [[4, 1, 4], [4, 2, 4], [4, 3, 4]].map(|p| lattice.id(p));
        let hole_angstrom = lattice.vacate([4, 4, 4]);
        let mut after = cycled(&lattice, &pair);
        let for_triangle = cycled(&lattice, &triangle);
        let for_chain = cycled(&lattice, &chain);
        for id in triangle {
            let i = lattice.index_of_id(id);
            after[i] = for_triangle[i];
        }
        for id in chain {
            let i = lattice.index_of_id(id);
            after[i] = for_chain[i];
        }
        after[lattice.index_of_id(chain[2])] = hole_angstrom;

        let analysis = lattice.classify(&after);
        let MotionKind::Loop { atoms } = &analysis.kind else {
            panic!("expected the triangle, got {:?}", analysis.kind);
        };
        assert!(same_cycle(atoms, &triangle));
        assert_eq!(analysis.cycles.len(), 2);
        assert_eq!(
            analysis.cycles[1],
            vec![pair[0].min(pair[1]), pair[0].max(pair[1])]
        );
        assert_eq!(analysis.strings, vec![chain.to_vec()]);
        assert!(!analysis.is_single_structure());

        // With only the pair and the three-atom chain, the pair wins although it is shorter.
        let mut pair_and_chain = for_chain.clone();
        pair_and_chain[lattice.index_of_id(chain[2])] = hole_angstrom;
        for id in pair {
            let i = lattice.index_of_id(id);
            pair_and_chain[i] = after[i];
        }
        assert!(matches!(
            lattice.classify(&pair_and_chain).kind,
            MotionKind::PairExchange { .. }
        ));
    }

    #[test]
    fn two_claims_on_one_site_go_to_the_closer_arrival() {
        let mut lattice = Lattice::new(9);
        let (near, far, owner) = (
            lattice.id([1, 2, 2]),
            lattice.id([3, 2, 2]),
            lattice.id([2, 2, 2]),
        );
        let hole_angstrom = lattice.vacate([2, 4, 2]);
        let site = lattice.sites_angstrom[lattice.index_of_id(owner)];
        let mut after = lattice.sites_angstrom.clone();
        after[lattice.index_of_id(near)] = [site[0] + 0.2, site[1], site[2]];
        after[lattice.index_of_id(far)] = [site[0], site[1] + 0.6, site[2]];
        after[lattice.index_of_id(owner)] = hole_angstrom;
        let analysis = lattice.classify(&after);
        let took = |id: u64| {
            analysis
                .moved
                .iter()
                .find(|m| m.id == id)
                .unwrap()
                .took_site_of
        };
        assert_eq!(took(near), Some(owner));
        assert_eq!(took(far), None);
        assert_eq!(
            analysis.kind,
            MotionKind::String {
                atoms: vec![near, owner]
            }
        );
        assert_eq!(analysis.unlinked, vec![far]);
    }

    #[test]
    fn bad_inputs_are_errors_naming_the_problem() {
        let cell = Cell::cubic(10.0).unwrap();
        let settings = MotionSettings::default();
        let error =
            classify_motion(&[1, 2], &[[0.0; 3]; 2], &[[0.0; 3]; 3], &cell, &settings).unwrap_err();
        assert_eq!(
            error,
            MotionError::LengthMismatch {
                ids: 2,
                before: 2,
                after: 3
            }
        );
        assert!(error.to_string().contains("2 ids"));
        assert!(error.to_string().contains("3 positions after"));

        let error = classify_motion(&[5], &[[0.0; 3]], &[[f64::NAN, 0.0, 0.0]], &cell, &settings)
            .unwrap_err();
        assert!(matches!(
            error,
            MotionError::NonFinitePosition {
                id: 5,
                when: "after",
                ..
            }
        ));

        let bad = MotionSettings {
            towards_fraction: 1.5,
            ..settings
        };
        assert!(matches!(
            classify_motion(&[], &[], &[], &cell, &bad),
            Err(MotionError::BadSetting {
                name: "towards_fraction",
                ..
            })
        ));
        assert_eq!(
            classify_motion(&[], &[], &[], &cell, &settings)
                .unwrap()
                .kind,
            MotionKind::None
        );
    }

    #[test]
    fn kinds_serialise_with_a_kind_tag() {
        let json = serde_json::to_string(&MotionKind::PairExchange { atoms: [3, 8] }).unwrap();
        assert_eq!(json, r#"{"kind":"pair_exchange","atoms":[3,8]}"#);
        assert_eq!(
            serde_json::to_string(&MotionKind::None).unwrap(),
            r#"{"kind":"none"}"#
        );
        let lattice = Lattice::new(10);
        let (a, b) = (lattice.id([2, 2, 2]), lattice.id([2, 3, 2]));
        let analysis = lattice.classify(&cycled(&lattice, &[a, b]));
        let back: MotionAnalysis =
            serde_json::from_str(&serde_json::to_string(&analysis).unwrap()).unwrap();
        assert_eq!(back, analysis);
    }

    /// Any f64, the awkward ones (NaN, ±∞, huge, tiny) included, or an ordinary coordinate.
    fn coordinate() -> impl Strategy<Value = f64> {
        prop_oneof![-50.0..50.0f64, any::<f64>()]
    }

    fn positions(max_len: usize) -> impl Strategy<Value = Vec<Vec3>> {
        prop::collection::vec([coordinate(), coordinate(), coordinate()], 0..max_len)
    }

    proptest! {
        #[test]
        fn arbitrary_inputs_never_panic(
            ids in prop::collection::vec(any::<u64>(), 0..12),
            before in positions(12),
            after in positions(12),
            lengths in [0.1..100.0f64, 0.1..100.0f64, 0.1..100.0f64],
            threshold in coordinate(),
            tolerance in coordinate(),
            fraction in prop_oneof![0.0..=1.0f64, any::<f64>()],
            cutoff in coordinate(),
        ) {
            let cell = Cell::new([-3.0, 0.0, 7.0], lengths).unwrap();
            let settings = MotionSettings {
                moved_threshold_angstrom: threshold,
                site_tolerance_angstrom: tolerance,
                towards_fraction: fraction,
                neighbor_cutoff_angstrom: cutoff,
            };
            let _ = classify_motion(&ids, &before, &after, &cell, &settings);
        }

        #[test]
        fn every_mover_is_in_exactly_one_structure(
            pairs in prop::collection::vec(
                ([0.0..12.0f64, 0.0..12.0f64, 0.0..12.0f64], [-4.0..4.0f64, -4.0..4.0f64, -4.0..4.0f64]),
                0..40,
            ),
            threshold in 0.0..3.0f64,
            tolerance in 0.0..2.0f64,
            fraction in 0.0..=1.0f64,
        ) {
            let cell = Cell::cubic(12.0).unwrap();
            let ids: Vec<u64> = (0..pairs.len() as u64).map(|i| 10 * i + 1).collect();
            let before: Vec<Vec3> = pairs.iter().map(|(p, _)| *p).collect();
            let after: Vec<Vec3> = pairs
                .iter()
                .map(|(p, d)| cell.wrap(std::array::from_fn(|k| p[k] + d[k])))
                .collect();
            let settings = MotionSettings {
                moved_threshold_angstrom: threshold,
                site_tolerance_angstrom: tolerance,
                towards_fraction: fraction,
                ..MotionSettings::default()
            };
            let analysis = classify_motion(&ids, &before, &after, &cell, &settings).unwrap();
            let mut members: Vec<u64> = analysis
                .cycles
                .iter()
                .chain(&analysis.strings)
                .flatten()
                .chain(&analysis.unlinked)
                .copied()
                .collect();
            members.sort_unstable();
            let mut moved: Vec<u64> = analysis.moved.iter().map(|m| m.id).collect();
            moved.sort_unstable();
            prop_assert_eq!(members, moved);
            prop_assert!(analysis.moved.iter().all(|m| m.distance_angstrom > threshold));
            prop_assert!(analysis.cycles.iter().all(|c| c.len() >= 2));
            prop_assert!(analysis.strings.iter().all(|s| s.len() >= 2));
            // Each site is taken at most once.
            let mut targets: Vec<u64> =
                analysis.moved.iter().filter_map(|m| m.took_site_of).collect();
            let linked = targets.len();
            targets.sort_unstable();
            targets.dedup();
            prop_assert_eq!(targets.len(), linked);
            let expected_kind_is_none = analysis.moved.is_empty();
            prop_assert_eq!(analysis.kind == MotionKind::None, expected_kind_is_none);
        }
    }
}
