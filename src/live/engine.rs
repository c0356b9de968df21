//! The engine thread: one [`MetadynamicsRun`] (or a sampling being started) on its own
//! thread with its own rayon pool, driven by [`Command`]s and publishing [`Snapshot`]s.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::publish::{
    PUBLISH_HZ, ViewState, event_view, live_barrier, rdf_landmarks, thermo_point,
};
use super::snapshot::{EngineStatus, Snapshot, SnapshotSlot};
use crate::io::lammps_deck::{POTENTIAL_FILE, SamplingDeck};
use crate::io::sampling_files::SamplingFiles;
use crate::potential::Potential;
use crate::sampling::{
    HillSettings, MetadynamicsRun, MetadynamicsState, SamplingSetup, StartProgress, start_sampling,
};
use crate::simulation::Simulation;
use crate::system::System;

/// What the display asks of the engine. Sent over a channel; never blocks the sender.
#[derive(Clone, Debug)]
pub enum Command {
    Pause,
    Resume,
    /// One sample interval of biased MD (while paused).
    Step,
    /// A new sampling with `setup`: from the opened configuration (reproducible), or from
    /// the current, thermalised one (to push a neighbouring cluster of what is on screen).
    Restart {
        setup: SamplingSetup,
        from_current: bool,
    },
    /// w₀, σ, τ or ΔT from the next hill on, keeping the bias deposited so far.
    SetHills(HillSettings),
    /// Opens a configuration (None: the embedded default glass) and starts `setup` on it.
    Open {
        file: Option<PathBuf>,
        setup: SamplingSetup,
    },
    /// Writes the current configuration (extended XYZ or LAMMPS data, by extension).
    SaveConfiguration(PathBuf),
    /// Writes the sampling's Colvars files, events and inherent structures under a prefix.
    ExportSampling(String),
    /// Writes a restart file of the sampling, and reads one back.
    SaveRestart(PathBuf),
    ResumeFrom(PathBuf),
    /// Writes the LAMMPS + Colvars deck of the sampling (in.lammps, metad.colvars,
    /// start.data and the potential) into a folder.
    ExportDeck(PathBuf),
    /// Publish each atom's energy above its species' mean (true), or stop (false).
    PerAtomEnergy(bool),
    /// Size of the engine's rayon pool.
    SetThreads(usize),
    Shutdown,
}

/// How to start an engine.
pub struct EngineConfig {
    pub system: System,
    /// Where the configuration came from, for the display.
    pub label: String,
    pub potential: Arc<dyn Potential>,
    pub setup: SamplingSetup,
    /// None: all cores but one, so the window stays smooth.
    pub threads: Option<usize>,
    pub start_paused: bool,
}

/// The display's handle on the engine thread. Dropping it stops the thread and waits for it.
pub struct Engine {
    commands: Sender<Command>,
    slot: Arc<SnapshotSlot>,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    pub fn spawn(config: EngineConfig) -> Self {
        let (commands, receiver) = mpsc::channel();
        let slot = Arc::new(SnapshotSlot::new(Snapshot::empty(config.setup.clone())));
        let publisher = slot.clone();
        let thread = std::thread::Builder::new()
            .name("betaglass-engine".into())
            .spawn(move || EngineLoop::new(config, receiver, publisher).run())
            .expect("the OS can start a thread");
        Self {
            commands,
            slot,
            thread: Some(thread),
        }
    }

    /// Queues a command; returns at once.
    pub fn send(&self, command: Command) {
        // A closed channel means the engine thread has ended; there is nothing to tell.
        let _ = self.commands.send(command);
    }

    /// The newest snapshot.
    pub fn latest(&self) -> Arc<Snapshot> {
        self.slot.latest()
    }

    /// Whether the engine thread is still running.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the engine thread and waits for it (at most one chunk of MD or one quench).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Default engine threads: all cores but one (at least one).
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .max(1)
}

/// Biased steps in the app's LAMMPS deck: 200 ps at 2 fs, long enough for the paper's events
/// at 450–650 K (`run` in in.lammps says it; change it there).
pub const DECK_MAX_STEPS: u64 = 100_000;

