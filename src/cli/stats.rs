//! `betaglass stats`: the paper's barrier statistics (Eqs. 4–8), fits and figures (Figs.
//! 2–5) from a campaign folder or a CSV of barriers; the 0 K barrier spectrum of an ART run's
//! folder; or both, the ART mean ΔQ set at T = 0 beside the campaign's ΔF(T) (Fig. 4b).

use std::path::PathBuf;

use anyhow::{Context, bail};

use betaglass::analysis::barriers::{DEFAULT_BOOTSTRAP, DEFAULT_SEQ_QUANTILE};
use betaglass::analysis::figure::Figure;
use betaglass::campaign::report::{
    BarrierChoice, CampaignReport, ReportOptions, ZeroKReference, read_barrier_samples,
    samples_path,
};
use betaglass::io::figures::write_figure;
use betaglass::landscape::report::{ArtReport, DEFAULT_BIN_WIDTH_EV, is_art_run};

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum BarrierArg {
    /// delta_f_ev: the ΔF of the estimator each sampling's stop rule produced (named in
    /// delta_f_estimator: profile for a campaign, filled-depth for older tables); samplings
    /// where the stop rule left it undetermined are left out, never replaced.
    StopRule,
    /// delta_f_profile_ev: F(s‡) − F(initial minimum) where the stop rule ended.
    Profile,
    /// delta_f_filled_depth_ev (older tables: delta_f_crossing_ev): the filled depth at the
    /// last hill before the event's jump.
    #[value(alias = "crossing")]
    FilledDepth,
    /// delta_f_ev, else the filled depth (each fallback is counted and listed).
    #[value(alias = "final-else-crossing")]
    StopRuleElseFilledDepth,
    /// delta_f_final_ev: the end-of-run F(s), a diagnostic only.
    Final,
}

#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    /// A campaign folder (its samplings.csv is read), a CSV with at least temperature_k and
    /// one ΔF column (delta_f_ev, delta_f_profile_ev, delta_f_filled_depth_ev or
    /// delta_f_crossing_ev, delta_f_final_ev; extra columns and any row order are fine), or an
    /// ART run's folder (`betaglass art --output`: its ΔQ spectrum).
    pub input: PathBuf,
    /// An ART run's folder of the same cluster: its mean ΔQ is set at T = 0 K beside the
    /// campaign's ΔF(T) = ΔQ − TΔS fits (table and Fig. 4c–e).
    #[arg(long, value_name = "ART_DIR")]
    pub art: Option<PathBuf>,
    /// Bin width of an ART run's ΔQ and ΔE histograms (eV).
    #[arg(long, value_name = "EV", default_value_t = DEFAULT_BIN_WIDTH_EV)]
    pub bin_width: f64,
    /// Print the report as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Write Figs. 2–5 as PNG and SVG into this folder.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    /// Which ΔF of a sampling to use.
    #[arg(long, value_enum, default_value = "stop-rule")]
    pub barrier: BarrierArg,
    /// Bootstrap resamples per temperature for the 95 % intervals (0: none).
    #[arg(long, value_name = "B", default_value_t = DEFAULT_BOOTSTRAP)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
    /// Upper quantile at which the fitted log-normal is cut for its ΔF_seq.
    #[arg(long, value_name = "Q", default_value_t = DEFAULT_SEQ_QUANTILE)]
    pub seq_quantile: f64,
}

pub fn run(args: StatsArgs) -> anyhow::Result<()> {
    if !(args.seq_quantile > 0.0 && args.seq_quantile < 1.0) {
        bail!(
            "--seq-quantile {} must lie strictly between 0 and 1",
            args.seq_quantile
        );
    }
    if !(args.bin_width > 0.0 && args.bin_width.is_finite()) {
        bail!(
            "--bin-width {} must be a positive number of eV",
            args.bin_width
        );
    }
    if is_art_run(&args.input) {
        if args.art.is_some() {
            bail!(
                "{} is an ART run's folder; --art goes with a campaign folder or samplings CSV",
                args.input.display()
            );
        }
        return art_stats(&args);
    }
    let table = read_barrier_samples(&args.input)?;
    for w in &table.warnings {
        eprintln!("warning: {w}");
    }
    let options = ReportOptions {
        barrier: match args.barrier {
            BarrierArg::StopRule => BarrierChoice::StopRule,
            BarrierArg::Profile => BarrierChoice::Profile,
            BarrierArg::FilledDepth => BarrierChoice::Crossing,
            BarrierArg::StopRuleElseFilledDepth => BarrierChoice::FinalElseCrossing,
            BarrierArg::Final => BarrierChoice::Final,
        },
        bootstrap: args.bootstrap,
        seed: args.seed,
        seq_quantile: args.seq_quantile,
        ..ReportOptions::default()
    };
    let mut report = CampaignReport::from_samples(&table.samples, &options);
    report.source = Some(samples_path(&args.input).display().to_string());
    if let Some(dir) = &args.art {
        let art = ArtReport::read(dir, args.bin_width)?;
        report.zero_k = ZeroKReference::from_art(&art);
        if report.zero_k.is_none() {
            eprintln!(
                "warning: the ART run {} kept no saddle: no 0 K reference",
                dir.display()
            );
        }
    }
    if args.json {
        out!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("{}", report.to_table().trim_end());
    }
    if let Some(dir) = &args.plots {
        write_figures(&report.figures(), dir)?;
    }
    Ok(())
}

/// The ΔQ spectrum of an ART run's folder.
fn art_stats(args: &StatsArgs) -> anyhow::Result<()> {
    let report = ArtReport::read(&args.input, args.bin_width)?;
    if args.json {
        out!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("{}", report.to_table().trim_end());
    }
    if let Some(dir) = &args.plots {
        write_figures(&[report.figure()], dir)?;
    }
    Ok(())
}

fn write_figures(figures: &[Figure], dir: &std::path::Path) -> anyhow::Result<()> {
    for fig in figures {
        let [png, svg] =
            write_figure(fig, dir).with_context(|| format!("writing figure {}", fig.name))?;
        // With --json, stdout carries only the JSON.
        eprintln!("wrote {} and {}", png.display(), svg.display());
        for note in &fig.notes {
            eprintln!("  note ({}): {note}", fig.name);
        }
    }
    Ok(())
}
