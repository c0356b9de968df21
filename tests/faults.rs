//! Fault injection: hostile and careless use of the release binary, each case a way results
//! were once lost or silently wrong (issue: "Nothing lost, nothing silently wrong").
//! - two campaigns on one folder: the second stops at once and names the first's pid; after
//!   a SIGKILL of the first, the lock is gone and `--resume` goes on;
//! - `stats` on a CSV with a repeated sampling: counted once with a warning, or refused when
//!   the two rows differ;
//! - `--threads` has one rule for every command (1 ..= 8 per core), and out-of-range
//!   temperatures and durations are refused before anything runs;
//! - an extended XYZ whose atom count undercounts its atom lines, or is 0, is an error naming
//!   the file and line, not a smaller system.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_betaglass"))
}

/// A fresh, empty folder for one test's files.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("faults-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs the binary with `args`, which must fail (not panic: exit status 1 or clap's 2) with
/// every one of `needles` in its stderr.
fn refused(args: &[&str], needles: &[&str]) {
    let out = bin().args(args).output().unwrap();
    let err = stderr(&out);
    let code = out.status.code();
    assert!(
        matches!(code, Some(1) | Some(2)),
        "{args:?}: exit {code:?}, stderr {err}"
    );
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
    }
}

/// A campaign of `samplings` tiny samplings at 500 K (a few hundred biased steps each).
fn tiny_campaign(dir: &Path, samplings: u64) -> PathBuf {
    let toml = dir.join("tiny.toml");
    std::fs::write(
        &toml,
        format!(
            "name = \"tiny\"\n[md]\nequilibrate_ps = 0.01\n\
             [cluster]\ncentres = [\"nearest-cu\"]\ncutoffs_angstrom = [4.0]\n\
             [metadynamics]\nstride_steps = 10\nsample_every_steps = 10\n\
             [campaign]\ntemperatures_k = [500.0]\nsamplings_per_temperature = {samplings}\n\
             seed = 11\n[stop]\nmax_steps = 200\nafter_event_ps = 0.1\n"
        ),
    )
    .unwrap();
    toml
}

