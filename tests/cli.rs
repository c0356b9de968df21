//! The command line end to end: `betaglass md` options that once panicked, its checkpoint and
//! `--resume`, and `betaglass eval` on a configuration MD would refuse. Runs are a few dozen
//! steps of the embedded glass on one thread: seconds in all.

mod common;

use std::path::Path;

use common::{betaglass, fail, scratch_dir, text};

/// Runs `betaglass` and insists that it succeeded; returns its standard output.
fn succeed(args: &[&str], dir: &Path) -> String {
    let out = betaglass(args, dir);
    assert!(
        out.status.success(),
        "betaglass {args:?} failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Short NVT runs of the embedded glass on one thread (the thread count fixes the summation
/// order, so it must match for bit-identical runs).
fn md_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    ["md", "--threads", "1", "--ensemble", "nvt"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect()
}

/// The same with thermo lines, checkpoints and dump frames every 10 steps.
fn md_every_10<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    md_args(&["--thermo-every", "10", "--dump-every", "10"])
        .into_iter()
        .chain(extra.iter().copied())
        .collect()
}

/// Rows of the thermo table (the header excluded).
fn thermo_rows(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| !l.contains("step")).collect()
}

#[test]
fn md_with_dump_every_0_and_a_dump_is_refused_clearly() {
    let dir = scratch_dir("dump-every-0");
    let out = betaglass(
        &md_args(&["--steps", "10", "--dump", "t.dump", "--dump-every", "0"]),
        &dir,
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--dump-every 0"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.join("t.dump").exists());
}

#[test]
fn md_with_dump_every_0_and_thermo_every_0_runs_without_frames_or_thermo_lines() {
    let dir = scratch_dir("every-0");
    let stdout = succeed(
        &md_args(&[
            "--steps",
            "20",
            "--dump-every",
            "0",
            "--thermo-every",
            "0",
            "--output",
            "out.xyz",
        ]),
        &dir,
    );
    // Only the starting line: no thermo lines during the run.
    assert_eq!(thermo_rows(&stdout).len(), 1, "{stdout}");
    // The final state is still written.
    assert!(dir.join("out.xyz").exists());
    assert!(dir.join("out.xyz.state.json").exists());
}

/// A run stopped after 20 steps (as a kill right after its checkpoint, plus half a dump frame
/// written after it) and resumed to 40 must end exactly where a 40-step run ends: the same
/// configuration, checkpoint, dump and thermo lines, byte for byte.
#[test]
fn md_resumed_after_a_kill_is_bit_identical_to_an_uninterrupted_run() {
    let dir = scratch_dir("resume");
    let straight = succeed(
        &md_every_10(&[
            "--steps",
            "40",
            "--output",
            "straight.xyz",
            "--dump",
            "straight.dump",
        ]),
        &dir,
    );
    let first = succeed(
        &md_every_10(&[
            "--steps",
            "20",
            "--output",
            "resumed.xyz",
            "--dump",
            "resumed.dump",
        ]),
        &dir,
    );
    // What a kill between two checkpoints leaves behind: part of a frame past the checkpoint.
    let mut dump = std::fs::read(dir.join("resumed.dump")).unwrap();
    dump.extend_from_slice(b"ITEM: TIMESTEP\n30\nITEM: NUMBER OF ATOMS\n40");
    std::fs::write(dir.join("resumed.dump"), dump).unwrap();
    let second = succeed(
        &md_every_10(&[
            "--steps",
            "40",
            "--output",
            "resumed.xyz",
            "--dump",
            "resumed.dump",
            "--resume",
        ]),
        &dir,
    );
    for (a, b) in [
        ("straight.xyz", "resumed.xyz"),
        ("straight.dump", "resumed.dump"),
        ("straight.xyz.state.json", "resumed.xyz.state.json"),
    ] {
        let (x, y) = (
            std::fs::read(dir.join(a)).unwrap(),
            std::fs::read(dir.join(b)).unwrap(),
        );
        // The state file names its dump: compare everything else.
        let y = text(&y)
            .replace("resumed.dump", "straight.dump")
            .into_bytes();
        assert!(x == y, "{a} and {b} differ");
    }
    // Steps 0–20 from the first run, 20 (again, as the resumed start) to 40 from the second.
    let rows = thermo_rows(&straight);
    let (first, second) = (thermo_rows(&first), thermo_rows(&second));
    assert_eq!(rows.len(), 5);
    assert_eq!(first, rows[..3]);
    assert_eq!(second, rows[2..]);
}

#[test]
fn md_resume_refuses_other_settings_and_missing_checkpoints() {
    let dir = scratch_dir("resume-refusals");
    let out = betaglass(
        &md_every_10(&["--steps", "20", "--output", "none.xyz", "--resume"]),
        &dir,
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("none.xyz.state.json"));
    succeed(
        &md_every_10(&["--steps", "10", "--output", "run.xyz"]),
        &dir,
    );
    let out = betaglass(
        &md_every_10(&[
            "--steps",
            "20",
            "--output",
            "run.xyz",
            "--temperature",
            "400",
            "--resume",
        ]),
        &dir,
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--temperature"), "{stderr}");
    // Asking for no more steps than were done is not an error.
    succeed(
        &md_every_10(&["--steps", "10", "--output", "run.xyz", "--resume"]),
        &dir,
    );
}

/// `eval` reports what LAMMPS's `run 0` would, however large the forces: here two atoms
/// 0.5 Å apart (a force of ~1e4 eV/Å with the embedded potential), with a warning on stderr.
#[test]
fn eval_reports_overlapping_atoms() {
    let dir = scratch_dir("eval-overlap");
    std::fs::write(
        dir.join("dimer.xyz"),
        "2\nLattice=\"20 0 0 0 20 0 0 0 20\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n\
         Cu 10.0 10.0 10.0\nZr 10.5 10.0 10.0\n",
    )
    .unwrap();
    let out = betaglass(&["eval", "dimer.xyz", "--json"], &dir);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let energy_ev = json["energy_ev"].as_f64().expect("a finite energy");
    let fx_ev_per_angstrom = json["forces_ev_per_angstrom"][1][0]
        .as_f64()
        .expect("a finite force");
    assert!(energy_ev.is_finite());
    assert!(fx_ev_per_angstrom > 1e3, "{fx_ev_per_angstrom}");
    assert!(stderr.contains("warning"), "{stderr}");
}

#[test]
fn metad_rejects_bad_input_naming_the_value() {
    let dir = scratch_dir("metad-bad-input");
    let base = [
        "metad",
        "--steps",
        "100",
        "--equilibrate-ps",
        "0",
        "--threads",
        "1",
    ];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        base.iter().chain(extra).copied().collect()
    };
    let cases: [(&[&str], &str); 10] = [
        (&["--centre", "999999"], "999999"),
        (&["--centre", "348", "--cutoff", "1.0"], "only 1 atom"),
        (&["--centre", "348", "--sigma", "0"], "σ"),
        (&["--centre", "348", "--bias-temperature", "-5"], "-5"),
        (&["--centre", "348", "--height=-0.1"], "-0.1"),
        (&[], "--centre"),
        (&["--centre", "348", "--min-movers", "0"], "--min-movers 0"),
        (
            &["--centre", "348", "--mover-threshold=-1"],
            "--mover-threshold -1",
        ),
        (
            &["--centre", "348", "--mover-threshold", "0"],
            "--mover-threshold 0",
        ),
        (
            &["--centre", "348", "--event-jump=-0.4"],
            "--event-jump -0.4",
        ),
    ];
    for (extra, needle) in cases {
        let err = fail(&with(extra), &dir);
        assert!(err.contains(needle), "{extra:?}: {err}");
    }
    let bad = dir.join("bad.colvars");
    std::fs::write(&bad, "colvar {\n  name s\n  distanceZ {\n  }\n}\n").unwrap();
    let err = fail(&with(&["--colvars", "bad.colvars"]), &dir);
    assert!(
        err.contains("bad.colvars:3") && err.contains("distanceZ"),
        "{err}"
    );
}

#[test]
fn rmsd_prints_the_cv_and_its_gradient_as_json() {
    let dir = scratch_dir("rmsd-json");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/glass_300K.data");
    let out = succeed(
        &[
            "rmsd",
            data,
            "--reference",
            data,
            "--atoms",
            "348,1393,2543",
            "--json",
        ],
        &dir,
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rmsd_angstrom"].as_f64(), Some(0.0));
    assert_eq!(v["gradient_per_angstrom"].as_array().unwrap().len(), 3);
    let err = fail(&["rmsd", data, "--reference", data, "--atoms", "348"], &dir);
    assert!(err.contains("at least 2"), "{err}");
}

#[test]
fn metad_resumed_after_a_stop_writes_the_same_files() {
    let dir = scratch_dir("metad-resume");
    let run = |prefix: &'static str, steps: &'static str, resume: bool| {
        let mut args = vec![
            "metad",
            "--centre",
            "348",
            "--steps",
            steps,
            "--stride",
            "50",
            "--sample-every",
            "50",
            "--restart-every",
            "200",
            "--equilibrate-ps",
            "0.1",
            "--threads",
            "1",
            "--output",
            prefix,
        ];
        if resume {
            args.push("--resume");
        }
        succeed(&args, &dir)
    };
    run("straight", "400", false);
    run("split", "200", false);
    run("split", "400", true);
    for suffix in [".colvars.traj", ".colvars.meta.hills.traj", ".pmf"] {
        let a = std::fs::read(dir.join(format!("straight{suffix}"))).unwrap();
        let b = std::fs::read(dir.join(format!("split{suffix}"))).unwrap();
        assert!(a == b, "{suffix} differs after --resume");
    }
    let traj = std::fs::read_to_string(dir.join("split.colvars.traj")).unwrap();
    let last = traj.lines().last().unwrap();
    assert!(last.trim_start().starts_with("400 "), "{last}");
    // Resuming without a restart file is a clear error.
    let err = fail(
        &["metad", "--centre", "348", "--output", "absent", "--resume"],
        &dir,
    );
    assert!(err.contains("absent.restart.json"), "{err}");
}

/// `betaglass art` refuses bad requests with a clear error before any work: an unknown centre,
/// a zero thread count, and an output folder that already holds a run (without --resume).
#[test]
fn art_refuses_bad_requests_clearly() {
    let dir = scratch_dir("art-bad");
    let out = betaglass(&["art", "--centre", "999999", "--output", "run"], &dir);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no atom with id 999999"),
        "{}",
        text(&out.stderr)
    );
    let out = betaglass(&["art", "--threads", "0", "--output", "run"], &dir);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--threads"),
        "{}",
        text(&out.stderr)
    );
    std::fs::create_dir_all(dir.join("old")).unwrap();
    std::fs::write(dir.join("old/explorations.csv"), "x\n").unwrap();
    let out = betaglass(&["art", "--output", "old"], &dir);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--resume"),
        "{}",
        text(&out.stderr)
    );
    let out = betaglass(
        &["art", "--output", "old", "--resume", "--events", "1"],
        &dir,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("explorations.csv:1"),
        "{}",
        text(&out.stderr)
    );

    // --settings: a file that is not JSON, or not ART settings, names itself; it replaces the
    // single-setting flags.
    std::fs::write(dir.join("bad.json"), "{ not json").unwrap();
    std::fs::write(dir.join("wrong.json"), r#"{"settings": {"art": 3}}"#).unwrap();
    for (file, message) in [
        ("bad.json", "bad.json: not JSON"),
        ("wrong.json", "not ART settings"),
    ] {
        let out = betaglass(&["art", "--settings", file, "--output", "s"], &dir);
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains(message), "{}", text(&out.stderr));
    }
    let out = betaglass(
        &[
            "art",
            "--settings",
            "wrong.json",
            "--push-radius",
            "3",
            "--output",
            "s",
        ],
        &dir,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
}

