//! `betaglass lockstep`: two WT-MetaD runs compared step for step from their Colvars files,
//! s(t) and the hills; fails when they part by more than the tolerance. Used by
//! scripts/lockstep_colvars.py (CI stage `lockstep`) on a LAMMPS + Colvars run and a
//! `metad --keep-velocities --equilibrate-ps 0 --colvars` run from the same data file.

use std::path::PathBuf;

use anyhow::{Context, bail};

use betaglass::analysis::figure::{Figure, Panel, Series, SeriesStyle};
use betaglass::io::colvars::{read_hills, read_traj};
use betaglass::io::figures::write_figure;
use betaglass::io::sampling_files::prefixed as path;
use betaglass::sampling::{CvSample, Hill};

#[derive(clap::Args, Debug)]
pub struct LockstepArgs {
    /// Output prefix of the reference run (LAMMPS `fix colvars … output PREFIX`):
    /// PREFIX.colvars.traj and PREFIX.colvars.meta.hills.traj.
    pub reference: String,
    /// Output prefix of the run checked against it (betaglass `metad -o PREFIX`).
    pub candidate: String,
    /// Largest allowed difference of s (Å), of a hill's centre (Å) and weight (eV).
    #[arg(long, default_value_t = 1e-6, value_parser = positive_tolerance)]
    pub tolerance: f64,
    /// Steps both traces must cover at least (from step 0).
    #[arg(long, default_value_t = 1000)]
    pub min_steps: u64,
    /// MD time step (fs), for the time axis of the figure.
    #[arg(long, default_value_t = 2.0, value_parser = positive_tolerance)]
    pub dt_fs: f64,
    /// Names of the two runs in the report and the figure.
    #[arg(long, default_value = "LAMMPS + Colvars")]
    pub reference_name: String,
    #[arg(long, default_value = "betaglass")]
    pub candidate_name: String,
    /// Also draw s(t) of both runs on one axis, and their difference:
    /// DIR/lockstep_colvars.{png,svg}.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
}

