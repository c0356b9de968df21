//! `betaglass art`: ART nouveau explorations of one cluster of a relaxed configuration, in
//! parallel; each verified saddle and its new minimum written as LAMMPS data files, one row of
//! `events.csv` each; `--resume` continues a killed run.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use betaglass::io::figures::write_figure;
use betaglass::landscape::explore::{
    ArtSetup, ExplorationRecord, GlassArtSettings, SaddleCatalogue, copper_nearest_centre,
};
use betaglass::landscape::report::{ArtReport, DEFAULT_BIN_WIDTH_EV};
use betaglass::landscape::store::{
    EVENTS_HEADER, EXPLORATIONS_HEADER, EventRow, ExplorationRow, read_events, read_explorations,
};

use super::PotentialArgs;

#[derive(clap::Args, Debug)]
pub struct ArtArgs {
    /// Configuration (LAMMPS data or extended XYZ); default: the embedded 4000-atom glass. It is
    /// relaxed (FIRE) first: the explorations start from that minimum.
    pub file: Option<PathBuf>,
    /// Id of the cluster's centre atom (default: the Cu atom nearest the box centre, the paper's
    /// choice).
    #[arg(long, value_name = "ID")]
    pub centre: Option<u64>,
    /// Cluster cutoff around the centre (Å); the push acts on the atoms within --push-radius.
    #[arg(long, value_name = "R", default_value_t = 4.0)]
    pub cutoff: f64,
    /// Number of explorations (pushes); each ends in a verified saddle, a duplicate of one, or
    /// a counted failure.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub events: u64,
    /// Seed of the pushes: exploration k uses stream k of ChaCha8 seeded with S.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Output folder.
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Explorations at once (default: every core).
    #[arg(long, value_name = "N", value_parser = crate::cli::threads_arg)]
    pub threads: Option<usize>,
    /// Continue the run in DIR: run only the explorations explorations.csv does not hold.
    #[arg(long)]
    pub resume: bool,
    /// Saddle convergence: largest force on any atom (eV/Å).
    #[arg(long, value_name = "F", default_value_t = 0.01)]
    pub force_threshold: f64,
    /// Atoms within this distance of the centre get the random push (Å).
    #[arg(long, value_name = "R", default_value_t = 4.0)]
    pub push_radius: f64,
    /// Skip the Vineyard prefactor (saves ~6 force calls per region atom per event).
    #[arg(long)]
    pub no_prefactor: bool,
    /// Every ART setting from a JSON file: a run's art.json (its `settings` are used) or such a
    /// `settings` object alone, edited (eigenvalue threshold, step sizes, Lanczos, FIRE, …).
    /// Replaces --force-threshold, --push-radius and --no-prefactor.
    #[arg(
        long,
        value_name = "JSON",
        conflicts_with_all = ["force_threshold", "push_radius", "no_prefactor"]
    )]
    pub settings: Option<PathBuf>,
    /// Width of the ΔQ histogram's bins in spectrum.csv and art_spectrum.png/svg (eV).
    #[arg(long, value_name = "EV", default_value_t = DEFAULT_BIN_WIDTH_EV)]
    pub bin_width: f64,
    #[command(flatten)]
    pub potential: PotentialArgs,
}

/// What a run is set with: saved as DIR/art.json and compared on --resume.
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct RunSpec {
    input: String,
    potential: String,
    centre_id: u64,
    cutoff_angstrom: f64,
    seed: u64,
    settings: GlassArtSettings,
}

/// ART settings from `path`: a run's art.json (its `settings`) or a settings object alone.
fn read_settings(path: &Path) -> anyhow::Result<GlassArtSettings> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let settings = value.get("settings").cloned().unwrap_or(value);
    serde_json::from_value(settings).with_context(|| {
        format!(
            "{}: not ART settings (write out a run's art.json and edit its \"settings\")",
            path.display()
        )
    })
}

