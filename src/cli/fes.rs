//! `betaglass fes`: ΔF and the first crossing of any well-tempered metadynamics run, read from
//! its Colvars files alone (betaglass's own or LAMMPS + Colvars'), with betaglass's estimators.
//!
//! The bias is rebuilt from the hills file with [`Metadynamics::add_hill`]; the end-of-run ΔF is
//! [`find_barrier`], the first crossing the CV-plateau rule of [`EventDetector`] replayed sample
//! by sample, and ΔF at that crossing [`filled_depth`], with the same arguments
//! `betaglass metad` gives them. Only the files are available here, so the crossing is not
//! confirmed by quenching to inherent structures as `metad` does.

use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::Serialize;

use betaglass::sampling::event::{EventDetector, Proposal, mean_s};
use betaglass::sampling::fes::{filled_depth, find_barrier};
use betaglass::sampling::{
    Barrier, BarrierSettings, CvGrid, EventSettings, FilledDepth, FreeEnergyProfile, Hill,
    HillSettings, Metadynamics,
};

#[derive(clap::Args, Debug)]
pub struct FesArgs {
    /// Prefix of the Colvars files: PREFIX.colvars.traj ("step s …") and
    /// PREFIX.colvars.meta.hills.traj ("step centre σ weight").
    pub prefix: String,
    /// Temperature of the run (K).
    #[arg(long)]
    pub temperature: f64,
    /// Bias temperature ΔT of the well-tempered run (K); "inf" for plain metadynamics.
    #[arg(long)]
    pub bias_temperature: f64,
    /// How long s must stay away from the basin level to count as a crossing (ps).
    #[arg(long, default_value_t = EventSettings::default().dwell_ps)]
    pub dwell_ps: f64,
    /// Change of the CV plateau that counts as a crossing (Å).
    #[arg(long, default_value_t = EventSettings::default().jump_angstrom)]
    pub jump: f64,
    /// MD time step of the run (fs): turns traj steps into MD time.
    #[arg(long, default_value_t = 2.0)]
    pub timestep_fs: f64,
    /// Grid the bias is rebuilt on (Å); Colvars' lowerBoundary, upperBoundary and width.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub grid_lower: f64,
    #[arg(long, default_value_t = 5.25)]
    pub grid_upper: f64,
    #[arg(long, default_value_t = 0.035)]
    pub grid_width: f64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The first crossing found by the CV-plateau rule.
#[derive(Serialize)]
struct Crossing {
    /// The first sample of the excursion (the crossing) and where the dwell was complete.
    step: u64,
    md_time_ps: f64,
    s_angstrom: f64,
    held_until_step: u64,
    held_until_md_time_ps: f64,
    /// Mean s from the crossing to the end of the dwell window (Å).
    new_level_angstrom: f64,
    filled_depth: Option<FilledDepth>,
}

#[derive(Serialize)]
struct Report {
    prefix: String,
    temperature_k: f64,
    bias_temperature_k: f64,
    n_samples: usize,
    first_step: u64,
    last_step: u64,
    last_md_time_ps: f64,
    n_hills: usize,
    /// Level of s in the starting basin: mean over the first dwell window (Å).
    start_basin_angstrom: f64,
    start_basin_complete: bool,
    visited_angstrom: (f64, f64),
    end_of_run: Barrier,
    jump_angstrom: f64,
    dwell_ps: f64,
    first_crossing: Option<Crossing>,
    note: &'static str,
}

const NOTE: &str = "crossing found from the CV trace alone (|s − basin level| > jump held for the dwell time); \
not confirmed by quenching to inherent structures as `betaglass metad` does";

pub fn run(args: FesArgs) -> anyhow::Result<()> {
    check_args(&args)?;
    let traj_path = PathBuf::from(format!("{}.colvars.traj", args.prefix));
    let hills_path = PathBuf::from(format!("{}.colvars.meta.hills.traj", args.prefix));
    let traj_name = traj_path.display().to_string();
    let hills_name = hills_path.display().to_string();
    let traj_text =
        std::fs::read_to_string(&traj_path).with_context(|| format!("cannot read {traj_name}"))?;
    let hills_text = std::fs::read_to_string(&hills_path)
        .with_context(|| format!("cannot read {hills_name}"))?;
    let trace = betaglass::io::colvars::read_traj(&traj_text, &traj_name, args.timestep_fs * 1e-3)?;
    if trace.is_empty() {
        bail!("{traj_name}: no CV samples");
    }
    let hills = betaglass::io::colvars::read_hills(&hills_text, &hills_name)?;
    check_hills(&hills, &hills_text, &hills_name)?;

    let grid = CvGrid::new(args.grid_lower, args.grid_upper, args.grid_width)?;
    // Only T and ΔT matter for F = −((T+ΔT)/ΔT)·V; w₀, σ and τ are the file's (the first
    // hill's, for the record), since every hill is added as written.
    let settings = HillSettings {
        height_ev: hills.first().map_or(0.03, |h| h.weight_ev),
        sigma_angstrom: hills.first().map_or(0.175, |h| h.sigma_angstrom),
        stride_steps: match hills.as_slice() {
            [a, b, ..] if b.step > a.step => b.step - a.step,
            _ => 1,
        },
        bias_temperature_k: args.bias_temperature,
    };
    let mut meta = Metadynamics::new(settings, grid)?;
    for h in &hills {
        meta.add_hill(*h);
    }

    let events = EventSettings {
        jump_angstrom: args.jump,
        dwell_ps: args.dwell_ps,
        ..EventSettings::default()
    };
    let barrier_settings = BarrierSettings::default();

    // Replay the detector as `metad` drives it: once per sample after the one at step 0.
    let mut detector = EventDetector::default();
    let mut proposal = None;
    for i in 1..trace.len() {
        if let Proposal::Candidate { crossing_index } = detector.observe(&trace[..=i], &events) {
            proposal = Some((crossing_index, i));
            break;
        }
    }
    // The starting basin: the detector's level (the mean over the first dwell window), or,
    // for a run shorter than that, the mean of what there is.
    let after_start = if trace.len() > 1 {
        &trace[1..]
    } else {
        &trace[..]
    };
    let (start_basin, start_basin_complete) = match detector.basin_level_angstrom() {
        Some(level) => (level, true),
        None => (mean_s(after_start), false),
    };
    let visited = after_start
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
            (a.min(c.s_angstrom), b.max(c.s_angstrom))
        });
    let profile = FreeEnergyProfile::of_metadynamics(&meta, args.temperature);
    let end_of_run = find_barrier(&profile, start_basin, visited, &barrier_settings);

    let first_crossing = proposal.map(|(ci, i)| {
        let crossing = trace[ci];
        Crossing {
            step: crossing.biased_step,
            md_time_ps: crossing.md_time_ps,
            s_angstrom: crossing.s_angstrom,
            held_until_step: trace[i].biased_step,
            held_until_md_time_ps: trace[i].md_time_ps,
            new_level_angstrom: mean_s(&trace[ci..=i]),
            filled_depth: filled_depth(
                &meta,
                args.temperature,
                crossing.biased_step,
                start_basin,
                crossing.s_angstrom,
                &barrier_settings,
            ),
        }
    });

    let last = trace.last().copied().unwrap_or_default();
    let report = Report {
        prefix: args.prefix.clone(),
        temperature_k: args.temperature,
        bias_temperature_k: args.bias_temperature,
        n_samples: trace.len(),
        first_step: trace.first().map_or(0, |c| c.biased_step),
        last_step: last.biased_step,
        last_md_time_ps: last.md_time_ps,
        n_hills: hills.len(),
        start_basin_angstrom: start_basin,
        start_basin_complete,
        visited_angstrom: visited,
        end_of_run,
        jump_angstrom: args.jump,
        dwell_ps: args.dwell_ps,
        first_crossing,
        note: NOTE,
    };
    if args.json {
        out!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report, &grid);
    }
    Ok(())
}

