//! Campaigns end to end: the plan, a campaign's folder (one CSV row and the Colvars files
//! per sampling), a failing sampling recorded as `failed`, kill-and-resume of the real
//! binary, the refusal to overwrite results, and the results reader.
//!
//! Samplings here are tiny (a few hundred biased steps of the embedded glass on one thread,
//! hills every 10 steps, 0.01 ps of equilibration): they end at `max_steps` as `no_event`
//! within seconds.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use betaglass::campaign::store::{
    HEADER, HEADER_BEFORE_ESTIMATORS as OLD_HEADER, SAMPLINGS_CSV, parse_samplings, sampling_prefix,
};
use betaglass::campaign::{
    CampaignError, CampaignOptions, CampaignProgress, CampaignSpec, SamplingStatus, StoreError,
    read_samplings, read_samplings_with_warnings, run_campaign,
};
use betaglass::sampling::{CentreChoice, SamplingSetup};

use common::{betaglass, scratch_dir, text};

/// A tiny campaign: `temperatures` × `samplings` × `centres`, `max_steps` biased steps each.
fn tiny_toml(temperatures: &str, samplings: u64, centres: &str, max_steps: u64) -> String {
    format!(
        "name = \"tiny\"\n\
         [md]\nequilibrate_ps = 0.01\n\
         [cluster]\ncentres = {centres}\ncutoffs_angstrom = [4.0]\n\
         [metadynamics]\nstride_steps = 10\nsample_every_steps = 10\n\
         [campaign]\ntemperatures_k = {temperatures}\nsamplings_per_temperature = {samplings}\n\
         seed = 11\n\
         [stop]\nmax_steps = {max_steps}\nafter_event_ps = 0.1\n"
    )
}

fn tiny(temperatures: &str, samplings: u64, centres: &str, max_steps: u64) -> CampaignSpec {
    CampaignSpec::from_toml_str(
        &tiny_toml(temperatures, samplings, centres, max_steps),
        "tiny.toml",
        Path::new(""),
    )
    .unwrap()
}

fn one_thread(resume: bool) -> CampaignOptions {
    CampaignOptions {
        resume,
        threads_per_sampling: 1,
        parallel_samplings: 1,
    }
}

/// Data rows (complete lines) of a samplings.csv, 0 when it does not exist yet.
fn complete_rows(csv: &Path) -> usize {
    std::fs::read_to_string(csv)
        .map(|t| t.matches('\n').count().saturating_sub(1))
        .unwrap_or(0)
}

#[test]
fn plan_is_stable_and_complete() {
    let spec = tiny("[200, 250, 300]", 4, "[\"nearest-cu\", 348]", 10);
    let plan = spec.plan();
    assert_eq!(plan.len(), 3 * 4 * 2);
    assert_eq!(spec.job_count(), plan.len());
    assert_eq!(
        plan.iter().map(|j| j.index).collect::<Vec<_>>(),
        (0..plan.len()).collect::<Vec<_>>()
    );
    // Every temperature × seed × centre once, and each job's set-up says the same.
    let mut seen = HashSet::new();
    for job in &plan {
        assert!(seen.insert((
            job.temperature_k.to_bits(),
            job.seed,
            format!("{:?}", job.centre)
        )));
        assert_eq!(job.setup.temperature_k, job.temperature_k);
        assert_eq!(job.setup.seed, job.seed);
        assert_eq!(job.setup.centre, job.centre);
        assert_eq!(job.setup.cutoff_angstrom, job.cutoff_angstrom);
        assert_eq!(job.setup.hills.stride_steps, 10);
        assert!((11..15).contains(&job.seed), "{}", job.seed);
    }
    for t in [200.0, 250.0, 300.0] {
        for seed in 11..15 {
            for centre in [CentreChoice::NearestCuToBoxCentre, CentreChoice::Atom(348)] {
                assert!(
                    plan.iter()
                        .any(|j| { j.temperature_k == t && j.seed == seed && j.centre == centre })
                );
            }
        }
    }
    // Temperatures outermost, then seeds, then centres.
    assert_eq!(
        (plan[0].temperature_k, plan[0].seed, plan[0].centre),
        (200.0, 11, CentreChoice::NearestCuToBoxCentre)
    );
    assert_eq!(
        (plan[1].seed, plan[1].centre),
        (11, CentreChoice::Atom(348))
    );
    assert_eq!(plan[2].seed, 12);
    assert_eq!(plan[8].temperature_k, 250.0);
    // The same file always gives the same plan, and so does the folder's copy of it.
    assert_eq!(
        tiny("[200, 250, 300]", 4, "[\"nearest-cu\", 348]", 10).plan(),
        plan
    );
    let copy = CampaignSpec::from_toml_str(&spec.to_toml(), "copy.toml", Path::new("/x")).unwrap();
    assert_eq!(copy.plan(), plan);
}