/// The LAMMPS + Colvars deck of a sampling of `setup` started from `system` (before its
/// equilibration) on the cluster `cluster_ids`: the protocol `betaglass export-lammps` writes
/// for a campaign, with the potential beside the input.
fn sampling_deck(
    system: &System,
    setup: &SamplingSetup,
    cluster_ids: &[u64],
    label: &str,
) -> Result<Arc<SamplingDeck>, String> {
    if cluster_ids.is_empty() {
        return Err("the sampling has no cluster".into());
    }
    let title = format!(
        "betaglass sampling of {label}: {} K, seed {}, cluster of {} atoms (ids {})",
        setup.temperature_k,
        setup.seed,
        cluster_ids.len(),
        cluster_ids
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    );
    SamplingDeck::new(
        system,
        setup,
        cluster_ids,
        DECK_MAX_STEPS,
        &title,
        POTENTIAL_FILE,
    )
    .map(Arc::new)
}

/// Whether the loop goes on.
#[derive(PartialEq)]
enum Flow {
    Continue,
    Exit,
}

struct EngineLoop {
    commands: Receiver<Command>,
    slot: Arc<SnapshotSlot>,
    potential: Arc<dyn Potential>,
    /// The configuration as opened: samplings restart from it.
    opened: System,
    label: String,
    setup: SamplingSetup,
    run: Option<MetadynamicsRun>,
    /// A sampling to start before anything else: (setup, from the current configuration).
    start_pending: Option<(SamplingSetup, bool)>,
    /// Commands that arrived while a start was under way, handled after it.
    deferred: VecDeque<Command>,
    paused: bool,
    status: EngineStatus,
    pool: rayon::ThreadPool,
    threads: usize,
    view: ViewState,
}

fn build_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("betaglass-force-{i}"))
        .build()
        .expect("a rayon pool of a valid size")
}

impl EngineLoop {
    fn new(config: EngineConfig, commands: Receiver<Command>, slot: Arc<SnapshotSlot>) -> Self {
        let threads = config.threads.unwrap_or_else(default_threads).max(1);
        Self {
            commands,
            slot,
            potential: config.potential,
            opened: config.system,
            label: config.label,
            setup: config.setup.clone(),
            run: None,
            start_pending: Some((config.setup, false)),
            deferred: VecDeque::new(),
            paused: config.start_paused,
            status: EngineStatus::Paused,
            pool: build_pool(threads),
            threads,
            view: ViewState::default(),
        }
    }

