//! `betaglass export-lammps` and `betaglass import`: a campaign as LAMMPS + Colvars decks, and
//! their Colvars output back into samplings.csv (see `betaglass::campaign::lammps`).

use std::path::PathBuf;

use anyhow::{Context, bail};

use betaglass::campaign::CampaignSpec;
use betaglass::campaign::SamplingStatus;
use betaglass::campaign::lammps::{export_lammps, import_lammps};

#[derive(clap::Args, Debug)]
pub struct ExportLammpsArgs {
    /// The campaign file (see campaigns/*.toml).
    pub campaign: PathBuf,
    /// Output folder: samplings/NNNN/{in.lammps, metad.colvars, start.data}, the potential,
    /// campaign.toml, manifest.json, run_local.sh, submit.slurm, README.txt.
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Biased steps per deck instead of the campaign's stop.max_steps (LAMMPS runs them all;
    /// `import` applies the stop rule afterwards).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// A folder written by `betaglass export-lammps`, with LAMMPS' output in samplings/NNNN/.
    pub dir: PathBuf,
}

pub fn export(args: ExportLammpsArgs) -> anyhow::Result<()> {
    if args.max_steps == Some(0) {
        bail!("--max-steps must be at least 1");
    }
    let spec = CampaignSpec::load(&args.campaign)?;
    let summary = export_lammps(&spec, &args.output, args.max_steps)
        .with_context(|| format!("export of {}", args.campaign.display()))?;
    let m = &summary.manifest;
    let without: Vec<String> = m
        .samplings
        .iter()
        .filter_map(|e| {
            e.error
                .as_ref()
                .map(|why| format!("{:04}: {why}", e.sampling))
        })
        .collect();
    out!(
        "{} LAMMPS decks of \"{}\" in {} ({} equilibration + {} biased steps each)",
        m.samplings.len() - without.len(),
        m.campaign,
        args.output.display(),
        m.equilibrate_steps,
        m.max_steps
    );
    for w in &without {
        out!("no deck for sampling {w}");
    }
    out!(
        "run them: LMP=/path/to/lmp bash {}/run_local.sh N   (or sbatch submit.slurm there); then: betaglass import {}",
        args.output.display(),
        args.output.display()
    );
    Ok(())
}

pub fn import(args: ImportArgs) -> anyhow::Result<()> {
    let summary =
        import_lammps(&args.dir).with_context(|| format!("import of {}", args.dir.display()))?;
    for r in &summary.records {
        let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3} eV"));
        out!(
            "sampling {:04} ({} K, seed {}): {}; ΔF {} ({}); final (diagnostic) {}; {} steps{}",
            r.sampling,
            r.temperature_k,
            r.seed,
            r.status.as_str(),
            f(r.delta_f_ev),
            r.delta_f_estimator.map_or("undetermined", |e| e.as_str()),
            f(r.delta_f_final_ev),
            r.steps,
            if r.reason.is_empty() {
                String::new()
            } else {
                format!("; {}", r.reason)
            }
        );
    }
    out!(
        "{} samplings: {} ok, {} no event, {} failed (not run, unfinished or unreadable) → {}",
        summary.records.len(),
        summary.count(SamplingStatus::Ok),
        summary.count(SamplingStatus::NoEvent),
        summary.count(SamplingStatus::Failed),
        summary.csv.display()
    );
    Ok(())
}
