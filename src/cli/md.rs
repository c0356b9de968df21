//! `betaglass md`: molecular dynamics on a configuration, with a progress bar, thermo output,
//! an optional LAMMPS dump, and checkpoints so a killed run can be resumed.
//!
//! At every thermo line (and at the end) the configuration goes to `--output` and the full
//! engine state (thermostat and barostat variables, step count, RNG, atom order) to
//! `<output>.state.json`, both written to a temporary file and renamed, so a kill never leaves
//! half a file. `--resume` continues from that state: with the same options and thread count
//! the resumed run is bit-identical to one that was never stopped, and its dump continues the
//! old one.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use betaglass::dynamics::Ensemble;
use betaglass::io::DumpWriter;
use betaglass::potential::Potential;
use betaglass::simulation::{MdSettings, Simulation, SimulationState};

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum EnsembleKind {
    Nve,
    Nvt,
    Langevin,
    Npt,
}

#[derive(clap::Args, Debug)]
pub struct MdArgs {
    /// Starting configuration (default: the embedded glass). Ignored with --resume.
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub potential: super::PotentialArgs,
    /// Step count to reach: with --resume, the run stops at this total, counting the steps
    /// already done.
    #[arg(long, default_value_t = 10_000)]
    pub steps: u64,
    #[arg(long, value_enum, default_value = "nvt")]
    pub ensemble: EnsembleKind,
    /// Thermostat target (K).
    #[arg(long, default_value_t = 300.0, value_parser = crate::cli::temperature_arg)]
    pub temperature: f64,
    /// Thermostat damping time (ps).
    #[arg(long, default_value_t = 0.2)]
    pub tdamp: f64,
    /// Barostat target (bar), NPT only.
    #[arg(long, default_value_t = 0.0)]
    pub pressure: f64,
    /// Barostat damping time (ps), NPT only.
    #[arg(long, default_value_t = 2.0)]
    pub pdamp: f64,
    /// Time step (fs).
    #[arg(long, default_value_t = 2.0)]
    pub dt_fs: f64,
    /// Neighbour-list skin (Å).
    #[arg(long, default_value_t = 1.0)]
    pub skin: f64,
    /// Seed of the Langevin noise and of new velocities.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Draw new Maxwell–Boltzmann velocities at this temperature (K). Without it the file's
    /// velocities are kept, or drawn at --temperature if the file has none. Ignored with
    /// --resume.
    #[arg(long, value_parser = crate::cli::temperature_arg)]
    pub velocities: Option<f64>,
    /// Print thermodynamics, and write --output and its checkpoint, every this many steps
    /// (0: one thermo line at the start; --output and the checkpoint at the start and the end).
    #[arg(long, default_value_t = 1000)]
    pub thermo_every: u64,
    /// Write frames to this LAMMPS dump file (truncated, or continued with --resume).
    #[arg(long)]
    pub dump: Option<PathBuf>,
    /// Steps between dump frames (must be > 0 when --dump is given).
    #[arg(long, default_value_t = 1000)]
    pub dump_every: u64,
    /// Write the configuration here at every thermo line and at the end, with the engine
    /// state in OUTPUT.state.json for --resume.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Continue from OUTPUT.state.json, written by an earlier run with the same options, up to
    /// --steps in total.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Overwrite --output, its state file and --dump if they exist (else refused).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = crate::cli::threads_arg)]
    pub threads: Option<usize>,
}

impl MdArgs {
    fn ensemble(&self) -> Ensemble {
        match self.ensemble {
            EnsembleKind::Nve => Ensemble::Nve,
            EnsembleKind::Nvt => Ensemble::Nvt {
                temperature_k: self.temperature,
                damping_ps: self.tdamp,
            },
            EnsembleKind::Langevin => Ensemble::Langevin {
                temperature_k: self.temperature,
                damping_ps: self.tdamp,
            },
            EnsembleKind::Npt => Ensemble::Npt {
                temperature_k: self.temperature,
                temperature_damping_ps: self.tdamp,
                pressure_bar: self.pressure,
                pressure_damping_ps: self.pdamp,
            },
        }
    }

    fn settings(&self) -> MdSettings {
        MdSettings {
            timestep_ps: self.dt_fs * 1e-3,
            skin_angstrom: self.skin,
            ensemble: self.ensemble(),
            seed: self.seed,
        }
    }
}

/// What `md` writes to `<output>.state.json`.
#[derive(Serialize, Deserialize)]
struct MdCheckpoint {
    /// Identifies the file, so --resume refuses anything else with a clear message.
    format: String,
    /// The potential's description: a resumed run must use the same potential.
    potential: String,
    /// The dump file and its length when this state was saved: it then held exactly the
    /// frames up to `state.step`, so a resumed run cuts it back to that length and appends.
    dump: Option<DumpMark>,
    state: SimulationState,
}

#[derive(Serialize, Deserialize)]
struct DumpMark {
    path: PathBuf,
    bytes: u64,
}

