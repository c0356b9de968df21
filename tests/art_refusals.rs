//! ART keeps only events of the cluster that connect to the initial minimum (issue 17, item 2).
//!
//! * Connectivity, on the Müller–Brown surface, where the minima each saddle joins are known
//!   exactly: [`connect`] from a saddle back towards a minimum the saddle does not touch is
//!   refused as `disconnected`; from a minimum it does touch it reaches the known minimum on the
//!   other side.
//! * Locality, on an fcc Cu crystal (a minimum by symmetry, so the setup's relaxation is
//!   exact and instant): a "saddle" whose largest move is off the cluster is refused as
//!   `off_cluster`, one moving too many atoms as `too_many_movers`, and a move of the
//!   cluster's centre alone passes. These are the functions `ArtSetup::explore` calls on every
//!   saddle of the glass.

mod common;

use std::sync::Arc;

use betaglass::landscape::artn::{ArtSettings, FailureKind, SaddleSearch, connect};
use betaglass::landscape::explore::{ArtSetup, GlassArtSettings};
use betaglass::landscape::relax::FireRelaxSettings;
use betaglass::landscape::surface::{EnergySurface, MullerBrown};
use betaglass::potential::mendelev;

/// The saddle at `p` as a converged search would report it: the exact lowest eigenvector.
fn saddle_at(p: [f64; 2]) -> SaddleSearch {
    let h = MullerBrown::hessian(p);
    let tr = h[0][0] + h[1][1];
    let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    let lambda = 0.5 * tr - (0.25 * tr * tr - det).sqrt();
    // (H − λ) v = 0: v ∝ (h01, λ − h00).
    let v = [h[0][1], lambda - h[0][0]];
    let n = v[0].hypot(v[1]);
    let g = MullerBrown::gradient(p);
    SaddleSearch {
        x: p.to_vec(),
        energy: MullerBrown::energy(p),
        forces: vec![-g[0], -g[1]],
        max_force: g[0].hypot(g[1]),
        lowest_eigenvalue: lambda,
        eigenvector: vec![v[0] / n, v[1] / n],
        activation_steps: 0,
        climbing_steps: 0,
        force_calls: 0,
    }
}

fn mb_settings() -> ArtSettings {
    ArtSettings {
        minimization_offset: 0.1,
        minimum_force_threshold: 1e-8,
        return_force_threshold: 1e-8,
        max_minimization_steps: 100_000,
        same_minimum_distance: 1e-3,
        fire: FireRelaxSettings {
            dt_initial: 1e-3,
            dt_max: 1e-2,
            max_step: 0.02,
        },
        ..ArtSettings::default()
    }
}

#[test]
fn a_saddle_not_joined_to_the_initial_minimum_is_refused_as_disconnected() {
    // The descents by L-BFGS (the default) and by FIRE.
    for descent_lbfgs_memory in [10, 0] {
        let settings = ArtSettings {
            descent_lbfgs_memory,
            ..mb_settings()
        };
        disconnected_saddles_are_refused(&settings);
    }
}

fn disconnected_saddles_are_refused(settings: &ArtSettings) {
    // Minima A (upper left), B (lower right), C (middle); saddle 1 joins A and C, saddle 2
    // joins C and B (Müller & Brown 1979).
    let a = common::muller_brown_newton([-0.558, 1.442]);
    let b = common::muller_brown_newton([0.623, 0.028]);
    let c = common::muller_brown_newton([-0.050, 0.467]);
    let s1 = saddle_at(common::muller_brown_newton([-0.822, 0.624]));
    let s2 = saddle_at(common::muller_brown_newton([0.212, 0.293]));
    let close = |x: &[f64], p: [f64; 2]| (x[0] - p[0]).hypot(x[1] - p[1]) < 1e-6;
    for (start, saddle, other_side) in [(a, &s1, c), (c, &s1, a), (c, &s2, b), (b, &s2, c)] {
        let mut surface = MullerBrown::new();
        let (minimum, back) = connect(&mut surface, &start, saddle, settings)
            .unwrap_or_else(|k| panic!("{start:?} via {:?}: {}", saddle.x, k.name()));
        assert!(close(&minimum.x, other_side), "{:?}", minimum.x);
        assert!(back < settings.same_minimum_distance, "{back}");
    }
    for (start, saddle) in [(a, &s2), (b, &s1)] {
        let mut surface = MullerBrown::new();
        assert_eq!(
            connect(&mut surface, &start, saddle, settings).err(),
            Some(FailureKind::Disconnected),
            "from {start:?} via {:?}",
            saddle.x
        );
        assert!(surface.force_calls() > 0);
    }
}

/// fcc Cu, a = 3.615 Å, 4×4×4 cells (256 atoms).
fn fcc_copper() -> betaglass::system::System {
    let a = 3.615;
    let basis = [
        (1, [0.0, 0.0, 0.0]),
        (1, [0.5, 0.5, 0.0]),
        (1, [0.5, 0.0, 0.5]),
        (1, [0.0, 0.5, 0.5]),
    ];
    common::crystal([a; 3], &basis, [4, 4, 4])
}

#[test]
fn a_saddle_off_the_cluster_or_moving_too_many_atoms_is_refused() {
    let system = fcc_copper();
    let centre = betaglass::landscape::explore::copper_nearest_centre(&system).unwrap();
    let settings = GlassArtSettings {
        prefactor: false,
        max_moving_atoms: 6,
        ..GlassArtSettings::default()
    };
    // 3.0 Å: the centre and its 12 nearest neighbours (2.556 Å).
    let setup = ArtSetup::new(
        &system,
        Arc::new(mendelev::cu_zr_mendelev_2007()),
        centre,
        3.0,
        settings,
    )
    .unwrap();
    assert_eq!(setup.cluster.len(), 13);
    let x0: Vec<f64> = setup
        .initial
        .positions_angstrom
        .iter()
        .flatten()
        .copied()
        .collect();
    let cluster = setup.cluster_indices();
    let c = setup.centre_index;
    let outside = (0..setup.initial.n_atoms())
        .find(|i| !cluster.contains(i))
        .unwrap();
    let moved = |moves: &[(usize, f64)]| {
        let mut x = x0.clone();
        for &(i, d) in moves {
            x[3 * i] += d;
        }
        x
    };
    // The centre hops 0.5 Å: a local event of the cluster.
    assert_eq!(setup.locality(&moved(&[(c, 0.5)]), None), Ok(()));
    // The largest move is on an atom outside the cluster.
    assert_eq!(
        setup.locality(&moved(&[(c, 0.4), (outside, 0.6)]), None),
        Err(FailureKind::OffCluster)
    );
    // Six atoms move more than 0.3 Å (the limit is 6): too many, at the saddle…
    let others: Vec<usize> = cluster.iter().copied().filter(|&i| i != c).collect();
    let six: Vec<(usize, f64)> = std::iter::once((c, 0.5))
        .chain(others.iter().take(5).map(|&i| (i, 0.35)))
        .collect();
    let x_six = moved(&six);
    assert_eq!(
        setup.locality(&x_six, None),
        Err(FailureKind::TooManyMovers)
    );
    // …or counted with the new minimum's movers.
    let five = moved(&six[..5]);
    assert_eq!(setup.locality(&five, None), Ok(()));
    let x_c = moved(&[(c, 0.5)]);
    assert_eq!(setup.locality(&x_c, Some(&five)), Ok(()));
    assert_eq!(
        setup.locality(&x_c, Some(&x_six)),
        Err(FailureKind::TooManyMovers)
    );
}