/// `betaglass art --settings` takes a run's art.json, edited: the run uses (and records) it.
#[test]
fn art_settings_file_is_used_and_recorded() {
    let dir = scratch_dir("art-settings");
    let out = betaglass(&["art", "--events", "0", "--output", "first"], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("first/art.json")).unwrap())
            .unwrap();
    assert_eq!(spec["settings"]["art"]["eigenvalue_threshold"], -0.5);
    spec["settings"]["art"]["eigenvalue_threshold"] = serde_json::json!(-0.3);
    std::fs::write(dir.join("edited.json"), spec.to_string()).unwrap();
    let out = betaglass(
        &[
            "art",
            "--events",
            "0",
            "--settings",
            "edited.json",
            "--output",
            "second",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let used: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("second/art.json")).unwrap())
            .unwrap();
    assert_eq!(used["settings"]["art"]["eigenvalue_threshold"], -0.3);
    assert_eq!(used["settings"]["art"]["force_threshold"], 0.01);
}

/// A Colvars configuration for the paper's cluster with hills every 10 steps and the CV every
/// 10, without refPositions (the reference is then the file's own cluster).
const CLUSTER_348_COLVARS: &str = "colvarsTrajFrequency 10\n\
    colvar {\n  name rmsd\n  width 0.035\n  lowerBoundary 0.0\n  upperBoundary 5.25\n\
    \x20 rmsd {\n    atoms {\n      atomNumbers 348 1393 2543 2104 2341 724 1915 2148 3291 2675 \
    2459 1614 2011\n    }\n  }\n}\n\
    metadynamics {\n  name meta\n  colvars rmsd\n  hillWeight 0.03\n  hillWidth 10.0\n\
    \x20 newHillFrequency 10\n  wellTempered on\n  biasTemperature 2700\n}\n";

