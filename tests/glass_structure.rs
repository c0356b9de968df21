//! The shipped default glass (made by `betaglass prepare`, see README) against the LAMMPS
//! reference glass made by the same protocol (in.glass, 1e13 K/s): density and the first peaks
//! of the partial RDFs within 1 %.

mod common;

use betaglass::analysis::rdf::partial_rdfs;
use betaglass::assets::default_glass;
use betaglass::io::read_configuration;
use betaglass::system::System;

fn first_peaks(system: &System) -> Vec<f64> {
    partial_rdfs(system, 6.0, 0.02)
        .iter()
        .map(|g| g.first_peak_angstrom(3.6, 0.16).expect("a first peak"))
        .collect()
}

#[test]
fn default_glass_matches_the_lammps_glass() {
    let ours = default_glass();
    let reference = read_configuration(&common::data_path("glass_300K.data")).unwrap();
    assert_eq!(ours.n_atoms(), 4000);
    assert_eq!(ours.count_by_species(), vec![2000, 2000]);

    let (rho, rho_ref) = (ours.density_g_per_cm3(), reference.density_g_per_cm3());
    println!("density: ours {rho:.4} g/cm³, LAMMPS {rho_ref:.4} g/cm³");
    assert!(
        (rho / rho_ref - 1.0).abs() < 0.01,
        "density {rho} vs {rho_ref}"
    );

    let (peaks, peaks_ref) = (first_peaks(&ours), first_peaks(&reference));
    for (label, (p, q)) in ["Cu-Cu", "Cu-Zr", "Zr-Zr"]
        .iter()
        .zip(peaks.iter().zip(&peaks_ref))
    {
        println!("{label} first peak: ours {p:.4} Å, LAMMPS {q:.4} Å");
        assert!((p / q - 1.0).abs() < 0.01, "{label}: first peak {p} vs {q}");
    }
}

#[test]
fn rdf_of_an_fcc_crystal_peaks_at_the_neighbor_distance() {
    // Analytic check of the RDF code: fcc Cu, a = 3.615 Å, first shell at a/√2.
    let a = 3.615;
    let basis = [
        (1, [0.0, 0.0, 0.0]),
        (1, [0.5, 0.5, 0.0]),
        (1, [0.5, 0.0, 0.5]),
        (1, [0.0, 0.5, 0.5]),
    ];
    let mut crystal = common::crystal([a; 3], &basis, [6, 6, 6]);
    crystal.species.truncate(1);
    let g = &partial_rdfs(&crystal, 4.0, 0.01)[0];
    let peak = g.first_peak_angstrom(3.0, 0.02).unwrap();
    assert!((peak - a / 2f64.sqrt()).abs() < 0.01, "peak at {peak}");
    // 12 neighbours in the first shell: Σ g · (shell volume) · (N − 1)/V over the peak.
    let rho = (crystal.n_atoms() - 1) as f64 / crystal.cell.volume_angstrom3();
    let n1: f64 = g
        .r_angstrom
        .iter()
        .zip(&g.g)
        .filter(|(r, _)| **r < 3.0)
        .map(|(r, g)| {
            let (r0, r1) = (r - 0.005, r + 0.005);
            4.0 / 3.0 * std::f64::consts::PI * (r1.powi(3) - r0.powi(3)) * rho * g
        })
        .sum();
    assert!((n1 - 12.0).abs() < 1e-6, "coordination {n1}");
}
