//! `export-lammps` and `import` without LAMMPS: the decks of campaigns/mini.toml say what
//! the campaign says (Colvars settings, protocol, a cluster in one piece, also at a box
//! corner), and the import of Colvars files written by betaglass's own writers from a real
//! metadynamics run gives the ΔF that run computed itself (the same code path).
//! The decks are run with LAMMPS by `.ci/run` (stage `lammps`) and
//! scripts/lammps_deck_check.sh.

mod common;

use std::path::Path;
use std::sync::Arc;

use betaglass::campaign::lammps::{
    COLVARS_CONFIG, DATA_FILE, LAMMPS_INPUT, MANIFEST, Manifest, OUTPUT_PREFIX, POTENTIAL_FILE,
    deck_dir, export_lammps, import_lammps, lammps_seed, read_image_flags, replay,
};
use betaglass::campaign::store::SAMPLINGS_CSV;
use betaglass::campaign::{CampaignSpec, SamplingStatus, StopRule, read_samplings};
use betaglass::io::colvars::{read_colvars_config, read_hills, read_traj};
use betaglass::io::lammps_data::read_lammps_data;
use betaglass::io::sampling_files::SamplingFiles;
use betaglass::potential::{Potential, mendelev};
use betaglass::sampling::{Barrier, CentreChoice, Estimator, MetadynamicsRun};
use betaglass::simulation::Simulation;
use betaglass::system::{System, Vec3};