/// `metad FILE --keep-velocities --equilibrate-ps 0 --colvars CFG` (issue 16 item 5): the bias
/// starts at step 0 on FILE as given (s = 0 there: the reference is FILE's cluster), from FILE's
/// velocities (the seed then changes nothing), and `betaglass lockstep` tells a run that follows
/// it step for step from one that does not.
#[test]
fn metad_keep_velocities_starts_from_the_file_and_lockstep_compares_runs() {
    let dir = scratch_dir("metad-keep-velocities");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/glass_300K.data");
    std::fs::write(dir.join("cluster.colvars"), CLUSTER_348_COLVARS).unwrap();
    let run = |prefix: &'static str, seed: &'static str, keep: bool| {
        let mut args = vec![
            "metad",
            data,
            "--colvars",
            "cluster.colvars",
            "--equilibrate-ps",
            "0",
            "--steps",
            "40",
            "--restart-every",
            "40",
            "--seed",
            seed,
            "--threads",
            "1",
            "--output",
            prefix,
        ];
        if keep {
            args.push("--keep-velocities");
        }
        succeed(&args, &dir)
    };
    run("keep1", "1", true);
    run("keep2", "2", true);
    run("drawn", "1", false);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let traj = read("keep1.colvars.traj");
    let first = traj.lines().find(|l| !l.starts_with('#')).unwrap();
    let s0: f64 = first.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert_eq!(s0, 0.0, "step 0 is FILE as given: {first}");
    for suffix in [".colvars.traj", ".colvars.meta.hills.traj"] {
        assert_eq!(
            read(&format!("keep1{suffix}")),
            read(&format!("keep2{suffix}")),
            "{suffix}: with --keep-velocities the seed must not matter"
        );
    }
    assert_ne!(read("keep1.colvars.traj"), read("drawn.colvars.traj"));
    assert_eq!(read("keep1.colvars.meta.hills.traj").lines().count(), 4);

    let same = succeed(&["lockstep", "keep1", "keep2", "--min-steps", "40"], &dir);
    assert!(same.contains("step for step"), "{same}");
    let err = fail(&["lockstep", "keep1", "drawn", "--min-steps", "40"], &dir);
    assert!(err.contains("parts at step 10"), "{err}");
    let err = fail(&["lockstep", "keep1", "keep2", "--min-steps", "1000"], &dir);
    assert!(err.contains("--min-steps 1000"), "{err}");
    let err = fail(&["lockstep", "keep1", "absent"], &dir);
    assert!(err.contains("absent.colvars.traj"), "{err}");
    for bad in ["0", "-1e-6", "nan", "x"] {
        let flag = format!("--tolerance={bad}");
        let err = fail(&["lockstep", "keep1", "keep2", &flag], &dir);
        assert!(
            err.contains("--tolerance") && err.contains(bad),
            "{bad}: {err}"
        );
    }
}