#[test]
fn a_second_campaign_on_a_folder_stops_and_names_the_holder() {
    let dir = scratch_dir("lock");
    let toml = tiny_campaign(&dir, 6);
    let out_dir = dir.join("out");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "campaign".to_string(),
            toml.display().to_string(),
            "--output".into(),
            out_dir.display().to_string(),
            "--threads".into(),
            "1".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let mut first = bin()
        .args(args(&[]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first holds the lock (its pid is in the lock file).
    let lock = out_dir.join(betaglass::campaign::LOCK_FILE);
    let pid = first.id().to_string();
    let t0 = Instant::now();
    while std::fs::read_to_string(&lock).map(|s| s.trim() == pid).ok() != Some(true) {
        assert!(t0.elapsed() < Duration::from_secs(60), "no lock file");
        assert!(first.try_wait().unwrap().is_none(), "the first run ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    // With or without --resume, the second stops before it runs or appends anything.
    for extra in [&[][..], &["--resume"][..]] {
        let t = Instant::now();
        let second = bin().args(args(extra)).output().unwrap();
        let err = stderr(&second);
        assert_eq!(second.status.code(), Some(1), "{err}");
        assert!(
            err.contains("in use by another campaign") && err.contains(&format!("pid {pid}")),
            "{err}"
        );
        assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    }
    assert!(first.try_wait().unwrap().is_none(), "the first run ended");
    // SIGKILL drops the lock with the process: a resume then takes it.
    first.kill().unwrap();
    first.wait().unwrap();
    let resumed = bin().args(args(&["--resume"])).output().unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let csv = std::fs::read_to_string(out_dir.join("samplings.csv")).unwrap();
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(ids.len(), 6, "{csv}");
    assert_eq!(unique.len(), 6, "a sampling recorded twice: {ids:?}");
}

/// `n` of each temperature in `betaglass stats CSV --json`, and the stderr.
fn stats_n(csv: &Path) -> (Vec<(f64, u64)>, String) {
    let out = bin()
        .args(["stats", csv.to_str().unwrap(), "--json", "--bootstrap", "0"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = json["temperatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["temperature_k"].as_f64().unwrap(),
                t["n"].as_u64().unwrap(),
            )
        })
        .collect();
    (n, stderr(&out))
}

#[test]
fn stats_counts_a_repeated_sampling_once_or_refuses_it() {
    let dir = scratch_dir("stats-repeat");
    let rows = [
        "0,500,0.45",
        "1,500,0.52",
        "2,500,0.61",
        "3,500,0.40",
        "4,600,0.30",
        "5,600,0.35",
    ];
    let header = "sampling,temperature_k,delta_f_ev";
    let csv = dir.join("once.csv");
    std::fs::write(&csv, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let (once, _) = stats_n(&csv);
    assert_eq!(once, vec![(500.0, 4), (600.0, 2)]);

    // Sampling 0 written three times (as two runs on one folder once did): still n = 4.
    let repeated = dir.join("repeated.csv");
    std::fs::write(
        &repeated,
        format!("{header}\n{}\n{}\n{}\n", rows.join("\n"), rows[0], rows[0]),
    )
    .unwrap();
    let (n, err) = stats_n(&repeated);
    assert_eq!(n, once);
    assert!(
        err.contains(&format!(
            "{}:8: sampling 0 repeats line 2",
            repeated.display()
        )),
        "{err}"
    );

    // Two different rows for one sampling: neither is taken.
    let conflict = dir.join("conflict.csv");
    std::fs::write(
        &conflict,
        format!("{header}\n{}\n0,500,0.90\n", rows.join("\n")),
    )
    .unwrap();
    refused(
        &["stats", conflict.to_str().unwrap()],
        &[
            &format!("{}:8:", conflict.display()),
            "sampling 0 already has a different row at line 2",
        ],
    );
}

#[test]
fn threads_have_one_rule_and_a_bound_for_every_command() {
    let dir = scratch_dir("threads");
    let out = dir.join("o").display().to_string();
    let commands: [&[&str]; 6] = [
        &["md", "--steps", "1", "--output", &out],
        &[
            "metad", "--centre", "348", "--steps", "100", "--output", &out,
        ],
        &["prepare", "-o", &out],
        &["art", "--events", "1", "--output", &out],
        &["campaign", "campaigns/mini.toml", "--output", &out],
        &["bench", "--steps", "1"],
    ];
    for cmd in commands {
        for (threads, needle) in [
            ("0", "0 threads: give at least 1"),
            ("100000", "100000 threads is more than"),
            ("=-2", "is not a whole number of threads"),
        ] {
            let mut args = cmd.to_vec();
            let flag = match threads.strip_prefix('=') {
                Some(v) => format!("--threads={v}"),
                None => format!("--threads={threads}"),
            };
            args.push(&flag);
            refused(&args, &["--threads", needle]);
        }
    }
    refused(
        &[
            "campaign",
            "campaigns/mini.toml",
            "--output",
            &out,
            "--parallel-samplings",
            "0",
        ],
        &["--parallel-samplings", "0 threads"],
    );
    assert!(!Path::new(&out).exists(), "a refused command left {out}");
}

#[test]
fn temperatures_and_durations_out_of_range_are_refused_before_running() {
    let metad = ["metad", "--centre", "348", "--steps", "100", "--output"];
    let out = scratch_dir("ranges").join("o").display().to_string();
    let with = |extra: &[&'static str]| {
        let mut a: Vec<&str> = metad.to_vec();
        a.push(&out);
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let cases: [(&[&str], &str); 6] = [
        (&["--bias-temperature", "1e300"], "--bias-temperature"),
        (&["--bias-temperature=-5"], "--bias-temperature"),
        (&["--equilibrate-ps=-1"], "--equilibrate-ps"),
        (&["--equilibrate-ps", "nan"], "--equilibrate-ps"),
        (&["--temperature", "1e9"], "--temperature"),
        (&["--temperature", "0"], "--temperature"),
    ];
    for (extra, flag) in cases {
        let args = with(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, &[flag]);
    }
    // `md --velocities=-5` printed a NaN thermo line before "unstable at step 1".
    refused(
        &["md", "--steps", "1", "--velocities=-5", "--output", &out],
        &["--velocities", "-5 K: a temperature must be above 0 K"],
    );
    // --steps 60 with a sample every 100 steps ran 100 steps without a word.
    refused(
        &[
            "metad", "--centre", "348", "--steps", "60", "--output", &out,
        ],
        &[
            "--steps 60 is not a multiple of the CV sample interval (100 steps",
            "give --steps 100",
        ],
    );
    // "inf" stays plain metadynamics.
    assert_eq!(
        betaglass_cli_parses(&["--bias-temperature", "inf"]),
        "parsed",
        "inf is plain metadynamics"
    );
}

/// Whether `metad … EXTRA` gets past the argument parser: run it with a bad `--centre` that
/// fails only after parsing, so nothing is simulated.
fn betaglass_cli_parses(extra: &[&str]) -> &'static str {
    let out = bin()
        .args([
            "metad", "--centre", "99999999", "--steps", "100", "--output",
        ])
        .arg(scratch_dir("parses").join("o"))
        .args(extra)
        .output()
        .unwrap();
    if out.status.code() == Some(2) {
        "refused by the parser"
    } else {
        "parsed"
    }
}

#[test]
fn an_xyz_count_short_of_its_atoms_is_named_not_dropped() {
    let dir = scratch_dir("xyz-count");
    let glass = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/glass_300K.extxyz"),
    )
    .unwrap();
    let (first, rest) = glass.split_once('\n').unwrap();
    assert_eq!(first.trim(), "4000");
    // `sed '1s/4000/3990/'`: the last 10 atoms used to vanish.
    let short = dir.join("short.extxyz");
    std::fs::write(&short, format!("3990\n{rest}")).unwrap();
    refused(
        &["eval", short.to_str().unwrap()],
        &[
            &format!("{}:3993:", short.display()),
            "line 1 gives 3990 atoms",
        ],
    );
    let zero = dir.join("zero.extxyz");
    std::fs::write(&zero, format!("0\n{rest}")).unwrap();
    refused(
        &["eval", zero.to_str().unwrap()],
        &[&format!("{}:1:", zero.display()), "at least one atom"],
    );
}

#[cfg(all(feature = "gui", target_os = "linux"))]
#[test]
fn the_app_without_a_display_says_so_instead_of_panicking() {
    // `env -u DISPLAY betaglass` exited 101 with a backtrace from winit.
    let out = bin()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["--frames", "1"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no display found") && err.contains("xvfb-run"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
