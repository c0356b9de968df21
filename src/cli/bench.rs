//! `betaglass bench`: MD speed on the glass, NVT 300 K, 2 fs, for 1 and N threads
//! (the set-up of LAMMPS's in.bench, so the figures compare as ratios).

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use betaglass::dynamics::Ensemble;
use betaglass::sampling::{Bias, Cluster, CvBiasFix, Metadynamics, MetadynamicsSettings, RmsdCv};
use betaglass::simulation::{MdSettings, Simulation};

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Configuration (default: the embedded 4000-atom glass).
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub potential: super::PotentialArgs,
    #[arg(long, default_value_t = 2000)]
    pub steps: u64,
    /// Thread counts to measure, comma-separated (default: 1 and all cores).
    #[arg(long, value_delimiter = ',', value_parser = crate::cli::threads_arg)]
    pub threads: Vec<usize>,
    #[arg(long, default_value_t = 1.0)]
    pub skin: f64,
    /// Print results as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// Also time the same run with well-tempered metadynamics on the RMSD of the cluster of
    /// `--centre` (4 Å; the paper's settings: hills every 1000 steps), and print the overhead.
    #[arg(long)]
    pub metad: bool,
    /// Centre atom of the metadynamics cluster.
    #[arg(long, alias = "center", default_value_t = 348)]
    pub centre: u64,
}

#[derive(Serialize)]
struct BenchResult {
    threads: usize,
    /// "md", or "metad" with the bias on the cluster.
    mode: &'static str,
    atoms: usize,
    steps: u64,
    seconds: f64,
    steps_per_s: f64,
    katom_steps_per_s: f64,
    neighbor_builds: u64,
    peak_rss_mb: Option<f64>,
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let system = super::load_system(args.file.as_deref())?;
    let potential = args.potential.load()?;
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads = args.threads.clone();
    if threads.is_empty() {
        threads = if all > 1 { vec![1, all] } else { vec![1] };
    }
    if !args.json {
        out!(
            "betaglass bench: {} atoms, NVT 300 K, 2 fs, skin {} Å, {} steps",
            system.n_atoms(),
            args.skin,
            args.steps
        );
    }
    let modes: &[&'static str] = if args.metad {
        &["md", "metad"]
    } else {
        &["md"]
    };
    for &t in &threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build()?;
        let mut md_steps_per_s = None;
        for &mode in modes {
            let result = pool.install(|| measure(&args, &system, &potential, t, mode))?;
            report(&args, &result)?;
            match mode {
                "md" => md_steps_per_s = Some(result.steps_per_s),
                _ => {
                    if let (Some(md), false) = (md_steps_per_s, args.json) {
                        out!(
                            "            metadynamics adds {:+.1} % to the step",
                            (md / result.steps_per_s - 1.0) * 100.0
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// One timed run: plain NVT, or NVT with the metadynamics fix on the cluster.
fn measure(
    args: &BenchArgs,
    system: &betaglass::system::System,
    potential: &std::sync::Arc<dyn betaglass::potential::Potential>,
    threads: usize,
    mode: &'static str,
) -> anyhow::Result<BenchResult> {
    let settings = MdSettings {
        timestep_ps: 0.002,
        skin_angstrom: args.skin,
        ensemble: Ensemble::Nvt {
            temperature_k: 300.0,
            damping_ps: 0.2,
        },
        seed: 1,
    };
    let mut sim = Simulation::new(system.clone(), potential.clone(), settings)?;
    if sim.temperature_k() == 0.0 {
        sim.randomize_velocities(300.0, 1);
    }
    if mode == "metad" {
        let cluster = Cluster::around(system, args.centre, 4.0)?;
        let cv = RmsdCv::new(cluster.ids(), &cluster.positions_angstrom())?;
        let p = MetadynamicsSettings::paper(300.0);
        let biases = vec![
            Bias::Metadynamics(Metadynamics::new(p.hills, p.grid)?),
            Bias::UpperWall(p.wall.expect("the paper's settings have a wall")),
        ];
        sim.add_fix(CvBiasFix::new(Box::new(cv), biases, 300.0, 0));
    }
    sim.step(50)?; // warm-up: caches, first rebuilds
    let builds0 = sim.neighbor_list().builds();
    let start = Instant::now();
    sim.step(args.steps)?;
    let seconds = start.elapsed().as_secs_f64();
    let steps_per_s = args.steps as f64 / seconds;
    Ok(BenchResult {
        threads,
        mode,
        atoms: sim.system().n_atoms(),
        steps: args.steps,
        seconds,
        steps_per_s,
        katom_steps_per_s: steps_per_s * sim.system().n_atoms() as f64 / 1e3,
        neighbor_builds: sim.neighbor_list().builds() - builds0,
        peak_rss_mb: peak_rss_mb(),
    })
}

fn report(args: &BenchArgs, result: &BenchResult) -> anyhow::Result<()> {
    if args.json {
        out!("{}", serde_json::to_string(result)?);
    } else {
        out!(
            "threads {:>2} {:>5}: {:>8.1} steps/s  {:>8.1} katom-step/s  ({} steps in {:.2} s, {} neighbour builds, peak RSS {})",
            result.threads,
            result.mode,
            result.steps_per_s,
            result.katom_steps_per_s,
            result.steps,
            result.seconds,
            result.neighbor_builds,
            result
                .peak_rss_mb
                .map_or("n/a".into(), |m| format!("{m:.1} MB")),
        );
    }
    Ok(())
}

/// Peak resident memory of this process (Linux `VmHWM`), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
