//! A campaign as LAMMPS decks, and their results back (`betaglass export-lammps`,
//! `betaglass import`): LAMMPS (MPI, GPU, KOKKOS) is the distributed engine, betaglass
//! prepares the samplings and analyses them with the same code as its own campaigns.
//!
//! # The export
//!
//! (The files' text comes from [`crate::io::lammps_deck`]; this module lays out the folder.)
//!
//! `DIR/samplings/NNNN/` for every job of [`CampaignSpec::plan`] (the numbering of
//! `betaglass campaign`):
//!
//! - `start.data`: the configuration, every atom wrapped into the box, with image flags that
//!   put the sampling's cluster in one piece (Colvars' `rmsd` reads x + image·L; a cluster
//!   across a box face would otherwise be torn apart);
//! - `metad.colvars`: the `rmsd` colvar of the cluster (`atomNumbers` in betaglass's order,
//!   centre first; `refPositions` = the unwrapped positions of `start.data`), the grid
//!   (`width`, bounds) and well-tempered `metadynamics` (`hillWeight`, `hillWidth` = 2σ/width,
//!   `newHillFrequency`, `biasTemperature`), `colvarsTrajFrequency` = the sample interval;
//! - `in.lammps`: what [`start_sampling`](crate::sampling::start_sampling) does, in LAMMPS:
//!   velocities at T (`velocity create`, seed [`lammps_seed`] of the job's seed), Nosé–Hoover
//!   NVT (`fix nvt`, a chain of 3 as betaglass's) with the campaign's damping and time step,
//!   `equilibrate_ps` of unbiased MD, then `reset_timestep 0` (Colvars' steps are then the
//!   biased steps) and `fix colvars` for `max_steps` biased steps; a `done` file at the end.
//!
//! Plus `DIR/CuZr_mm.eam.fs` (the potential, referenced as `../../CuZr_mm.eam.fs`),
//! `DIR/campaign.toml` (the campaign, `max_steps` as exported), `DIR/manifest.json`,
//! `DIR/run_local.sh`, `DIR/submit.slurm` and `DIR/README.txt`.
//!
//! Differences from `betaglass campaign`, by construction:
//!
//! - **Stopping.** LAMMPS cannot evaluate the event rule, so every deck runs `max_steps`;
//!   `import` applies the stop rule to the trace afterwards (the first event's confirmation
//!   plus `after_event_ps`, or `max_steps`) and ignores what came later.
//! - **Events.** `import` finds the first event on the CV trace with
//!   [`EventDetector`] (a plateau change of `jump_angstrom` held for `dwell_ps`), as
//!   `betaglass campaign` proposes them, but cannot confirm it by quenching to inherent
//!   structures (LAMMPS saved none), so `event_class` stays empty and the row's reason says so.
//! - **RMSD reference.** betaglass takes the cluster as it is after equilibration as the
//!   reference (s = 0 at the first biased step); Colvars needs `refPositions` before the run,
//!   so the deck's reference is the cluster in the starting configuration (as the reference
//!   LAMMPS set-up, `metad.colvars` of the shared reference data): s starts at the thermal
//!   offset (~0.1–0.2 Å) instead of 0. The detector and the barrier finders measure from the
//!   level of the first dwell window, not from 0.
//! - **Wall.** betaglass keeps s below the grid's end with a harmonic wall 0.25 Å below it;
//!   the deck has none (s of a 13-atom cluster stays far below 5 Å in a β-event).
//! - **Boosted time.** Colvars' traj holds s only; `import` sums Δt·exp(V(s)/k_BT) per sample
//!   interval with V the bias of the hills deposited so far at the sample (betaglass sums it
//!   every step): `event_boosted_ps` is an estimate of the same clock.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::run::empty_record;
use super::spec::{CampaignSpec, CampaignSpecError, SamplingJob, StopRule, centre_label};
use super::store::{
    CAMPAIGN_TOML, SAMPLINGS_CSV, SAMPLINGS_DIR, SamplingRecord, SamplingStatus, SamplingsCsv,
};
use crate::io::{FileError, WriteError, fmt_f64};
use crate::sampling::event::{EventDetector, Proposal, mean_s};
use crate::sampling::fes::filled_depth;
use crate::sampling::run::end_of_run_barrier;
use crate::sampling::{
    Barrier, BarrierSettings, CvGrid, CvSample, Estimator, EventSettings, FilledDepth, Hill,
    Metadynamics, SamplingSetup,
};
use crate::system::units::BOLTZMANN_EV_PER_K;

