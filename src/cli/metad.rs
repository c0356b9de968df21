//! `betaglass metad`: well-tempered metadynamics on the RMSD of a cluster, with a progress bar,
//! Colvars-format output, event files, and restart files for `--resume`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use betaglass::dynamics::Ensemble;
use betaglass::io::colvars::{self, ColvarsConfig};
use betaglass::io::sampling_files::{SamplingFiles, prefixed as path};
use betaglass::sampling::{
    Barrier, Cluster, CvGrid, Event, EventSettings, GridLookup, HarmonicRestraint, HillSettings,
    MetadynamicsRun, MetadynamicsSettings, MetadynamicsState, Precursor, UpperWall,
};
use betaglass::simulation::{MdSettings, Simulation};
use betaglass::system::Vec3;

#[derive(clap::Args, Debug)]
pub struct MetadArgs {
    /// Starting configuration (default: the embedded glass).
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub potential: super::PotentialArgs,
    /// Id of the cluster's centre atom (the file's own ids; 1-based order for plain xyz).
    #[arg(long, alias = "center")]
    pub centre: Option<u64>,
    /// Cluster cutoff around the centre (Å).
    #[arg(long, default_value_t = 4.0)]
    pub cutoff: f64,
    /// Explicit cluster atom ids instead of --centre/--cutoff (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub atoms: Vec<u64>,
    /// A Colvars configuration (rmsd colvar, metadynamics, harmonic); its values replace
    /// the hill and cluster options, and the bias is read off its grid as Colvars reads it
    /// (the bin's value and gradient, hills cut off beyond √23 σ). Without refPositions the
    /// reference is the cluster at the start of the bias (FILE's own positions with
    /// --equilibrate-ps 0).
    #[arg(long)]
    pub colvars: Option<PathBuf>,
    #[arg(long, default_value_t = 300.0, value_parser = crate::cli::temperature_arg)]
    pub temperature: f64,
    /// Biased MD steps in total (a resumed run stops at the same total).
    #[arg(long, default_value_t = 100_000)]
    pub steps: u64,
    /// Steps between hills (τ).
    #[arg(long, default_value_t = 1000)]
    pub stride: u64,
    /// Initial hill height w₀ (eV).
    #[arg(long, default_value_t = 0.03)]
    pub height: f64,
    /// Gaussian σ (Å). 0.175 = the paper's "CV width 0.35 Å" as the full width 2σ
    /// (Colvars width 0.035, hillWidth 10).
    #[arg(long, default_value_t = 0.175)]
    pub sigma: f64,
    /// Bias temperature ΔT (K); "inf" for plain metadynamics.
    #[arg(long, default_value_t = 2700.0, value_parser = crate::cli::bias_temperature_arg)]
    pub bias_temperature: f64,
    /// Seed of the starting velocities (and of the Langevin noise).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Start from FILE's own velocities (its `Velocities` section, Å/ps) instead of drawing
    /// new ones: with --equilibrate-ps 0 and --colvars, the run follows LAMMPS `fix nvt` +
    /// `fix colvars` from the same data file step for step.
    #[arg(long, conflicts_with = "resume")]
    pub keep_velocities: bool,
    /// Unbiased NVT before the biased run (ps).
    #[arg(long, default_value_t = 10.0, value_parser = crate::cli::duration_ps_arg)]
    pub equilibrate_ps: f64,
    /// Output prefix: PREFIX.colvars.traj, PREFIX.colvars.meta.hills.traj, PREFIX.pmf,
    /// PREFIX.events.json, PREFIX.eventN.{before,after}.extxyz, PREFIX.restart.json.
    #[arg(long, short, default_value = "metad")]
    pub output: String,
    /// Stop at the first confirmed event.
    #[arg(long)]
    pub until_event: bool,
    #[arg(long, value_name = "N", value_parser = crate::cli::threads_arg)]
    pub threads: Option<usize>,
    /// Langevin thermostat instead of Nosé–Hoover.
    #[arg(long)]
    pub langevin: bool,
    /// Thermostat damping time (ps).
    #[arg(long, default_value_t = 0.2)]
    pub tdamp: f64,
    /// Time step (fs).
    #[arg(long, default_value_t = 2.0)]
    pub dt_fs: f64,
    /// Steps between CV samples written to the traj file.
    #[arg(long, default_value_t = 100)]
    pub sample_every: u64,
    /// Grid over s: upper bound and bin width (Å); a wall sits 2σ below the upper bound.
    #[arg(long, default_value_t = 5.25)]
    pub grid_upper: f64,
    #[arg(long, default_value_t = 0.035)]
    pub grid_width: f64,
    /// Steps between restart files (a kill loses at most this many steps).
    #[arg(long, default_value_t = 10_000)]
    pub restart_every: u64,
    /// Continue from PREFIX.restart.json.
    #[arg(long)]
    pub resume: bool,
    /// Overwrite PREFIX's files of an earlier run (else refused).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Event detection: change of the CV plateau that proposes an event (Å; default 0.4).
    #[arg(long)]
    pub event_jump: Option<f64>,
    /// Event detection: how long the CV must hold the new plateau (ps; default 10).
    #[arg(long)]
    pub event_dwell_ps: Option<f64>,
    /// A confirmed jump is an event when at least this many atoms moved more than
    /// --mover-threshold, else a precursor (recorded; the run goes on; default 2).
    #[arg(long)]
    pub min_movers: Option<usize>,
    /// An atom displaced more than this between the inherent structures is a mover (Å;
    /// default 2.0, the paper's arrows in Fig. 1).
    #[arg(long, value_name = "ANGSTROM")]
    pub mover_threshold: Option<f64>,
}

