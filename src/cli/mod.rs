//! The command line: `prepare`, `md`, `eval`, `bench`, `metad`, `fes`, `cluster`, `rmsd`,
//! `campaign`, `stats`, `export-lammps`, `import`, `art`, `check-screenshot`.

/// `println!` that ends the program quietly when stdout is closed (`betaglass … | head`)
/// instead of panicking on the broken pipe.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_line(format_args!($($arg)*))
    };
}

mod art;
mod bench;
mod campaign;
mod check_screenshot;
mod cluster;
mod eval;
mod fes;
mod lammps;
mod lockstep;
mod md;
mod metad;
mod prepare;
mod rmsd;
mod stats;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand};

use betaglass::potential::{Eam, Potential, SetflFlavor, SetflTables, mendelev};
use betaglass::system::System;
use betaglass::system::units::MAX_TEMPERATURE_K;

/// The cores this machine offers (1 when it cannot tell).
pub fn available_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The most worker threads any command takes: 8 per core. More only time-slices the same
/// cores, and a typo (`--threads 100000`) would otherwise spawn threads until the machine hangs.
pub fn max_threads() -> usize {
    8 * available_cores()
}

/// The one rule for `--threads` of every command: a whole number from 1 to [`max_threads`];
/// leaving the flag out means all cores. 0 is refused everywhere (it used to mean "all" for
/// `md`/`metad` and an error for `art`/`campaign`).
pub fn threads_arg(value: &str) -> Result<usize, String> {
    let n: usize = value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a whole number of threads"))?;
    let max = max_threads();
    if n == 0 {
        return Err("0 threads: give at least 1, or leave --threads out for all cores".into());
    }
    if n > max {
        return Err(format!(
            "{n} threads is more than {max} (8 per core on this machine's {} cores)",
            available_cores()
        ));
    }
    Ok(n)
}

/// Refuses to start a run over files an earlier run wrote, unless `--force` says so: `md`
/// and `metad` used to overwrite them without a word (`campaign` and `art` refuse too).
pub fn refuse_to_overwrite(paths: &[PathBuf], force: bool) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    let existing: Vec<String> = paths
        .iter()
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        anyhow::bail!(
            "{} already exist(s): pass --force to overwrite, --resume to continue that run, or \
             choose another output",
            existing.join(", ")
        );
    }
    Ok(())
}

fn parse_f64(value: &str) -> Result<f64, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a number"))
}

/// A thermostat or velocity temperature (K): finite, > 0 and at most [`MAX_TEMPERATURE_K`].
pub fn temperature_arg(value: &str) -> Result<f64, String> {
    let t = parse_f64(value)?;
    if !(t.is_finite() && t > 0.0 && t <= MAX_TEMPERATURE_K) {
        return Err(format!(
            "{t} K: a temperature must be above 0 K and at most {MAX_TEMPERATURE_K:e} K"
        ));
    }
    Ok(t)
}

/// A well-tempered bias temperature ΔT (K): > 0 and at most 1e7 K (a huge ΔT is plain
/// metadynamics in disguise, with round-off in (T+ΔT)/ΔT), or `inf` for plain metadynamics.
pub fn bias_temperature_arg(value: &str) -> Result<f64, String> {
    let t = parse_f64(value)?;
    if t == f64::INFINITY || (t.is_finite() && t > 0.0 && t <= 1e7) {
        return Ok(t);
    }
    Err(format!(
        "{t} K: a bias temperature must be above 0 K and at most 1e7 K, or inf for plain metadynamics"
    ))
}

/// A duration that may be zero (ps): finite and ≥ 0.
pub fn duration_ps_arg(value: &str) -> Result<f64, String> {
    let t = parse_f64(value)?;
    if !(t.is_finite() && t >= 0.0) {
        return Err(format!("{t} ps: a duration must be finite and at least 0"));
    }
    Ok(t)
}

