//! `betaglass md`: molecular dynamics on a configuration, with a progress bar, thermo output,
//! an optional LAMMPS dump, and the final state written so a run can be continued from it.

use std::path::PathBuf;

use anyhow::Context;

use betaglass::dynamics::Ensemble;
use betaglass::io::DumpWriter;
use betaglass::simulation::{MdSettings, Simulation};

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum EnsembleKind {
    Nve,
    Nvt,
    Langevin,
    Npt,
}

#[derive(clap::Args, Debug)]
pub struct MdArgs {
    /// Starting configuration (default: the embedded glass).
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub potential: super::PotentialArgs,
    #[arg(long, default_value_t = 10_000)]
    pub steps: u64,
    #[arg(long, value_enum, default_value = "nvt")]
    pub ensemble: EnsembleKind,
    /// Thermostat target (K).
    #[arg(long, default_value_t = 300.0)]
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
    /// velocities are kept, or drawn at --temperature if the file has none.
    #[arg(long)]
    pub velocities: Option<f64>,
    /// Print thermodynamics every this many steps (0: never).
    #[arg(long, default_value_t = 1000)]
    pub thermo_every: u64,
    /// Append frames to this LAMMPS dump file.
    #[arg(long)]
    pub dump: Option<PathBuf>,
    #[arg(long, default_value_t = 1000)]
    pub dump_every: u64,
    /// Write the final configuration here (also every --thermo-every steps, so a killed run
    /// can be continued from it).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
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
}

pub fn run(args: MdArgs) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()?;
    pool.install(|| run_in_pool(&args))
}

fn run_in_pool(args: &MdArgs) -> anyhow::Result<()> {
    let system = super::load_system(args.file.as_deref())?;
    let has_velocities = system
        .velocities_angstrom_per_ps
        .iter()
        .flatten()
        .any(|v| *v != 0.0);
    let settings = MdSettings {
        timestep_ps: args.dt_fs * 1e-3,
        skin_angstrom: args.skin,
        ensemble: args.ensemble(),
        seed: args.seed,
    };
    let mut sim = Simulation::new(system, args.potential.load()?, settings)?;
    match (args.velocities, has_velocities) {
        (Some(t), _) => sim.randomize_velocities(t, args.seed),
        (None, false) => sim.randomize_velocities(args.temperature, args.seed),
        (None, true) => {}
    }
    let mut dump = args.dump.as_deref().map(DumpWriter::create).transpose()?;
    let bar = super::progress_bar(args.steps, "md");
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
    // Largest step count that lands on every thermo, dump and checkpoint boundary.
    let chunk = [args.thermo_every, args.dump_every, 100]
        .into_iter()
        .filter(|&k| k > 0)
        .fold(0, gcd);
    let mut done = 0;
    while done < args.steps {
        let n = chunk.min(args.steps - done);
        let result = sim.step(n);
        done = sim.step_count();
        bar.set_position(done);
        if let Err(e) = result {
            bar.abandon();
            write_output(args, &sim)?;
            return Err(e).context("md stopped; the last good state was kept");
        }
        if args.thermo_every > 0 && done % args.thermo_every == 0 {
            print(&sim);
            write_output(args, &sim)?;
        }
        if let Some(d) = dump.as_mut().filter(|_| done % args.dump_every == 0) {
            d.write_frame(
                done,
                sim.system(),
                Some(&sim.forces().forces_ev_per_angstrom),
            )?;
        }
    }
    bar.finish();
    if let Some(d) = dump.as_mut() {
        d.flush()?;
    }
    write_output(args, &sim)
}

fn write_output(args: &MdArgs, sim: &Simulation) -> anyhow::Result<()> {
    if let Some(path) = &args.output {
        betaglass::io::write_configuration(path, sim.system())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}
