//! Force-kernel benchmarks: one EAM evaluation and one neighbour-list build on the default
//! 4000-atom glass. `cargo bench --bench forces` (add `--no-default-features` to skip the app).

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};

use betaglass::assets::default_glass;
use betaglass::dynamics::Ensemble;
use betaglass::neighbor::NeighborList;
use betaglass::potential::mendelev;
use betaglass::simulation::{MdSettings, Simulation};

fn forces(c: &mut Criterion) {
    let settings = MdSettings {
        ensemble: Ensemble::Nve,
        ..MdSettings::default()
    };
    for threads in [
        1,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    ] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut sim = pool.install(|| {
            Simulation::new(
                default_glass(),
                Arc::new(mendelev::cu_zr_mendelev_2007()),
                settings,
            )
            .unwrap()
        });
        c.bench_function(&format!("eam_forces_4000_atoms_{threads}_threads"), |b| {
            b.iter(|| pool.install(|| sim.compute_forces(false)))
        });
    }
}

fn neighbor_build(c: &mut Criterion) {
    let mut glass = default_glass();
    glass.wrap_positions();
    let mut list = NeighborList::new(7.6, 1.0);
    c.bench_function("neighbor_list_build_4000_atoms", |b| {
        b.iter(|| list.build(&glass.positions_angstrom, &glass.cell))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = forces, neighbor_build
}
criterion_main!(benches);