/// The saddle's unstable mode as text, one atom a line sorted by id: `id vx vy vz` (unit norm
/// over all atoms, signed away from the initial minimum). `scripts/check_art_lammps.py` steps
/// off the saddle along it for its connectivity check.
fn write_mode(path: &Path, ids: &[u64], mode: &[f64]) -> anyhow::Result<()> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| ids[i]);
    let mut text = String::from(
        "# the saddle's unstable mode: id vx vy vz (unit norm, away from the initial minimum)\n",
    );
    for i in order {
        text.push_str(&format!(
            "{} {:e} {:e} {:e}\n",
            ids[i],
            mode[3 * i],
            mode[3 * i + 1],
            mode[3 * i + 2]
        ));
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `path` anew (header and lines) through a temporary file and a rename, so a kill
/// leaves the old file or the new one.
fn rewrite(path: &Path, header: &str, lines: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let tmp = path.with_extension("csv.tmp");
    let mut text = format!("{header}\n");
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

fn append_line(path: &Path, header: &str, line: &str) -> anyhow::Result<()> {
    let new = !path.exists();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if new {
        writeln!(f, "{header}")?;
    }
    writeln!(f, "{line}").with_context(|| format!("cannot write {}", path.display()))?;
    f.flush()?;
    Ok(())
}

pub fn run(args: ArtArgs) -> anyhow::Result<()> {
    if !(args.bin_width > 0.0 && args.bin_width.is_finite()) {
        bail!("--bin-width must be positive, got {}", args.bin_width);
    }
    let threads = args.threads.unwrap_or_else(crate::cli::available_cores);
    let dir = &args.output;
    let events_path = dir.join("events.csv");
    let explorations_path = dir.join("explorations.csv");
    let spec_path = dir.join("art.json");
    let initial_path = dir.join("initial.data");
    if !args.resume && (explorations_path.exists() || events_path.exists()) {
        bail!(
            "{} already holds an ART run; use --resume to continue it or choose another --output",
            dir.display()
        );
    }
    for sub in ["saddles", "minima"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("cannot create {}", dir.join(sub).display()))?;
    }
    let potential = args.potential.load()?;
    let system = super::load_system(args.file.as_deref())?;
    let centre = match args.centre {
        Some(id) => id,
        None => copper_nearest_centre(&system)
            .context("the configuration has no Cu atom; give --centre")?,
    };
    let settings = match &args.settings {
        Some(path) => read_settings(path)?,
        None => {
            let mut settings = GlassArtSettings::default();
            settings.art.force_threshold = args.force_threshold;
            settings.art.push_radius = args.push_radius;
            settings.prefactor = !args.no_prefactor;
            settings
        }
    };
    let spec = RunSpec {
        input: args
            .file
            .as_ref()
            .map_or("embedded glass".into(), |p| p.display().to_string()),
        potential: potential.description(),
        centre_id: centre,
        cutoff_angstrom: args.cutoff,
        seed: args.seed,
        settings,
    };
    // Read what a previous run left before any work, so a damaged file is reported at once.
    let mut events = read_events(&events_path)?;
    let mut explorations = read_explorations(&explorations_path)?;
    // On --resume, the run continues from the initial minimum it wrote, with the same settings.
    let start_system = if args.resume && spec_path.exists() {
        let saved: RunSpec = serde_json::from_str(
            &std::fs::read_to_string(&spec_path)
                .with_context(|| format!("cannot read {}", spec_path.display()))?,
        )
        .with_context(|| format!("{} is not an ART run description", spec_path.display()))?;
        if saved != spec {
            bail!(
                "--resume: the options differ from the run in {} ({}); use the same ones",
                dir.display(),
                spec_path.display()
            );
        }
        betaglass::io::read_configuration(&initial_path)?
    } else {
        system
    };
    out!(
        "ART nouveau: cluster of atom {centre} within {} Å, push radius {} Å, {} explorations, seed {}, {threads} thread(s) → {}",
        args.cutoff,
        args.push_radius,
        args.events,
        args.seed,
        dir.display()
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the thread pool")?;
    let t0 = std::time::Instant::now();
    let setup =
        pool.install(|| ArtSetup::new(&start_system, potential, centre, args.cutoff, settings))?;
    out!(
        "initial minimum: E = {:.6} eV, max force {:.2e} eV/Å after {} FIRE steps ({:.1} s); cluster {} atoms, push on {} atoms, prefactor region {} atoms",
        setup.initial_energy_ev,
        setup.initial_max_force_ev_per_angstrom,
        setup.initial_relaxation_steps,
        t0.elapsed().as_secs_f64(),
        setup.cluster.len(),
        setup.push_atoms.len(),
        setup.region_atoms.len()
    );
    if !initial_path.exists() {
        betaglass::io::write_configuration(&initial_path, &setup.initial)?;
        std::fs::write(&spec_path, serde_json::to_string_pretty(&spec)?)
            .with_context(|| format!("cannot write {}", spec_path.display()))?;
    }

    let done: HashSet<u64> = explorations.iter().map(|e| e.exploration).collect();
    let mut catalogue = SaddleCatalogue::default();
    for e in &events {
        let final_minimum = betaglass::io::read_configuration(&dir.join(&e.final_file))?;
        catalogue.insert(
            e.event,
            &final_minimum,
            e.final_energy_ev,
            e.saddle_energy_ev,
        );
    }
    let todo: Vec<u64> = (0..args.events).filter(|k| !done.contains(k)).collect();
    if !done.is_empty() {
        out!(
            "resuming: {} exploration(s) done, {} event(s) kept, {} to run",
            done.len(),
            events.len(),
            todo.len()
        );
    }
    let bar = super::progress_bar(args.events, "art");
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:>10} [{elapsed_precise}] {wide_bar} {pos}/{len} explorations (eta {eta}) {msg}",
        )
        .expect("valid template"),
    );
    bar.set_position(done.len() as u64);
    let (tx, rx) = std::sync::mpsc::channel::<ExplorationRecord>();
    let seed = args.seed;
    let outcome: anyhow::Result<()> = std::thread::scope(|scope| {
        let setup = &setup;
        let todo_ref = &todo;
        let pool = &pool;
        scope.spawn(move || run_in_order(pool, todo_ref, |k| setup.explore(seed, k), tx));
        // Records are written in exploration order, so the event numbers do not depend on
        // the thread count.
        let mut pending: BTreeMap<u64, ExplorationRecord> = BTreeMap::new();
        let mut next = 0;
        for record in rx {
            pending.insert(record.index, record);
            while next < todo.len() {
                let Some(record) = pending.remove(&todo[next]) else {
                    break;
                };
                next += 1;
                let (row, replaced) =
                    store_record(dir, &record, &setup.settings, &mut catalogue, &mut events)?;
                match replaced {
                    None => {
                        append_line(&explorations_path, EXPLORATIONS_HEADER, &row.to_csv())?;
                        explorations.push(row);
                    }
                    Some(number) => {
                        // A lower saddle between the same minima took the event over: the
                        // exploration that had it becomes its duplicate.
                        for e in explorations.iter_mut() {
                            if e.event == Some(number) && e.outcome == "saddle" {
                                e.outcome = "duplicate".into();
                            }
                        }
                        explorations.push(row);
                        rewrite(
                            &explorations_path,
                            EXPLORATIONS_HEADER,
                            explorations.iter().map(|e| e.to_csv()),
                        )?;
                        rewrite(
                            &events_path,
                            EVENTS_HEADER,
                            events.iter().map(|e| e.to_csv()),
                        )?;
                    }
                }
                bar.inc(1);
                let verified = explorations
                    .iter()
                    .filter(|e| e.outcome == "saddle" || e.outcome == "duplicate")
                    .count();
                bar.set_message(format!(
                    "{} kept, {} verified saddle(s), {} failed",
                    events.len(),
                    verified,
                    explorations.len() - verified
                ));
            }
        }
        Ok(())
    });
    outcome?;
    bar.finish();
    let report = ArtReport::of_run(dir, &events, &explorations, args.bin_width);
    let summary = &report.summary;
    std::fs::write(dir.join("spectrum.csv"), summary.spectrum.to_csv())?;
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(summary)?,
    )?;
    let [png, svg] = write_figure(&report.figure(), dir)
        .with_context(|| format!("writing the spectrum figure into {}", dir.display()))?;
    out!("{}", report.to_table().trim_end());
    // Only what is there: a run without a kept saddle has no events.csv (and empty folders).
    let mut wrote: Vec<String> = Vec::new();
    if events_path.exists() {
        wrote.push(events_path.display().to_string());
    }
    wrote.push(explorations_path.display().to_string());
    wrote.push(dir.join("spectrum.csv").display().to_string());
    wrote.push("summary.json".into());
    wrote.push(png.display().to_string());
    wrote.push(svg.display().to_string());
    if events_path.exists() {
        wrote.push("saddles/ and minima/".into());
    } else {
        wrote.push("no events.csv: no saddle was kept".into());
    }
    out!("wrote {}", wrote.join(", "));
    Ok(())
}