pub use crate::io::lammps_deck::{
    COLVARS_CONFIG, DATA_FILE, DONE_FILE, LAMMPS_INPUT, MANIFEST, OUTPUT_PREFIX, POTENTIAL_FILE,
    WholeClusterStart, colvars_config, lammps_input, lammps_seed, read_image_flags,
    restart_frequency, whole_cluster_start,
};
use crate::io::lammps_deck::{POTENTIAL_TEXT, RUN_LOCAL, SamplingDeck, submit_slurm};

/// The folder of sampling `index` in an export: `DIR/samplings/NNNN`.
pub fn deck_dir(dir: &Path, index: usize) -> PathBuf {
    dir.join(SAMPLINGS_DIR).join(format!("{index:04}"))
}

/// One sampling of an export, as `manifest.json` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeckEntry {
    pub sampling: usize,
    /// Relative to the export folder.
    pub dir: String,
    pub temperature_k: f64,
    pub seed: u64,
    pub lammps_seed: u64,
    /// As the campaign names it (`nearest-cu`, `random-cu`, an id).
    pub centre: String,
    /// The centre atom's id, when the cluster could be chosen.
    pub centre_id: Option<u64>,
    pub cutoff_angstrom: f64,
    /// The cluster, centre first (Colvars' `atomNumbers`).
    pub cluster_ids: Vec<u64>,
    /// Why this sampling has no deck (its centre or cluster could not be chosen).
    pub error: Option<String>,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub campaign: String,
    pub max_steps: u64,
    pub after_event_ps: f64,
    pub timestep_fs: f64,
    pub equilibrate_steps: u64,
    pub sample_every_steps: u64,
    pub colvars_output_prefix: String,
    pub note: String,
    pub samplings: Vec<DeckEntry>,
}

const MANIFEST_NOTE: &str = "Each samplings/NNNN runs equilibrate_steps of unbiased NVT, then \
max_steps of WT-MetaD (Colvars' steps count from the start of the bias). `betaglass import` \
applies the stop rule and the event rule to the trace afterwards.";

/// Why an export or an import could not be done (a sampling's own trouble is a row).
#[derive(Debug, thiserror::Error)]
pub enum LammpsError {
    #[error("invalid campaign: {0}")]
    Invalid(String),
    #[error(transparent)]
    Spec(#[from] CampaignSpecError),
    /// A file (a configuration, a results table, a Colvars file...) could not be read or
    /// written.
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LammpsError + '_ {
    move |source| {
        LammpsError::File(FileError::Io {
            file: path.display().to_string(),
            source,
        })
    }
}

fn write(path: &Path, text: &str) -> Result<(), LammpsError> {
    std::fs::write(path, text).map_err(io_err(path))
}

/// What [`export_lammps`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportSummary {
    pub manifest: Manifest,
    pub dir: PathBuf,
}