#[test]
fn every_shipped_campaign_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns");
    let mini = CampaignSpec::load(&dir.join("mini.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mini.job_count(), 12);
    assert_eq!(mini.temperatures_k, vec![500.0, 550.0, 600.0]);
    assert_eq!(mini.template.hills.stride_steps, 100);
    assert_eq!(mini.stop.max_steps, 30_000);
    let paper = CampaignSpec::load(&dir.join("paper.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        paper.temperatures_k,
        vec![200.0, 250.0, 300.0, 350.0, 400.0, 450.0]
    );
    assert_eq!(paper.job_count(), 300);
    assert_eq!(paper.stop.max_steps, 5_000_000);
    assert_eq!(paper.stop.after_event_ps, 20.0);
    for job in paper.plan() {
        assert_eq!(
            job.setup,
            SamplingSetup {
                seed: job.seed,
                ..SamplingSetup::paper(job.temperature_k)
            }
        );
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            CampaignSpec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[test]
fn a_campaign_writes_one_row_and_the_colvars_files_per_sampling() {
    let dir = scratch_dir("rows");
    let spec = tiny("[500, 600]", 2, "[\"nearest-cu\"]", 200);
    let finished = std::sync::Mutex::new(Vec::new());
    let summary = run_campaign(&spec, &dir, &one_thread(false), |p| {
        if let CampaignProgress::Finished { record, .. } = p {
            finished.lock().unwrap().push(record.sampling);
        }
    })
    .unwrap();
    assert_eq!((summary.total, summary.ran, summary.skipped), (4, 4, 0));
    let mut finished = finished.into_inner().unwrap();
    finished.sort_unstable();
    assert_eq!(finished, vec![0, 1, 2, 3]);

    let csv = dir.join(SAMPLINGS_CSV);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines.len(), 1 + 4, "{text}");
    let records = read_samplings(&csv).unwrap();
    assert_eq!(records, summary.records);
    let plan = spec.plan();
    for (record, job) in records.iter().zip(&plan) {
        assert_eq!(record.sampling, job.index);
        assert_eq!(record.temperature_k, job.temperature_k);
        assert_eq!(record.seed, job.seed);
        assert_eq!(record.centre, job.centre);
        assert_eq!(record.cutoff_angstrom, 4.0);
        // 200 steps cannot confirm an event with a 10 ps dwell.
        assert_eq!(record.status, SamplingStatus::NoEvent, "{record:?}");
        assert_eq!(record.steps, 200);
        assert!(record.reason.contains("no confirmed event"), "{record:?}");
        assert_eq!(record.event_md_ps, None);
        assert_eq!(record.delta_f_filled_depth_ev, None);
        // No event: the stop rule produced no ΔF, and names no estimator.
        assert_eq!((record.delta_f_ev, record.delta_f_estimator), (None, None));
        assert_eq!(record.profile_stop, None);
        let prefix = sampling_prefix(&dir, job.index);
        // Its censored barrier: the depth the bias filled, which is the height of F(s) in
        // its .pmf (F = −((T+ΔT)/ΔT)·V with min 0; V ≈ 0 far from the visited s).
        let pmf_path = format!("{}.pmf", prefix.display());
        let pmf = betaglass::io::colvars::read_pmf(
            &std::fs::read_to_string(&pmf_path).unwrap(),
            &pmf_path,
        )
        .unwrap();
        let height = pmf.free_energy_ev.iter().copied().fold(0.0, f64::max);
        let bound = record
            .delta_f_lower_bound_ev
            .expect("a no_event row has its bound");
        assert!(
            bound > 0.0 && (bound - height).abs() < 1e-9,
            "{bound} vs {height}"
        );
        for suffix in [
            ".colvars.traj",
            ".colvars.meta.hills.traj",
            ".pmf",
            ".events.json",
        ] {
            let p = PathBuf::from(format!("{}{suffix}", prefix.display()));
            assert!(p.exists(), "{} is missing", p.display());
        }
        let traj = std::fs::read_to_string(format!("{}.colvars.traj", prefix.display())).unwrap();
        // Header plus a sample every 10 steps from step 0 to 200.
        assert_eq!(traj.lines().filter(|l| !l.starts_with('#')).count(), 21);
        let hills =
            std::fs::read_to_string(format!("{}.colvars.meta.hills.traj", prefix.display()))
                .unwrap();
        assert!(hills.lines().filter(|l| !l.starts_with('#')).count() >= 19);
    }
    // Different seeds, different trajectories.
    let traj = |i: usize| {
        std::fs::read_to_string(format!(
            "{}.colvars.traj",
            sampling_prefix(&dir, i).display()
        ))
        .unwrap()
    };
    assert_ne!(traj(0), traj(1));
    // The folder keeps the campaign, complete.
    let copy = CampaignSpec::load(&dir.join("campaign.toml")).unwrap();
    assert_eq!(copy.plan(), plan);

    // Resuming a finished campaign runs nothing.
    let again = run_campaign(&spec, &dir, &one_thread(true), |_| {}).unwrap();
    assert_eq!((again.ran, again.skipped), (0, 4));
    assert_eq!(again.records, records);
    // Resuming it with another plan is refused.
    let other = tiny("[500, 700]", 2, "[\"nearest-cu\"]", 200);
    let e = run_campaign(&other, &dir, &one_thread(true), |_| {}).unwrap_err();
    assert!(matches!(e, CampaignError::DifferentCampaign { .. }), "{e}");
    assert!(e.to_string().contains("700"), "{e}");
}

#[test]
fn a_failing_sampling_is_recorded_and_the_others_still_run() {
    let dir = scratch_dir("failing");
    // Atom 999999 is not in the glass: its samplings cannot start.
    let spec = tiny("[500]", 1, "[999999, \"nearest-cu\"]", 100);
    let summary = run_campaign(&spec, &dir, &one_thread(false), |_| {}).unwrap();
    assert_eq!(summary.ran, 2);
    let records = read_samplings(&dir.join(SAMPLINGS_CSV)).unwrap();
    assert_eq!(records.len(), 2);
    let failed = &records[0];
    assert_eq!(failed.centre, CentreChoice::Atom(999999));
    assert_eq!(failed.status, SamplingStatus::Failed);
    assert!(failed.reason.contains("999999"), "{failed:?}");
    assert_eq!(failed.steps, 0);
    assert_eq!(failed.delta_f_ev, None);
    let ran = &records[1];
    assert_eq!(ran.centre, CentreChoice::NearestCuToBoxCentre);
    assert_eq!(ran.status, SamplingStatus::NoEvent, "{ran:?}");
    assert_eq!(ran.steps, 100);
    assert!(
        Path::new(&format!(
            "{}.colvars.traj",
            sampling_prefix(&dir, 1).display()
        ))
        .exists()
    );
}

#[test]
fn kill_and_resume_records_every_sampling_exactly_once() {
    let dir = scratch_dir("kill-resume");
    std::fs::write(
        dir.join("tiny.toml"),
        tiny_toml("[500, 600]", 3, "[\"nearest-cu\"]", 300),
    )
    .unwrap();
    let args = [
        "campaign",
        "tiny.toml",
        "--output",
        "out",
        "--threads",
        "1",
        "--parallel-samplings",
        "1",
    ];
    let csv = dir.join("out").join(SAMPLINGS_CSV);
    let mut child = Command::new(env!("CARGO_BIN_EXE_betaglass"))
        .args(args)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("betaglass starts");
    let start = Instant::now();
    while complete_rows(&csv) < 2 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the campaign ended ({status}) before it was killed");
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "no 2 samplings in 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Still running (4 samplings to go, seconds each): SIGKILL it.
    assert!(child.try_wait().unwrap().is_none());
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let before = read_samplings_with_warnings(&csv).unwrap().records;
    assert!((2..6).contains(&before.len()), "{} rows", before.len());

    let out = betaglass(&[&args[..], &["--resume"]].concat(), &dir);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("already recorded"), "{stdout}");

    let records = read_samplings(&csv).unwrap();
    let mut indices: Vec<usize> = records.iter().map(|r| r.sampling).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..6).collect::<Vec<_>>(), "{records:?}");
    for r in &records {
        assert!(
            matches!(r.status, SamplingStatus::Ok | SamplingStatus::NoEvent),
            "{r:?}"
        );
        assert!(r.steps >= 300 || r.status == SamplingStatus::Ok, "{r:?}");
    }
    // The rows recorded before the kill were kept as they were, not rerun.
    for r in &before {
        assert_eq!(records.iter().find(|x| x.sampling == r.sampling), Some(r));
    }
    // Every sampling's files are there, the rerun ones whole.
    for i in 0..6 {
        let traj = std::fs::read_to_string(format!(
            "{}.colvars.traj",
            sampling_prefix(&dir.join("out"), i).display()
        ))
        .unwrap();
        assert_eq!(traj.lines().filter(|l| !l.starts_with('#')).count(), 31);
    }
}

