//! `betaglass campaign`: many metadynamics samplings (temperatures × seeds × centres ×
//! cutoffs) from a campaign file, several at once, one row of `samplings.csv` each;
//! `--resume` continues a killed campaign.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, bail};

use betaglass::campaign::spec::centre_label;
use betaglass::campaign::{
    CampaignOptions, CampaignProgress, CampaignSpec, CampaignSummary, SamplingRecord,
    SamplingStatus, run_campaign,
};

#[derive(clap::Args, Debug)]
pub struct CampaignArgs {
    /// The campaign file (see campaigns/*.toml).
    pub campaign: PathBuf,
    /// Output folder: samplings.csv (one row per sampling), campaign.toml (the campaign, in
    /// full) and samplings/NNNN.* (each sampling's Colvars files and events).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Continue the campaign in DIR: run only the samplings samplings.csv does not hold.
    #[arg(long)]
    pub resume: bool,
    /// Threads in all (default: every core).
    #[arg(long, value_name = "N", value_parser = crate::cli::threads_arg)]
    pub threads: Option<usize>,
    /// Samplings at once (default: one per thread); each gets threads / K threads. Several
    /// samplings with few threads each finish more samplings per hour than one with many
    /// (16 cores: 16 × 1 thread ran 2.0× the steps/s of 1 × 16).
    #[arg(long, value_name = "K", value_parser = crate::cli::threads_arg)]
    pub parallel_samplings: Option<usize>,
    /// Overrides the campaign's stop.max_steps (biased steps at most per sampling), e.g. for
    /// a timing. With --resume, a larger N continues the samplings that ended without an
    /// event (no_event) from their samplings/NNNN.restart.json; a smaller one is refused.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
}

pub fn run(args: CampaignArgs) -> anyhow::Result<()> {
    let mut spec = CampaignSpec::load(&args.campaign)?;
    if let Some(n) = args.max_steps {
        if n == 0 {
            bail!("--max-steps must be at least 1");
        }
        spec.stop.max_steps = n;
    }
    let threads = args.threads.unwrap_or_else(crate::cli::available_cores);
    let options = CampaignOptions::with_threads(args.resume, threads, args.parallel_samplings);
    out!(
        "campaign \"{}\": {} samplings ({} temperature(s) × {} seed(s) × {} centre(s) × {} cutoff(s)) → {}",
        spec.name,
        spec.job_count(),
        spec.temperatures_k.len(),
        spec.samplings_per_temperature,
        spec.centres.len(),
        spec.cutoffs_angstrom.len(),
        args.output.display()
    );

    let bar = Mutex::new(None::<indicatif::ProgressBar>);
    // The rows this call recorded (the summary holds the folder's, resumed ones too).
    let finished = Mutex::new(Vec::<SamplingRecord>::new());
    let running = Mutex::new(BTreeMap::<usize, String>::new());
    let show_running = |bar: &indicatif::ProgressBar, running: &BTreeMap<usize, String>| {
        let list: Vec<&str> = running.values().map(String::as_str).collect();
        bar.set_message(if list.is_empty() {
            String::new()
        } else {
            format!("running {}", list.join(", "))
        });
    };
    let progress = |p: CampaignProgress<'_>| {
        let guard = bar.lock().unwrap_or_else(|e| e.into_inner());
        match p {
            CampaignProgress::Planned {
                total,
                recorded,
                to_run,
                parallel_samplings,
                threads_per_sampling,
            } => {
                drop(guard);
                if recorded > 0 {
                    out!("{recorded} sampling(s) already recorded; {to_run} to run");
                }
                if to_run > 0 {
                    out!(
                        "{parallel_samplings} sampling(s) at a time × {threads_per_sampling} thread(s) each"
                    );
                }
                let b = samplings_bar(total as u64, recorded as u64);
                *bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(b);
            }
            CampaignProgress::Started { job } => {
                let mut running = running.lock().unwrap_or_else(|e| e.into_inner());
                running.insert(job.index, format!("{:04}", job.index));
                if let Some(b) = guard.as_ref() {
                    show_running(b, &running);
                }
            }
            CampaignProgress::Advanced {
                job,
                biased_steps,
                max_steps,
                events,
            } => {
                let mut running = running.lock().unwrap_or_else(|e| e.into_inner());
                let percent = 100.0 * biased_steps as f64 / max_steps.max(1) as f64;
                let event = if events > 0 { " event" } else { "" };
                running.insert(job.index, format!("{:04} {percent:.0}%{event}", job.index));
                if let Some(b) = guard.as_ref() {
                    show_running(b, &running);
                }
            }
            CampaignProgress::Finished {
                record, recorded, ..
            } => {
                finished
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(record.clone());
                let mut running = running.lock().unwrap_or_else(|e| e.into_inner());
                running.remove(&record.sampling);
                match guard.as_ref() {
                    Some(b) => {
                        b.suspend(|| out!("{}", describe(record)));
                        b.set_position(recorded as u64);
                        show_running(b, &running);
                    }
                    None => out!("{}", describe(record)),
                }
            }
            CampaignProgress::Warning(w) => match guard.as_ref() {
                Some(b) => b.suspend(|| eprintln!("warning: {w}")),
                None => eprintln!("warning: {w}"),
            },
        }
    };
    let result = run_campaign(&spec, &args.output, &options, progress);
    if let Some(b) = bar.into_inner().unwrap_or_else(|e| e.into_inner()) {
        if result.is_ok() {
            b.finish_with_message("");
        } else {
            b.abandon();
        }
    }
    let summary = result.with_context(|| format!("campaign {}", args.campaign.display()))?;
    summarise(&summary);
    out!(
        "results: {}",
        args.output
            .join(betaglass::campaign::store::SAMPLINGS_CSV)
            .display()
    );
    all_failed(&finished.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// A campaign whose every sampling of this call failed measured nothing: that is an error
/// (exit 1) naming the reasons, not a success with a table of `failed` rows.
fn all_failed(ran: &[SamplingRecord]) -> anyhow::Result<()> {
    if ran.is_empty() || ran.iter().any(|r| r.status != SamplingStatus::Failed) {
        return Ok(());
    }
    let mut reasons: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for r in ran {
        reasons
            .entry(r.reason.as_str())
            .or_default()
            .push(r.sampling);
    }
    let lines: Vec<String> = reasons
        .iter()
        .map(|(reason, ids)| format!("  {} sampling(s), e.g. {:04}: {reason}", ids.len(), ids[0]))
        .collect();
    bail!(
        "every one of the {} sampling(s) run failed:\n{}",
        ran.len(),
        lines.join("\n")
    )
}

/// A bar of samplings done out of the plan, in the house style.
fn samplings_bar(total: u64, done: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:>10} [{elapsed_precise}] {wide_bar} {pos}/{len} samplings (eta {eta}) {msg}",
        )
        .expect("valid template"),
    );
    bar.set_prefix("campaign");
    bar.set_position(done);
    bar.reset_eta();
    bar.enable_steady_tick(Duration::from_secs(1));
    bar
}