/// Writes the campaign's LAMMPS decks into `dir` (see the module documentation).
/// `max_steps` overrides the campaign's `stop.max_steps`.
pub fn export_lammps(
    spec: &CampaignSpec,
    dir: &Path,
    max_steps: Option<u64>,
) -> Result<ExportSummary, LammpsError> {
    let mut spec = spec.clone();
    if let Some(n) = max_steps {
        spec.stop.max_steps = n;
    }
    spec.validate().map_err(LammpsError::Invalid)?;
    let system = match &spec.system_file {
        Some(p) => crate::io::read_configuration(p)?,
        None => crate::assets::default_glass(),
    };
    std::fs::create_dir_all(dir.join(SAMPLINGS_DIR)).map_err(io_err(dir))?;
    write(&dir.join(POTENTIAL_FILE), POTENTIAL_TEXT)?;
    write(
        &dir.join(CAMPAIGN_TOML),
        &format!(
            "# The campaign exported here by `betaglass export-lammps` (max_steps as exported);\n\
             # `betaglass import` reads it for the plan, the stop rule and the event rule.\n\n{}",
            spec.to_toml()
        ),
    )?;
    let plan = spec.plan();
    let stop = spec.stop;
    let mut entries = Vec::with_capacity(plan.len());
    for job in &plan {
        let folder = deck_dir(dir, job.index);
        std::fs::create_dir_all(&folder).map_err(io_err(&folder))?;
        let mut entry = DeckEntry {
            sampling: job.index,
            dir: format!("{SAMPLINGS_DIR}/{:04}", job.index),
            temperature_k: job.temperature_k,
            seed: job.seed,
            lammps_seed: lammps_seed(job.seed),
            centre: centre_label(&job.centre),
            centre_id: None,
            cutoff_angstrom: job.cutoff_angstrom,
            cluster_ids: Vec::new(),
            error: None,
        };
        let chosen = job
            .setup
            .centre_id(&system)
            .and_then(|id| Ok((id, job.setup.cluster(&system)?.ids())));
        let (centre_id, ids) = match chosen {
            Ok(x) => x,
            Err(e) => {
                entry.error = Some(format!("could not start: {e}"));
                entries.push(entry);
                continue;
            }
        };
        entry.centre_id = Some(centre_id);
        entry.cluster_ids = ids.clone();
        let title = format!(
            "Sampling {:04} of \"{}\": {} K, seed {}, centre {} (atom {centre_id}), cutoff {} Å, {} atoms",
            job.index,
            spec.name,
            fmt_f64(job.temperature_k),
            job.seed,
            centre_label(&job.centre),
            fmt_f64(job.cutoff_angstrom),
            ids.len()
        );
        // job.setup carries the job's seed, temperature, centre and cutoff.
        let deck = SamplingDeck::new(
            &system,
            &job.setup,
            &ids,
            stop.max_steps,
            &title,
            &format!("../../{POTENTIAL_FILE}"),
        )
        .map_err(LammpsError::Invalid)?;
        deck.write(&folder, false).map_err(LammpsError::File)?;
        entries.push(entry);
    }
    let t = &spec.template;
    let manifest = Manifest {
        campaign: spec.name.clone(),
        max_steps: stop.max_steps,
        after_event_ps: stop.after_event_ps,
        timestep_fs: t.timestep_fs,
        equilibrate_steps: (t.equilibrate_ps / (t.timestep_fs * 1e-3)).round() as u64,
        sample_every_steps: t.sample_every_steps,
        colvars_output_prefix: OUTPUT_PREFIX.into(),
        note: MANIFEST_NOTE.into(),
        samplings: entries,
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| {
        LammpsError::File(FileError::Io {
            file: dir.join(MANIFEST).display().to_string(),
            source: e.into(),
        })
    })?;
    write(&dir.join(MANIFEST), &(json + "\n"))?;
    write(&dir.join("run_local.sh"), RUN_LOCAL)?;
    write(
        &dir.join("submit.slurm"),
        &submit_slurm(&spec.name, plan.len()),
    )?;
    write(&dir.join("README.txt"), &readme(&spec, plan.len()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["run_local.sh", "submit.slurm"] {
            let p = dir.join(f);
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
                .map_err(io_err(&p))?;
        }
    }
    Ok(ExportSummary {
        manifest,
        dir: dir.to_path_buf(),
    })
}

fn readme(spec: &CampaignSpec, n: usize) -> String {
    format!(
        "\"{name}\", exported by `betaglass export-lammps`: {n} samplings as LAMMPS + Colvars decks.\n\
         \n\
         samplings/NNNN/   in.lammps, metad.colvars, start.data: sampling NNNN of the campaign's\n\
         \x20                 plan (the numbering of `betaglass campaign`; manifest.json lists each\n\
         \x20                 one's temperature, seed, centre and cluster)\n\
         {pot}    the Mendelev Cu-Zr potential, used by every deck\n\
         campaign.toml     the campaign, with max_steps as exported\n\
         run_local.sh      LMP=/path/to/lmp bash run_local.sh N  (N samplings at once; resumable)\n\
         submit.slurm      sbatch submit.slurm  (a job array, one task per sampling; resumable)\n\
         \n\
         Each deck: velocities at T (the sampling's seed), Nose-Hoover NVT, {eq} ps of unbiased MD,\n\
         then {max} steps of well-tempered metadynamics on the RMSD of the cluster (fix colvars),\n\
         Colvars' files out.colvars.traj, out.colvars.meta.hills.traj and out.pmf; a `done` file\n\
         when LAMMPS has finished.\n\
         \n\
         Then `betaglass import THIS_FOLDER` writes samplings.csv, the format of `betaglass\n\
         campaign`, with the same analysis: the bias rebuilt from the hills, the first event\n\
         found on the CV trace (a plateau change of {jump} A held for {dwell} ps), the stop rule\n\
         applied afterwards (LAMMPS cannot stop at an event: every deck runs all {max} steps;\n\
         import ignores what comes after the first event + {after} ps), ΔF at the end and at the\n\
         crossing. LAMMPS saves no inherent structures, so events are not confirmed by quenching\n\
         and have no motion class (the reason column says so). Unlike betaglass, the RMSD\n\
         reference is the cluster in start.data (s starts at its thermal offset, not 0) and\n\
         there is no wall at the grid's end.\n",
        name = spec.name,
        pot = POTENTIAL_FILE,
        eq = fmt_f64(spec.template.equilibrate_ps),
        max = spec.stop.max_steps,
        jump = fmt_f64(spec.template.event_jump_angstrom),
        dwell = fmt_f64(spec.template.event_dwell_ps),
        after = fmt_f64(spec.stop.after_event_ps),
    )
}

// ---------------------------------------------------------------------------------------
// Import

/// The first event found on a CV trace by the detector alone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceEvent {
    /// The first sample of the excursion, and the sample that completed the dwell.
    pub crossing: CvSample,
    pub confirmed: CvSample,
    /// Level of s before, and mean s from the crossing to the confirmation (Å).
    pub basin_before_angstrom: f64,
    pub basin_after_angstrom: f64,
    pub filled_depth: Option<FilledDepth>,
}

