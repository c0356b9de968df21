//! ART nouveau on the Müller–Brown surface, whose saddles are known: every saddle ART keeps
//! must be one of the two exact saddles (found here by Newton's method on the analytic
//! gradient) to 1e-6 in position and energy, and pushes out of the three minima must find both.

mod common;

use betaglass::landscape::artn::{ArtSettings, Exploration, explore};
use betaglass::landscape::lanczos::LanczosSettings;
use betaglass::landscape::relax::FireRelaxSettings;
use betaglass::landscape::saddle_check::SaddleCheck;
use betaglass::landscape::surface::{EnergySurface, MullerBrown};
use nalgebra::DMatrix;

fn eigenvalues(p: [f64; 2]) -> [f64; 2] {
    let h = MullerBrown::hessian(p);
    let tr = h[0][0] + h[1][1];
    let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    let disc = (0.25 * tr * tr - det).sqrt();
    [0.5 * tr - disc, 0.5 * tr + disc]
}

/// Literature positions (Müller & Brown 1979), refined exactly.
fn known_saddles() -> [[f64; 2]; 2] {
    [
        common::muller_brown_newton([-0.822, 0.624]),
        common::muller_brown_newton([0.212, 0.293]),
    ]
}

fn known_minima() -> [[f64; 2]; 3] {
    [
        common::muller_brown_newton([-0.558, 1.442]),
        common::muller_brown_newton([0.623, 0.028]),
        common::muller_brown_newton([-0.050, 0.467]),
    ]
}

fn settings() -> ArtSettings {
    ArtSettings {
        push_step: 0.02,
        eigenvalue_threshold: -1.0,
        min_activation_steps: 0,
        max_activation_steps: 100,
        perpendicular_steps_activation: 4,
        climbing_step: 0.02,
        // Full perpendicular relaxation whenever the Newton step is not clipped: the surface's
        // forces are ~10² in its units, so a force-based switch tuned for the glass (10 ×
        // threshold) would hold the climb at the activation's few steps until 10⁻⁵.
        max_climbing_steps: 2000,
        force_threshold: 1e-6,
        minimization_offset: 0.1,
        minimum_force_threshold: 1e-8,
        max_minimization_steps: 100_000,
        same_minimum_distance: 1e-3,
        lanczos: LanczosSettings {
            finite_difference_step: 1e-6,
            ..LanczosSettings::default()
        },
        fire: FireRelaxSettings {
            dt_initial: 1e-3,
            dt_max: 1e-2,
            max_step: 0.02,
        },
        ..ArtSettings::default()
    }
}

#[test]
fn analytic_gradient_and_hessian_match_finite_differences() {
    let h = 1e-6;
    for p in [[-0.3, 0.8], [0.5, 0.1], [-1.0, 1.2], [0.0, 0.0]] {
        let g = MullerBrown::gradient(p);
        let hess = MullerBrown::hessian(p);
        for k in 0..2 {
            let mut a = p;
            let mut b = p;
            a[k] += h;
            b[k] -= h;
            let fd = (MullerBrown::energy(a) - MullerBrown::energy(b)) / (2.0 * h);
            assert!(
                (fd - g[k]).abs() < 1e-5 * (1.0 + g[k].abs()),
                "{p:?} {k}: {fd} vs {}",
                g[k]
            );
            let ga = MullerBrown::gradient(a);
            let gb = MullerBrown::gradient(b);
            for i in 0..2 {
                let fd = (ga[i] - gb[i]) / (2.0 * h);
                assert!((fd - hess[i][k]).abs() < 1e-4 * (1.0 + fd.abs()));
            }
        }
    }
}

