//! A sampling's files, as the CLI and the app write them: the Colvars trajectory and hills
//! (appended as the run goes, so `tail -f` and a kill lose nothing written), the PMF and
//! the events (rewritten atomically), and the inherent structures of each event.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::WriteError;
use super::colvars;
use crate::sampling::{Barrier, Event, MetadynamicsRun, Precursor};

/// `PREFIX` + `suffix` as a path.
pub fn prefixed(prefix: &str, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{prefix}{suffix}"))
}

/// The files of one sampling, named after a prefix: `PREFIX.colvars.traj`,
/// `PREFIX.colvars.meta.hills.traj`, `PREFIX.pmf`, `PREFIX.events.json` and
/// `PREFIX.eventN.{before,after}.extxyz`.
pub struct SamplingFiles {
    prefix: String,
    traj: BufWriter<File>,
    hills: BufWriter<File>,
    samples_written: usize,
    hills_written: usize,
}

fn io_error(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        file: path.display().to_string(),
        source,
    }
}

impl SamplingFiles {
    /// Creates the files, writing what the run already holds (a resumed run's history, so the
    /// files match the restart state exactly, whatever a kill left in them).
    pub fn open(prefix: &str, run: &MetadynamicsRun) -> Result<Self, WriteError> {
        let create = |suffix: &str| -> Result<BufWriter<File>, WriteError> {
            let p = prefixed(prefix, suffix);
            Ok(BufWriter::new(File::create(&p).map_err(io_error(&p))?))
        };
        let mut out = Self {
            prefix: prefix.to_string(),
            traj: create(".colvars.traj")?,
            hills: create(".colvars.meta.hills.traj")?,
            samples_written: 0,
            hills_written: 0,
        };
        let p = prefixed(prefix, ".colvars.traj");
        writeln!(out.traj, "{}", colvars::TRAJ_HEADER).map_err(io_error(&p))?;
        out.append(run)?;
        Ok(out)
    }

    /// Appends the samples and hills added since the last call, and flushes them.
    pub fn append(&mut self, run: &MetadynamicsRun) -> Result<(), WriteError> {
        let traj_path = prefixed(&self.prefix, ".colvars.traj");
        let hills_path = prefixed(&self.prefix, ".colvars.meta.hills.traj");
        for c in &run.trace()[self.samples_written..] {
            writeln!(self.traj, "{}", colvars::traj_line(c)).map_err(io_error(&traj_path))?;
        }
        self.samples_written = run.trace().len();
        for h in &run.hills()[self.hills_written..] {
            writeln!(self.hills, "{}", colvars::hills_line(h)).map_err(io_error(&hills_path))?;
        }
        self.hills_written = run.hills().len();
        // Flushed every chunk so `tail -f` and plotting scripts see the run as it goes.
        self.traj.flush().map_err(io_error(&traj_path))?;
        self.hills.flush().map_err(io_error(&hills_path))?;
        Ok(())
    }

    /// Appends, then rewrites the free-energy and event files.
    pub fn flush(&mut self, run: &MetadynamicsRun) -> Result<(), WriteError> {
        self.append(run)?;
        let pmf_path = prefixed(&self.prefix, ".pmf");
        let mut pmf = Vec::new();
        colvars::write_pmf(
            &mut pmf,
            run.metadynamics().grid(),
            &run.free_energy_profile(),
        )
        .map_err(io_error(&pmf_path))?;
        super::write_atomic(&pmf_path, &pmf)?;
        let events_path = prefixed(&self.prefix, ".events.json");
        let events = serde_json::to_vec_pretty(&EventsFile {
            temperature_k: run.settings().temperature_k,
            cluster_ids: run.cluster_ids(),
            delta_f_profile: run.profile_reading(None),
            delta_f_filled_depth_ev: run
                .events()
                .first()
                .and_then(|e| e.filled_depth)
                .map(|d| d.depth_ev),
            delta_f_final: run.barrier(),
            delta_f_final_history: run
                .barrier_history(10)
                .into_iter()
                .map(|(step, b)| (step, b.barrier_ev()))
                .collect(),
            events: run.events(),
            precursors: run
                .precursors()
                .iter()
                .map(|p| PrecursorEntry {
                    label: p.label(),
                    precursor: p,
                })
                .collect(),
        })
        .map_err(|e| io_error(&events_path)(e.into()))?;
        super::write_atomic(&events_path, &events)
    }

    /// Writes the event's two inherent structures as extended XYZ.
    pub fn write_event(&self, event: &Event) -> Result<(), WriteError> {
        for (which, system) in [
            ("before", &event.inherent_before),
            ("after", &event.inherent_after),
        ] {
            if let Some(s) = system {
                let p = prefixed(
                    &self.prefix,
                    &format!(".event{}.{which}.extxyz", event.number),
                );
                super::write_configuration(&p, s)?;
            }
        }
        Ok(())
    }

    /// Writes every file of `run` at once (the app's "export"); returns the prefix's files.
    pub fn export(prefix: &str, run: &MetadynamicsRun) -> Result<(), WriteError> {
        let mut files = Self::open(prefix, run)?;
        files.flush(run)?;
        run.events().iter().try_for_each(|e| files.write_event(e))
    }
}

#[derive(Serialize)]
struct EventsFile<'a> {
    temperature_k: f64,
    cluster_ids: Vec<u64>,
    /// The `profile` estimator of the first event on F(s) now (null before an event).
    delta_f_profile: Option<Barrier>,
    /// The `filled-depth` estimator of the first event (eV).
    delta_f_filled_depth_ev: Option<f64>,
    /// The `final` diagnostic: the first well beyond the start on F(s) now.
    delta_f_final: Barrier,
    /// (biased step, `final` ΔF in eV or null) after every 10th hill: its convergence.
    delta_f_final_history: Vec<(u64, Option<f64>)>,
    events: &'a [Event],
    /// Confirmed rearrangements with fewer than `min_movers` movers (not events).
    precursors: Vec<PrecursorEntry<'a>>,
}

#[derive(Serialize)]
struct PrecursorEntry<'a> {
    #[serde(flatten)]
    precursor: &'a Precursor,
    /// "local rearrangement, largest displacement 0.9 Å".
    label: String,
}
