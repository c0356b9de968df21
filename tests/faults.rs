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

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, refused, scratch_dir, stderr};

/// A campaign of `samplings` tiny samplings at 500 K (200 biased steps each).
fn tiny_campaign(dir: &Path, samplings: u64) -> PathBuf {
    let cluster = Cluster {
        centre: "\"nearest-cu\"",
        cutoff_angstrom: 4.0,
    };
    campaign_file(dir, "tiny.toml", "", cluster, 500.0, samplings, 200)
}

/// `campaign TOML --output OUT --threads 1`, then `extra`.
fn campaign_args(toml: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "campaign".to_string(),
        toml.display().to_string(),
        "--output".into(),
        out.display().to_string(),
        "--threads".into(),
        "1".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn a_second_campaign_on_a_folder_stops_and_names_the_holder() {
    let dir = scratch_dir("lock");
    let toml = tiny_campaign(&dir, 6);
    let out_dir = dir.join("out");
    let args = |extra: &[&str]| campaign_args(&toml, &out_dir, extra);
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
fn the_app_without_a_vulkan_driver_names_the_packages_instead_of_panicking() {
    let has_xvfb = Command::new("xvfb-run")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !has_xvfb {
        eprintln!("skipped: needs xvfb-run for a display (the CI app stage installs it)");
        return;
    }
    // The Vulkan loader pointed at a driver manifest that does not exist: no adapter.
    let out = Command::new("xvfb-run")
        .args(["-a", env!("CARGO_BIN_EXE_betaglass"), "--frames", "1"])
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no Vulkan driver found") && err.contains("mesa-vulkan-drivers"),
        "{err}"
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

/// The cluster lines of a test campaign: a centre as TOML (`99999` or `"nearest-cu"`).
#[derive(Clone, Copy)]
struct Cluster<'a> {
    centre: &'a str,
    cutoff_angstrom: f64,
}

/// A campaign file `dir/name` of tiny samplings (hills every 10 steps, 0.01 ps of
/// equilibration) with the given `[system]` lines, cluster, temperature, samplings and step
/// limit.
fn campaign_file(
    dir: &Path,
    name: &str,
    system: &str,
    cluster: Cluster,
    temperature_k: f64,
    samplings: u64,
    max_steps: u64,
) -> PathBuf {
    let toml = dir.join(name);
    let Cluster {
        centre,
        cutoff_angstrom,
    } = cluster;
    std::fs::write(
        &toml,
        format!(
            "name = \"{name}\"\n{system}[md]\nequilibrate_ps = 0.01\n\
             [cluster]\ncentres = [{centre}]\ncutoffs_angstrom = [{cutoff_angstrom:?}]\n\
             [metadynamics]\nstride_steps = 10\nsample_every_steps = 10\n\
             [campaign]\ntemperatures_k = [{temperature_k:?}]\n\
             samplings_per_temperature = {samplings}\nseed = 11\n\
             [stop]\nmax_steps = {max_steps}\nafter_event_ps = 0.1\n"
        ),
    )
    .unwrap();
    toml
}

#[test]
fn a_campaign_every_sampling_would_fail_is_refused_up_front_and_leaves_no_folder() {
    let dir = scratch_dir("up-front");
    let missing = format!(
        "[system]\nfile = \"{}\"\n",
        dir.join("absent.extxyz").display()
    );
    let cases: [(&str, String, f64, f64, &str); 4] = [
        (
            "centre",
            "99999".into(),
            4.0,
            500.0,
            "centre 99999 with a 4 Å cutoff",
        ),
        (
            "cutoff",
            "\"nearest-cu\"".into(),
            50.0,
            500.0,
            "50 Å cutoff",
        ),
        (
            "hot",
            "\"nearest-cu\"".into(),
            4.0,
            1e9,
            "1000000000 K is above 1e5 K",
        ),
        (
            "system",
            "\"nearest-cu\"".into(),
            4.0,
            500.0,
            "absent.extxyz",
        ),
    ];
    for (name, centre, cutoff, t, needle) in cases {
        let system = if name == "system" {
            missing.as_str()
        } else {
            ""
        };
        let cluster = Cluster {
            centre: &centre,
            cutoff_angstrom: cutoff,
        };
        let toml = campaign_file(&dir, &format!("{name}.toml"), system, cluster, t, 2, 100);
        let out = dir.join(name);
        let run = [
            "campaign",
            toml.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--threads",
            "1",
        ];
        let t0 = Instant::now();
        refused(&run, &[needle]);
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{name}: not up front"
        );
        assert!(
            !out.exists(),
            "{name}: the refused campaign left {}",
            out.display()
        );
    }
}

/// The shipped glass with atom 2 moved 0.2 Å from atom 1: it reads, but no MD can start.
fn overlapping_glass(dir: &Path) -> PathBuf {
    let glass = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/glass_300K.extxyz"),
    )
    .unwrap();
    let mut lines: Vec<String> = glass.lines().map(String::from).collect();
    // Line 3 is atom 1; give atom 2 (line 4) the same position plus 0.2 Å in x.
    let first: Vec<&str> = lines[2].split_whitespace().collect();
    let x: f64 = first[1].parse().unwrap();
    let mut second: Vec<String> = lines[3].split_whitespace().map(String::from).collect();
    second[1] = format!("{}", x + 0.2);
    second[2] = first[2].to_string();
    second[3] = first[3].to_string();
    lines[3] = second.join(" ");
    let path = dir.join("overlap.extxyz");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_campaign_whose_every_sampling_failed_exits_non_zero_naming_the_reason() {
    let dir = scratch_dir("all-failed");
    let glass = overlapping_glass(&dir);
    let system = format!("[system]\nfile = \"{}\"\n", glass.display());
    let cluster = Cluster {
        centre: "\"nearest-cu\"",
        cutoff_angstrom: 4.0,
    };
    let toml = campaign_file(&dir, "overlap.toml", &system, cluster, 500.0, 2, 100);
    let out = dir.join("out");
    refused(
        &[
            "campaign",
            toml.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--threads",
            "1",
        ],
        &[
            "every one of the 2 sampling(s) run failed",
            "2 sampling(s), e.g. 0000: could not start",
            "the closest atoms are 1 and 2, 0.200 Å apart",
        ],
    );
    // The rows are kept: the failure is recorded, not lost.
    let csv = std::fs::read_to_string(out.join("samplings.csv")).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.contains(",failed,")).count(),
        2,
        "{csv}"
    );
}