/// A sampling's files analysed as `betaglass campaign` analyses its own run.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    /// The trace up to where the stop rule ends the sampling, with MD and boosted times.
    pub trace: Vec<CvSample>,
    /// The hills up to the last sample of `trace`.
    pub hills: Vec<Hill>,
    /// Where the stop rule ends the sampling (biased step).
    pub stop_step: u64,
    pub first_event: Option<TraceEvent>,
    pub end_of_run: Barrier,
}

/// Replays a sampling from its CV `trace` (steps from the start of the bias) and `hills`
/// with betaglass's own code: the bias rebuilt with [`Metadynamics::add_hill`], the event
/// detector observed once per sample after step 0 (as [`MetadynamicsRun::advance`] does; the
/// first proposal is taken as the event, there being no structures to quench), ΔF at the
/// crossing with [`filled_depth`] and the detector's basin level, the stop rule (the
/// confirmation + `after_event_ps`, else `max_steps`; the trace is cut at the first sample at
/// or past it, as a run ends at a sample boundary) and the end-of-run ΔF with
/// [`end_of_run_barrier`] of what is left.
///
/// [`MetadynamicsRun::advance`]: crate::sampling::MetadynamicsRun::advance
pub fn replay(
    setup: &SamplingSetup,
    stop: &StopRule,
    trace: &[CvSample],
    hills: &[Hill],
) -> Result<Replay, LammpsError> {
    let settings = setup
        .metadynamics_settings()
        .map_err(|e| LammpsError::Invalid(e.to_string()))?;
    let grid: CvGrid = settings.grid;
    let t = settings.temperature_k;
    let mut meta =
        Metadynamics::new(settings.hills, grid).map_err(|e| LammpsError::Invalid(e.to_string()))?;
    for h in hills {
        meta.add_hill(*h);
    }
    let events: EventSettings = settings.events;
    let barrier_settings: BarrierSettings = settings.barrier;
    let dt_ps = setup.timestep_fs * 1e-3;
    let after_event_steps = (stop.after_event_ps / dt_ps).ceil() as u64;

    let mut detector = EventDetector::default();
    let mut stop_step = stop.max_steps;
    let mut first_event = None;
    let mut end = trace.len();
    for i in 1..trace.len() {
        if trace[i - 1].biased_step >= stop_step {
            end = i;
            break;
        }
        if first_event.is_none()
            && let Proposal::Candidate { crossing_index } = detector.observe(&trace[..=i], &events)
        {
            let crossing = trace[crossing_index];
            let before = detector.basin_level_angstrom().unwrap_or(0.0);
            first_event = Some(TraceEvent {
                crossing,
                confirmed: trace[i],
                basin_before_angstrom: before,
                basin_after_angstrom: mean_s(&trace[crossing_index..=i]),
                filled_depth: filled_depth(
                    &meta,
                    t,
                    crossing.biased_step,
                    before,
                    crossing.s_angstrom,
                    &barrier_settings,
                ),
            });
            stop_step = stop_step.min(trace[i].biased_step.saturating_add(after_event_steps));
        }
    }
    let mut trace: Vec<CvSample> = trace[..end].to_vec();
    let last_step = trace.last().map_or(0, |c| c.biased_step);
    let hills: Vec<Hill> = hills
        .iter()
        .take_while(|h| h.step <= last_step)
        .copied()
        .collect();
    let mut kept =
        Metadynamics::new(settings.hills, grid).map_err(|e| LammpsError::Invalid(e.to_string()))?;
    for h in &hills {
        kept.add_hill(*h);
    }
    // The boosted clock, per sample interval, with the bias of the hills deposited so far.
    let kt = BOLTZMANN_EV_PER_K * t;
    let mut boosted = 0.0;
    let mut next_hill = 0;
    let mut v_grid = vec![0.0; grid.n_bins];
    for k in 0..trace.len() {
        if k > 0 {
            let c = trace[k - 1];
            while next_hill < hills.len() && hills[next_hill].step <= c.biased_step {
                for (b, v) in v_grid.iter_mut().enumerate() {
                    *v += hills[next_hill].energy_ev(grid.centre(b));
                }
                next_hill += 1;
            }
            let v = grid.bin_of(c.s_angstrom).map_or(0.0, |b| v_grid[b]);
            let steps = trace[k].biased_step - c.biased_step;
            boosted += steps as f64 * dt_ps * (v / kt).exp();
        }
        trace[k].boosted_time_ps = boosted;
    }
    if let Some(e) = first_event.as_mut() {
        let at = |step: u64| trace.iter().find(|c| c.biased_step == step).copied();
        if let Some(c) = at(e.crossing.biased_step) {
            e.crossing = c;
        }
        if let Some(c) = at(e.confirmed.biased_step) {
            e.confirmed = c;
        }
    }
    let end_of_run = end_of_run_barrier(&kept, t, &trace, events.dwell_ps, &barrier_settings);
    Ok(Replay {
        trace,
        hills,
        stop_step,
        first_event,
        end_of_run,
    })
}

