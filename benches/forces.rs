//! Force-kernel benchmarks: one EAM evaluation (with and without the metadynamics fix), the
//! RMSD CV, and one neighbour-list build on the default 4000-atom glass. `cargo bench --bench forces` (add `--no-default-features` to skip the app).

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};

use betaglass::assets::default_glass;
use betaglass::dynamics::Ensemble;
use betaglass::neighbor::NeighborList;
use betaglass::potential::mendelev;
use betaglass::sampling::{
    Bias, Cluster, CollectiveVariable, CvBiasFix, Metadynamics, MetadynamicsSettings, RmsdCv,
};
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

/// One force evaluation of the glass with and without the metadynamics fix on the paper's
/// cluster (13 atoms, 60 hills on the grid): the difference is the bias's cost per step.
fn metadynamics_bias(c: &mut Criterion) {
    let settings = MdSettings {
        ensemble: Ensemble::Nve,
        ..MdSettings::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let glass = default_glass();
    let cluster = Cluster::around(&glass, 348, 4.0).unwrap();
    let cv = RmsdCv::new(cluster.ids(), &cluster.positions_angstrom()).unwrap();
    let p = MetadynamicsSettings::paper(300.0);
    let mut meta = Metadynamics::new(p.hills, p.grid).unwrap();
    for k in 0..60 {
        meta.deposit(1000 * (k + 1), 0.15 + 0.005 * k as f64);
    }
    let fix = CvBiasFix::new(
        Box::new(cv.clone()),
        vec![Bias::Metadynamics(meta), Bias::UpperWall(p.wall.unwrap())],
        300.0,
        0,
    );
    let mut sim = pool.install(|| {
        Simulation::new(glass, Arc::new(mendelev::cu_zr_mendelev_2007()), settings).unwrap()
    });
    sim.add_fix(fix);
    c.bench_function("eam_forces_plus_metad_fix_4000_atoms_1_thread", |b| {
        b.iter(|| pool.install(|| sim.compute_forces(false)))
    });
    let mut gradient = vec![[0.0; 3]; 13];
    let x = cluster.positions_angstrom();
    c.bench_function("rmsd_cv_13_atoms", |b| {
        b.iter(|| cv.value_and_gradient(&x, &mut gradient))
    });
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
    targets = forces, metadynamics_bias, neighbor_build
}
criterion_main!(benches);