#[derive(Parser, Debug)]
#[command(
    name = "betaglass",
    version,
    about = "Watch and measure β-relaxation events in a Cu–Zr metallic glass"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Configuration to open in the app (default: the scene's, or the embedded 4000-atom
    /// Cu50Zr50 glass).
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub app: AppArgs,
}

/// Options of the app (no subcommand).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AppArgs {
    /// A scene file (scenes/*.toml); default: the built-in teaching scene.
    #[arg(long, value_name = "TOML")]
    pub scene: Option<PathBuf>,
    /// Run this many frames, then save --screenshot, write --report and quit (headless checks).
    #[arg(long, value_name = "N")]
    pub frames: Option<u64>,
    /// PNG of the window after --frames frames.
    #[arg(long, value_name = "PNG", requires = "frames")]
    pub screenshot: Option<PathBuf>,
    /// JSON report after --frames frames: frames, fps_mean, sim_steps, sim_steps_per_s,
    /// cluster_atom_ids, events, layout and colours.
    #[arg(long, value_name = "JSON", requires = "frames")]
    pub report: Option<PathBuf>,
    /// With --frames: after N frames, wait for the first β-event (at most 30 minutes) before
    /// the screenshot, so it shows the event's arrows.
    #[arg(long, requires = "frames")]
    pub until_event: bool,
    /// Open the campaign results window on this campaign folder or samplings CSV (the
    /// figures of `betaglass stats --plots`).
    #[arg(long, value_name = "DIR|CSV")]
    pub results: Option<PathBuf>,
    /// Open the ART window on this folder of `betaglass art --output`: the 0 K spectrum, the
    /// kept saddles, and the first event moving over its saddle in the view.
    #[arg(long, value_name = "ART_DIR")]
    pub art: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Make a glass by melt and quench (NPT), with a progress bar; resumable.
    Prepare(prepare::PrepareArgs),
    /// Run molecular dynamics on a configuration.
    Md(md::MdArgs),
    /// Energy, forces, virial and pressure of a configuration.
    Eval(eval::EvalArgs),
    /// Speed of the MD engine (NVT 300 K, 2 fs) for 1 and N threads.
    Bench(bench::BenchArgs),
    /// Well-tempered metadynamics on the RMSD of a cluster; Colvars-format output.
    Metad(metad::MetadArgs),
    /// ΔF and the first crossing from the Colvars files of any WT-MetaD run (betaglass's or LAMMPS').
    Fes(fes::FesArgs),
    /// Two WT-MetaD runs (LAMMPS + Colvars and betaglass) compared step for step from their
    /// Colvars files: s(t) and the hills; fails on a mismatch.
    Lockstep(lockstep::LockstepArgs),
    /// The atoms of a cluster and the RDF landmarks that make sensible cutoffs.
    Cluster(cluster::ClusterArgs),
    /// The RMSD collective variable and its gradient (Colvars' rmsd).
    Rmsd(rmsd::RmsdArgs),
    /// ART nouveau at 0 K: saddles and new minima of a cluster, verified, with ΔQ, ΔE, class
    /// and Vineyard prefactor; resumable.
    Art(art::ArtArgs),
    /// Many WT-MetaD samplings (temperatures × seeds × centres × cutoffs), one ΔF each; resumable.
    Campaign(campaign::CampaignArgs),
    /// Barrier statistics of a campaign (Eqs. 4–8: para/seq/eff, log-normal, ΔQ and ΔS,
    /// Arrhenius), as tables or JSON, and the paper's Figs. 2–5 as PNG and SVG.
    Stats(stats::StatsArgs),
    /// A campaign as LAMMPS + Colvars decks (one folder per sampling), with a Slurm job array
    /// and a local runner.
    ExportLammps(lammps::ExportLammpsArgs),
    /// The LAMMPS runs of an export folder, analysed as `campaign` does: samplings.csv.
    Import(lammps::ImportArgs),
    /// Checks a headless app run's screenshot and report (CI): atoms, the highlighted cluster
    /// and its centre in the view, the s(t) line, panels drawn; with --art, the ART window.
    CheckScreenshot(check_screenshot::CheckScreenshotArgs),
}