#[test]
fn a_folder_with_results_is_refused_without_resume() {
    let dir = scratch_dir("refuse");
    std::fs::write(
        dir.join("tiny.toml"),
        tiny_toml("[500]", 2, "[\"nearest-cu\"]", 100),
    )
    .unwrap();
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let row = "0,nearest-cu,4,500,11,,,,,,100,no_event,\"\"\n";
    std::fs::write(out_dir.join(SAMPLINGS_CSV), format!("{OLD_HEADER}\n{row}")).unwrap();

    let out = betaglass(&["campaign", "tiny.toml", "--output", "out"], &dir);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--resume"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Nothing was run or overwritten.
    assert_eq!(
        std::fs::read_to_string(out_dir.join(SAMPLINGS_CSV)).unwrap(),
        format!("{OLD_HEADER}\n{row}")
    );
    assert!(!out_dir.join("samplings").exists());

    let spec = tiny("[500]", 2, "[\"nearest-cu\"]", 100);
    let e = run_campaign(&spec, &out_dir, &one_thread(false), |_| {}).unwrap_err();
    assert!(
        matches!(e, CampaignError::AlreadyStarted { recorded: 1, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("--resume"), "{e}");

    // A header alone (a campaign killed before its first sampling ended) is no result.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join(SAMPLINGS_CSV), format!("{HEADER}\n")).unwrap();
    // (A centre that exists beside one that does not: a campaign none of whose samplings can
    // select a cluster is refused before it starts.)
    let spec = tiny("[500]", 1, "[999999, \"nearest-cu\"]", 100);
    let summary = run_campaign(&spec, &empty, &one_thread(false), |_| {}).unwrap();
    assert_eq!(summary.ran, 2);
}

#[test]
fn the_reader_ignores_a_truncated_last_line_and_names_a_malformed_one() {
    let dir = scratch_dir("reader");
    let rows = [
        "0,nearest-cu,4,500,11,0.41,0.38,12.5,3.2e9,pair exchange,8000,ok,\"\"\n",
        "1,348,4,500,12,,,,,,20000,no_event,\"no confirmed event, at all\"\n",
    ];
    // Rows as written before the estimators were named: still read.
    let good = format!("{OLD_HEADER}\n{}{}", rows[0], rows[1]);
    // A kill in the middle of the third row.
    let truncated = format!("{good}2,random-cu,4,600,13,,,,,,1");
    let csv = dir.join("truncated.csv");
    std::fs::write(&csv, &truncated).unwrap();
    let read = read_samplings_with_warnings(&csv).unwrap();
    assert_eq!(read.records.len(), 2);
    // The old `delta_f_ev` was the end-of-run reading; the filled depth (old
    // `delta_f_crossing_ev`) is what the old stop rule produced.
    assert_eq!(read.records[0].delta_f_final_ev, Some(0.41));
    assert_eq!(read.records[0].delta_f_filled_depth_ev, Some(0.38));
    assert_eq!(read.records[0].delta_f_ev, Some(0.38));
    assert_eq!(
        read.records[0].delta_f_estimator,
        Some(betaglass::sampling::Estimator::FilledDepth)
    );
    assert_eq!(
        read.records[0].event_class.as_deref(),
        Some("pair exchange")
    );
    assert_eq!(read.records[1].centre, CentreChoice::Atom(348));
    assert_eq!(read.records[1].reason, "no confirmed event, at all");
    assert_eq!(read.records[1].delta_f_lower_bound_ev, None);
    assert_eq!(read.warnings.len(), 1);
    assert!(read.warnings[0].contains(":4:"), "{:?}", read.warnings);
    assert!(
        read.warnings[0].contains("truncated.csv"),
        "{:?}",
        read.warnings
    );
    assert_eq!(read_samplings(&csv).unwrap(), read.records);

    // A malformed row in the middle is an error naming file and line.
    let malformed = format!(
        "{OLD_HEADER}\n{}1,348,4,five hundred,12,,,,,,20000,no_event,\"\"\n{}",
        rows[0],
        rows[1].replacen('1', "2", 1)
    );
    let csv = dir.join("malformed.csv");
    std::fs::write(&csv, &malformed).unwrap();
    let e = read_samplings(&csv).unwrap_err();
    assert!(matches!(e, StoreError::Parse { line: 3, .. }), "{e}");
    let shown = e.to_string();
    assert!(shown.contains("malformed.csv:3: "), "{shown}");
    assert!(shown.contains("temperature_k"), "{shown}");
    assert!(shown.contains("five hundred"), "{shown}");
    // So is a row with a column too few, even when followed by good rows.
    let e = parse_samplings(
        &format!(
            "{OLD_HEADER}\n0,nearest-cu,4,500,11,,,,,8000,ok,\"\"\n{}",
            rows[1]
        ),
        "x.csv",
    )
    .unwrap_err();
    assert_eq!(e.line(), Some(2), "{e}");

    // A campaign resumed on the killed table cuts the unfinished row off before appending.
    let folder = dir.join("resumed");
    std::fs::create_dir_all(&folder).unwrap();
    let spec = tiny("[500]", 1, "[999999, \"nearest-cu\"]", 100);
    let partial = format!("{HEADER}\n0,999999,4,500,1");
    std::fs::write(folder.join(SAMPLINGS_CSV), &partial).unwrap();
    let warnings = std::sync::Mutex::new(Vec::new());
    let summary = run_campaign(&spec, &folder, &one_thread(true), |p| {
        if let CampaignProgress::Warning(w) = p {
            warnings.lock().unwrap().push(w.to_string());
        }
    })
    .unwrap();
    assert_eq!(summary.ran, 2);
    // The centre that selects no cluster (checked before the folder is opened), and the
    // cut-off row.
    let warnings = warnings.into_inner().unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("centre 999999"), "{warnings:?}");
    assert!(warnings[1].contains("unfinished last line"), "{warnings:?}");
    let read = read_samplings_with_warnings(&folder.join(SAMPLINGS_CSV)).unwrap();
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(read.records.len(), 2);
    assert_eq!(read.records[0].status, SamplingStatus::Failed);
    assert_eq!(read.records[1].status, SamplingStatus::NoEvent);
}

/// `stats` reads the ΔF the stop rule produced, as each row names it, and leaves out (never
/// replaces) a sampling whose stop rule left it undetermined; every estimator stays readable
/// by name. Old tables (before the estimators were named) default to their filled depth.
#[test]
fn stats_defaults_to_the_estimator_the_stop_rule_produced() {
    use betaglass::campaign::report::{
        BarrierChoice, CampaignReport, ReportOptions, parse_barrier_samples,
    };
    let row = |i: usize, t: f64, ev: &str, est: &str, profile: &str, filled: &str| {
        format!(
            "{i},nearest-cu,4,{t},{i},{ev},{est},{profile},{filled},0.1,0.25,1.05,1.46,stable,0,\
             10,1e6,loop,9000,ok,\"\",\n"
        )
    };
    let mut text = format!("{HEADER}\n");
    text += &row(0, 300.0, "0.8", "profile", "0.8", "0.7");
    text += &row(1, 300.0, "0.9", "profile", "0.9", "0.75");
    // The profile never held: no ΔF from the stop rule, only a filled depth.
    text += &row(2, 300.0, "", "", "", "0.6");
    let samples = parse_barrier_samples(&text, "t.csv").unwrap().samples;
    assert_eq!(
        samples[0].delta_f_estimator,
        Some(betaglass::sampling::Estimator::Profile)
    );
    let options = |barrier| ReportOptions {
        bootstrap: 0,
        barrier,
        ..ReportOptions::default()
    };
    let default = CampaignReport::from_samples(&samples, &ReportOptions::default());
    assert_eq!(default.barrier, BarrierChoice::StopRule);
    let report = CampaignReport::from_samples(&samples, &options(BarrierChoice::StopRule));
    let t = &report.temperatures[0];
    assert_eq!((t.n, t.excluded), (2, 1));
    assert!((t.mean_ev.unwrap() - 0.85).abs() < 1e-12);
    assert!(report.notes.iter().any(|n| n.contains("produced: profile")));
    let filled = CampaignReport::from_samples(&samples, &options(BarrierChoice::Crossing));
    assert_eq!(filled.temperatures[0].n, 3);
    assert!((filled.temperatures[0].mean_ev.unwrap() - (0.7 + 0.75 + 0.6) / 3.0).abs() < 1e-12);
    let profile = CampaignReport::from_samples(&samples, &options(BarrierChoice::Profile));
    assert_eq!(profile.temperatures[0].n, 2);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["barrier"], "stop-rule");
    assert_eq!(json["barrier_column"], "delta_f_ev");
    assert!(
        report
            .figures()
            .iter()
            .all(|f| f.title.contains("ΔF: stop-rule"))
    );

    // An old table: its `delta_f_ev` was the end-of-run diagnostic, its filled depth what
    // its stop rule produced.
    let old = format!(
        "{OLD_HEADER}\n0,nearest-cu,4,500,1,0.3,0.6,12,1e5,none,9000,ok,\"\"\n\
         1,nearest-cu,4,500,2,,0.5,12,1e5,other,9000,ok,\"\"\n"
    );
    let samples = parse_barrier_samples(&old, "old.csv").unwrap().samples;
    let report = CampaignReport::from_samples(&samples, &options(BarrierChoice::StopRule));
    assert_eq!(report.temperatures[0].n, 2);
    assert!((report.temperatures[0].mean_ev.unwrap() - 0.55).abs() < 1e-12);
    let diagnostic = CampaignReport::from_samples(&samples, &options(BarrierChoice::Final));
    assert_eq!(diagnostic.temperatures[0].n, 1);
}