fn check_args(a: &FesArgs) -> anyhow::Result<()> {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if !positive(a.temperature) {
        bail!("--temperature must be positive, got {} K", a.temperature);
    }
    // Infinite ΔT is plain metadynamics (F = −V).
    if a.bias_temperature.is_nan() || a.bias_temperature <= 0.0 {
        bail!(
            "--bias-temperature must be positive (or inf), got {} K",
            a.bias_temperature
        );
    }
    if !positive(a.dwell_ps) || !positive(a.jump) || !positive(a.timestep_fs) {
        bail!(
            "--dwell-ps, --jump and --timestep-fs must be positive, got {}, {}, {}",
            a.dwell_ps,
            a.jump,
            a.timestep_fs
        );
    }
    Ok(())
}

/// Hills must have positive widths and finite weights, in order of deposition; the error
/// names the line (counted as `read_hills` counts them).
fn check_hills(hills: &[Hill], content: &str, file: &str) -> anyhow::Result<()> {
    let lines = content.lines().enumerate().filter(|(_, l)| {
        l.split_whitespace()
            .next()
            .is_some_and(|t| !t.starts_with('#'))
    });
    let mut prev_step = 0;
    for (h, (k, _)) in hills.iter().zip(lines) {
        let n = k + 1;
        if h.sigma_angstrom.is_nan() || h.sigma_angstrom <= 0.0 {
            bail!(
                "{file}:{n}: hill width must be positive, found {}",
                h.sigma_angstrom
            );
        }
        if h.weight_ev < 0.0 {
            bail!(
                "{file}:{n}: hill weight must not be negative, found {}",
                h.weight_ev
            );
        }
        if h.step < prev_step {
            bail!(
                "{file}:{n}: hill at step {} comes after one at step {prev_step}",
                h.step
            );
        }
        prev_step = h.step;
    }
    Ok(())
}