/// What [`import_lammps`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportSummary {
    pub records: Vec<SamplingRecord>,
    pub csv: PathBuf,
}

impl ImportSummary {
    pub fn count(&self, status: SamplingStatus) -> usize {
        self.records.iter().filter(|r| r.status == status).count()
    }
}

const NO_CLASS: &str = "event found on the CV trace alone (LAMMPS saved no inherent \
structures: not confirmed by quenching, no motion class)";

/// Reads the LAMMPS runs of an export folder (`dir/campaign.toml` for the plan and rules)
/// and writes `dir/samplings.csv`, one row per sampling of the plan in the format of
/// `betaglass campaign` (an existing one is replaced). A sampling not run or not finished is
/// a `failed` row whose reason says so.
pub fn import_lammps(dir: &Path) -> Result<ImportSummary, LammpsError> {
    let spec = CampaignSpec::load(&dir.join(CAMPAIGN_TOML))?;
    let manifest: Option<Manifest> = std::fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let mut records = Vec::new();
    for job in spec.plan() {
        let entry = manifest
            .as_ref()
            .and_then(|m| m.samplings.iter().find(|e| e.sampling == job.index));
        records.push(import_sampling(
            &job,
            &spec.stop,
            &deck_dir(dir, job.index),
            entry,
        )?);
    }
    let csv_path = dir.join(SAMPLINGS_CSV);
    match std::fs::remove_file(&csv_path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&csv_path)(e)),
    }
    let (mut csv, _) = SamplingsCsv::open(&csv_path)?;
    for r in &records {
        csv.append(r)?;
    }
    Ok(ImportSummary {
        records,
        csv: csv_path,
    })
}

