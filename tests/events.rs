//! A real β-event of the shipped (default) glass: the two inherent structures of the cluster
//! of atom 348 around the first event of a 600 K metadynamics run (how they were made:
//! tests/data/events/README.md). The classification is checked against the geometry itself.

use betaglass::io::read_configuration;
use betaglass::sampling::event::Precursor;
use betaglass::sampling::event::compare_inherent_structures;
use betaglass::sampling::{CvSample, EventSettings, MotionKind, MotionSettings};
use betaglass::system::System;

const CLUSTER: [u64; 13] = [
    348, 1014, 2203, 1514, 759, 3098, 3583, 3335, 1141, 1864, 3079, 3065, 3027,
];

fn load(name: &str) -> System {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/events")
        .join(name);
    read_configuration(&p).unwrap()
}

fn position(s: &System, id: u64) -> [f64; 3] {
    s.positions_angstrom[s.ids.iter().position(|&i| i == id).unwrap()]
}

fn distance(s: &System, a: [f64; 3], b: [f64; 3]) -> f64 {
    let d = s
        .cell
        .minimum_image([a[0] - b[0], a[1] - b[1], a[2] - b[2]]);
    (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
}

#[test]
fn the_real_event_is_classified_as_its_geometry_says() {
    let (before, after) = (
        load("glass600K_atom348_before.extxyz"),
        load("glass600K_atom348_after.extxyz"),
    );
    let settings = MotionSettings::default();
    let (rmsd, analysis) =
        compare_inherent_structures(&before, &after, &CLUSTER, 8.0, &settings).unwrap();
    println!(
        "inherent-structure RMSD of the cluster {rmsd:.3} Å; motion {:?}",
        analysis.kind
    );
    for m in &analysis.moved {
        println!(
            "  atom {:>5} moved {:.2} Å{}",
            m.id,
            m.distance_angstrom,
            m.took_site_of
                .map_or(String::new(), |j| format!(" → site of {j}"))
        );
    }
    assert!(rmsd > 0.3, "a real event: the cluster changed minimum");
    // Every link the classifier reports must hold geometrically: the atom ended within the
    // site tolerance of the other's old site, or at least half-way closer to it.
    for m in &analysis.moved {
        assert!(m.distance_angstrom > settings.moved_threshold_angstrom);
        if let Some(j) = m.took_site_of {
            let site = position(&before, j);
            let (start, end) = (
                distance(&before, position(&before, m.id), site),
                distance(&before, position(&after, m.id), site),
            );
            assert!(
                end <= settings.site_tolerance_angstrom
                    || end <= (1.0 - settings.towards_fraction) * start,
                "atom {} → site of {j}: {start:.2} → {end:.2} Å",
                m.id
            );
        }
    }
    // This event is a string: 3411 takes the site of 3065 (a cluster atom), which takes the
    // site of 950, which leaves for a place no moved atom held. The chain does not close:
    // 950 ends neither near 3411's old site nor half-way to it.
    assert_eq!(
        analysis.kind,
        MotionKind::String {
            atoms: vec![3411, 3065, 950]
        }
    );
    let start = distance(&before, position(&before, 950), position(&before, 3411));
    let end = distance(&before, position(&after, 950), position(&before, 3411));
    println!("950 to the old site of 3411: {start:.2} → {end:.2} Å");
    assert!(
        end > settings.site_tolerance_angstrom && end > (1.0 - settings.towards_fraction) * start
    );
    assert!(
        analysis.moved.iter().any(|m| CLUSTER.contains(&m.id)),
        "the string runs through the biased cluster"
    );
}

/// The paper's event needs `min_movers` atoms displaced more than the mover threshold; the
/// same real rearrangement read with stricter settings is a precursor, labelled by its
/// largest displacement.
#[test]
fn movers_decide_between_event_and_precursor() {
    let (before, after) = (
        load("glass600K_atom348_before.extxyz"),
        load("glass600K_atom348_after.extxyz"),
    );
    let settings = EventSettings::default();
    assert_eq!(settings.min_movers, 2);
    assert_eq!(settings.mover_threshold_angstrom(), 2.0);
    let analyse = |s: &EventSettings| {
        compare_inherent_structures(
            &before,
            &after,
            &CLUSTER,
            s.region_radius_angstrom,
            &s.motion,
        )
        .unwrap()
        .1
    };
    let analysis = analyse(&settings);
    let movers = analysis.moved.len();
    assert!(movers >= 3, "the string 3411 → 3065 → 950: {movers} movers");
    assert!(settings.is_event(&analysis));
    assert_ne!(analysis.kind, MotionKind::None);
    // The largest displacement is the farthest mover's, measured independently.
    let farthest = analysis
        .moved
        .iter()
        .max_by(|a, b| a.distance_angstrom.total_cmp(&b.distance_angstrom))
        .unwrap();
    let independent = distance(
        &before,
        position(&before, farthest.id),
        position(&after, farthest.id),
    );
    assert!((analysis.largest_displacement_angstrom - independent).abs() < 1e-9);
    assert_eq!(analysis.largest_displacement_id, Some(farthest.id));
    println!(
        "{movers} movers, largest displacement {:.2} Å (atom {})",
        independent, farthest.id
    );

    // One mover more than there are: a precursor.
    let strict = EventSettings {
        min_movers: movers + 1,
        ..settings
    };
    assert!(!strict.is_event(&analyse(&strict)));
    // A mover threshold above every displacement: nothing moved, a precursor.
    let mut high = settings;
    high.motion.moved_threshold_angstrom = independent + 0.1;
    let quiet = analyse(&high);
    assert!(quiet.moved.is_empty());
    assert!(!high.is_event(&quiet));
    assert!((quiet.largest_displacement_angstrom - independent).abs() < 1e-9);
    // A lower threshold never loses a mover.
    let mut low = settings;
    low.motion.moved_threshold_angstrom = 1.0;
    assert!(analyse(&low).moved.len() >= movers);
}

#[test]
fn a_precursor_says_what_moved() {
    let sample = CvSample::default();
    let p = Precursor {
        number: 1,
        crossing: sample,
        confirmed: sample,
        s_before_angstrom: 0.28,
        s_after_angstrom: 0.79,
        largest_displacement_angstrom: 0.94,
        largest_displacement_id: Some(348),
        movers: 0,
        inherent_rmsd_angstrom: 0.45,
    };
    assert_eq!(p.label(), "local rearrangement, largest displacement 0.9 Å");
}

#[test]
fn bad_event_settings_are_errors_naming_the_setting() {
    let ok = EventSettings::default();
    assert_eq!(ok.validate(), Ok(()));
    let mut zero = ok;
    zero.min_movers = 0;
    assert!(zero.validate().unwrap_err().contains("min movers"));
    for bad in [-2.0, 0.0, f64::NAN] {
        let mut s = ok;
        s.motion.moved_threshold_angstrom = bad;
        let e = s.validate().unwrap_err();
        assert!(e.contains("mover threshold"), "{e}");
    }
    let mut s = ok;
    s.min_inherent_rmsd_angstrom = -0.3;
    assert!(s.validate().unwrap_err().contains("RMSD"));
    // The run refuses them too.
    let mut settings = betaglass::sampling::MetadynamicsSettings::paper(300.0);
    settings.events = zero;
    assert!(
        settings
            .validate()
            .unwrap_err()
            .to_string()
            .contains("min movers")
    );
}

/// The run's decision, end to end on the real event: a run sits in the `after` structure
/// while its basin is `before` and the CV has held a new plateau; the quench confirms the
/// jump, and the movers decide. With the default `min_movers` it is the event (the string of
/// three atoms); with more movers required it is a precursor, recorded with what moved, the
/// run goes on, and the basin before it is kept as the origin the next event counts from.
#[test]
fn a_confirmed_jump_becomes_an_event_or_a_precursor_by_its_movers() {
    use betaglass::potential::{Potential, mendelev};
    use betaglass::sampling::{MetadynamicsRun, MetadynamicsSettings};
    use betaglass::simulation::{MdSettings, Simulation};
    use std::sync::Arc;

    let (before, after) = (
        load("glass600K_atom348_before.extxyz"),
        load("glass600K_atom348_after.extxyz"),
    );
    let potential: Arc<dyn Potential> = Arc::new(mendelev::cu_zr_mendelev_2007());
    let reference: Vec<[f64; 3]> = betaglass::sampling::Cluster::from_ids(&before, &CLUSTER)
        .unwrap()
        .positions_angstrom();
    let run_with = |min_movers: usize| {
        let mut settings = MetadynamicsSettings::paper(600.0);
        settings.sample_every_steps = 10;
        // The plateau rule fires on the second sample: level 0 (the `before` basin, where
        // the CV's reference is), any excursion beyond 0.1 Å held for a moment.
        settings.events.jump_angstrom = 0.1;
        settings.events.dwell_ps = 1e-6;
        settings.events.min_movers = min_movers;
        let sim = Simulation::new(after.clone(), potential.clone(), MdSettings::default()).unwrap();
        let run = MetadynamicsRun::start_with_reference(sim, &CLUSTER, Some(&reference), settings)
            .unwrap();
        let mut state = run_state(run);
        state.inherent_basin = before.clone();
        state.detector = serde_json::from_value(serde_json::json!({
            "basin_level_angstrom": 0.0, "excursion_start": null, "quiet_until": 0, "rejected": 0
        }))
        .unwrap();
        let mut run = MetadynamicsRun::resume(state, potential.clone()).unwrap();
        let news = run.advance(20).unwrap();
        (run, news)
    };

    let (run, news) = run_with(2);
    assert_eq!(news.new_events.len(), 1, "{:?}", news.new_precursors);
    assert!(news.new_precursors.is_empty());
    let event = &run.events()[0];
    assert_eq!(
        event.motion,
        MotionKind::String {
            atoms: vec![3411, 3065, 950]
        }
    );
    assert_eq!(event.precursors, 0);
    assert_eq!(event.basin_before_angstrom, 0.0);
    assert!(event.inherent_rmsd_angstrom > 0.3);

    let (mut run, news) = run_with(4);
    assert!(news.new_events.is_empty() && run.events().is_empty());
    let p = &news.new_precursors[0];
    assert_eq!(run.precursors(), &news.new_precursors[..]);
    assert_eq!((p.number, p.movers), (1, 3));
    assert_eq!(p.s_before_angstrom, 0.0);
    assert!(p.s_after_angstrom > 0.1, "{p:?}");
    assert!(p.inherent_rmsd_angstrom > 0.3, "{p:?}");
    assert_eq!(p.largest_displacement_id, Some(950));
    assert!(
        (p.largest_displacement_angstrom - 3.75).abs() < 0.05,
        "{p:?}"
    );
    assert_eq!(p.label(), "local rearrangement, largest displacement 3.7 Å");
    assert!(p.crossing.biased_step < p.confirmed.biased_step);
    // The run goes on, and the basin before the precursor is where the next event's movers
    // are counted from.
    run.advance(10).unwrap();
    let state = run.save_state();
    let origin = state.event_origin.expect("the origin is kept");
    assert_eq!((origin.precursors, origin.level_angstrom), (1, 0.0));
    assert_eq!(
        origin.inherent.positions_angstrom,
        before.positions_angstrom
    );
}

fn run_state(
    mut run: betaglass::sampling::MetadynamicsRun,
) -> betaglass::sampling::MetadynamicsState {
    run.save_state()
}
