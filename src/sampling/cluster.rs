//! The cluster a β-event is sought in: a centre atom and every atom within a cutoff of it
//! (minimum image) in a reference configuration, or an explicit list of atom ids.

use serde::{Deserialize, Serialize};

use crate::system::{System, Vec3};

/// Why a cluster cannot be selected.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ClusterError {
    #[error("there is no atom with id {0} in the configuration")]
    UnknownId(u64),
    #[error("cutoff must be positive and finite, got {0} Å")]
    Cutoff(f64),
    #[error(
        "a cutoff of {cutoff_angstrom} Å around atom {centre_id} takes in only {n_atoms} atom(s); a cluster needs at least 2 (nearest neighbour at {nearest_angstrom:.3} Å)"
    )]
    TooSmall {
        centre_id: u64,
        cutoff_angstrom: f64,
        n_atoms: usize,
        nearest_angstrom: f64,
    },
    #[error("a cluster needs at least 2 atoms, got {0}")]
    TooFewIds(usize),
    #[error("atom id {0} is listed twice")]
    DuplicateId(u64),
    #[error(
        "a cutoff of {cutoff_angstrom} Å is more than half the shortest box edge ({half_box_angstrom} Å): periodic images would count twice"
    )]
    CutoffTooLarge {
        cutoff_angstrom: f64,
        half_box_angstrom: f64,
    },
}

/// One member of a cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterMember {
    pub id: u64,
    pub species: String,
    /// Distance from the centre atom (minimum image, Å).
    pub distance_angstrom: f64,
    /// Position made whole around the centre atom (unwrapped, Å).
    pub position_angstrom: Vec3,
}

/// A cluster: members in order of distance from the centre (the centre first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub centre_id: Option<u64>,
    pub cutoff_angstrom: Option<f64>,
    pub members: Vec<ClusterMember>,
}

impl Cluster {
    /// The centre atom and every atom within `cutoff_angstrom` of it (minimum image), as the
    /// paper selects its 12-neighbour cluster (4.0 Å around a Cu atom).
    pub fn around(
        system: &System,
        centre_id: u64,
        cutoff_angstrom: f64,
    ) -> Result<Self, ClusterError> {
        if !(cutoff_angstrom.is_finite() && cutoff_angstrom > 0.0) {
            return Err(ClusterError::Cutoff(cutoff_angstrom));
        }
        let half_box = system
            .cell
            .lengths_angstrom()
            .iter()
            .fold(f64::INFINITY, |a, &b| a.min(0.5 * b));
        if cutoff_angstrom > half_box {
            return Err(ClusterError::CutoffTooLarge {
                cutoff_angstrom,
                half_box_angstrom: half_box,
            });
        }
        let centre = index_of(system, centre_id)?;
        let mut members = neighbors_by_distance(system, centre);
        let nearest = members
            .get(1)
            .map_or(f64::INFINITY, |m| m.distance_angstrom);
        members.retain(|m| m.distance_angstrom <= cutoff_angstrom);
        if members.len() < 2 {
            return Err(ClusterError::TooSmall {
                centre_id,
                cutoff_angstrom,
                n_atoms: members.len(),
                nearest_angstrom: nearest,
            });
        }
        Ok(Self {
            centre_id: Some(centre_id),
            cutoff_angstrom: Some(cutoff_angstrom),
            members,
        })
    }