/// A positive finite number (--tolerance, --dt-fs).
fn positive_tolerance(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

fn read_run(prefix: &str, timestep_ps: f64) -> anyhow::Result<(Vec<CvSample>, Vec<Hill>)> {
    let traj = path(prefix, ".colvars.traj");
    let text = std::fs::read_to_string(&traj)
        .with_context(|| format!("cannot read {}", traj.display()))?;
    let trace = read_traj(&text, &traj.display().to_string(), timestep_ps)?;
    let hills_file = path(prefix, ".colvars.meta.hills.traj");
    // A run shorter than one hill stride has no hills file.
    let hills = match std::fs::read_to_string(&hills_file) {
        Ok(t) => read_hills(&t, &hills_file.display().to_string())?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", hills_file.display())),
    };
    Ok((trace, hills))
}

pub fn run(args: LockstepArgs) -> anyhow::Result<()> {
    let dt_ps = args.dt_fs * 1e-3;
    let (ref_trace, ref_hills) = read_run(&args.reference, dt_ps)?;
    let (cand_trace, cand_hills) = read_run(&args.candidate, dt_ps)?;
    let (a, b) = (&args.reference_name, &args.candidate_name);
    // The s of both runs at every step they both wrote.
    let by_step: std::collections::HashMap<u64, f64> = cand_trace
        .iter()
        .map(|c| (c.biased_step, c.s_angstrom))
        .collect();
    let pairs: Vec<(u64, f64, f64)> = ref_trace
        .iter()
        .filter_map(|c| {
            by_step
                .get(&c.biased_step)
                .map(|&s| (c.biased_step, c.s_angstrom, s))
        })
        .collect();
    let Some(&(last, _, _)) = pairs.last() else {
        bail!("{a} and {b} have no step in common in their .colvars.traj files");
    };
    if pairs[0].0 != 0 {
        bail!("the common steps start at {}, not 0", pairs[0].0);
    }
    if last < args.min_steps {
        bail!(
            "the traces have steps 0–{last} in common, fewer than --min-steps {}",
            args.min_steps
        );
    }
    let (worst_step, worst_ds) = pairs
        .iter()
        .map(|&(step, sa, sb)| (step, (sb - sa).abs()))
        .fold((0, 0.0f64), |w, x| if x.1 > w.1 { x } else { w });
    let first_bad = pairs
        .iter()
        .find(|&&(_, sa, sb)| (sb - sa).abs() > args.tolerance);
    out!(
        "s(t): {} common steps (0–{last}); max |Δs| = {worst_ds:.3e} Å at step {worst_step}; \
         s from {:.6} to {:.6} Å",
        pairs.len(),
        pairs[0].1,
        pairs.last().expect("non-empty").1
    );
    let mut failures = Vec::new();
    if let Some(&(step, sa, sb)) = first_bad {
        failures.push(format!(
            "s parts at step {step}: {a} {sa:.15} Å, {b} {sb:.15} Å (|Δs| {:.3e} > {:e})",
            (sb - sa).abs(),
            args.tolerance
        ));
    }
    // Hills deposited within the common steps.
    let within = |h: &&Hill| h.step <= last;
    let ra: Vec<&Hill> = ref_hills.iter().filter(within).collect();
    let rb: Vec<&Hill> = cand_hills.iter().filter(within).collect();
    let (mut dc, mut dw) = (0.0f64, 0.0f64);
    if ra.len() != rb.len() {
        failures.push(format!(
            "{} hills by step {last} in {a}, {} in {b}",
            ra.len(),
            rb.len()
        ));
    }
    for (ha, hb) in ra.iter().zip(&rb) {
        let (c, w) = (
            (hb.centre_angstrom - ha.centre_angstrom).abs(),
            (hb.weight_ev - ha.weight_ev).abs(),
        );
        dc = dc.max(c);
        dw = dw.max(w);
        if ha.step != hb.step || c > args.tolerance || w > args.tolerance {
            failures.push(format!(
                "hill at step {} ({a}) / {} ({b}): centre {:.12} / {:.12} Å, weight {:.12} / \
                 {:.12} eV",
                ha.step,
                hb.step,
                ha.centre_angstrom,
                hb.centre_angstrom,
                ha.weight_ev,
                hb.weight_ev
            ));
        }
    }
    out!(
        "hills: {} in both by step {last} (first at step {}); max |Δcentre| = {dc:.3e} Å, \
         max |Δweight| = {dw:.3e} eV",
        ra.len().min(rb.len()),
        ra.first().map_or("-".to_string(), |h| h.step.to_string())
    );
    if let Some(dir) = &args.plots {
        let fig = figure(&args, &pairs, dt_ps, worst_ds, &ra);
        let [png, svg] = write_figure(&fig, dir).context("writing the lockstep figure")?;
        out!("wrote {} and {}", png.display(), svg.display());
    }
    if !failures.is_empty() {
        bail!(
            "{b} does not follow {a} to {:e}:\n  {}",
            args.tolerance,
            failures.join("\n  ")
        );
    }
    out!(
        "{b} follows {a} step for step: |Δs|, |Δcentre| and |Δweight| ≤ {:e} over {last} steps",
        args.tolerance
    );
    Ok(())
}

fn figure(
    args: &LockstepArgs,
    pairs: &[(u64, f64, f64)],
    dt_ps: f64,
    worst_ds: f64,
    hills: &[&Hill],
) -> Figure {
    let t = |step: u64| step as f64 * dt_ps;
    let mut top = Panel::new("s(t), both codes", "MD time (ps)", "s (Å)");
    top.series.push(
        Series::new(
            args.reference_name.clone(),
            pairs.iter().map(|&(k, sa, _)| [t(k), sa]).collect(),
            SeriesStyle::Line,
        )
        .colour(0),
    );
    top.series.push(
        Series::new(
            args.candidate_name.clone(),
            pairs.iter().map(|&(k, _, sb)| [t(k), sb]).collect(),
            SeriesStyle::Dashed,
        )
        .colour(1),
    );
    top.series.push(
        Series::new(
            format!("hills ({})", args.reference_name),
            hills
                .iter()
                .map(|h| [t(h.step), h.centre_angstrom])
                .collect(),
            SeriesStyle::Markers,
        )
        .colour(2),
    );
    let mut bottom = Panel::new(
        "difference",
        "MD time (ps)",
        format!(
            "s({}) − s({}) (Å)",
            args.candidate_name, args.reference_name
        ),
    );
    bottom.series.push(Series::new(
        "",
        pairs.iter().map(|&(k, sa, sb)| [t(k), sb - sa]).collect(),
        SeriesStyle::Line,
    ));
    Figure {
        name: "lockstep_colvars".into(),
        title: format!(
            "WT-MetaD step for step: {} vs {}",
            args.candidate_name, args.reference_name
        ),
        panels: vec![top, bottom],
        columns: 1,
        notes: vec![format!(
            "{} steps; max |Δs| = {worst_ds:.2e} Å; {} hills",
            pairs.last().map_or(0, |p| p.0),
            hills.len()
        )],
    }
}