/// One row from one sampling folder. Errors in its files are the row's reason (with
/// file:line and the value), not a failure of the import.
pub fn import_sampling(
    job: &SamplingJob,
    stop: &StopRule,
    folder: &Path,
    entry: Option<&DeckEntry>,
) -> Result<SamplingRecord, LammpsError> {
    let mut record = empty_record(job);
    if let Some(e) = entry.and_then(|e| e.error.as_ref()) {
        record.reason = format!("no deck was exported: {e}");
        return Ok(record);
    }
    let traj_path = folder.join(format!("{OUTPUT_PREFIX}.colvars.traj"));
    let hills_path = folder.join(format!("{OUTPUT_PREFIX}.colvars.meta.hills.traj"));
    let traj_text = match std::fs::read_to_string(&traj_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            record.reason = format!(
                "not run: {} does not exist (run run_local.sh or submit.slurm)",
                traj_path.display()
            );
            return Ok(record);
        }
        Err(e) => return Err(io_err(&traj_path)(e)),
    };
    let hills_text = match std::fs::read_to_string(&hills_path) {
        Ok(t) => t,
        // Colvars creates the hills file with the first hill.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io_err(&hills_path)(e)),
    };
    let dt_ps = job.setup.timestep_fs * 1e-3;
    let parsed = crate::io::colvars::read_traj(&traj_text, &traj_path.display().to_string(), dt_ps)
        .and_then(|trace| {
            let hills =
                crate::io::colvars::read_hills(&hills_text, &hills_path.display().to_string())?;
            Ok((trace, hills))
        });
    let (trace, hills) = match parsed {
        Ok(x) => x,
        Err(e) => {
            record.reason = format!("unreadable Colvars output: {e}");
            return Ok(record);
        }
    };
    if trace.first().is_some_and(|c| c.biased_step != 0) {
        record.reason = format!(
            "{}: the first sample is at step {}, not 0: not a trace of this deck",
            traj_path.display(),
            trace[0].biased_step
        );
        return Ok(record);
    }
    let r = replay(&job.setup, stop, &trace, &hills)?;
    let pmf_note = check_pmf(
        &job.setup,
        &hills,
        &folder.join(format!("{OUTPUT_PREFIX}.pmf")),
    )?;
    let last = r.trace.last().copied().unwrap_or_default();
    record.steps = last.biased_step;
    record.delta_f_final_ev = r.end_of_run.barrier_ev();
    if let Some(e) = &r.first_event {
        // Without inherent structures the plateau change may be a precursor, and the run
        // stops a fixed time after it: the filled depth is the ΔF this stop rule produces.
        record.delta_f_filled_depth_ev = e.filled_depth.map(|b| b.depth_ev);
        record.delta_f_ev = record.delta_f_filled_depth_ev;
        record.delta_f_estimator = record.delta_f_ev.map(|_| Estimator::FilledDepth);
        record.event_md_ps = Some(e.crossing.md_time_ps);
        record.event_boosted_ps = Some(e.crossing.boosted_time_ps);
    }
    let undetermined = match &r.end_of_run {
        Barrier::NotYetDetermined { reason } => Some(format!("final ΔF not determined: {reason}")),
        Barrier::Determined(_) => None,
    };
    if last.biased_step < r.stop_step {
        record.reason = format!(
            "unfinished: {} ends at step {} of {} (LAMMPS still running, or killed; run it again)",
            traj_path.display(),
            last.biased_step,
            r.stop_step
        );
        return Ok(record);
    }
    let mut reasons = Vec::new();
    if r.first_event.is_some() {
        record.status = SamplingStatus::Ok;
        reasons.push(NO_CLASS.to_string());
    } else {
        record.status = SamplingStatus::NoEvent;
        record.delta_f_lower_bound_ev = Some(filled_depth_of(&job.setup, &r.hills)?);
        reasons.push(format!(
            "no event on the CV trace in {} steps ({:.1} ps of biased MD)",
            last.biased_step, last.md_time_ps
        ));
    }
    reasons.extend(undetermined);
    reasons.extend(pmf_note);
    record.reason = reasons.join("; ");
    Ok(record)
}