    /// The atoms `ids`, made whole around the first one, in the given order.
    pub fn from_ids(system: &System, ids: &[u64]) -> Result<Self, ClusterError> {
        if ids.len() < 2 {
            return Err(ClusterError::TooFewIds(ids.len()));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(&dup) = ids.iter().find(|&&id| !seen.insert(id)) {
            return Err(ClusterError::DuplicateId(dup));
        }
        let first = index_of(system, ids[0])?;
        let x0 = system.positions_angstrom[first];
        let members = ids
            .iter()
            .map(|&id| {
                let i = index_of(system, id)?;
                Ok(member(system, i, x0))
            })
            .collect::<Result<Vec<_>, ClusterError>>()?;
        Ok(Self {
            centre_id: None,
            cutoff_angstrom: None,
            members,
        })
    }

    pub fn ids(&self) -> Vec<u64> {
        self.members.iter().map(|m| m.id).collect()
    }

    /// Unwrapped positions, in member order (Å): the RMSD reference.
    pub fn positions_angstrom(&self) -> Vec<Vec3> {
        self.members.iter().map(|m| m.position_angstrom).collect()
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

fn index_of(system: &System, id: u64) -> Result<usize, ClusterError> {
    system
        .ids
        .iter()
        .position(|&i| i == id)
        .ok_or(ClusterError::UnknownId(id))
}

fn member(system: &System, i: usize, centre: Vec3) -> ClusterMember {
    let x = system.positions_angstrom[i];
    let d = system
        .cell
        .minimum_image([x[0] - centre[0], x[1] - centre[1], x[2] - centre[2]]);
    ClusterMember {
        id: system.ids[i],
        species: system.species[system.types[i]].symbol.clone(),
        distance_angstrom: (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt(),
        position_angstrom: [centre[0] + d[0], centre[1] + d[1], centre[2] + d[2]],
    }
}

/// Every atom with its minimum-image distance from atom `centre`, nearest first (the centre
/// itself first, at 0); ties broken by id so the order is reproducible.
pub fn neighbors_by_distance(system: &System, centre: usize) -> Vec<ClusterMember> {
    let x0 = system.positions_angstrom[centre];
    let mut all: Vec<ClusterMember> = (0..system.n_atoms())
        .map(|i| member(system, i, x0))
        .collect();
    all.sort_by(|a, b| {
        a.distance_angstrom
            .total_cmp(&b.distance_angstrom)
            .then(a.id.cmp(&b.id))
    });
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::{Cell, Species};

    fn fcc(a: f64, n: usize) -> System {
        let mut s = System::new(
            Cell::cubic(a * n as f64).unwrap(),
            vec![Species::new("Cu", 63.546)],
        );
        for (i, j, k) in
            (0..n).flat_map(|i| (0..n).flat_map(move |j| (0..n).map(move |k| (i, j, k))))
        {
            for b in [
                [0.0, 0.0, 0.0],
                [0.5, 0.5, 0.0],
                [0.5, 0.0, 0.5],
                [0.0, 0.5, 0.5],
            ] {
                s.push_atom(
                    0,
                    [
                        (i as f64 + b[0]) * a,
                        (j as f64 + b[1]) * a,
                        (k as f64 + b[2]) * a,
                    ],
                );
            }
        }
        s
    }

    #[test]
    fn an_fcc_site_has_twelve_neighbors_across_the_boundary() {
        let s = fcc(3.6, 4);
        // Atom 1 sits at the corner: most of its neighbours are periodic images.
        let c = Cluster::around(&s, 1, 3.0).unwrap();
        assert_eq!(c.len(), 13);
        let nn = 3.6 / 2f64.sqrt();
        for m in &c.members[1..] {
            assert!((m.distance_angstrom - nn).abs() < 1e-12);
            let p = m.position_angstrom;
            assert!(((p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt() - nn).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_requests_are_errors() {
        let s = fcc(3.6, 4);
        assert_eq!(
            Cluster::around(&s, 9999, 3.0).unwrap_err(),
            ClusterError::UnknownId(9999)
        );
        assert!(matches!(
            Cluster::around(&s, 1, 1.0).unwrap_err(),
            ClusterError::TooSmall { n_atoms: 1, .. }
        ));
        assert_eq!(
            Cluster::around(&s, 1, -1.0).unwrap_err(),
            ClusterError::Cutoff(-1.0)
        );
        assert!(matches!(
            Cluster::around(&s, 1, 9.0).unwrap_err(),
            ClusterError::CutoffTooLarge { .. }
        ));
        assert_eq!(
            Cluster::from_ids(&s, &[1]).unwrap_err(),
            ClusterError::TooFewIds(1)
        );
        assert_eq!(
            Cluster::from_ids(&s, &[1, 2, 1]).unwrap_err(),
            ClusterError::DuplicateId(1)
        );
    }
}
