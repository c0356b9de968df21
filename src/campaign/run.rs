//! Running a campaign: every sampling of the plan that is not yet in `samplings.csv`, a few
//! at a time, each ending in one CSV row.
//!
//! # Several samplings with few threads each
//!
//! A campaign runs `parallel_samplings` samplings at once, each on its own pool of
//! `threads_per_sampling` threads, rather than one sampling at a time on every core. For
//! throughput (samplings finished per hour) on the 4000-atom glass this wins, because:
//!
//! - **Per-step parallel overhead.** One MD step is several milliseconds of work split into
//!   several parallel loops (neighbour list, densities, embedding, forces), each ending in a
//!   join, around serial parts (integration, thermostat, the CV and its bias). With many
//!   threads each loop's share shrinks towards the fixed cost of waking and joining threads,
//!   while the serial parts stay: the speed-up of one sampling flattens (Amdahl). On a
//!   16-core machine (Intel Xeon, 2026-11-26), K copies of `betaglass bench --threads T
//!   --steps 1500` run at once gave in all: 16 × 1 thread 1554 steps/s, 8 × 2 1450, 4 × 4
//!   1277, 2 × 8 1049, 1 × 16 778 (README, "Campaigns"). One thread per sampling finishes
//!   twice as many samplings per hour as one sampling on every core.
//! - **Memory bandwidth and caches.** Every step streams the positions, the neighbour list
//!   and the EAM tables. Many cores on one sampling contend for the same cache lines and the
//!   same memory bus; separate samplings keep their own working sets in their own cores'
//!   caches.
//! - **The work is embarrassingly parallel.** Samplings never talk to each other, so K of
//!   them at once finish K times as many in the same time, with no synchronisation at all.
//!
//! One sampling with many threads is faster only for that one sampling: it is what the app
//! and `betaglass metad` do, where a person waits for a single run.
//!
//! The outer pool runs exactly one long-lived worker per thread ([`rayon::ThreadPool::broadcast`]),
//! each taking the next job from a shared counter. (Handing the jobs to the pool as separate
//! tasks would let a worker that waits for its sampling's inner pool steal and start another
//! sampling meanwhile, running more samplings at once than asked.)

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::spec::{CampaignSpec, CampaignSpecError, SamplingJob, StopRule, centre_label};
use super::store::{
    CAMPAIGN_TOML, ProfileStop, SAMPLINGS_CSV, SAMPLINGS_DIR, SamplingRecord, SamplingStatus,
    SamplingsCsv, sampling_prefix,
};
use crate::io::sampling_files::SamplingFiles;
use crate::io::{FileError, WriteError};
use crate::potential::{Potential, mendelev};
use crate::sampling::setup::start_sampling;
use crate::sampling::{Barrier, Estimator, ProfileWatch};
use crate::system::System;

/// How a campaign runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CampaignOptions {
    /// Continue a campaign folder: skip the samplings already in its `samplings.csv`.
    /// Without it, a folder that holds results is refused.
    pub resume: bool,
    /// Threads of each sampling's own pool.
    pub threads_per_sampling: usize,
    /// Samplings running at once (see the module documentation for why several).
    pub parallel_samplings: usize,
}

impl CampaignOptions {
    /// Splits `threads` cores: `parallel` samplings at once (default: `threads`, one thread
    /// each, the fastest split measured; see the module documentation), each with
    /// `max(1, threads / parallel)` threads.
    pub fn with_threads(resume: bool, threads: usize, parallel: Option<usize>) -> Self {
        let threads = threads.max(1);
        let parallel_samplings = parallel.unwrap_or(threads).max(1);
        Self {
            resume,
            threads_per_sampling: (threads / parallel_samplings).max(1),
            parallel_samplings,
        }
    }
}