/// Options shared by every command that evaluates forces.
#[derive(clap::Args, Debug, Clone)]
pub struct PotentialArgs {
    /// LAMMPS setfl file (eam/fs or eam/alloy). Default: the embedded Cu–Zr Mendelev 2007 potential.
    #[arg(long, value_name = "SETFL")]
    pub potential: Option<PathBuf>,
    /// Setfl flavour; detected from the file's size when omitted.
    #[arg(long, value_enum)]
    pub flavor: Option<Flavor>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Flavor {
    Fs,
    Alloy,
}

impl PotentialArgs {
    pub fn load(&self) -> anyhow::Result<Arc<dyn Potential>> {
        Ok(match &self.potential {
            None => Arc::new(mendelev::cu_zr_mendelev_2007()),
            Some(path) => {
                let flavor = self.flavor.map(|f| match f {
                    Flavor::Fs => SetflFlavor::FinnisSinclair,
                    Flavor::Alloy => SetflFlavor::Alloy,
                });
                let tables = SetflTables::read(path, flavor)?;
                Arc::new(Eam::from_tables(
                    &tables,
                    format!("eam setfl {}", path.display()),
                ))
            }
        })
    }
}

/// Reads a configuration, or the embedded default glass when `path` is `None`.
pub fn load_system(path: Option<&Path>) -> anyhow::Result<System> {
    match path {
        // The reader's errors already name the file, line and value.
        Some(p) => Ok(betaglass::io::read_configuration(p)?),
        None => Ok(betaglass::assets::default_glass()),
    }
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Prepare(a)) => prepare::run(a),
        Some(Command::Md(a)) => md::run(a),
        Some(Command::Eval(a)) => eval::run(a),
        Some(Command::Bench(a)) => bench::run(a),
        Some(Command::Metad(a)) => metad::run(a),
        Some(Command::Fes(a)) => fes::run(a),
        Some(Command::Lockstep(a)) => lockstep::run(a),
        Some(Command::Cluster(a)) => cluster::run(a),
        Some(Command::Rmsd(a)) => rmsd::run(a),
        Some(Command::Campaign(a)) => campaign::run(a),
        Some(Command::Stats(a)) => stats::run(a),
        Some(Command::ExportLammps(a)) => lammps::export(a),
        Some(Command::Import(a)) => lammps::import(a),
        Some(Command::Art(a)) => art::run(a),
        Some(Command::CheckScreenshot(a)) => check_screenshot::run(a),
        None => open_app(cli.file, cli.app),
    }
}

#[cfg(feature = "gui")]
fn open_app(file: Option<PathBuf>, app: AppArgs) -> anyhow::Result<()> {
    // A bad scene is reported here, before a window opens.
    if let Some(scene) = &app.scene {
        betaglass::io::scene::Scene::load(scene)?;
    }
    crate::app::run_app(crate::app::AppOptions {
        file,
        scene: app.scene,
        frames: app.frames,
        screenshot: app.screenshot,
        report: app.report,
        until_event: app.until_event,
        results: app.results,
        art: app.art,
    })
}

#[cfg(not(feature = "gui"))]
fn open_app(_file: Option<PathBuf>, _app: AppArgs) -> anyhow::Result<()> {
    anyhow::bail!(
        "this betaglass was built without the `gui` feature; use a subcommand (see --help)"
    )
}

pub fn write_line(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// A progress bar in the house style.
pub fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:>10} [{elapsed_precise}] {wide_bar} {pos}/{len} steps ({per_sec}, eta {eta}) {msg}",
        )
        .expect("valid template"),
    );
    bar.set_prefix(what.to_string());
    bar
}