use common::scratch_dir;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn distance(a: Vec3, b: Vec3) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Checks one deck's Colvars config and data file against the job: the settings, the atoms,
/// and x + image·L of the data file = refPositions, in one piece within the cutoff of the
/// centre. Returns the cluster's image flags.
fn check_deck(dir: &Path, spec: &CampaignSpec, index: usize, glass: &System) -> Vec<[i64; 3]> {
    let job = &spec.plan()[index];
    let folder = deck_dir(dir, index);
    let config_path = folder.join(COLVARS_CONFIG);
    let config = read_colvars_config(&read(&config_path), &config_path.display().to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    let setup = &job.setup;
    assert_eq!(config.traj_frequency, Some(setup.sample_every_steps));
    assert_eq!(config.colvar.width_angstrom, setup.grid_width_angstrom);
    assert_eq!(config.colvar.lower_boundary_angstrom, 0.0);
    assert_eq!(
        config.colvar.upper_boundary_angstrom,
        setup.grid_upper_angstrom
    );
    assert!((config.sigma_angstrom().unwrap() - setup.hills.sigma_angstrom).abs() < 1e-12);
    let m = config.metadynamics.as_ref().unwrap();
    assert_eq!(m.hill_weight_ev, setup.hills.height_ev);
    assert_eq!(m.new_hill_frequency, setup.hills.stride_steps);
    assert!(m.well_tempered);
    assert_eq!(m.bias_temperature_k, Some(setup.hills.bias_temperature_k));
    let ids = setup.cluster(glass).unwrap().ids();
    assert_eq!(config.colvar.atom_ids, ids);
    let reference = config.colvar.reference_angstrom.clone().unwrap();

    let data_path = folder.join(DATA_FILE);
    let text = read(&data_path);
    let start = read_lammps_data(&text, "start.data").unwrap();
    assert_eq!(start.n_atoms(), glass.n_atoms());
    assert_eq!(start.cell, glass.cell);
    let images = read_image_flags(&text, "start.data").unwrap();
    assert_eq!(images.len(), glass.n_atoms(), "every atom has image flags");
    let lengths = start.cell.lengths_angstrom();
    let (lo, hi) = (start.cell.lo_angstrom(), start.cell.hi_angstrom());
    let mut cluster_images = Vec::new();
    for (&id, r) in ids.iter().zip(&reference) {
        let i = start.ids.iter().position(|&k| k == id).unwrap();
        let x = start.positions_angstrom[i];
        for k in 0..3 {
            assert!(lo[k] <= x[k] && x[k] < hi[k], "atom {id} is wrapped");
        }
        let n = images[&id];
        let unwrapped: Vec3 = std::array::from_fn(|k| x[k] + n[k] as f64 * lengths[k]);
        assert!(
            distance(unwrapped, *r) < 1e-9,
            "atom {id}: {unwrapped:?} vs {r:?}"
        );
        cluster_images.push(n);
    }
    // In one piece: every atom within the cutoff of the centre (the first), unwrapped.
    for r in &reference {
        assert!(distance(*r, reference[0]) <= job.cutoff_angstrom + 1e-9);
    }
    // Atoms outside the cluster keep image 0.
    let nonzero = images.values().filter(|n| **n != [0, 0, 0]).count();
    assert!(nonzero <= ids.len());

    let input = read(&folder.join(LAMMPS_INPUT));
    let t = job.temperature_k;
    let eq_steps = (setup.equilibrate_ps / (setup.timestep_fs * 1e-3)).round() as u64;
    for line in [
        format!(
            "velocity all create {t} {} dist gaussian mom yes rot no",
            lammps_seed(job.seed)
        ),
        format!(
            "fix nvt all nvt temp {t} {t} {}",
            setup.thermostat_damping_ps
        ),
        format!("timestep {}", setup.timestep_fs * 1e-3),
        format!("run {eq_steps}"),
        "reset_timestep 0".to_string(),
        format!("fix cv all colvars {COLVARS_CONFIG} output {OUTPUT_PREFIX}"),
        format!("run {}", spec.stop.max_steps),
        format!("pair_coeff * * ../../{POTENTIAL_FILE} Cu Zr"),
        format!("read_data {DATA_FILE}"),
    ] {
        assert!(
            input.lines().any(|l| l.starts_with(&line)),
            "{LAMMPS_INPUT} lacks {line:?}:\n{input}"
        );
    }
    cluster_images
}

#[test]
fn mini_campaign_exports_decks_that_say_what_the_campaign_says() {
    let dir = scratch_dir("mini");
    let campaign = Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns/mini.toml");
    let spec = CampaignSpec::load(&campaign).unwrap();
    let summary = export_lammps(&spec, &dir, None).unwrap();
    assert_eq!(summary.manifest.samplings.len(), spec.job_count());
    assert_eq!(spec.job_count(), 12);
    for f in [
        POTENTIAL_FILE,
        "run_local.sh",
        "submit.slurm",
        "README.txt",
        "campaign.toml",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    assert!(read(&dir.join("submit.slurm")).contains("#SBATCH --array=0-11"));
    let manifest: Manifest = serde_json::from_str(&read(&dir.join(MANIFEST))).unwrap();
    assert_eq!(manifest, summary.manifest);
    let glass = betaglass::assets::default_glass();
    for (job, entry) in spec.plan().iter().zip(&manifest.samplings) {
        assert_eq!(entry.sampling, job.index);
        assert_eq!(entry.dir, format!("samplings/{:04}", job.index));
        assert_eq!(
            (entry.temperature_k, entry.seed),
            (job.temperature_k, job.seed)
        );
        assert_eq!(entry.cluster_ids, job.setup.cluster(&glass).unwrap().ids());
        check_deck(&dir, &spec, job.index, &glass);
    }
    // The folder's campaign is the campaign (import reads its plan from there).
    let stored = CampaignSpec::load(&dir.join("campaign.toml")).unwrap();
    assert_eq!(stored.plan(), spec.plan());

    // --max-steps is what the decks run and what the folder's campaign stops at.
    let dir2 = scratch_dir("mini-max-steps");
    export_lammps(&spec, &dir2, Some(1234)).unwrap();
    assert!(read(&deck_dir(&dir2, 0).join(LAMMPS_INPUT)).contains("\nrun 1234\n"));
    let stored = CampaignSpec::load(&dir2.join("campaign.toml")).unwrap();
    assert_eq!(stored.stop.max_steps, 1234);
}

#[test]
fn a_cluster_at_a_box_corner_is_whole_in_the_data_file() {
    let glass = betaglass::assets::default_glass();
    // The atom nearest the corner lo: its neighbours lie across three faces.
    let lo = glass.cell.lo_angstrom();
    let corner = (0..glass.n_atoms())
        .min_by(|&a, &b| {
            let d = |i: usize| {
                let d = glass.cell.minimum_image(std::array::from_fn(|k| {
                    glass.positions_angstrom[i][k] - lo[k]
                }));
                d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
            };
            d(a).total_cmp(&d(b))
        })
        .unwrap();
    let id = glass.ids[corner];
    let text = format!(
        "name = \"corner\"\n[md]\nequilibrate_ps = 0.1\n[cluster]\ncentres = [{id}]\n\
         [campaign]\ntemperatures_k = [300]\nsamplings_per_temperature = 1\n\
         [stop]\nmax_steps = 100\n"
    );
    let spec = CampaignSpec::from_toml_str(&text, "corner.toml", Path::new("")).unwrap();
    assert_eq!(spec.centres, vec![CentreChoice::Atom(id)]);
    let dir = scratch_dir("corner");
    export_lammps(&spec, &dir, None).unwrap();
    let images = check_deck(&dir, &spec, 0, &glass);
    // Across the faces: some atoms of the cluster need a flag on every axis.
    for k in 0..3 {
        assert!(
            images.iter().any(|n| n[k] != 0),
            "axis {k}: no image flag in {images:?}"
        );
    }
}

/// A hot, strongly biased run of the default glass whose every CV proposal is accepted as an
/// event (inherent-RMSD threshold 0, a token quench), so the run's events are exactly those
/// the detector proposes, which is all `import` can see.
fn metad_run_with_an_event(spec: &CampaignSpec) -> MetadynamicsRun {
    let setup = &spec.plan()[0].setup;
    let mut settings = setup.metadynamics_settings().unwrap();
    settings.events.min_inherent_rmsd_angstrom = 0.0;
    settings.events.quench.max_steps = 5;
    // A LAMMPS trace has no inherent structures: its replay cannot tell an event from a
    // precursor and takes the first plateau change. Here every plateau change is confirmed
    // (RMSD threshold 0) and is an event (one atom moved at all), as the replay reads it.
    settings.events.min_movers = 1;
    settings.events.motion.moved_threshold_angstrom = 1e-9;
    let glass = betaglass::assets::default_glass();
    let ids = setup.cluster(&glass).unwrap().ids();
    let potential: Arc<dyn Potential> = Arc::new(mendelev::cu_zr_mendelev_2007());
    let mut sim = Simulation::new(glass, potential, setup.md_settings()).unwrap();
    sim.randomize_velocities(setup.temperature_k, setup.seed);
    let mut run = MetadynamicsRun::start(sim, &ids, settings).unwrap();
    while run.events().is_empty() && run.biased_steps() < 6000 {
        run.advance(200).unwrap();
    }
    // A little more after the event, so that the stop rule has something to cut.
    run.advance(300).unwrap();
    run
}

#[test]
fn import_of_a_betaglass_run_gives_the_delta_f_the_run_computed() {
    let text = "name = \"same path\"\n[md]\nequilibrate_ps = 0\n\
                [metadynamics]\nheight_ev = 0.1\nstride_steps = 10\nsample_every_steps = 10\n\
                [events]\njump_angstrom = 0.3\ndwell_ps = 0.25\n\
                [campaign]\ntemperatures_k = [700]\nsamplings_per_temperature = 2\nseed = 3\n\
                [stop]\nmax_steps = 6500\nafter_event_ps = 0.1\n";
    let spec = CampaignSpec::from_toml_str(text, "same.toml", Path::new("")).unwrap();
    let run = metad_run_with_an_event(&spec);
    assert!(run.precursors().is_empty());
    let first = run
        .events()
        .first()
        .cloned()
        .expect("an event within 6000 steps at 700 K with 0.1 eV hills every 10 steps");

    // The run's files, as betaglass writes them, where LAMMPS would have written its own.
    let dir = scratch_dir("import");
    export_lammps(&spec, &dir, None).unwrap();
    let prefix = deck_dir(&dir, 0).join(OUTPUT_PREFIX);
    SamplingFiles::export(&prefix.to_string_lossy(), &run).unwrap();
    let traj_path = format!("{}.colvars.traj", prefix.display());
    let hills_path = format!("{}.colvars.meta.hills.traj", prefix.display());
    let dt_ps = spec.template.timestep_fs * 1e-3;
    let trace = read_traj(&read(Path::new(&traj_path)), &traj_path, dt_ps).unwrap();
    let hills = read_hills(&read(Path::new(&hills_path)), &hills_path).unwrap();
    assert_eq!(trace.len(), run.trace().len());
    assert_eq!(hills.len(), run.hills().len());

    // Without the stop rule (the whole run): the same event, ΔF at the crossing, end-of-run ΔF.
    let whole = StopRule {
        max_steps: run.biased_steps(),
        after_event_ps: 1e9,
        ..spec.stop
    };
    let r = replay(&spec.plan()[0].setup, &whole, &trace, &hills).unwrap();
    assert_eq!(r.trace.len(), run.trace().len());
    let e = r.first_event.expect("the replay finds the run's event");
    assert_eq!(e.crossing.biased_step, first.crossing.biased_step);
    assert_eq!(e.confirmed.biased_step, first.confirmed.biased_step);
    assert!((e.crossing.md_time_ps - first.crossing.md_time_ps).abs() < 1e-9);
    let (a, b) = (
        e.filled_depth.expect("ΔF at the crossing"),
        first.filled_depth.expect("the run's ΔF at the crossing"),
    );
    assert_eq!(a.t_star_step, b.t_star_step);
    assert!((a.depth_ev - b.depth_ev).abs() < 1e-9, "{a:?}\nvs\n{b:?}");
    match (&r.end_of_run, &run.barrier()) {
        (Barrier::Determined(x), Barrier::Determined(y)) => {
            assert!((x.barrier_ev - y.barrier_ev).abs() < 1e-9, "{x:?} vs {y:?}")
        }
        (Barrier::NotYetDetermined { reason: x }, Barrier::NotYetDetermined { reason: y }) => {
            assert_eq!(x, y)
        }
        (x, y) => panic!("end of run: {x:?} vs {y:?}"),
    }
    // The boosted clock is estimated per sample interval: close to the run's, not equal.
    let boosted = first.crossing.boosted_time_ps;
    assert!(
        (e.crossing.boosted_time_ps - boosted).abs() <= 0.5 * boosted,
        "{} vs {boosted}",
        e.crossing.boosted_time_ps
    );

    // The whole import: sampling 0 as the replay under the campaign's stop rule says,
    // sampling 1 (never run) recorded as such, in the campaign's samplings.csv format.
    let summary = import_lammps(&dir).unwrap();
    let stopped = replay(&spec.plan()[0].setup, &spec.stop, &trace, &hills).unwrap();
    assert!(stopped.stop_step < run.biased_steps(), "the stop rule cuts");
    let rows = read_samplings(&dir.join(SAMPLINGS_CSV)).unwrap();
    assert_eq!(rows, summary.records);
    assert_eq!(rows.len(), 2);
    let r0 = &rows[0];
    assert_eq!(r0.status, SamplingStatus::Ok, "{}", r0.reason);
    assert_eq!(r0.delta_f_filled_depth_ev, Some(a.depth_ev));
    assert_eq!(r0.delta_f_ev, Some(a.depth_ev));
    assert_eq!(r0.delta_f_estimator, Some(Estimator::FilledDepth));
    assert_eq!(r0.delta_f_final_ev, stopped.end_of_run.barrier_ev());
    assert_eq!(r0.steps, stopped.trace.last().unwrap().biased_step);
    assert_eq!(r0.event_md_ps, Some(e.crossing.md_time_ps));
    assert_eq!(r0.event_class, None);
    assert!(r0.reason.contains("no motion class"), "{}", r0.reason);
    assert_eq!(rows[1].status, SamplingStatus::Failed);
    assert!(rows[1].reason.starts_with("not run"), "{}", rows[1].reason);

    // A run cut short before the stop rule is met is `failed`, "unfinished".
    let cut: String = read(Path::new(&traj_path))
        .lines()
        .take(5)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&traj_path, cut).unwrap();
    let rows = import_lammps(&dir).unwrap().records;
    assert_eq!(rows[0].status, SamplingStatus::Failed);
    assert!(
        rows[0].reason.starts_with("unfinished"),
        "{}",
        rows[0].reason
    );
    // A broken line names the file, its line and the value.
    std::fs::write(&traj_path, "# step rmsd\n0 0.1\n10 zz\n").unwrap();
    let rows = import_lammps(&dir).unwrap().records;
    assert!(
        rows[0].reason.contains("out.colvars.traj:3") && rows[0].reason.contains("zz"),
        "{}",
        rows[0].reason
    );
}