/// Two texts that differ at most by round-off in their numbers (relative 1e-9): the
/// restored run sums forces in another order after its restart.
fn same_numbers(a: &str, b: &str, what: &str) {
    let (ta, tb): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    assert_eq!(ta.len(), tb.len(), "{what}");
    for (x, y) in ta.iter().zip(&tb) {
        match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(u), Ok(v)) => assert!((u - v).abs() <= 1e-9 * u.abs().max(1.0), "{what}: {u} {v}"),
            _ => assert_eq!(x, y, "{what}"),
        }
    }
}

/// `--resume --max-steps N` with a larger N continues the samplings that ended without an
/// event from their restart files: the continued trajectories are those of an uninterrupted
/// run to N (to round-off), the new rows supersede the old ones (for the campaign and for `stats`), and a
/// smaller N is another campaign.
#[test]
fn resume_with_a_larger_max_steps_continues_the_censored_samplings() {
    let dir = scratch_dir("extend");
    std::fs::write(
        dir.join("tiny.toml"),
        tiny_toml("[500]", 2, "[\"nearest-cu\"]", 100),
    )
    .unwrap();
    let out = dir.join("out");
    let short = tiny("[500]", 2, "[\"nearest-cu\"]", 100);
    let first = run_campaign(&short, &out, &one_thread(false), |_| {}).unwrap();
    for r in &first.records {
        assert_eq!((r.status, r.steps), (SamplingStatus::NoEvent, 100), "{r:?}");
    }
    let smaller = tiny("[500]", 2, "[\"nearest-cu\"]", 50);
    let e = run_campaign(&smaller, &out, &one_thread(true), |_| {}).unwrap_err();
    assert!(matches!(e, CampaignError::DifferentCampaign { .. }), "{e}");

    let run = betaglass(
        &[
            "campaign",
            "tiny.toml",
            "--output",
            "out",
            "--resume",
            "--max-steps",
            "200",
        ],
        &dir,
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let csv = out.join(SAMPLINGS_CSV);
    assert_eq!(complete_rows(&csv), 4);
    let records = read_samplings(&csv).unwrap();
    let reference_dir = dir.join("reference");
    let long = tiny("[500]", 2, "[\"nearest-cu\"]", 200);
    let reference = run_campaign(&long, &reference_dir, &one_thread(false), |_| {}).unwrap();
    // The continued samplings may run in parallel (the CLI's default), so their rows come in
    // the order they finish: each is found by its sampling number.
    let continued = |sampling: usize| {
        let k = records[2..]
            .iter()
            .position(|e| e.sampling == sampling)
            .unwrap_or_else(|| panic!("no continued row for sampling {sampling}: {records:?}"));
        (k, &records[2 + k])
    };
    for (i, r) in reference.records.iter().enumerate() {
        let (_, extended) = continued(r.sampling);
        assert_eq!(
            (extended.status, extended.steps),
            (r.status, 200),
            "{extended:?}"
        );
        let bound = extended.delta_f_lower_bound_ev.unwrap();
        assert!(
            (bound - r.delta_f_lower_bound_ev.unwrap()).abs() < 1e-9,
            "{extended:?}"
        );
        assert!(bound > first.records[i].delta_f_lower_bound_ev.unwrap());
        for suffix in [".colvars.traj", ".colvars.meta.hills.traj", ".pmf"] {
            let read = |d: &Path| {
                std::fs::read_to_string(format!(
                    "{}{suffix}",
                    sampling_prefix(d, r.sampling).display()
                ))
                .unwrap()
            };
            same_numbers(&read(&out), &read(&reference_dir), &format!("{i}{suffix}"));
        }
    }
    // The campaign keeps the last row of each; stats counts each sampling once, as its
    // continued row says.
    let again = run_campaign(&long, &out, &one_thread(true), |_| {}).unwrap();
    assert_eq!((again.ran, again.skipped), (0, 2));
    for r in &again.records {
        assert_eq!(r, continued(r.sampling).1);
    }
    assert_eq!(again.records.len(), 2);
    let table = betaglass::campaign::read_barrier_samples(&out).unwrap();
    assert!(table.warnings.is_empty(), "{:?}", table.warnings);
    assert_eq!(table.samples.len(), 2);
    for s in &table.samples {
        // Header on line 1, the two first rows on lines 2–3, the continued rows after them.
        let (k, r) = continued(s.sampling);
        assert_eq!(s.delta_f_lower_bound_ev, r.delta_f_lower_bound_ev);
        assert_eq!(s.line, Some(4 + k));
    }
}