/// What a campaign reports as it goes (from its worker threads).
#[derive(Clone, Copy, Debug)]
pub enum CampaignProgress<'a> {
    /// Before any sampling: the plan's size, the rows already recorded, the jobs to run.
    Planned {
        total: usize,
        recorded: usize,
        to_run: usize,
        parallel_samplings: usize,
        threads_per_sampling: usize,
    },
    /// A sampling starts (equilibration first).
    Started { job: &'a SamplingJob },
    /// A sampling has done `biased_steps` of at most `max_steps`.
    Advanced {
        job: &'a SamplingJob,
        biased_steps: u64,
        max_steps: u64,
        events: usize,
    },
    /// A sampling ended and its row is written; `recorded` rows of `total` now.
    Finished {
        job: &'a SamplingJob,
        record: &'a SamplingRecord,
        recorded: usize,
        total: usize,
    },
    /// Something odd but harmless (an unfinished last row cut off, a repeated row).
    Warning(&'a str),
}

/// What a campaign folder holds after [`run_campaign`].
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignSummary {
    /// Samplings in the plan.
    pub total: usize,
    /// Samplings already recorded before this call (resumed).
    pub skipped: usize,
    /// Samplings run by this call.
    pub ran: usize,
    /// Every row of `samplings.csv`, by sampling index.
    pub records: Vec<SamplingRecord>,
}

impl CampaignSummary {
    /// How many rows have `status`.
    pub fn count(&self, status: SamplingStatus) -> usize {
        self.records.iter().filter(|r| r.status == status).count()
    }
}

/// Why a campaign could not run (a sampling's own failure is a `failed` row, not this).
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("invalid campaign: {0}")]
    Invalid(String),
    #[error(
        "{} already holds results of {recorded} sampling(s): pass --resume to continue that \
         campaign, or choose another output folder",
        csv.display()
    )]
    AlreadyStarted { csv: PathBuf, recorded: usize },
    #[error(
        "{} is a different campaign ({difference}): --resume continues only the campaign a \
         folder was started with; choose another output folder",
        folder.display()
    )]
    DifferentCampaign { folder: PathBuf, difference: String },
    /// A file (the lock, the results table, the configuration...) could not be read.
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("the folder's copy of the campaign: {0}")]
    StoredSpec(#[from] CampaignSpecError),
    #[error(
        "{} is in use by another campaign (pid {holder}, which holds {}/{LOCK_FILE}): \
         wait for it to end, or choose another output folder",
        folder.display(), folder.display()
    )]
    Locked { folder: PathBuf, holder: String },
    #[error("cannot start the campaign's threads: {0}")]
    Threads(String),
    /// A sampling's files could not be written (a full disk, a lost mount): the campaign
    /// stops, and the samplings not recorded stay for `--resume`.
    #[error(
        "{0}; the campaign stopped: free space or fix the folder, then run it again with \
         --resume to run the samplings not yet recorded"
    )]
    Results(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The file in a campaign folder whose advisory lock the running campaign holds.
pub const LOCK_FILE: &str = ".betaglass.lock";

/// An exclusive advisory lock on a campaign folder (`DIR/.betaglass.lock`, holding the
/// holder's pid), released when dropped or when the process dies, even by SIGKILL: the
/// operating system drops a dead process's locks, so a stale file never blocks a resume.
#[derive(Debug)]
pub struct FolderLock {
    _file: std::fs::File,
}

impl FolderLock {
    /// Creates `dir` if needed and takes its lock, or says which process holds it.
    pub fn acquire(dir: &Path) -> Result<Self, CampaignError> {
        use std::io::{Seek, Write};
        let path = dir.join(LOCK_FILE);
        let io = |source| {
            CampaignError::File(FileError::Io {
                file: path.display().to_string(),
                source,
            })
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                return Err(CampaignError::Locked {
                    folder: dir.to_path_buf(),
                    holder: holder.trim().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(Self { _file: file })
    }
}

/// Runs the campaign into `dir` (created if needed) with the embedded Cu–Zr potential:
/// every sampling of [`CampaignSpec::plan`] not yet recorded in `dir/samplings.csv`,
/// `parallel_samplings` at a time. Each sampling ends as `ok` (its first event confirmed
/// and the stop rule of [`StopRule`] met after it), `no_event` (`max_steps` reached) or `failed` (it could
/// not start or go on; the reason is recorded), and its row is appended as it ends, so a
/// killed campaign loses only the samplings in progress. `progress` is called from the
/// worker threads.
pub fn run_campaign(
    spec: &CampaignSpec,
    dir: &Path,
    options: &CampaignOptions,
    progress: impl Fn(CampaignProgress<'_>) + Sync,
) -> Result<CampaignSummary, CampaignError> {
    let potential: Arc<dyn Potential> = Arc::new(mendelev::cu_zr_mendelev_2007());
    run_campaign_with(spec, dir, options, potential, &progress)
}

/// [`run_campaign`] with another potential.
pub fn run_campaign_with(
    spec: &CampaignSpec,
    dir: &Path,
    options: &CampaignOptions,
    potential: Arc<dyn Potential>,
    progress: &(dyn Fn(CampaignProgress<'_>) + Sync),
) -> Result<CampaignSummary, CampaignError> {
    spec.validate().map_err(CampaignError::Invalid)?;
    if options.parallel_samplings == 0 || options.threads_per_sampling == 0 {
        return Err(CampaignError::Invalid(
            "parallel samplings and threads per sampling must be at least 1".into(),
        ));
    }
    let io_err = |path: &Path| {
        let file = path.display().to_string();
        move |source| CampaignError::File(FileError::Io { file, source })
    };
    let csv_path = dir.join(SAMPLINGS_CSV);
    let toml_path = dir.join(CAMPAIGN_TOML);
    // Read and checked before the folder is made or touched: a missing configuration or a
    // cluster that cannot exist in it (an unknown centre, a cutoff beyond half the box) is
    // refused here, instead of becoming a folder of `failed` rows.
    let system = match &spec.system_file {
        Some(p) => crate::io::read_configuration(p)?,
        None => crate::assets::default_glass(),
    };
    check_clusters(spec, &system, progress)?;
    // Held until this function returns: a second campaign on the folder stops here, before
    // it reads or appends a row (two runs would both run every sampling and repeat rows).
    let _lock = FolderLock::acquire(dir)?;

    if !options.resume && holds_results(&csv_path).map_err(io_err(&csv_path))? {
        let recorded = super::store::read_samplings_with_warnings(&csv_path)
            .map(|s| s.records.len())
            .unwrap_or(0);
        return Err(CampaignError::AlreadyStarted {
            csv: csv_path,
            recorded,
        });
    }
    if options.resume && toml_path.exists() {
        let stored = CampaignSpec::load(&toml_path)?;
        same_campaign(&stored, spec).map_err(|difference| CampaignError::DifferentCampaign {
            folder: dir.to_path_buf(),
            difference,
        })?;
    }
    let samplings_dir = dir.join(SAMPLINGS_DIR);
    std::fs::create_dir_all(&samplings_dir).map_err(io_err(&samplings_dir))?;
    let plan = spec.plan();
    let (csv, existing) = SamplingsCsv::open(&csv_path)?;
    for w in &existing.warnings {
        progress(CampaignProgress::Warning(w));
    }
    let mut recorded: HashMap<usize, SamplingRecord> = HashMap::new();
    for r in existing.records {
        let matches = plan.get(r.sampling).is_some_and(|job| {
            job.temperature_k == r.temperature_k
                && job.seed == r.seed
                && job.centre == r.centre
                && job.cutoff_angstrom == r.cutoff_angstrom
        });
        if !matches {
            return Err(CampaignError::DifferentCampaign {
                folder: dir.to_path_buf(),
                difference: format!(
                    "{} has a row for sampling {} at {} K, seed {}, centre {}, cutoff {} Å, \
                     which this campaign does not plan",
                    csv_path.display(),
                    r.sampling,
                    r.temperature_k,
                    r.seed,
                    centre_label(&r.centre),
                    r.cutoff_angstrom
                ),
            });
        }
        let index = r.sampling;
        let extends =
            |old: &SamplingRecord| old.status == SamplingStatus::NoEvent && r.steps > old.steps;
        if recorded.get(&index).is_some_and(extends) {
            recorded.insert(index, r);
        } else if recorded.insert(index, r).is_some() {
            progress(CampaignProgress::Warning(&format!(
                "{}: sampling {index} is recorded twice; keeping its last row",
                csv_path.display()
            )));
        }
    }
    crate::io::write_atomic(&toml_path, campaign_file_text(spec).as_bytes())?;

    // Samplings without an event that stopped short of this max_steps and kept their
    // restart file go on from it.
    let extend: HashMap<usize, SamplingRecord> = recorded
        .values()
        .filter(|r| {
            r.status == SamplingStatus::NoEvent
                && r.steps < spec.stop.max_steps
                && restart_path(&sampling_prefix(dir, r.sampling)).exists()
        })
        .map(|r| (r.sampling, r.clone()))
        .collect();
    let pending: Vec<&SamplingJob> = plan
        .iter()
        .filter(|j| !recorded.contains_key(&j.index) || extend.contains_key(&j.index))
        .collect();
    let skipped = recorded.len() - extend.len();
    let parallel = options.parallel_samplings.min(pending.len()).max(1);
    progress(CampaignProgress::Planned {
        total: plan.len(),
        recorded: skipped,
        to_run: pending.len(),
        parallel_samplings: parallel,
        threads_per_sampling: options.threads_per_sampling,
    });

    let mut ran = 0;
    if !pending.is_empty() {
        let shared = Shared {
            next: AtomicUsize::new(0),
            abort: AtomicBool::new(false),
            table: Mutex::new(Table {
                csv,
                recorded,
                ran: 0,
                error: None,
            }),
        };
        let outer = rayon::ThreadPoolBuilder::new()
            .num_threads(parallel)
            .thread_name(|i| format!("campaign-{i}"))
            .build()
            .map_err(|e| CampaignError::Threads(e.to_string()))?;
        let context = Context {
            pending: &pending,
            total: plan.len(),
            system: &system,
            potential: &potential,
            stop: spec.stop,
            dir,
            threads_per_sampling: options.threads_per_sampling,
            progress,
            shared: &shared,
            extend: &extend,
        };
        outer.broadcast(|b| context.worker(b.index()));
        let table = shared.table.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = table.error {
            return Err(e);
        }
        ran = table.ran;
        recorded = table.recorded;
    }
    let mut records: Vec<SamplingRecord> = recorded.into_values().collect();
    records.sort_by_key(|r| r.sampling);
    Ok(CampaignSummary {
        total: plan.len(),
        skipped,
        ran,
        records,
    })
}

/// The folder's copy of the campaign, with a note on what it is.
fn campaign_file_text(spec: &CampaignSpec) -> String {
    format!(
        "# The campaign this folder holds, written by `betaglass campaign`: every key spelt\n\
         # out, the configuration as an absolute path. `--resume` checks that it continues\n\
         # this campaign. Sampling NNNN of samplings.csv and samplings/NNNN.* is job NNNN of\n\
         # its plan: temperatures, then seeds, then centres, then cutoffs, in the order listed.\n\n{}",
        spec.to_toml()
    )
}

/// Checks that the campaign's samplings select their clusters in `system` (an atom that
/// exists, a cutoff below half the box, enough neighbours). When none can, the campaign is
/// refused before its folder is made: every sampling would fail alike, one `failed` row
/// after another. When only some cannot (a typo in one centre of several), they are named in
/// a warning now and recorded as `failed` rows, and the others run. Cheap: one neighbour
/// search of the configuration per sampling.
fn check_clusters(
    spec: &CampaignSpec,
    system: &System,
    progress: &(dyn Fn(CampaignProgress<'_>) + Sync),
) -> Result<(), CampaignError> {
    let plan = spec.plan();
    let mut problems: Vec<String> = Vec::new();
    let mut failing = 0;
    for job in &plan {
        if let Err(e) = job.setup.cluster(system) {
            failing += 1;
            let problem = format!(
                "centre {} with a {} Å cutoff: {e}",
                centre_label(&job.centre),
                job.cutoff_angstrom
            );
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
    }
    if failing == plan.len() && failing > 0 {
        return Err(CampaignError::Invalid(format!(
            "no sampling can select its cluster: {}",
            problems.join("; ")
        )));
    }
    for problem in &problems {
        progress(CampaignProgress::Warning(&format!(
            "{problem}: those samplings will be recorded as failed"
        )));
    }
    Ok(())
}

/// Whether `samplings.csv` holds anything beyond its header (even an unfinished row).
fn holds_results(csv: &Path) -> std::io::Result<bool> {
    match std::fs::read_to_string(csv) {
        Ok(text) => {
            let header = format!("{}\n", super::store::HEADER);
            Ok(!(text.is_empty() || header.starts_with(&text)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether `stored` (a folder's campaign) and `spec` plan the same samplings with the same
/// configuration and stop rule; `Err` names the first difference.
fn same_campaign(stored: &CampaignSpec, spec: &CampaignSpec) -> Result<(), String> {
    let absolute = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
    };
    let (a, b) = (absolute(&stored.system_file), absolute(&spec.system_file));
    if a != b {
        let show = |p: &Option<PathBuf>| {
            p.as_ref().map_or("the embedded glass".to_string(), |p| {
                p.display().to_string()
            })
        };
        return Err(format!(
            "configuration {} instead of {}",
            show(&b),
            show(&a)
        ));
    }
    // A larger max_steps continues the samplings that ended without an event.
    let extended = spec.stop.max_steps >= stored.stop.max_steps
        && StopRule {
            max_steps: stored.stop.max_steps,
            ..spec.stop
        } == stored.stop;
    if stored.stop != spec.stop && !extended {
        return Err(format!(
            "stop rule {:?} instead of {:?}",
            spec.stop, stored.stop
        ));
    }
    let (old, new) = (stored.plan(), spec.plan());
    if old.len() != new.len() {
        return Err(format!("{} samplings instead of {}", new.len(), old.len()));
    }
    if let Some((o, n)) = old.iter().zip(&new).find(|(o, n)| o != n) {
        return Err(format!(
            "sampling {} differs: {} K, seed {}, centre {}, cutoff {} Å and its set-up were {} K, \
             seed {}, centre {}, cutoff {} Å",
            n.index,
            n.temperature_k,
            n.seed,
            centre_label(&n.centre),
            n.cutoff_angstrom,
            o.temperature_k,
            o.seed,
            centre_label(&o.centre),
            o.cutoff_angstrom
        ));
    }
    Ok(())
}

/// State the workers share.
struct Shared {
    /// The next entry of `pending` to take.
    next: AtomicUsize,
    /// Set when the campaign must stop (its table cannot be written): samplings in progress
    /// are abandoned unrecorded.
    abort: AtomicBool,
    table: Mutex<Table>,
}

struct Table {
    csv: SamplingsCsv,
    recorded: HashMap<usize, SamplingRecord>,
    ran: usize,
    error: Option<CampaignError>,
}

struct Context<'a> {
    pending: &'a [&'a SamplingJob],
    total: usize,
    system: &'a System,
    potential: &'a Arc<dyn Potential>,
    stop: StopRule,
    dir: &'a Path,
    threads_per_sampling: usize,
    progress: &'a (dyn Fn(CampaignProgress<'_>) + Sync),
    shared: &'a Shared,
    /// Recorded `no_event` samplings to continue from their restart file, by index.
    extend: &'a HashMap<usize, SamplingRecord>,
}

impl Context<'_> {
    fn fail(&self, error: CampaignError) {
        self.shared.abort.store(true, Ordering::SeqCst);
        let mut table = self.shared.table.lock().unwrap_or_else(|p| p.into_inner());
        table.error.get_or_insert(error);
    }

    /// One worker of the outer pool: takes jobs until none is left, each on its own pool.
    fn worker(&self, worker: usize) {
        let inner = match rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads_per_sampling)
            .thread_name(move |i| format!("campaign-{worker}-{i}"))
            .build()
        {
            Ok(pool) => pool,
            Err(e) => return self.fail(CampaignError::Threads(e.to_string())),
        };
        loop {
            if self.shared.abort.load(Ordering::SeqCst) {
                return;
            }
            let k = self.shared.next.fetch_add(1, Ordering::SeqCst);
            let Some(&job) = self.pending.get(k) else {
                return;
            };
            (self.progress)(CampaignProgress::Started { job });
            let on_advance = |biased_steps, events| {
                (self.progress)(CampaignProgress::Advanced {
                    job,
                    biased_steps,
                    max_steps: self.stop.max_steps,
                    events,
                })
            };
            let prefix = sampling_prefix(self.dir, job.index);
            let context = SamplingContext {
                potential: self.potential,
                stop: self.stop,
                prefix: &prefix,
                abort: &self.shared.abort,
                on_advance: &on_advance,
            };
            let record = inner.install(|| match self.extend.get(&job.index) {
                Some(previous) => extend_sampling(job, previous, &context),
                None => run_sampling(job, self.system, &context),
            });
            let record = match record {
                Ok(Some(record)) => record,
                Ok(None) => return, // abandoned: the campaign is stopping
                // Not the sampling's failure but the folder's (a full disk, a lost mount):
                // the campaign stops, and this sampling stays unrecorded for --resume.
                Err(e) => return self.fail(CampaignError::Results(e.into())),
            };
            let mut table = self.shared.table.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = table.csv.append(&record) {
                drop(table);
                return self.fail(CampaignError::Results(e.into()));
            }
            table.ran += 1;
            table.recorded.insert(record.sampling, record.clone());
            (self.progress)(CampaignProgress::Finished {
                job,
                record: &record,
                recorded: table.recorded.len(),
                total: self.total,
            });
        }
    }
}

/// Biased steps per chunk, in sample intervals: between chunks the files are appended and
/// progress reported.
const CHUNK_SAMPLES: u64 = 10;

/// What one sampling runs with besides its job and starting point: the same for a new
/// sampling ([`run_sampling`]) and a continued one ([`extend_sampling`]).
pub struct SamplingContext<'a> {
    pub potential: &'a Arc<dyn Potential>,
    pub stop: StopRule,
    /// Its files are `prefix.colvars.traj`, … .
    pub prefix: &'a Path,
    /// Raised when the campaign stops: the sampling is then abandoned, not recorded.
    pub abort: &'a AtomicBool,
    /// `on_advance(biased_steps, events)`, called after every chunk.
    pub on_advance: &'a (dyn Fn(u64, usize) + Sync),
}

impl SamplingContext<'_> {
    fn aborted(&self) -> bool {
        self.abort.load(Ordering::SeqCst)
    }
}

/// Runs one sampling to its end under the stop rule, writing its files under `ctx.prefix`
/// (stale files of an earlier, killed attempt are removed first), on the current rayon pool.
/// The sampling's own failures, even a panic, are a `failed` record with the message as its
/// reason. `Ok(None)` when `ctx.abort` was raised meanwhile (the sampling is abandoned, not
/// recorded). `Err` when its files cannot be written: that is the folder's fault, not the
/// sampling's, and no row may claim it was run.
pub fn run_sampling(
    job: &SamplingJob,
    system: &System,
    ctx: &SamplingContext,
) -> Result<Option<SamplingRecord>, WriteError> {
    remove_stale_files(ctx.prefix);
    catching_panics(job, || sample(job, system, ctx))
}

/// Continues a sampling recorded as `previous` (`no_event`) from its restart file up to the
/// stop rule's `max_steps`, rewriting its files from the restored run; like
/// [`run_sampling`] otherwise. A restart file that cannot be read leaves the sampling as it
/// was, with the reason added.
pub fn extend_sampling(
    job: &SamplingJob,
    previous: &SamplingRecord,
    ctx: &SamplingContext,
) -> Result<Option<SamplingRecord>, WriteError> {
    catching_panics(job, || {
        let path = restart_path(ctx.prefix);
        let restored = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                serde_json::from_slice::<crate::sampling::MetadynamicsState>(&bytes)
                    .map_err(|e| e.to_string())
            })
            .and_then(|state| {
                crate::sampling::MetadynamicsRun::resume(state, ctx.potential.clone())
                    .map_err(|e| e.to_string())
            });
        match restored {
            Ok(run) => drive(job, run, ctx),
            Err(e) => {
                let mut record = previous.clone();
                record.reason = format!(
                    "{}; not continued: {}: {e}",
                    previous.reason,
                    path.display()
                );
                Ok(Some(record))
            }
        }
    })
}

/// `PREFIX.restart.json`.
pub fn restart_path(prefix: &Path) -> PathBuf {
    PathBuf::from(format!("{}{RESTART_SUFFIX}", prefix.display()))
}

/// Runs `body`; a panic in it becomes a `failed` record with the message as its reason.
fn catching_panics(
    job: &SamplingJob,
    body: impl FnOnce() -> Result<Option<SamplingRecord>, WriteError>,
) -> Result<Option<SamplingRecord>, WriteError> {
    match std::panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(record) => record,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let mut record = empty_record(job);
            record.reason = format!("internal error (panic): {message}");
            Ok(Some(record))
        }
    }
}

/// A `failed` record with nothing measured yet.
pub(crate) fn empty_record(job: &SamplingJob) -> SamplingRecord {
    SamplingRecord {
        sampling: job.index,
        centre: job.centre,
        cutoff_angstrom: job.cutoff_angstrom,
        temperature_k: job.temperature_k,
        seed: job.seed,
        delta_f_ev: None,
        delta_f_estimator: None,
        delta_f_profile_ev: None,
        delta_f_filled_depth_ev: None,
        delta_f_final_ev: None,
        s_min_angstrom: None,
        s_saddle_angstrom: None,
        s_new_angstrom: None,
        profile_stop: None,
        precursors: 0,
        event_md_ps: None,
        event_boosted_ps: None,
        event_class: None,
        steps: 0,
        status: SamplingStatus::Failed,
        reason: String::new(),
        delta_f_lower_bound_ev: None,
    }
}

/// `PREFIX.restart.json` of a sampling without an event: the whole run's state
/// ([`crate::sampling::MetadynamicsRun::save_state`], as `betaglass metad` writes it), from which the
/// sampling could be continued past its step limit.
pub const RESTART_SUFFIX: &str = ".restart.json";

fn save_restart(
    run: &mut crate::sampling::MetadynamicsRun,
    prefix: &str,
) -> Result<(), WriteError> {
    let path = format!("{prefix}{RESTART_SUFFIX}");
    let json = serde_json::to_vec(&run.save_state()).map_err(|e| WriteError::Io {
        file: path.clone(),
        source: e.into(),
    })?;
    crate::io::write_atomic(Path::new(&path), &json)
}

/// The barrier a sampling without an event has shown it exceeds: the depth the bias filled,
/// ((T+ΔT)/ΔT)·max V (eV). Its `delta_f_lower_bound_ev` (a right-censored barrier).
pub(crate) fn filled_depth_ev(
    meta: &crate::sampling::bias::Metadynamics,
    temperature_k: f64,
) -> f64 {
    let top = meta.grid_values_ev().iter().copied().fold(0.0, f64::max);
    meta.settings().free_energy_factor(temperature_k) * top
}

/// Removes `prefix.*` (what a killed attempt of this sampling left).
fn remove_stale_files(prefix: &Path) {
    let (Some(folder), Some(stem)) = (prefix.parent(), prefix.file_name()) else {
        return;
    };
    let start = format!("{}.", stem.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&start) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn sample(
    job: &SamplingJob,
    system: &System,
    ctx: &SamplingContext,
) -> Result<Option<SamplingRecord>, WriteError> {
    let mut record = empty_record(job);
    let run = match start_sampling(system.clone(), ctx.potential.clone(), &job.setup, |_, _| {
        !ctx.aborted()
    }) {
        Ok(Some(run)) => run,
        Ok(None) => return Ok(None),
        Err(e) => {
            record.reason = format!("could not start: {e}");
            return Ok(Some(record));
        }
    };
    drive(job, run, ctx)
}

/// Takes a started (or restored) sampling on to the stop rule and makes its record.
fn drive(
    job: &SamplingJob,
    mut run: crate::sampling::MetadynamicsRun,
    ctx: &SamplingContext,
) -> Result<Option<SamplingRecord>, WriteError> {
    let mut record = empty_record(job);
    let stop = ctx.stop;
    let prefix = ctx.prefix.to_string_lossy();
    let mut files = SamplingFiles::open(&prefix, &run)?;
    let chunk = job
        .setup
        .sample_every_steps
        .saturating_mul(CHUNK_SAMPLES)
        .max(1);
    let mut watch = ProfileWatch::default();
    // The profile reading that ended the sampling, and why it ended.
    let mut ended: Option<(ProfileStop, Barrier)> = None;
    let mut failure: Option<String> = None;
    while run.biased_steps() < stop.max_steps && failure.is_none() && ended.is_none() {
        if ctx.aborted() {
            return Ok(None);
        }
        let n = chunk.min(stop.max_steps - run.biased_steps());
        let news = match run.advance(n) {
            Ok(news) => news,
            Err(e) => {
                failure = Some(format!(
                    "biased MD stopped after {} steps: {e}",
                    run.biased_steps()
                ));
                break;
            }
        };
        files.append(&run)?;
        for event in &news.new_events {
            files.write_event(event)?;
        }
        // The events file and F(s) as the event left them, for a look while the run goes on.
        if !news.new_events.is_empty() {
            files.flush(&run)?;
        }
        ended = profile_stop(&run, &mut watch, &stop);
        (ctx.on_advance)(run.biased_steps(), run.events().len());
    }
    files.flush(&run)?;
    if ended.is_none() && !run.events().is_empty() {
        let last = run
            .profile_reading(None)
            .unwrap_or(Barrier::NotYetDetermined {
                reason: "no event".into(),
            });
        ended = Some((ProfileStop::StepLimit, last));
    }
    fill_record(&mut record, &run, ended, failure, &stop, job.temperature_k);
    if record.status == SamplingStatus::NoEvent {
        // Its state, so that a longer run can go on from here (the barrier is censored).
        save_restart(&mut run, &prefix)?;
    } else if !run.events().is_empty() {
        // A continued sampling that found its event no longer needs its restart file.
        let _ = std::fs::remove_file(restart_path(Path::new(prefix.as_ref())));
    }
    Ok(Some(record))
}

/// After the first event: the profile reading that ends the sampling, if the stop rule says
/// so now (a second event, or the new basin's depth stable over the window).
fn profile_stop(
    run: &crate::sampling::MetadynamicsRun,
    watch: &mut ProfileWatch,
    stop: &StopRule,
) -> Option<(ProfileStop, Barrier)> {
    let events = run.events();
    if let Some(second) = events.get(1) {
        // Read from the hills before the second jump: later ones fill a third basin.
        let before = second.crossing.biased_step.saturating_sub(1);
        return run
            .profile_reading(Some(before))
            .map(|b| (ProfileStop::SecondEvent, b));
    }
    events.first()?;
    let reading = run.profile_reading(None)?;
    watch
        .observe(run.last_sample().md_time_ps, &reading, &stop.profile)
        .then_some((ProfileStop::Stable, reading))
}

/// Writes what the sampling measured into its record: every estimator, the one the stop rule
/// produced, the status and the reason.
fn fill_record(
    record: &mut SamplingRecord,
    run: &crate::sampling::MetadynamicsRun,
    ended: Option<(ProfileStop, Barrier)>,
    failure: Option<String>,
    stop: &StopRule,
    temperature_k: f64,
) {
    record.steps = run.biased_steps();
    let final_reading = run.barrier();
    record.delta_f_final_ev = final_reading.barrier_ev();
    let mut notes: Vec<String> = Vec::new();
    if let Some(first) = run.events().first() {
        record.delta_f_filled_depth_ev = first.filled_depth.map(|b| b.depth_ev);
        record.event_md_ps = Some(first.crossing.md_time_ps);
        record.event_boosted_ps = Some(first.crossing.boosted_time_ps);
        record.event_class = Some(first.motion.class_name().to_string());
        record.precursors = first.precursors;
    } else {
        record.precursors = run.precursors().len();
    }
    if let Some((why, reading)) = ended {
        record.profile_stop = Some(why);
        match (why, reading) {
            (ProfileStop::StepLimit, _) => notes.push(format!(
                "profile ΔF undetermined: the new basin's depth did not hold within {} eV \
                 over {} ps by the step limit",
                stop.profile.tolerance_ev, stop.profile.window_ps
            )),
            (_, Barrier::Determined(r)) => {
                record.delta_f_profile_ev = Some(r.barrier_ev);
                record.s_min_angstrom = Some(r.initial_minimum_angstrom);
                record.s_saddle_angstrom = Some(r.saddle_angstrom);
                record.s_new_angstrom = Some(r.next_minimum_angstrom);
                record.delta_f_ev = Some(r.barrier_ev);
                record.delta_f_estimator = Some(Estimator::Profile);
            }
            (_, Barrier::NotYetDetermined { reason }) => {
                notes.push(format!("profile ΔF undetermined: {reason}"))
            }
        }
    }
    (record.status, record.reason) = match (failure, run.events().is_empty()) {
        (Some(f), _) => (SamplingStatus::Failed, f),
        (None, false) => (SamplingStatus::Ok, notes.join("; ")),
        (None, true) => {
            let last = run.last_sample();
            let mut reason = format!(
                "no confirmed event in {} steps ({:.1} ps of biased MD; {} precursor(s))",
                last.biased_step,
                last.md_time_ps,
                run.precursors().len()
            );
            if let Barrier::NotYetDetermined { reason: r } = &final_reading {
                reason = format!("{reason}; final ΔF not determined: {r}");
            }
            record.delta_f_lower_bound_ev =
                Some(filled_depth_ev(run.metadynamics(), temperature_k));
            (SamplingStatus::NoEvent, reason)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_split_as_the_cli_documents() {
        let o = CampaignOptions::with_threads(false, 16, None);
        assert_eq!((o.parallel_samplings, o.threads_per_sampling), (16, 1));
        let o = CampaignOptions::with_threads(false, 2, None);
        assert_eq!((o.parallel_samplings, o.threads_per_sampling), (2, 1));
        let o = CampaignOptions::with_threads(false, 1, None);
        assert_eq!((o.parallel_samplings, o.threads_per_sampling), (1, 1));
        let o = CampaignOptions::with_threads(true, 16, Some(3));
        assert_eq!((o.parallel_samplings, o.threads_per_sampling), (3, 5));
        let o = CampaignOptions::with_threads(true, 2, Some(4));
        assert_eq!((o.parallel_samplings, o.threads_per_sampling), (4, 1));
    }
}