#[test]
fn known_stationary_points_are_what_the_literature_says() {
    let saddles = known_saddles();
    for s in saddles {
        let l = eigenvalues(s);
        assert!(l[0] < 0.0 && l[1] > 0.0, "saddle {s:?}: {l:?}");
    }
    // Müller & Brown's values: −40.665 and −72.249.
    assert!((MullerBrown::energy(saddles[0]) + 40.665).abs() < 1e-3);
    assert!((MullerBrown::energy(saddles[1]) + 72.249).abs() < 1e-3);
    for m in known_minima() {
        let l = eigenvalues(m);
        assert!(l[0] > 0.0, "minimum {m:?}: {l:?}");
    }
}

#[test]
fn art_finds_both_saddles_to_1e_6_from_the_three_minima() {
    finds_both_saddles(&settings());
}

/// The same with the climb by min-mode following (eOn's effective force) instead of pARTn's
/// step-and-relax.
#[test]
fn min_mode_climb_finds_both_saddles_to_1e_6_from_the_three_minima() {
    finds_both_saddles(&ArtSettings {
        min_mode_climb: true,
        ..settings()
    });
}

fn finds_both_saddles(settings: &ArtSettings) {
    let saddles = known_saddles();
    let minima = known_minima();
    let mut found = [0usize; 2];
    let mut failures = 0;
    let mut kinds = std::collections::BTreeMap::new();
    let mut kept = 0;
    for m in minima {
        let e_min = MullerBrown::energy(m);
        for k in 0..12 {
            let angle = 2.0 * std::f64::consts::PI * (k as f64 + 0.25) / 12.0;
            let direction = [angle.cos(), angle.sin()];
            let mut surface = MullerBrown::new();
            match explore(&mut surface, &m, e_min, &direction, settings) {
                Exploration::Failure { kind, .. } => {
                    failures += 1;
                    *kinds.entry(kind.name()).or_insert(0) += 1;
                }
                Exploration::Saddle(event) => {
                    kept += 1;
                    let x = &event.saddle.x;
                    let which = (0..2)
                        .min_by(|&a, &b| {
                            let da = (x[0] - saddles[a][0]).hypot(x[1] - saddles[a][1]);
                            let db = (x[0] - saddles[b][0]).hypot(x[1] - saddles[b][1]);
                            da.total_cmp(&db)
                        })
                        .unwrap();
                    let s = saddles[which];
                    let dist = (x[0] - s[0]).hypot(x[1] - s[1]);
                    let de = (event.saddle.energy - MullerBrown::energy(s)).abs();
                    assert!(
                        dist < 1e-6 && de < 1e-6,
                        "from {m:?} along {direction:?}: saddle {x:?} E = {} is {dist:.2e} from {s:?} (ΔE {de:.2e})",
                        event.saddle.energy
                    );
                    found[which] += 1;
                    // The saddle check with the exact Hessian.
                    let h = MullerBrown::hessian([x[0], x[1]]);
                    let h = DMatrix::from_row_slice(2, 2, &[h[0][0], h[0][1], h[1][0], h[1][1]]);
                    let check = SaddleCheck::from_hessian(
                        &h,
                        event.saddle.energy,
                        &event.saddle.forces,
                        surface.components_per_particle(),
                    );
                    assert!(
                        check.is_first_order_saddle(settings.force_threshold),
                        "{check:?}"
                    );
                    // ΔQ > 0, and the new minimum is one of the known minima other than the start.
                    assert!(event.saddle.energy > e_min);
                    let f = &event.final_minimum.x;
                    let end = minima
                        .iter()
                        .position(|q| (f[0] - q[0]).hypot(f[1] - q[1]) < 1e-6)
                        .unwrap_or_else(|| panic!("final point {f:?} is no known minimum"));
                    assert_ne!(minima[end], m);
                    assert!(event.force_calls >= event.saddle.force_calls);
                }
            }
        }
    }
    eprintln!("saddles found {found:?}, kept {kept}, failures {failures}: {kinds:?}");
    assert!(found[0] > 0 && found[1] > 0, "found {found:?}");
    assert!(
        kept >= 12,
        "only {kept} of 36 pushes gave a saddle ({failures} failures)"
    );
}