pub fn run(args: MetadArgs) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()?;
    pool.install(|| run_in_pool(&args))
}

fn run_in_pool(args: &MetadArgs) -> anyhow::Result<()> {
    if args.restart_every == 0 || args.sample_every == 0 {
        bail!("--restart-every and --sample-every must be at least 1 step");
    }
    // Checked before the equilibration when the flags decide the interval, and again on the
    // run's settings (a --colvars file or a resumed run may set it).
    if args.colvars.is_none() && !args.resume {
        whole_samples(args, args.sample_every)?;
    }
    if !args.resume {
        let written = [
            ".colvars.traj",
            ".colvars.meta.hills.traj",
            ".pmf",
            ".events.json",
            ".restart.json",
        ]
        .map(|suffix| path(&args.output, suffix));
        super::refuse_to_overwrite(&written, args.force)?;
    }
    // Bad event flags are refused before the equilibration, not after it.
    check_event_flags(&event_flags(args, EventSettings::default()))?;
    let mut run = if args.resume {
        resume(args)?
    } else {
        start(args)?
    };
    whole_samples(args, run.settings().sample_every_steps)?;
    // Given on the command line, these override the defaults or a resumed run's settings.
    let events = event_flags(args, run.settings().events);
    check_event_flags(&events)?;
    run.set_event_settings(events)?;
    let mut out = SamplingFiles::open(&args.output, &run)?;
    let total = args.steps;
    let bar = super::progress_bar(total, "metad");
    bar.set_position(run.biased_steps());
    let chunk = args.sample_every.max(1) * 10;
    let mut stop_for_event = args.until_event && !run.events().is_empty();
    while run.biased_steps() < total && !stop_for_event {
        let n = chunk
            .min(total - run.biased_steps())
            .min(args.restart_every - run.biased_steps() % args.restart_every);
        let news = match run.advance(n) {
            Ok(news) => news,
            Err(e) => {
                bar.abandon();
                out.flush(&run)?;
                return Err(e)
                    .context("metad stopped; results up to the last good state are written");
            }
        };
        out.append(&run)?;
        for p in &news.new_precursors {
            bar.suspend(|| out!("{}", describe_precursor(p)));
        }
        for event in &news.new_events {
            out.write_event(event)?;
            bar.suspend(|| out!("{}", describe_event(event)));
            stop_for_event |= args.until_event;
        }
        if run.biased_steps().is_multiple_of(args.restart_every) || stop_for_event {
            out.flush(&run)?;
            save_restart(&args.output, &mut run)?;
        }
        let c = run.last_sample();
        bar.set_position(run.biased_steps());
        bar.set_message(format!(
            "s {:.3} Å, bias {:.3} eV, {} hills, {} events",
            c.s_angstrom,
            c.metadynamics_ev,
            run.hills().len(),
            run.events().len()
        ));
    }
    bar.finish();
    out.flush(&run)?;
    save_restart(&args.output, &mut run)?;
    summarise(&run);
    Ok(())
}