/// The depth the hills of a sampling without an event filled, as the campaign records it
/// ([`super::run::filled_depth_ev`]).
fn filled_depth_of(setup: &SamplingSetup, hills: &[Hill]) -> Result<f64, LammpsError> {
    let (meta, temperature_k) = bias_of(setup, hills)?;
    Ok(super::run::filled_depth_ev(&meta, temperature_k))
}

/// The bias of a LAMMPS run rebuilt from its hills on the sampling's grid, with the
/// sampling's temperature (K).
fn bias_of(setup: &SamplingSetup, hills: &[Hill]) -> Result<(Metadynamics, f64), LammpsError> {
    let settings = setup
        .metadynamics_settings()
        .map_err(|e| LammpsError::Invalid(e.to_string()))?;
    let mut meta = Metadynamics::new(settings.hills, settings.grid)
        .map_err(|e| LammpsError::Invalid(e.to_string()))?;
    for h in hills {
        meta.add_hill(*h);
    }
    Ok((meta, settings.temperature_k))
}

/// Colvars' free-energy file against F(s) rebuilt from all the hills: `Some(note)` when they
/// disagree by more than 1 meV (or the file is unreadable), `None` when they agree or there
/// is no file (Colvars writes it at its restart frequency and at the end).
fn check_pmf(
    setup: &SamplingSetup,
    hills: &[Hill],
    path: &Path,
) -> Result<Option<String>, LammpsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let pmf = match crate::io::colvars::read_pmf(&text, &path.display().to_string()) {
        Ok(p) => p,
        Err(e) => return Ok(Some(format!("unreadable pmf: {e}"))),
    };
    let (meta, temperature_k) = bias_of(setup, hills)?;
    let ours = crate::sampling::FreeEnergyProfile::of_metadynamics(&meta, temperature_k);
    if pmf.s_angstrom.len() != ours.s_angstrom.len() {
        return Ok(Some(format!(
            "{} has {} bins, the campaign's grid {}",
            path.display(),
            pmf.s_angstrom.len(),
            ours.s_angstrom.len()
        )));
    }
    let worst = pmf
        .free_energy_ev
        .iter()
        .zip(&ours.free_energy_ev)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    Ok((worst > 1e-3).then(|| {
        format!(
            "{} differs from F(s) of the hills by up to {worst:.2e} eV",
            path.display()
        )
    }))
}