/// Runs `work(k)` for every `k` of `items` on each thread of `pool` and sends the results to
/// `tx`, handing the items out in their order: a free thread takes the first item not yet
/// started. The results are written in item order, so a kill loses only those that finished
/// after the oldest one still running. (A `par_iter` over the list splits it in halves: the
/// second thread then works from the middle, and a run stopped half way had half its
/// finished explorations waiting, unwritten, behind the first half.) Each thread of the pool
/// runs one loop (`broadcast`), so a thread waiting inside an exploration's parallel force
/// evaluation cannot steal another loop and stall its own exploration behind it.
fn run_in_order<T: Send>(
    pool: &rayon::ThreadPool,
    items: &[u64],
    work: impl Fn(u64) -> T + Sync,
    tx: std::sync::mpsc::Sender<T>,
) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    pool.broadcast(|_| {
        let tx = tx.clone();
        loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&k) = items.get(n) else { break };
            // The receiver only goes away on a write error; then stop quietly.
            if tx.send(work(k)).is_err() {
                break;
            }
        }
    });
}

/// Writes an exploration's files and events.csv row (if it kept a new saddle, or a lower
/// saddle between the minima of a kept event) and returns its explorations.csv row, with the
/// number of the event it took over from an earlier exploration.
fn store_record(
    dir: &Path,
    record: &ExplorationRecord,
    settings: &GlassArtSettings,
    catalogue: &mut SaddleCatalogue,
    events: &mut Vec<EventRow>,
) -> anyhow::Result<(ExplorationRow, Option<usize>)> {
    let mut row = ExplorationRow {
        exploration: record.index,
        seed: record.seed,
        outcome: String::new(),
        event: None,
        force_calls: record.force_calls,
        search_wall_s: record.search_wall_s,
        wall_s: record.wall_s,
        local_force_calls: record.local_force_calls,
        full_force_calls: record.full_force_calls,
    };
    let event = match &record.result {
        Err(kind) => {
            row.outcome = kind.name().to_string();
            return Ok((row, None));
        }
        Ok(event) => event,
    };
    // Only the lowest saddle between a pair of minima is kept.
    let mut replaces = None;
    if let Some((n, kept_saddle_ev)) = catalogue.find(
        &event.final_minimum,
        event.final_energy_ev,
        settings.duplicate_energy_ev,
        settings.duplicate_distance_angstrom,
    ) {
        row.event = Some(n);
        if event.saddle_energy_ev >= kept_saddle_ev - settings.duplicate_energy_ev {
            row.outcome = "duplicate".into();
            return Ok((row, None));
        }
        replaces = Some(n);
    }
    let number = replaces.unwrap_or_else(|| events.iter().map(|e| e.event).max().unwrap_or(0) + 1);
    let saddle_file = format!("saddles/{number:04}.data");
    let final_file = format!("minima/{number:04}.data");
    betaglass::io::write_configuration(&dir.join(&saddle_file), &event.saddle)?;
    write_mode(
        &dir.join(format!("saddles/{number:04}.mode")),
        &event.saddle.ids,
        &event.unstable_mode,
    )?;
    betaglass::io::write_configuration(&dir.join(&final_file), &event.final_minimum)?;
    let event_row = EventRow {
        event: number,
        exploration: record.index,
        delta_q_ev: event.delta_q_ev,
        delta_e_ev: event.delta_e_ev,
        force_calls: event.force_calls_to_saddle,
        class: event.class.class_name().to_string(),
        saddle_file,
        final_file,
        prefactor_hz: event.prefactor_hz.as_ref().ok().copied(),
        saddle_energy_ev: event.saddle_energy_ev,
        final_energy_ev: event.final_energy_ev,
        saddle_max_force_ev_per_angstrom: event.check.max_force,
        lowest_eigenvalue_ev_per_angstrom2: event.check.lowest_eigenvalue,
        second_eigenvalue_ev_per_angstrom2: event.check.second_eigenvalue,
        force_calls_total: event.force_calls_total,
        arrows: event.arrows.len(),
    };
    catalogue.insert(
        number,
        &event.final_minimum,
        event.final_energy_ev,
        event.saddle_energy_ev,
    );
    match events.iter_mut().find(|e| e.event == number) {
        // The caller rewrites events.csv.
        Some(kept) => *kept = event_row,
        None => {
            append_line(&dir.join("events.csv"), EVENTS_HEADER, &event_row.to_csv())?;
            events.push(event_row);
        }
    }
    row.outcome = "saddle".into();
    row.event = Some(number);
    Ok((row, replaces))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// While item 0 waits for three other items to finish, the second thread must take items
    /// 1, 2, 3 (a halving split sends it to item 10 first).
    #[test]
    fn items_are_handed_out_in_order() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let items: Vec<u64> = (0..20).collect();
        let finished = std::sync::Mutex::new(Vec::new());
        let (tx, rx) = std::sync::mpsc::channel();
        let work = |k: u64| {
            if k == 0 {
                let start = Instant::now();
                while finished.lock().unwrap().len() < 3 {
                    assert!(
                        start.elapsed() < Duration::from_secs(20),
                        "nothing finished"
                    );
                    std::thread::sleep(Duration::from_millis(1));
                }
            } else {
                finished.lock().unwrap().push(k);
            }
            k
        };
        run_in_order(&pool, &items, work, tx);
        let mut results: Vec<u64> = rx.iter().collect();
        results.sort_unstable();
        assert_eq!(results, items);
        assert_eq!(finished.lock().unwrap()[..3], [1, 2, 3]);
    }
}