/// One line for a finished sampling.
fn describe(r: &SamplingRecord) -> String {
    let head = format!(
        "sampling {:04} ({} K, seed {}, centre {}, {} Å): {}",
        r.sampling,
        r.temperature_k,
        r.seed,
        centre_label(&r.centre),
        r.cutoff_angstrom,
        r.status.as_str()
    );
    let mut parts = Vec::new();
    if let (Some(f), Some(e)) = (r.delta_f_ev, r.delta_f_estimator) {
        parts.push(format!("ΔF ({}) {f:.3} eV", e.as_str()));
    }
    if let (Some(a), Some(b), Some(c)) = (r.s_min_angstrom, r.s_saddle_angstrom, r.s_new_angstrom) {
        parts.push(format!("s_min {a:.2} Å, s‡ {b:.2} Å, s_new {c:.2} Å"));
    }
    if let Some(f) = r.delta_f_filled_depth_ev {
        parts.push(format!("filled depth {f:.3} eV"));
    }
    if let Some(p) = r.profile_stop {
        parts.push(format!("stopped: {}", p.as_str()));
    }
    if r.precursors > 0 {
        parts.push(format!("{} precursor(s)", r.precursors));
    }
    if let (Some(md), Some(boosted)) = (r.event_md_ps, r.event_boosted_ps) {
        parts.push(format!(
            "event at {md:.1} ps MD ({boosted:.3e} ps boosted), {}",
            r.event_class.as_deref().unwrap_or("?")
        ));
    }
    parts.push(format!("{} steps", r.steps));
    if !r.reason.is_empty() {
        parts.push(r.reason.clone());
    }
    format!("{head}: {}", parts.join("; "))
}

/// Counts by status, and ΔF per temperature.
fn summarise(s: &CampaignSummary) {
    out!(
        "{} of {} samplings recorded ({} this run): {} ok, {} no event, {} failed",
        s.records.len(),
        s.total,
        s.ran,
        s.count(SamplingStatus::Ok),
        s.count(SamplingStatus::NoEvent),
        s.count(SamplingStatus::Failed)
    );
    let mut temperatures: Vec<f64> = s.records.iter().map(|r| r.temperature_k).collect();
    temperatures.sort_by(f64::total_cmp);
    temperatures.dedup();
    for t in temperatures {
        let at: Vec<&SamplingRecord> = s.records.iter().filter(|r| r.temperature_k == t).collect();
        let delta_f: Vec<f64> = at.iter().filter_map(|r| r.delta_f_ev).collect();
        let spread = if delta_f.is_empty() {
            "no ΔF yet".to_string()
        } else {
            let n = delta_f.len() as f64;
            let mean = delta_f.iter().sum::<f64>() / n;
            let sd = if delta_f.len() > 1 {
                (delta_f.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            format!("ΔF {mean:.3} ± {sd:.3} eV (mean ± sd of {})", delta_f.len())
        };
        out!(
            "  {t} K: {} sampling(s), {} with an event; {spread}",
            at.len(),
            at.iter().filter(|r| r.event_md_ps.is_some()).count()
        );
    }
    if s.count(SamplingStatus::Failed) > 0 {
        out!("failed samplings: see the `reason` column; --resume does not rerun them");
    }
}