/// `events` with the event flags given on the command line.
fn event_flags(args: &MetadArgs, mut events: EventSettings) -> EventSettings {
    if let Some(j) = args.event_jump {
        events.jump_angstrom = j;
    }
    if let Some(d) = args.event_dwell_ps {
        events.dwell_ps = d;
    }
    if let Some(n) = args.min_movers {
        events.min_movers = n;
    }
    if let Some(t) = args.mover_threshold {
        events.motion.moved_threshold_angstrom = t;
    }
    events
}

/// The event flags' values, each named by its flag.
fn check_event_flags(events: &EventSettings) -> anyhow::Result<()> {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    for (flag, x, unit) in [
        ("--event-jump", events.jump_angstrom, "Å"),
        ("--event-dwell-ps", events.dwell_ps, "ps"),
        ("--mover-threshold", events.mover_threshold_angstrom(), "Å"),
    ] {
        if !positive(x) {
            bail!("{flag} {x} {unit}: must be a positive number");
        }
    }
    if events.min_movers == 0 {
        bail!("--min-movers 0: must be at least 1 (an event moves an atom)");
    }
    Ok(())
}

/// The run advances in whole CV samples, so `--steps` and `--restart-every` must be multiples
/// of the sample interval: `--steps 60` with samples every 100 steps used to run 100.
fn whole_samples(args: &MetadArgs, every: u64) -> anyhow::Result<()> {
    for (flag, n) in [
        ("--steps", args.steps),
        ("--restart-every", args.restart_every),
    ] {
        if !n.is_multiple_of(every) {
            let (below, above) = ((n / every) * every, n.div_ceil(every) * every);
            let choices = if below == 0 {
                format!("{above}")
            } else {
                format!("{below} or {above}")
            };
            bail!(
                "{flag} {n} is not a multiple of the CV sample interval ({every} steps, \
                 --sample-every): the run advances in whole samples, so it would run {above} \
                 steps; give {flag} {choices}"
            );
        }
    }
    Ok(())
}

/// Equilibrates, selects the cluster and starts the biased run.
fn start(args: &MetadArgs) -> anyhow::Result<MetadynamicsRun> {
    let config = match &args.colvars {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Some(colvars::read_colvars_config(
                &text,
                &p.display().to_string(),
            )?)
        }
        None => None,
    };
    let settings = metad_settings(args, config.as_ref())?;
    let system = super::load_system(args.file.as_deref())?;
    if args.keep_velocities {
        check_file_velocities(args.file.as_deref(), &system)?;
    }
    let (ids, reference) = cluster_of(args, config.as_ref(), &system)?;
    let ensemble = if args.langevin {
        Ensemble::Langevin {
            temperature_k: args.temperature,
            damping_ps: args.tdamp,
        }
    } else {
        Ensemble::Nvt {
            temperature_k: args.temperature,
            damping_ps: args.tdamp,
        }
    };
    let md = MdSettings {
        timestep_ps: args.dt_fs * 1e-3,
        skin_angstrom: 1.0,
        ensemble,
        seed: args.seed,
    };
    let mut sim = Simulation::new(system, args.potential.load()?, md)?;
    if !args.keep_velocities {
        sim.randomize_velocities(args.temperature, args.seed);
    }
    let equilibrate_steps = (args.equilibrate_ps / md.timestep_ps).round() as u64;
    if equilibrate_steps > 0 {
        let bar = super::progress_bar(equilibrate_steps, "equilibrate");
        let mut done = 0;
        while done < equilibrate_steps {
            let n = 500.min(equilibrate_steps - done);
            sim.step(n).context("equilibration failed")?;
            done += n;
            bar.set_position(done);
        }
        bar.finish();
    }
    out!(
        "cluster of {} atoms: {}",
        ids.len(),
        ids.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")
    );
    Ok(MetadynamicsRun::start_with_reference(
        sim,
        &ids,
        reference.as_deref(),
        settings,
    )?)
}