const CHECKPOINT_FORMAT: &str = "betaglass md checkpoint 1";

/// `<output>.state.json`, next to the output.
pub fn state_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".state.json");
    PathBuf::from(name)
}

/// A dump file with the name it was opened under, so its length can be recorded.
struct Dump {
    path: PathBuf,
    writer: DumpWriter<BufWriter<File>>,
}

pub fn run(args: MdArgs) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()?;
    pool.install(|| run_in_pool(&args))
}

fn run_in_pool(args: &MdArgs) -> anyhow::Result<()> {
    if args.dump.is_some() && args.dump_every == 0 {
        // A dump with no frames is almost certainly a mistake; say so before any work.
        bail!(
            "--dump-every 0 would write no frames to --dump: give --dump-every N > 0, or drop --dump"
        );
    }
    let potential = args.potential.load()?;
    let settings = args.settings();
    let (mut sim, mut dump) = if args.resume {
        let output = args.output.as_deref().context("--resume needs --output")?;
        resume(args, output, potential, settings)?
    } else {
        let mut written: Vec<PathBuf> = args.dump.iter().cloned().collect();
        if let Some(output) = &args.output {
            written.extend([output.clone(), state_path(output)]);
        }
        super::refuse_to_overwrite(&written, args.force)?;
        let sim = start(args, potential, settings)?;
        let dump = args.dump.as_deref().map(create_dump).transpose()?;
        (sim, dump)
    };
    let resumed = args.resume;
    let bar = super::progress_bar(args.steps, "md");
    bar.set_position(sim.step_count().min(args.steps));
    out!(
        "{:>10} {:>10} {:>10} {:>16} {:>16} {:>12} {:>12}",
        "step",
        "time_ps",
        "temp_K",
        "pe_eV",
        "conserved_eV",
        "press_bar",
        "vol_A3"
    );
    let print = |sim: &Simulation| {
        let t = sim.thermo();
        // suspend() prints also when the bar is hidden (output not a terminal).
        bar.suspend(|| {
            out!(
                "{:>10} {:>10.3} {:>10.2} {:>16.6} {:>16.6} {:>12.2} {:>12.2}",
                t.step,
                t.time_ps,
                t.temperature_k,
                t.potential_energy_ev,
                t.conserved_energy_ev,
                t.pressure_bar,
                t.volume_angstrom3
            )
        });
    };
    print(&sim);
    // A resumed run starts from a saved state: saving again here would rebuild the neighbour
    // list once more than the uninterrupted run did, and the two would part in the last bits.
    if !resumed {
        checkpoint(args, &mut sim, dump.as_mut())?;
    }
    if sim.step_count() >= args.steps {
        bar.abandon();
        eprintln!(
            "md: already at step {} (--steps {}): nothing to do",
            sim.step_count(),
            args.steps
        );
        return Ok(());
    }
    // Largest step count that lands on every thermo, dump and checkpoint boundary.
    let chunk = [args.thermo_every, args.dump_every, 100]
        .into_iter()
        .filter(|&k| k > 0)
        .fold(0, gcd);
    let mut done = sim.step_count();
    while done < args.steps {
        // Up to the next multiple of `chunk` (a resumed run may start off the grid if its
        // options changed), never past --steps.
        let n = (chunk - done % chunk).min(args.steps - done);
        let result = sim.step(n);
        done = sim.step_count();
        bar.set_position(done);
        if let Err(e) = result {
            bar.abandon();
            // The engine rolled back to its last good state; keep it for inspection. The
            // checkpoint stays at the last thermo line, consistent with the dump.
            write_configuration(args, &sim)?;
            return Err(e).context("md stopped; the last good state was kept");
        }
        // `is_multiple_of(0)` is false for done > 0: 0 means "never", not a division by zero.
        if let Some(d) = dump
            .as_mut()
            .filter(|_| done.is_multiple_of(args.dump_every))
        {
            d.writer.write_frame(
                done,
                sim.system(),
                Some(&sim.forces().forces_ev_per_angstrom),
            )?;
        }
        if done.is_multiple_of(args.thermo_every) {
            print(&sim);
            checkpoint(args, &mut sim, dump.as_mut())?;
        }
    }
    bar.finish();
    if !done.is_multiple_of(args.thermo_every) {
        checkpoint(args, &mut sim, dump.as_mut())?;
    }
    if let Some(d) = dump.as_mut() {
        d.writer.flush()?;
    }
    Ok(())
}

/// A fresh run from FILE (or the embedded glass).
fn start(
    args: &MdArgs,
    potential: Arc<dyn Potential>,
    settings: MdSettings,
) -> anyhow::Result<Simulation> {
    let system = super::load_system(args.file.as_deref())?;
    let has_velocities = system
        .velocities_angstrom_per_ps
        .iter()
        .flatten()
        .any(|v| *v != 0.0);
    let mut sim = Simulation::new(system, potential, settings)?;
    match (args.velocities, has_velocities) {
        (Some(t), _) => sim.randomize_velocities(t, args.seed),
        (None, false) => sim.randomize_velocities(args.temperature, args.seed),
        (None, true) => {}
    }
    Ok(sim)
}