/// `--keep-velocities` needs a FILE that has velocities, and cannot go with --resume.
#[test]
fn metad_keep_velocities_refuses_a_file_without_velocities() {
    let dir = scratch_dir("metad-keep-velocities-bad");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/glass_300K.data");
    let text = std::fs::read_to_string(data).unwrap();
    let still = &text[..text.find("Velocities").unwrap()];
    std::fs::write(dir.join("still.data"), still).unwrap();
    let base = [
        "--centre",
        "348",
        "--steps",
        "100",
        "--equilibrate-ps",
        "0",
        "--threads",
        "1",
        "--keep-velocities",
    ];
    let with = |first: &[&'static str]| -> Vec<&'static str> {
        first.iter().chain(&base).copied().collect()
    };
    let err = fail(&with(&["metad", "still.data"]), &dir);
    assert!(
        err.contains("--keep-velocities") && err.contains("still.data"),
        "{err}"
    );
    let err = fail(&with(&["metad"]), &dir);
    assert!(err.contains("--keep-velocities"), "{err}");
    let err = fail(&with(&["metad", "still.data", "--resume"]), &dir);
    assert!(
        err.contains("--keep-velocities") && err.contains("--resume"),
        "{err}"
    );
}

/// `betaglass check-screenshot` (CI's app check) fails, with exit status 1 and every failed
/// check named, on a blank screenshot and on a PNG cut short; the report's own checks pass.
#[test]
fn check_screenshot_fails_a_blank_or_truncated_screenshot() {
    let dir = scratch_dir("check_screenshot");
    let (w, h) = (64u32, 40u32);
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&vec![0; (w * h * 3) as usize])
        .unwrap();
    writer.finish().unwrap();
    std::fs::write(dir.join("blank.png"), &png_bytes).unwrap();
    std::fs::write(dir.join("cut.png"), &png_bytes[..png_bytes.len() / 2]).unwrap();
    let report = r#"{"frames": 120, "fps_mean": 2.0, "sim_steps": 100, "sim_steps_per_s": 50.0,
        "cluster_atom_ids": [1, 2, 3], "pick_check": {"tried": 9, "agreed": 9, "wrong": []},
        "window_px": [64, 40],
        "layout": {"view": [0, 0, 40, 40], "plots": [40, 0, 64, 20], "controls": [40, 20, 64, 40]},
        "colors": {"cu": [205, 128, 51], "zr": [64, 179, 89], "cluster_highlight": [255, 204, 51],
                   "centre": [255, 51, 230], "trace_line": [80, 170, 255]}}"#;
    std::fs::write(dir.join("app.json"), report).unwrap();

    let out = betaglass(
        &[
            "check-screenshot",
            "blank.png",
            "app.json",
            "--frames",
            "120",
        ],
        &dir,
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for check in [
        "report.frames",
        "report.pick_check",
        "png.size",
        "layout.overlap",
    ] {
        assert!(
            stdout.contains(&format!("PASS {check}:")),
            "{check}: {stdout}"
        );
    }
    for check in ["view.atoms", "view.centre", "view.highlight", "plots.trace"] {
        assert!(
            stdout.contains(&format!("FAIL {check}:")),
            "{check}: {stdout}"
        );
    }
    assert!(stdout.contains("FAIL: 7 of 19 checks failed"), "{stdout}");

    let err = fail(&["check-screenshot", "cut.png", "app.json"], &dir);
    assert!(err.contains("cut.png") && err.contains("png"), "{err}");
}