#[test]
fn inputs_that_once_gave_silent_or_vague_answers_are_named() {
    let dir = scratch_dir("small-lies");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let glass = std::fs::read_to_string(data.join("glass_300K.extxyz")).unwrap();
    let eval = |file: &Path, extra: &[&str], needles: &[&str]| {
        let mut args = vec!["eval", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        refused(&args, needles);
    };

    // A truncated eam/fs file was taken for eam/alloy and failed on "hcp" at line 6007.
    let setfl = std::fs::read_to_string(data.join("potentials/CuZr_mm.eam.fs")).unwrap();
    let cut: Vec<&str> = setfl.lines().collect();
    let truncated = dir.join("truncated.eam.fs");
    std::fs::write(&truncated, cut[..cut.len() / 2].join("\n")).unwrap();
    let potential = ["--potential", truncated.to_str().unwrap()];
    eval(
        &data.join("glass_300K.extxyz"),
        &potential,
        &["truncated.eam.fs:", "truncated?"],
    );

    // Invalid UTF-8 gave no position.
    let latin1 = dir.join("latin1.extxyz");
    let mut bytes = glass.clone().into_bytes();
    let at = glass.match_indices('\n').nth(4).unwrap().0 + 1; // start of line 6
    bytes.insert(at, 0xe9);
    std::fs::write(&latin1, bytes).unwrap();
    eval(
        &latin1,
        &[],
        &["latin1.extxyz", "invalid byte 0xe9 at line 6, column 1"],
    );

    // `species Cu is not in the potential (it has Ni, Al)` did not name the potential.
    let nickel = dir.join("nickel.extxyz");
    std::fs::write(&nickel, glass.replacen("\nZr ", "\nNi ", 1)).unwrap();
    refused(
        &[
            "md",
            nickel.to_str().unwrap(),
            "--steps",
            "1",
            "--potential",
            data.join("potentials/CuZr_mm.eam.fs").to_str().unwrap(),
        ],
        &[
            "species Ni is not in the potential",
            "CuZr_mm.eam.fs (elements Cu, Zr)",
        ],
    );

    // A coordinate of 1e308 was wrapped into rounding noise.
    let far = dir.join("far.extxyz");
    let mut lines: Vec<String> = glass.lines().map(String::from).collect();
    let mut atom: Vec<String> = lines[4].split_whitespace().map(String::from).collect();
    atom[1] = "1e308".into();
    lines[4] = atom.join(" ");
    std::fs::write(&far, lines.join("\n") + "\n").unwrap();
    eval(
        &far,
        &[],
        &[
            &format!("{}:5:", far.display()),
            "cell lengths outside the cell",
        ],
    );

    // `md` refusing an overlapping start named no atom.
    let overlap = overlapping_glass(&dir);
    refused(
        &["md", overlap.to_str().unwrap(), "--steps", "1"],
        &["unphysical", "the closest atoms are 1 and 2, 0.200 Å apart"],
    );
}

#[test]
fn md_and_metad_refuse_to_overwrite_a_run_without_force() {
    let dir = scratch_dir("overwrite");
    let xyz = dir.join("o.xyz");
    let md = |extra: &[&str]| {
        let mut args = vec![
            "md",
            "--steps",
            "2",
            "--thermo-every",
            "0",
            "--threads",
            "1",
            "--output",
            xyz.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        bin().args(&args).output().unwrap()
    };
    assert!(md(&[]).status.success());
    let before = std::fs::read(&xyz).unwrap();
    refused(
        &["md", "--steps", "2", "--output", xyz.to_str().unwrap()],
        &["o.xyz", "already exist", "--force"],
    );
    assert_eq!(
        std::fs::read(&xyz).unwrap(),
        before,
        "the refused run touched o.xyz"
    );
    let forced = md(&["--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));

    let prefix = dir.join("m");
    let metad = |extra: &[&str]| {
        let mut args = vec![
            "metad",
            "--centre",
            "348",
            "--steps",
            "100",
            "--equilibrate-ps",
            "0",
            "--threads",
            "1",
            "--output",
            prefix.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        bin().args(&args).output().unwrap()
    };
    assert!(metad(&[]).status.success());
    let second = metad(&[]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("m.colvars.traj"),
        "{}",
        stderr(&second)
    );
    assert!(metad(&["--force"]).status.success());
}

/// A small tmpfs mounted at `path` for the test's lifetime (root only), unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(path.to_path_buf()))
    }

    fn resize(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Files under `dir` whose names end like a temporary of a failed write.
fn leftover_temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".tmp") || name.contains(".partial") {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn a_full_disk_stops_the_campaign_and_resume_finishes_it() {
    let dir = scratch_dir("disk-full");
    let Some(disk) = Tmpfs::mount(&dir.join("disk"), "2m") else {
        eprintln!("skipped: mounting a tmpfs needs root (CI runs as root)");
        return;
    };
    let toml = tiny_campaign(&dir, 6);
    let out = disk.0.join("out");
    let run = |extra: &[&str]| {
        bin()
            .args(campaign_args(&toml, &out, extra))
            .output()
            .unwrap()
    };
    // 2 MB hold the campaign's own files and a sampling or two (each keeps a ~0.8 MB restart
    // file of its censored run), not six.
    let full = run(&[]);
    let err = stderr(&full);
    assert_eq!(full.status.code(), Some(1), "{err}");
    assert!(
        err.contains("No space left on device") && err.contains("--resume"),
        "{err}"
    );
    let csv = std::fs::read_to_string(out.join("samplings.csv")).unwrap();
    let recorded = betaglass::campaign::store::parse_samplings(&csv, "samplings.csv")
        .unwrap()
        .records;
    assert!((1..6).contains(&recorded.len()), "{csv}");
    assert!(
        !csv.contains(",failed,"),
        "a full disk was blamed on a sampling: {csv}"
    );
    assert_eq!(leftover_temporaries(&out), Vec::<PathBuf>::new());

    // Space freed: --resume runs exactly the samplings not yet recorded.
    disk.resize("16m");
    let resumed = run(&["--resume"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let records = betaglass::campaign::store::read_samplings(&out.join("samplings.csv")).unwrap();
    let mut ids: Vec<usize> = records.iter().map(|r| r.sampling).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..6).collect::<Vec<_>>());
    assert!(
        records
            .iter()
            .all(|r| r.status != betaglass::campaign::store::SamplingStatus::Failed),
        "{records:?}"
    );

    // md's checkpoint on a full disk (a second, 64 kB tmpfs: the glass is ~0.5 MB; the first
    // cannot shrink below the campaign it holds): an error, and no partial file left.
    let small = Tmpfs::mount(&dir.join("small"), "64k").expect("a second tmpfs");
    let md = bin()
        .args(["md", "--steps", "1", "--threads", "1", "--output"])
        .arg(small.0.join("glass.xyz"))
        .output()
        .unwrap();
    assert_eq!(md.status.code(), Some(1), "{}", stderr(&md));
    assert!(
        stderr(&md).contains("No space left on device"),
        "{}",
        stderr(&md)
    );
    assert_eq!(leftover_temporaries(&small.0), Vec::<PathBuf>::new());
}

/// A fraction in [0.1, 0.7) drawn from `seed` (SplitMix64): where in a run to kill it. The
/// seed is fixed so that a failure reproduces; `BETAGLASS_FAULT_SEED` draws other points.
fn kill_fraction(seed: u64) -> f64 {
    let extra: u64 = std::env::var("BETAGLASS_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut z = seed.wrapping_add(extra).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    0.1 + 0.6 * (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Runs `args(folder)` to its end in `dir/straight`, then again in `dir/killed`, SIGKILLed
/// at a random point of the first run's wall time, then `args(folder) + resume` until it
/// ends. Returns both folders for the caller to compare.
///
/// `first_checkpoint`: for a command whose `--resume` refuses a run that saved nothing yet
/// (`metad` and `prepare`, like `md`, name the missing restart or checkpoint file), the file
/// in the run's folder whose existence makes it resumable; the kill then waits for it too. A
/// loaded machine can make the second run slower than the first, and a kill at a fraction of
/// the first run's time could otherwise fall before the first checkpoint (a refusal the CLI
/// tests check on their own).
fn kill_at_a_random_point_and_resume(
    dir: &Path,
    seed: u64,
    args: impl Fn(&Path) -> Vec<String>,
    resume: &[&str],
    first_checkpoint: Option<&str>,
) -> (PathBuf, PathBuf) {
    let (straight, killed) = (dir.join("straight"), dir.join("killed"));
    for d in [&straight, &killed] {
        std::fs::create_dir_all(d).unwrap();
    }
    let t0 = Instant::now();
    let out = bin()
        .args(args(&straight))
        .current_dir(&straight)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let wall = t0.elapsed();

    let kill_after = wall.mul_f64(kill_fraction(seed));
    let spawned = Instant::now();
    let mut child = bin()
        .args(args(&killed))
        .current_dir(&killed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(kill_after);
    if let Some(name) = first_checkpoint {
        let checkpoint = killed.join(name);
        while !checkpoint.exists() && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    let ended_first = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    child.wait().unwrap();
    eprintln!(
        "{}: killed after {:.2} s (aimed at {:.2} s) of a {:.2} s run{}",
        dir.display(),
        spawned.elapsed().as_secs_f64(),
        kill_after.as_secs_f64(),
        wall.as_secs_f64(),
        if ended_first {
            " (it had ended already)"
        } else {
            ""
        }
    );
    let mut again = args(&killed);
    again.extend(resume.iter().map(|s| s.to_string()));
    let out = bin().args(again).current_dir(&killed).output().unwrap();
    assert!(out.status.success(), "resume: {}", stderr(&out));
    (straight, killed)
}

/// `a` and `b` hold the same bytes (after `mend` on each, which may blank what may differ,
/// such as wall times).
fn same_file(a: &Path, b: &Path, mend: impl Fn(String) -> String) {
    let read =
        |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert!(
        mend(read(a)) == mend(read(b)),
        "{} and {} differ after a kill and --resume",
        a.display(),
        b.display()
    );
}

#[test]
fn metad_killed_at_a_random_point_resumes_to_the_same_files() {
    let dir = scratch_dir("kill-metad");
    let (a, b) = kill_at_a_random_point_and_resume(
        &dir,
        1,
        |d| {
            [
                "metad",
                "--centre",
                "348",
                "--steps",
                "600",
                "--stride",
                "50",
                "--sample-every",
                "50",
                "--restart-every",
                "100",
                "--equilibrate-ps",
                "0.1",
                "--threads",
                "1",
                "--output",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([d.join("run").display().to_string()])
            .collect()
        },
        &["--resume"],
        Some("run.restart.json"),
    );
    for suffix in [
        ".colvars.traj",
        ".colvars.meta.hills.traj",
        ".pmf",
        ".events.json",
    ] {
        same_file(
            &a.join(format!("run{suffix}")),
            &b.join(format!("run{suffix}")),
            |s| s,
        );
    }
}

#[test]
fn a_campaign_killed_at_a_random_point_resumes_to_the_same_files() {
    let dir = scratch_dir("kill-campaign");
    let toml = tiny_campaign(&dir, 3);
    let (a, b) = kill_at_a_random_point_and_resume(
        &dir,
        2,
        |d| {
            let out = d.join("out").display().to_string();
            let t = toml.display().to_string();
            ["campaign", &t, "--output", &out, "--threads", "1"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        },
        &["--resume"],
        None,
    );
    let (a, b) = (a.join("out"), b.join("out"));
    same_file(&a.join("samplings.csv"), &b.join("samplings.csv"), |s| s);
    for i in 0..3 {
        for suffix in [".colvars.traj", ".colvars.meta.hills.traj", ".pmf"] {
            let name = format!("samplings/{i:04}{suffix}");
            same_file(&a.join(&name), &b.join(&name), |s| s);
        }
    }
}

#[test]
fn prepare_killed_at_a_random_point_resumes_to_the_same_glass() {
    let dir = scratch_dir("kill-prepare");
    let (a, b) = kill_at_a_random_point_and_resume(
        &dir,
        3,
        |d| {
            [
                "prepare",
                "--atoms",
                "256",
                "--melt-ps",
                "0.4",
                "--quench-rate",
                "1e16",
                "--hold-ps",
                "0.4",
                "--checkpoint-every",
                "50",
                "--threads",
                "1",
                "-o",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([d.join("glass.xyz").display().to_string()])
            .collect()
        },
        &["--resume"],
        Some("glass.xyz.checkpoint"),
    );
    same_file(&a.join("glass.xyz"), &b.join("glass.xyz"), |s| s);
}

#[test]
fn art_killed_at_a_random_point_resumes_to_the_same_events() {
    let dir = scratch_dir("kill-art");
    let (a, b) = kill_at_a_random_point_and_resume(
        &dir,
        4,
        |d| {
            [
                "art",
                "--events",
                "2",
                "--seed",
                "1",
                "--threads",
                "1",
                "--output",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([d.join("art").display().to_string()])
            .collect()
        },
        &["--resume"],
        None,
    );
    // Wall times differ from run to run: every other column must not. The wall-time columns
    // are found by their header names (`search_wall_s`, `wall_s`), wherever they stand.
    let without_wall_times = |text: String| {
        let header: Vec<&str> = text.lines().next().unwrap_or("").split(',').collect();
        let wall: Vec<usize> = (0..header.len())
            .filter(|&k| header[k].ends_with("wall_s"))
            .collect();
        assert_eq!(wall.len(), 2, "explorations.csv header: {header:?}");
        text.lines()
            .map(|l| {
                l.split(',')
                    .enumerate()
                    .filter(|(k, _)| !wall.contains(k))
                    .map(|(_, field)| field)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    same_file(
        &a.join("art/explorations.csv"),
        &b.join("art/explorations.csv"),
        without_wall_times,
    );
    if a.join("art/events.csv").exists() {
        same_file(&a.join("art/events.csv"), &b.join("art/events.csv"), |s| s);
    }
}