    fn run(mut self) {
        loop {
            if self.drain_commands() == Flow::Exit {
                return;
            }
            if let Some((setup, from_current)) = self.start_pending.take() {
                if self.start(setup, from_current) == Flow::Exit {
                    return;
                }
                continue;
            }
            if self.run.is_some() && !self.paused {
                self.advance_chunk(None);
                continue;
            }
            // Nothing to compute: wait for a command without spinning.
            match self.commands.recv_timeout(Duration::from_millis(200)) {
                Ok(c) => {
                    if self.handle(c) == Flow::Exit {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Handles the deferred commands and those waiting in the channel.
    fn drain_commands(&mut self) -> Flow {
        while self.start_pending.is_none() {
            let next = match self.deferred.pop_front() {
                Some(c) => c,
                None => match self.commands.try_recv() {
                    Ok(c) => c,
                    Err(mpsc::TryRecvError::Empty) => return Flow::Continue,
                    Err(mpsc::TryRecvError::Disconnected) => return Flow::Exit,
                },
            };
            if self.handle(next) == Flow::Exit {
                return Flow::Exit;
            }
        }
        Flow::Continue
    }

    fn handle(&mut self, command: Command) -> Flow {
        match command {
            Command::Shutdown => return Flow::Exit,
            Command::Pause => {
                self.paused = true;
                if self.run.is_some() {
                    self.status = EngineStatus::Paused;
                }
            }
            Command::Resume => {
                self.paused = false;
                if self.run.is_some() {
                    self.status = EngineStatus::Sampling;
                }
            }
            Command::Step => {
                if self.run.is_some() {
                    let every = self.setup.sample_every_steps;
                    self.advance_chunk(Some(every));
                }
            }
            // A new sampling runs: asking for one is asking to watch it.
            Command::Restart {
                setup,
                from_current,
            } => {
                self.paused = false;
                self.start_pending = Some((setup, from_current));
            }
            Command::SetHills(hills) => self.set_hills(hills),
            Command::Open { file, setup } => self.open(file, setup),
            Command::SaveConfiguration(path) => {
                let result = match &self.run {
                    Some(run) => crate::io::write_configuration(&path, run.simulation().system()),
                    None => crate::io::write_configuration(&path, &self.opened),
                };
                self.report(result.map(|()| format!("saved {}", path.display())));
            }
            Command::ExportSampling(prefix) => {
                let result = match &self.run {
                    Some(run) => SamplingFiles::export(&prefix, run)
                        .map(|()| format!("wrote {prefix}.colvars.traj, .colvars.meta.hills.traj, .pmf, .events.json")),
                    None => Ok("no sampling to export yet".into()),
                };
                self.report(result);
            }
            Command::SaveRestart(path) => self.save_restart(path),
            Command::ResumeFrom(path) => self.resume_from(path),
            Command::ExportDeck(dir) => {
                let result = match &self.view.deck {
                    Ok(deck) => deck.write(&dir, true).map(|_| {
                        format!(
                            "wrote the LAMMPS + Colvars deck of this sampling to {}: in.lammps, \
                             metad.colvars, start.data, {POTENTIAL_FILE} (run `lmp -in in.lammps` \
                             there, LAMMPS with COLVARS)",
                            dir.display()
                        )
                    }),
                    Err(why) => Ok(format!("no LAMMPS deck: {why}")),
                };
                self.report(result);
            }
            Command::PerAtomEnergy(on) => self.view.set_per_atom_energy(on),
            Command::SetThreads(n) => {
                let n = n.max(1);
                if n != self.threads {
                    self.pool = build_pool(n);
                    self.threads = n;
                    self.view.rate.reset();
                }
            }
        }
        self.publish_now();
        Flow::Continue
    }

    fn report<E: std::fmt::Display>(&mut self, result: Result<String, E>) {
        let text = match result {
            Ok(s) => s,
            Err(e) => format!("error: {e}"),
        };
        self.view.message_serial += 1;
        self.view.message = Some((self.view.message_serial, text));
    }

    fn set_hills(&mut self, hills: HillSettings) {
        let Some(run) = self.run.as_mut() else {
            self.setup.hills = hills;
            return;
        };
        match run.set_hill_settings(hills) {
            Ok(()) => {
                self.setup.hills = hills;
                self.report(Ok::<_, String>(format!(
                    "hills from now on: w₀ {} eV, σ {} Å, every {} steps, ΔT {} K",
                    hills.height_ev,
                    hills.sigma_angstrom,
                    hills.stride_steps,
                    hills.bias_temperature_k
                )));
            }
            Err(e) => self.report(Err::<String, _>(e)),
        }
    }

    fn open(&mut self, file: Option<PathBuf>, setup: SamplingSetup) {
        let (system, label) = match &file {
            None => (
                crate::assets::default_glass(),
                "embedded default glass".to_string(),
            ),
            Some(p) => match crate::io::read_configuration(p) {
                Ok(s) => (s, p.display().to_string()),
                Err(e) => {
                    self.report(Err::<String, _>(e));
                    return;
                }
            },
        };
        self.report(Ok::<_, String>(format!(
            "opened {label}: {} atoms",
            system.n_atoms()
        )));
        self.opened = system;
        self.label = label;
        self.view.rdf_landmarks = None;
        self.run = None;
        self.paused = false;
        self.start_pending = Some((setup, false));
    }

    fn save_restart(&mut self, path: PathBuf) {
        let Some(run) = self.run.as_mut() else {
            self.report(Ok::<_, String>("no sampling to save yet".into()));
            return;
        };
        let state = run.save_state();
        let result = serde_json::to_vec(&state)
            .map_err(|e| e.to_string())
            .and_then(|json| crate::io::write_atomic(&path, &json).map_err(|e| e.to_string()))
            .map(|()| format!("saved the sampling to {}", path.display()));
        self.report(result);
    }

    fn resume_from(&mut self, path: PathBuf) {
        let result = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|text| {
                serde_json::from_str::<MetadynamicsState>(&text)
                    .map_err(|e| format!("{}: not a betaglass restart file ({e})", path.display()))
            })
            .and_then(|state| {
                MetadynamicsRun::resume(state, self.potential.clone())
                    .map_err(|e| format!("{}: {e}", path.display()))
            });
        match result {
            Ok(run) => {
                self.opened = run.simulation().system().clone();
                self.label = path.display().to_string();
                self.setup = setup_of_run(&run, &self.setup);
                self.begin_view(&run, true);
                self.view.deck = Err(
                    "a resumed sampling has no starting configuration to give LAMMPS (its \
                     restart file starts mid-run)"
                        .into(),
                );
                self.run = Some(run);
                self.paused = true;
                self.status = EngineStatus::Paused;
                self.report(Ok::<_, String>(format!(
                    "resumed {} (paused)",
                    path.display()
                )));
            }
            Err(e) => self.report(Err::<String, _>(e)),
        }
    }

    /// Starts a sampling, publishing as equilibration goes and reacting to commands.
    fn start(&mut self, setup: SamplingSetup, from_current: bool) -> Flow {
        let system = match (&self.run, from_current) {
            (Some(run), true) => run.simulation().system().clone(),
            _ => self.opened.clone(),
        };
        self.run = None;
        self.setup = setup.clone();
        if self.view.rdf_landmarks.is_none() {
            self.view.rdf_landmarks = Some(Arc::new(rdf_landmarks(&self.opened)));
        }
        self.view.sampling_serial += 1;
        self.view.starting_cluster = setup.cluster(&system).map_or(Vec::new(), |c| c.ids());
        self.view.deck = sampling_deck(&system, &setup, &self.view.starting_cluster, &self.label);
        self.view.thermo_history.clear();
        self.view.barrier_history.clear();
        self.view.events.clear();
        self.view.reference_angstrom.clear();
        self.view.order_generation = None;
        self.view.steps_before_run = 0;
        self.view.rate.reset();
        let potential = self.potential.clone();
        let pool_threads = self.threads;
        let mut exit = false;
        let result = {
            let pool = build_pool(pool_threads);
            pool.install(|| {
                start_sampling(system, potential, &setup, |progress, sim| {
                    self.status = match progress {
                        StartProgress::Equilibrating {
                            done_steps,
                            total_steps,
                        } => EngineStatus::Equilibrating {
                            done_steps,
                            total_steps,
                        },
                        StartProgress::Quenching => EngineStatus::Quenching,
                    };
                    self.publish_starting(sim);
                    match self.poll_during_start() {
                        StartPoll::Go => true,
                        StartPoll::Abort => false,
                        StartPoll::Exit => {
                            exit = true;
                            false
                        }
                    }
                })
            })
        };
        if exit {
            return Flow::Exit;
        }
        match result {
            Ok(Some(run)) => {
                self.begin_view(&run, false);
                self.run = Some(run);
                self.status = if self.paused {
                    EngineStatus::Paused
                } else {
                    EngineStatus::Sampling
                };
            }
            Ok(None) => {} // a new request came; it is in `deferred`
            Err(e) => {
                self.status = EngineStatus::Stopped {
                    reason: e.to_string(),
                };
                self.report(Err::<String, _>(e));
            }
        }
        self.publish_now();
        Flow::Continue
    }

    /// Commands during a start: pause waits here, a new sampling or a shutdown aborts the
    /// start, anything else waits until the sampling runs.
    fn poll_during_start(&mut self) -> StartPoll {
        loop {
            let next = if self.paused {
                match self.commands.recv_timeout(Duration::from_millis(200)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return StartPoll::Exit,
                }
            } else {
                match self.commands.try_recv() {
                    Ok(c) => Some(c),
                    Err(mpsc::TryRecvError::Empty) => None,
                    Err(mpsc::TryRecvError::Disconnected) => return StartPoll::Exit,
                }
            };
            let Some(command) = next else {
                return StartPoll::Go;
            };
            match command {
                Command::Shutdown => return StartPoll::Exit,
                Command::Pause => self.paused = true,
                Command::Resume => self.paused = false,
                c @ (Command::Restart { .. } | Command::Open { .. } | Command::ResumeFrom(_)) => {
                    self.deferred.push_back(c);
                    return StartPoll::Abort;
                }
                other => self.deferred.push_back(other),
            }
        }
    }

    /// Resets the display state for a run that begins now (or was resumed).
    fn begin_view(&mut self, run: &MetadynamicsRun, resumed: bool) {
        if resumed {
            self.view.sampling_serial += 1;
            self.view.thermo_history.clear();
            self.view.barrier_history.clear();
            self.view.rate.reset();
        }
        let sim = run.simulation();
        self.view.steps_before_run = sim.step_count() - run.biased_steps();
        self.view.refresh_order(sim);
        // The reference for displacement arrows: the configuration the bias starts from
        // (for a resumed run, the configuration it resumed at).
        let x = &sim.system().positions_angstrom;
        self.view.reference_angstrom = self.view.order.iter().map(|&i| x[i]).collect();
        let ids = run.cluster_ids();
        self.view.events = run
            .events()
            .iter()
            .map(|e| Arc::new(event_view(e, &ids)))
            .collect();
    }

    /// Advances by `steps` (None: as many as fit in one display frame), records what the
    /// display plots, and publishes when a frame's time has passed.
    fn advance_chunk(&mut self, steps: Option<u64>) {
        let every = self.setup.sample_every_steps;
        let n = steps.unwrap_or_else(|| {
            let per_frame = self.view.rate.steps_per_s / PUBLISH_HZ;
            ((per_frame / every as f64).floor() as u64).clamp(1, 50) * every
        });
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let result = self.pool.install(|| run.advance(n));
        let ids = run.cluster_ids();
        match result {
            Ok(news) => {
                if news.new_hills > 0 || self.view.barrier_history.is_empty() {
                    let b = live_barrier(run).1.barrier_ev();
                    let t = run.last_sample().md_time_ps;
                    self.view.barrier_history.push((t, b));
                }
                self.view.events.extend(
                    news.new_events
                        .iter()
                        .map(|e| Arc::new(event_view(e, &ids))),
                );
                if !news.new_events.is_empty() {
                    let e = &news.new_events[0];
                    self.report(Ok::<_, String>(format!(
                        "event {} at {:.1} ps of MD: s {:.2} -> {:.2} Å, inherent-structure RMSD {:.2} Å, motion: {}",
                        e.number,
                        e.crossing.md_time_ps,
                        e.basin_before_angstrom,
                        e.basin_after_angstrom,
                        e.inherent_rmsd_angstrom,
                        e.motion.describe().replace('→', "->").replace('↔', "<->"),
                    )));
                }
                self.status = if self.paused {
                    EngineStatus::Paused
                } else {
                    EngineStatus::Sampling
                };
            }
            Err(e) => {
                // The simulation rolled back to its last good state: keep it, stop, say why.
                self.paused = true;
                self.status = EngineStatus::Stopped {
                    reason: e.to_string(),
                };
                self.report(Err::<String, _>(e));
            }
        }
        self.record_thermo();
        let total = self.total_steps();
        self.view.rate.observe(total);
        if self.view.publish_due() || steps.is_some() {
            self.publish_now();
        }
    }

    fn total_steps(&self) -> u64 {
        self.run.as_ref().map_or(0, |r| r.simulation().step_count())
    }

    fn record_thermo(&mut self) {
        let Some(run) = &self.run else { return };
        let point = thermo_point(run.simulation(), run.last_sample().md_time_ps);
        self.view.record_thermo(point);
    }

    /// Publishes the state of a sampling being started (no bias yet), at most at display rate.
    fn publish_starting(&mut self, sim: &Simulation) {
        if !self.view.publish_due() {
            return;
        }
        self.view.refresh_order(sim);
        self.view.rate.observe(sim.step_count());
        let snapshot = self.view.starting_snapshot(self.header_snapshot(), sim);
        self.send(snapshot);
    }

    /// What every snapshot says of the engine itself, with no atoms.
    fn header_snapshot(&self) -> Snapshot {
        let mut s = Snapshot::empty(self.setup.clone());
        s.sampling_serial = self.view.sampling_serial;
        s.status = self.status.clone();
        s.message = self.view.message.clone();
        s.configuration_label = self.label.clone();
        s.threads = self.threads;
        s
    }

    fn publish_now(&mut self) {
        if let Some(run) = &self.run {
            // The engine re-sorts atoms now and then: refresh the id order first.
            self.view.refresh_order(run.simulation());
            // In the engine's pool, so the engine keeps to its threads.
            let (view, potential) = (&mut self.view, &self.potential);
            self.pool
                .install(|| view.refresh_energies(run.simulation(), potential));
        }
        let snapshot = match &self.run {
            Some(run) => self.view.sampling_snapshot(self.header_snapshot(), run),
            None => {
                let mut s = self.header_snapshot();
                s.atoms = self.view.last_atoms.clone();
                s
            }
        };
        self.send(snapshot);
    }

    fn send(&mut self, mut snapshot: Snapshot) {
        self.view.stamp(&mut snapshot);
        self.slot.publish(snapshot);
    }
}

enum StartPoll {
    Go,
    Abort,
    Exit,
}

/// The setup a resumed run implies: its hills, temperature and cluster; the rest as before.
fn setup_of_run(run: &MetadynamicsRun, previous: &SamplingSetup) -> SamplingSetup {
    let settings = run.settings();
    let mut setup = previous.clone();
    setup.temperature_k = settings.temperature_k;
    setup.hills = settings.hills;
    setup.sample_every_steps = settings.sample_every_steps;
    setup.event_jump_angstrom = settings.events.jump_angstrom;
    setup.event_dwell_ps = settings.events.dwell_ps;
    setup.event_min_movers = settings.events.min_movers;
    setup.event_mover_threshold_angstrom = settings.events.mover_threshold_angstrom();
    setup.timestep_fs = run.simulation().settings().timestep_ps * 1e3;
    if let Some(&first) = run.cluster_ids().first() {
        setup.centre = crate::sampling::CentreChoice::Atom(first);
    }
    setup
}
