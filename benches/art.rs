//! ART's cost: one force call of the 4000-atom glass on the full system and on the
//! frozen-environment surface of the search's region (the atoms within 9 Å of the paper's
//! cluster centre), and one whole exploration (search, full-system convergence and check,
//! connection; no prefactor). `cargo bench --no-default-features --bench art`.
//! Both force calls run on one thread: explorations run one per core.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};

use betaglass::assets::default_glass;
use betaglass::landscape::EnergySurface;
use betaglass::landscape::explore::{ArtSetup, GlassArtSettings, copper_nearest_centre};
use betaglass::landscape::surface::GlassSurface;
use betaglass::potential::{Potential, mendelev};

fn force_calls(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let glass = default_glass();
    let potential: Arc<dyn Potential> = Arc::new(mendelev::cu_zr_mendelev_2007());
    let settings = GlassArtSettings::default();
    let mut full = GlassSurface::new(&glass, potential, settings.skin_angstrom).unwrap();
    let x = full.coordinates();
    let centre = copper_nearest_centre(&glass).unwrap();
    let centre = glass.ids.iter().position(|&id| id == centre).unwrap();
    let c0 = glass.positions_angstrom[centre];
    let mobile: Vec<usize> = (0..glass.n_atoms())
        .filter(|&i| {
            let p = glass.positions_angstrom[i];
            let d = glass
                .cell
                .minimum_image([p[0] - c0[0], p[1] - c0[1], p[2] - c0[2]]);
            d.iter().map(|v| v * v).sum::<f64>().sqrt() <= settings.local_radius_angstrom
        })
        .collect();
    let mut local = full.local(&x, &mobile).unwrap();
    let xl = local.restrict(&x);
    let mut f_full = vec![0.0; x.len()];
    let mut f_local = vec![0.0; xl.len()];
    c.bench_function("art_force_call_full_4000_atoms_1_thread", |b| {
        b.iter(|| pool.install(|| full.energy_forces(&x, &mut f_full)))
    });
    c.bench_function(
        &format!(
            "art_force_call_local_{}_mobile_atoms_1_thread",
            mobile.len()
        ),
        |b| b.iter(|| local.energy_forces(&xl, &mut f_local)),
    );
}

/// One exploration of the glass (relaxed once, outside the timing), seed 1, exploration 2
/// (a kept saddle on 2 cores in the README's run), one thread.
fn exploration(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let glass = default_glass();
    let potential: Arc<dyn Potential> = Arc::new(mendelev::cu_zr_mendelev_2007());
    let settings = GlassArtSettings {
        prefactor: false,
        ..GlassArtSettings::default()
    };
    let centre = copper_nearest_centre(&glass).unwrap();
    let setup = pool.install(|| ArtSetup::new(&glass, potential, centre, 4.0, settings).unwrap());
    let mut group = c.benchmark_group("art");
    group.sample_size(10);
    group.bench_function("art_exploration_1_thread", |b| {
        b.iter(|| pool.install(|| setup.explore(1, 2)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = force_calls, exploration
}
criterion_main!(benches);