fn print_text(r: &Report, grid: &CvGrid) {
    out!(
        "{}: {} CV samples (steps {}–{}, {:.1} ps MD), {} hills; T = {} K, ΔT = {} K; grid [{}, {:.4}] Å, bins {} Å",
        r.prefix,
        r.n_samples,
        r.first_step,
        r.last_step,
        r.last_md_time_ps,
        r.n_hills,
        r.temperature_k,
        r.bias_temperature_k,
        grid.lower_angstrom,
        grid.upper_angstrom(),
        grid.width_angstrom
    );
    out!(
        "starting basin: s = {:.3} Å ({}); s visited {:.3}–{:.3} Å",
        r.start_basin_angstrom,
        if r.start_basin_complete {
            format!("mean over the first {} ps", r.dwell_ps)
        } else {
            "mean of all samples: the run is shorter than one dwell window".to_string()
        },
        r.visited_angstrom.0,
        r.visited_angstrom.1
    );
    match &r.end_of_run {
        Barrier::Determined(b) => out!(
            "ΔF (final, a diagnostic) = {:.3} eV (all hills; minimum at {:.2} Å, saddle at {:.2} Å, next minimum at {:.2} Å)",
            b.barrier_ev,
            b.initial_minimum_angstrom,
            b.saddle_angstrom,
            b.next_minimum_angstrom
        ),
        Barrier::NotYetDetermined { reason } => {
            out!("ΔF (final, a diagnostic) not determined: {reason}")
        }
    }
    match &r.first_crossing {
        None => out!(
            "no crossing: s never stayed more than {} Å from the basin level for {} ps",
            r.jump_angstrom,
            r.dwell_ps
        ),
        Some(c) => {
            out!(
                "first crossing: step {} ({:.2} ps MD), s = {:.3} Å; held > {} Å from the basin level until step {} ({:.2} ps); new level {:.3} Å",
                c.step,
                c.md_time_ps,
                c.s_angstrom,
                r.jump_angstrom,
                c.held_until_step,
                c.held_until_md_time_ps,
                c.new_level_angstrom
            );
            match &c.filled_depth {
                Some(b) => out!(
                    "ΔF (filled-depth) at the first crossing = {:.3} eV (hills up to step {}; basin minimum at {:.2} Å, rim at {:.2} Å, exit at {:.2} Å)",
                    b.depth_ev,
                    b.t_star_step,
                    b.basin_minimum_angstrom,
                    b.rim_angstrom,
                    b.exit_angstrom
                ),
                None => out!(
                    "ΔF (filled-depth) at the first crossing: n/a (no hill deposited before the crossing)"
                ),
            }
        }
    }
    out!("note: {}", r.note);
}