/// Continues from `<output>.state.json`; cuts the dump back to the frames it held then.
fn resume(
    args: &MdArgs,
    output: &Path,
    potential: Arc<dyn Potential>,
    settings: MdSettings,
) -> anyhow::Result<(Simulation, Option<Dump>)> {
    let path = state_path(output);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("--resume: cannot read {}", path.display()))?;
    let saved: MdCheckpoint = serde_json::from_str(&text)
        .with_context(|| format!("--resume: {} is not an md checkpoint", path.display()))?;
    if saved.format != CHECKPOINT_FORMAT {
        bail!(
            "--resume: {} is {:?}, not a {CHECKPOINT_FORMAT:?}",
            path.display(),
            saved.format
        );
    }
    // Other settings would silently continue a different trajectory.
    if saved.state.settings != settings {
        bail!(
            "--resume: {} was written with {:?}; this command line gives {:?}: pass the same \
             --ensemble, --temperature, --tdamp, --pressure, --pdamp, --dt-fs, --skin and --seed",
            path.display(),
            saved.state.settings,
            settings
        );
    }
    if saved.potential != potential.description() {
        bail!(
            "--resume: {} was written with the potential {:?}, this command line gives {:?}",
            path.display(),
            saved.potential,
            potential.description()
        );
    }
    if args.file.is_some() || args.velocities.is_some() {
        eprintln!(
            "md: resuming from {} at step {}: FILE and --velocities are ignored",
            path.display(),
            saved.state.step
        );
    }
    let dump = match &args.dump {
        None => None,
        Some(dump_path) => Some(match &saved.dump {
            Some(mark) if &mark.path == dump_path => reopen_dump(dump_path, mark.bytes)?,
            // The earlier run wrote no dump, or another one: start this one afresh.
            _ => create_dump(dump_path)?,
        }),
    };
    let sim = Simulation::from_state(saved.state, potential, Vec::new())
        .with_context(|| format!("--resume: {}", path.display()))?;
    Ok((sim, dump))
}

fn create_dump(path: &Path) -> anyhow::Result<Dump> {
    Ok(Dump {
        path: path.to_path_buf(),
        writer: DumpWriter::create(path)?,
    })
}

/// Opens the dump of a resumed run: frames written after the checkpoint (the run was killed
/// between two thermo lines) are cut off, as the resumed run writes them again.
fn reopen_dump(path: &Path, bytes: u64) -> anyhow::Result<Dump> {
    let name = path.display().to_string();
    let file = OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("--resume: cannot open the dump {name}"))?;
    let length = file.metadata()?.len();
    if length < bytes {
        bail!(
            "--resume: the dump {name} has {length} bytes, fewer than the {bytes} it had at the \
             checkpoint: was it changed? Move it away to start a new dump"
        );
    }
    file.set_len(bytes)
        .with_context(|| format!("--resume: cannot truncate the dump {name}"))?;
    Ok(Dump {
        path: path.to_path_buf(),
        writer: DumpWriter::with_name(BufWriter::new(file), &name),
    })
}

/// Saves the state (always, so a run's trajectory does not depend on whether it has
/// --output: saving rebuilds the neighbour list); with --output, writes the configuration
/// and `<output>.state.json`. The dump is flushed first, so the recorded length covers every
/// frame up to this step.
fn checkpoint(args: &MdArgs, sim: &mut Simulation, dump: Option<&mut Dump>) -> anyhow::Result<()> {
    let state = sim.save_state();
    let dump = match dump {
        Some(d) => {
            d.writer.flush()?;
            let bytes = std::fs::metadata(&d.path)
                .with_context(|| format!("{}", d.path.display()))?
                .len();
            Some(DumpMark {
                path: d.path.clone(),
                bytes,
            })
        }
        None => None,
    };
    let Some(output) = &args.output else {
        return Ok(());
    };
    write_configuration(args, sim)?;
    let saved = MdCheckpoint {
        format: CHECKPOINT_FORMAT.into(),
        potential: sim.potential().description(),
        dump,
        state,
    };
    let path = state_path(output);
    write_atomically(&path, |file| {
        let mut writer = BufWriter::new(file);
        serde_json::to_writer(&mut writer, &saved)?;
        writer.flush()
    })
    .with_context(|| format!("writing {}", path.display()))
}

fn write_configuration(args: &MdArgs, sim: &Simulation) -> anyhow::Result<()> {
    let Some(path) = &args.output else {
        return Ok(());
    };
    betaglass::io::write_configuration_atomic(path, sim.system())
        .with_context(|| format!("writing {}", path.display()))
}

/// Writes `path` through a temporary file in the same folder, synced and then renamed, so a
/// kill or power cut leaves either the old file or the new one, never half of one.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let written = File::create(&tmp).and_then(|mut file| {
        write(&mut file)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        // Never leave a partial file of a failed write (a full disk) behind.
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}