/// `--keep-velocities` needs a FILE whose velocities were read: a file without a
/// `Velocities` section (or the embedded glass) leaves every atom at rest, and a run from rest
/// is not what the flag promises.
fn check_file_velocities(
    file: Option<&Path>,
    system: &betaglass::system::System,
) -> anyhow::Result<()> {
    let Some(file) = file else {
        bail!(
            "--keep-velocities needs a FILE with velocities (a LAMMPS data file with a \
             Velocities section); the embedded glass has none"
        );
    };
    let moving = system
        .velocities_angstrom_per_ps
        .iter()
        .flatten()
        .any(|v| *v != 0.0);
    if !moving {
        bail!(
            "--keep-velocities: {} has no velocities (no Velocities section, or all zero); \
             drop the flag to draw them at --temperature",
            file.display()
        );
    }
    Ok(())
}

fn resume(args: &MetadArgs) -> anyhow::Result<MetadynamicsRun> {
    let p = path(&args.output, ".restart.json");
    let text = std::fs::read_to_string(&p)
        .with_context(|| format!("--resume: cannot read {}", p.display()))?;
    let state: MetadynamicsState = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a betaglass restart file", p.display()))?;
    out!(
        "resuming from {} at biased step {}",
        p.display(),
        state.trace.last().map_or(0, |c| c.biased_step)
    );
    Ok(MetadynamicsRun::resume(state, args.potential.load()?)?)
}

fn save_restart(prefix: &str, run: &mut MetadynamicsRun) -> anyhow::Result<()> {
    let state = run.save_state();
    let json = serde_json::to_vec(&state)?;
    betaglass::io::write_atomic(&path(prefix, ".restart.json"), &json)?;
    Ok(())
}

/// Hill, grid and wall settings from the options, or from a Colvars configuration.
fn metad_settings(
    args: &MetadArgs,
    config: Option<&ColvarsConfig>,
) -> anyhow::Result<MetadynamicsSettings> {
    let mut s = MetadynamicsSettings::paper(args.temperature);
    s.hills = HillSettings {
        height_ev: args.height,
        sigma_angstrom: args.sigma,
        stride_steps: args.stride,
        bias_temperature_k: args.bias_temperature,
    };
    s.sample_every_steps = args.sample_every;
    let (mut lower, mut upper, mut width) = (0.0, args.grid_upper, args.grid_width);
    if let Some(c) = config {
        // Colvars' force is the gradient stored for the bin holding s (no interpolation):
        // the same here, or the two codes part after the first hill.
        s.grid_lookup = GridLookup::ColvarsBin;
        (lower, upper, width) = (
            c.colvar.lower_boundary_angstrom,
            c.colvar.upper_boundary_angstrom,
            c.colvar.width_angstrom,
        );
        if let Some(f) = c.traj_frequency {
            s.sample_every_steps = f;
        }
        match &c.metadynamics {
            Some(m) => {
                s.hills = HillSettings {
                    height_ev: m.hill_weight_ev,
                    sigma_angstrom: c.sigma_angstrom().expect("metadynamics present"),
                    stride_steps: m.new_hill_frequency,
                    bias_temperature_k: if m.well_tempered {
                        m.bias_temperature_k.expect("checked by the parser")
                    } else {
                        f64::INFINITY
                    },
                }
            }
            None => bail!("the Colvars configuration has no metadynamics block"),
        }
        s.restraint = c.harmonic.as_ref().map(|h| HarmonicRestraint {
            centre_angstrom: h.centre_angstrom,
            // Colvars: E = ½k(s − c)²/width².
            force_constant_ev_per_angstrom2: h.force_constant_ev / (width * width),
        });
    }
    s.grid = CvGrid::new(lower, upper, width)?;
    s.hills.validate()?;
    s.wall = Some(UpperWall {
        position_angstrom: upper - 2.0 * s.hills.sigma_angstrom,
        force_constant_ev_per_angstrom2: 10.0,
    });
    if s.wall.is_some_and(|w| w.position_angstrom <= lower) {
        bail!(
            "the grid [{lower}, {upper}] Å is too narrow for σ = {} Å",
            s.hills.sigma_angstrom
        );
    }
    Ok(s)
}

/// Cluster ids and, from a Colvars configuration, its reference positions.
fn cluster_of(
    args: &MetadArgs,
    config: Option<&ColvarsConfig>,
    system: &betaglass::system::System,
) -> anyhow::Result<(Vec<u64>, Option<Vec<Vec3>>)> {
    if let Some(c) = config {
        let reference = match (&c.colvar.reference_angstrom, &c.colvar.reference_file) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(f)) => {
                let base = args
                    .colvars
                    .as_deref()
                    .and_then(Path::parent)
                    .unwrap_or(Path::new("."));
                let refsys = betaglass::io::read_configuration(&base.join(f))?;
                Some(
                    Cluster::from_ids(&refsys, &c.colvar.atom_ids)
                        .with_context(|| format!("refPositionsFile {f}"))?
                        .positions_angstrom(),
                )
            }
            // No reference given: the cluster as the biased run starts (made whole).
            (None, None) => None,
        };
        // Validate the ids against the system.
        Cluster::from_ids(system, &c.colvar.atom_ids)?;
        return Ok((c.colvar.atom_ids.clone(), reference));
    }
    if !args.atoms.is_empty() {
        return Ok((Cluster::from_ids(system, &args.atoms)?.ids(), None));
    }
    let Some(centre) = args.centre else {
        bail!("say which cluster: --centre ID (with --cutoff), --atoms ID,ID,…, or --colvars FILE");
    };
    Ok((Cluster::around(system, centre, args.cutoff)?.ids(), None))
}

fn describe_precursor(p: &Precursor) -> String {
    format!(
        "precursor {}: crossed at step {} ({:.1} ps MD), s {:.2} → {:.2} Å, inherent-structure \
         RMSD {:.2} Å, {}; not the event (fewer movers than --min-movers): the run goes on",
        p.number,
        p.crossing.biased_step,
        p.crossing.md_time_ps,
        p.s_before_angstrom,
        p.s_after_angstrom,
        p.inherent_rmsd_angstrom,
        p.label()
    )
}

fn describe_event(e: &Event) -> String {
    let barrier = e.filled_depth.map_or("n/a".to_string(), |b| {
        format!(
            "{:.3} eV (rim at s = {:.2} Å, hills up to step {})",
            b.depth_ev, b.rim_angstrom, b.t_star_step
        )
    });
    format!(
        "event {}: crossed at step {} ({:.1} ps MD, {:.3e} ps boosted), s {:.2} → {:.2} Å, inherent-structure RMSD {:.2} Å, {} atoms moved > threshold, motion {} ({} precursor(s) before it); filled depth {}",
        e.number,
        e.crossing.biased_step,
        e.crossing.md_time_ps,
        e.crossing.boosted_time_ps,
        e.basin_before_angstrom,
        e.basin_after_angstrom,
        e.inherent_rmsd_angstrom,
        e.moved.len(),
        e.motion.describe(),
        e.precursors,
        barrier
    )
}

fn summarise(run: &MetadynamicsRun) {
    let c = run.last_sample();
    out!(
        "{} biased steps ({:.1} ps MD, {:.3e} ps boosted), {} hills, {} events, {} precursors",
        c.biased_step,
        c.md_time_ps,
        c.boosted_time_ps,
        run.hills().len(),
        run.events().len(),
        run.precursors().len()
    );
    let reading = |name: &str, b: Barrier| match b {
        Barrier::Determined(b) => out!(
            "ΔF ({name}) = {:.3} eV (s_min {:.2} Å, s‡ {:.2} Å, s_new {:.2} Å)",
            b.barrier_ev,
            b.initial_minimum_angstrom,
            b.saddle_angstrom,
            b.next_minimum_angstrom
        ),
        Barrier::NotYetDetermined { reason } => out!("ΔF ({name}) not determined: {reason}"),
    };
    if let Some(p) = run.profile_reading(None) {
        reading("profile, from the first event's F(s) now", p);
    }
    if let Some(d) = run.events().first().and_then(|e| e.filled_depth) {
        out!(
            "ΔF (filled-depth, at the last hill before the first event's jump) = {:.3} eV",
            d.depth_ev
        );
    }
    reading(
        "final, a diagnostic: the first well beyond the start",
        run.barrier(),
    );
}
