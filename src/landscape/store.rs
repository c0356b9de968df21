//! The files of an ART run: `events.csv` (one row per kept saddle), `explorations.csv` (one
//! row per exploration, whatever its outcome: the record `--resume` continues from) and the
//! ΔQ spectrum (`spectrum.csv`). Rows are appended as explorations end, so a kill loses at
//! most the explorations in flight.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

/// Columns of `events.csv`.
pub const EVENTS_HEADER: &str = "event,exploration,delta_q_ev,delta_e_ev,force_calls,class,saddle_file,final_file,prefactor_hz,saddle_energy_ev,final_energy_ev,saddle_max_force_ev_per_angstrom,lowest_eigenvalue_ev_per_angstrom2,second_eigenvalue_ev_per_angstrom2,force_calls_total,arrows";

/// Columns of `explorations.csv`.
pub const EXPLORATIONS_HEADER: &str = "exploration,seed,outcome,event,force_calls,search_wall_s,wall_s,local_force_calls,full_force_calls";

/// Columns of `explorations.csv` before the local search (every force call a full one): still
/// read, so `--resume` continues such a run.
pub const EXPLORATIONS_HEADER_FULL_ONLY: &str =
    "exploration,seed,outcome,event,force_calls,search_wall_s,wall_s";

/// A malformed results file.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: {message}")]
pub struct StoreError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// One kept saddle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRow {
    pub event: usize,
    pub exploration: u64,
    pub delta_q_ev: f64,
    pub delta_e_ev: f64,
    /// Force calls from the push to the converged saddle.
    pub force_calls: u64,
    pub class: String,
    pub saddle_file: String,
    pub final_file: String,
    pub prefactor_hz: Option<f64>,
    pub saddle_energy_ev: f64,
    pub final_energy_ev: f64,
    pub saddle_max_force_ev_per_angstrom: f64,
    pub lowest_eigenvalue_ev_per_angstrom2: f64,
    pub second_eigenvalue_ev_per_angstrom2: f64,
    /// Search, push over and minimisation.
    pub force_calls_total: u64,
    /// Atoms moved more than the arrow threshold.
    pub arrows: usize,
}

/// One exploration: `outcome` is `saddle`, `duplicate` or a [`super::FailureKind`] name;
/// `event` the kept event it produced or duplicated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExplorationRow {
    pub exploration: u64,
    pub seed: u64,
    pub outcome: String,
    pub event: Option<usize>,
    /// All force calls, the sum of the two last columns: on the frozen-environment surface
    /// (cost ∝ its mobile atoms) and on the full system.
    pub force_calls: u64,
    pub search_wall_s: f64,
    pub wall_s: f64,
    pub local_force_calls: u64,
    pub full_force_calls: u64,
}

fn opt_f64(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:e}"))
}

impl EventRow {
    pub fn to_csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{},{},{},{},{:e},{},{},{},{}",
            self.event,
            self.exploration,
            self.delta_q_ev,
            self.delta_e_ev,
            self.force_calls,
            self.class,
            self.saddle_file,
            self.final_file,
            opt_f64(self.prefactor_hz),
            self.saddle_energy_ev,
            self.final_energy_ev,
            self.saddle_max_force_ev_per_angstrom,
            self.lowest_eigenvalue_ev_per_angstrom2,
            self.second_eigenvalue_ev_per_angstrom2,
            self.force_calls_total,
            self.arrows
        )
    }
}

impl ExplorationRow {
    pub fn to_csv(&self) -> String {
        format!(
            "{},{},{},{},{},{:.3},{:.3},{},{}",
            self.exploration,
            self.seed,
            self.outcome,
            self.event.map_or(String::new(), |e| e.to_string()),
            self.force_calls,
            self.search_wall_s,
            self.wall_s,
            self.local_force_calls,
            self.full_force_calls
        )
    }
}

/// Splits a CSV file with the given header into rows of fields (blank lines skipped).
fn rows<'a>(
    content: &'a str,
    file: &str,
    header: &str,
) -> Result<Vec<(usize, Vec<&'a str>)>, StoreError> {
    let err = |line, message: String| StoreError {
        file: file.to_string(),
        line,
        message,
    };
    let mut lines = content.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim() == header => {}
        Some((_, h)) => {
            return Err(err(
                1,
                format!("expected the header {header:?}, found {h:?}"),
            ));
        }
        None => return Ok(Vec::new()),
    }
    let n = header.split(',').count();
    let mut out = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != n {
            return Err(err(
                i + 1,
                format!("{} fields where the header has {n}: {line:?}", fields.len()),
            ));
        }
        out.push((i + 1, fields));
    }
    Ok(out)
}

fn parse<T: std::str::FromStr>(
    file: &str,
    line: usize,
    column: &str,
    value: &str,
) -> Result<T, StoreError> {
    value.parse().map_err(|_| StoreError {
        file: file.to_string(),
        line,
        message: format!("column {column}: cannot read {value:?}"),
    })
}

/// A file's text, `None` when it does not exist (a run that has not written it yet).
fn read_optional(path: &Path, file: &str) -> Result<Option<String>, StoreError> {
    match crate::io::read_text(path) {
        Ok(c) => Ok(Some(c)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError {
            file: file.to_string(),
            line: 0,
            message: e.to_string(),
        }),
    }
}

/// Reads `events.csv` (an absent file is an empty list).
pub fn read_events(path: &Path) -> Result<Vec<EventRow>, StoreError> {
    let file = path.display().to_string();
    match read_optional(path, &file)? {
        Some(content) => parse_events(&content, &file),
        None => Ok(Vec::new()),
    }
}

/// Parses the text of an `events.csv`; errors name `file`.
pub fn parse_events(content: &str, file: &str) -> Result<Vec<EventRow>, StoreError> {
    let columns: Vec<&str> = EVENTS_HEADER.split(',').collect();
    rows(content, file, EVENTS_HEADER)?
        .into_iter()
        .map(|(line, f)| {
            let p = |k: usize| parse::<f64>(file, line, columns[k], f[k]);
            let u = |k: usize| parse::<u64>(file, line, columns[k], f[k]);
            Ok(EventRow {
                event: u(0)? as usize,
                exploration: u(1)?,
                delta_q_ev: p(2)?,
                delta_e_ev: p(3)?,
                force_calls: u(4)?,
                class: f[5].to_string(),
                saddle_file: f[6].to_string(),
                final_file: f[7].to_string(),
                prefactor_hz: if f[8].is_empty() { None } else { Some(p(8)?) },
                saddle_energy_ev: p(9)?,
                final_energy_ev: p(10)?,
                saddle_max_force_ev_per_angstrom: p(11)?,
                lowest_eigenvalue_ev_per_angstrom2: p(12)?,
                second_eigenvalue_ev_per_angstrom2: p(13)?,
                force_calls_total: u(14)?,
                arrows: u(15)? as usize,
            })
        })
        .collect()
}

/// Reads `explorations.csv` (an absent file is an empty list).
pub fn read_explorations(path: &Path) -> Result<Vec<ExplorationRow>, StoreError> {
    let file = path.display().to_string();
    match read_optional(path, &file)? {
        Some(content) => parse_explorations(&content, &file),
        None => Ok(Vec::new()),
    }
}

/// Parses the text of an `explorations.csv`; errors name `file`.
pub fn parse_explorations(content: &str, file: &str) -> Result<Vec<ExplorationRow>, StoreError> {
    let full_only = content.lines().next().map(str::trim) == Some(EXPLORATIONS_HEADER_FULL_ONLY);
    let header = if full_only {
        EXPLORATIONS_HEADER_FULL_ONLY
    } else {
        EXPLORATIONS_HEADER
    };
    let columns: Vec<&str> = EXPLORATIONS_HEADER.split(',').collect();
    rows(content, file, header)?
        .into_iter()
        .map(|(line, f)| {
            let outcome = f[2].to_string();
            if outcome != "saddle"
                && outcome != "duplicate"
                && super::FailureKind::from_name(&outcome).is_none()
            {
                return Err(StoreError {
                    file: file.to_string(),
                    line,
                    message: format!("column outcome: unknown outcome {outcome:?}"),
                });
            }
            Ok(ExplorationRow {
                exploration: parse(file, line, columns[0], f[0])?,
                seed: parse(file, line, columns[1], f[1])?,
                outcome,
                event: if f[3].is_empty() {
                    None
                } else {
                    Some(parse(file, line, columns[3], f[3])?)
                },
                force_calls: parse(file, line, columns[4], f[4])?,
                search_wall_s: parse(file, line, columns[5], f[5])?,
                wall_s: parse(file, line, columns[6], f[6])?,
                local_force_calls: if full_only {
                    0
                } else {
                    parse(file, line, columns[7], f[7])?
                },
                full_force_calls: if full_only {
                    parse(file, line, columns[4], f[4])?
                } else {
                    parse(file, line, columns[8], f[8])?
                },
            })
        })
        .collect()
}

/// A histogram of ΔQ with its mean.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spectrum {
    pub bin_width_ev: f64,
    /// (lower edge, upper edge, count), from 0 up to the bin holding the largest value.
    pub bins: Vec<(f64, f64, usize)>,
    pub mean_ev: Option<f64>,
    pub count: usize,
}

impl Spectrum {
    pub fn new(values_ev: &[f64], bin_width_ev: f64) -> Self {
        let top = values_ev.iter().copied().fold(0.0, f64::max);
        let n_bins = ((top / bin_width_ev).floor() as usize + 1).max(1);
        let mut bins: Vec<(f64, f64, usize)> = (0..n_bins)
            .map(|k| (k as f64 * bin_width_ev, (k + 1) as f64 * bin_width_ev, 0))
            .collect();
        for &v in values_ev {
            let k = ((v.max(0.0) / bin_width_ev).floor() as usize).min(n_bins - 1);
            bins[k].2 += 1;
        }
        Self {
            bin_width_ev,
            bins,
            mean_ev: (!values_ev.is_empty())
                .then(|| values_ev.iter().sum::<f64>() / values_ev.len() as f64),
            count: values_ev.len(),
        }
    }

    /// `bin_lo_ev,bin_hi_ev,count` rows, then the mean as a last commented line.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("bin_lo_ev,bin_hi_ev,count\n");
        for (lo, hi, n) in &self.bins {
            s.push_str(&format!("{lo:.4},{hi:.4},{n}\n"));
        }
        s
    }
}

/// What an ART run amounts to (written as `summary.json` and printed).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    pub explorations: usize,
    pub saddles_kept: usize,
    pub duplicates: usize,
    pub failures: BTreeMap<String, usize>,
    /// (kept + duplicates) / explorations: explorations that ended on a verified saddle.
    pub success_rate: f64,
    pub mean_delta_q_ev: Option<f64>,
    pub mean_delta_e_ev: Option<f64>,
    /// Force calls from push to converged saddle, mean over verified saddles (kept and duplicates).
    pub mean_force_calls_per_saddle: Option<f64>,
    /// Wall time of the ART search (push to new minimum) over all explorations, divided by the
    /// verified saddles (s).
    pub search_wall_s_per_saddle: Option<f64>,
    /// Every exploration's force calls (failed ones included: search, verification,
    /// connection), divided by the verified saddles: the cost of one saddle.
    pub force_calls_per_verified_saddle: Option<f64>,
    /// Of `force_calls_per_verified_saddle`, the calls on the frozen-environment surface and
    /// on the full system.
    pub local_force_calls_per_verified_saddle: Option<f64>,
    pub full_force_calls_per_verified_saddle: Option<f64>,
    /// Every exploration's whole wall time divided by the verified saddles (s).
    pub wall_s_per_verified_saddle: Option<f64>,
    pub spectrum: Spectrum,
}

impl RunSummary {
    pub fn new(events: &[EventRow], explorations: &[ExplorationRow], bin_width_ev: f64) -> Self {
        let mut failures = BTreeMap::new();
        let (mut kept, mut duplicates) = (0, 0);
        let mut saddle_calls = Vec::new();
        for e in explorations {
            match e.outcome.as_str() {
                "saddle" => kept += 1,
                "duplicate" => duplicates += 1,
                other => *failures.entry(other.to_string()).or_insert(0) += 1,
            }
        }
        let by_event: BTreeMap<usize, &EventRow> = events.iter().map(|e| (e.event, e)).collect();
        for e in explorations {
            if let (Some(n), "saddle" | "duplicate") = (e.event, e.outcome.as_str())
                && let Some(row) = by_event.get(&n)
            {
                // A duplicate's own search cost is in explorations.csv only as a total; use
                // the kept row's to-saddle count for kept events.
                if e.outcome == "saddle" {
                    saddle_calls.push(row.force_calls as f64);
                }
            }
        }
        let verified = kept + duplicates;
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let dq: Vec<f64> = events.iter().map(|e| e.delta_q_ev).collect();
        let de: Vec<f64> = events.iter().map(|e| e.delta_e_ev).collect();
        let search_s: f64 = explorations.iter().map(|e| e.search_wall_s).sum();
        Self {
            explorations: explorations.len(),
            saddles_kept: kept,
            duplicates,
            failures,
            success_rate: if explorations.is_empty() {
                0.0
            } else {
                verified as f64 / explorations.len() as f64
            },
            mean_delta_q_ev: mean(&dq),
            mean_delta_e_ev: mean(&de),
            mean_force_calls_per_saddle: mean(&saddle_calls),
            search_wall_s_per_saddle: (verified > 0).then(|| search_s / verified as f64),
            force_calls_per_verified_saddle: (verified > 0).then(|| {
                explorations
                    .iter()
                    .map(|e| e.force_calls as f64)
                    .sum::<f64>()
                    / verified as f64
            }),
            local_force_calls_per_verified_saddle: (verified > 0).then(|| {
                explorations
                    .iter()
                    .map(|e| e.local_force_calls as f64)
                    .sum::<f64>()
                    / verified as f64
            }),
            full_force_calls_per_verified_saddle: (verified > 0).then(|| {
                explorations
                    .iter()
                    .map(|e| e.full_force_calls as f64)
                    .sum::<f64>()
                    / verified as f64
            }),
            wall_s_per_verified_saddle: (verified > 0)
                .then(|| explorations.iter().map(|e| e.wall_s).sum::<f64>() / verified as f64),
            spectrum: Spectrum::new(&dq, bin_width_ev),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_bad_rows_name_file_and_line() {
        let row = EventRow {
            event: 3,
            exploration: 17,
            delta_q_ev: 0.731_234_5,
            delta_e_ev: -0.01,
            force_calls: 812,
            class: "pair exchange".into(),
            saddle_file: "saddles/0003.data".into(),
            final_file: "minima/0003.data".into(),
            prefactor_hz: Some(2.5e13),
            saddle_energy_ev: -19452.1,
            final_energy_ev: -19453.4,
            saddle_max_force_ev_per_angstrom: 0.004,
            lowest_eigenvalue_ev_per_angstrom2: -0.3,
            second_eigenvalue_ev_per_angstrom2: 0.008,
            force_calls_total: 1500,
            arrows: 4,
        };
        let dir = std::env::temp_dir().join(format!("betaglass-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.csv");
        let mut no_prefactor = row.clone();
        no_prefactor.event = 4;
        no_prefactor.prefactor_hz = None;
        std::fs::write(
            &path,
            format!(
                "{EVENTS_HEADER}\n{}\n{}\n",
                row.to_csv(),
                no_prefactor.to_csv()
            ),
        )
        .unwrap();
        assert_eq!(read_events(&path).unwrap(), vec![row.clone(), no_prefactor]);
        let mut bad = row.to_csv();
        bad = bad.replacen("0.7312345", "0.7x", 1);
        std::fs::write(&path, format!("{EVENTS_HEADER}\n{bad}\n")).unwrap();
        let e = read_events(&path).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("delta_q_ev") && e.message.contains("0.7x"),
            "{e}"
        );
        let path = dir.join("explorations.csv");
        std::fs::write(
            &path,
            format!("{EXPLORATIONS_HEADER}\n1,2,lost,,3,0.1,0.2\n"),
        )
        .unwrap();
        let e = read_explorations(&path).unwrap_err();
        assert!(e.to_string().contains("explorations.csv:2") && e.message.contains("lost"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn spectrum_counts_every_value_once() {
        let s = Spectrum::new(&[0.05, 0.15, 0.16, 1.0], 0.1);
        assert_eq!(s.bins.len(), 11);
        assert_eq!(s.bins.iter().map(|b| b.2).sum::<usize>(), 4);
        assert_eq!(s.bins[1].2, 2);
        assert!((s.mean_ev.unwrap() - 0.34).abs() < 1e-12);
    }

    mod garbled {
        use super::*;
        use crate::io::test_support::mutate;
        use proptest::prelude::*;

        proptest! {
            // An ART run's tables cut by a kill or edited by hand: an error naming the file,
            // never a panic.
            #[test]
            fn garbled_art_tables_never_panic(
                edits in prop::collection::vec(
                    (any::<usize>(), any::<u8>(),
                     prop::sample::select(vec![',', '\n', '0', '7', '-', '.', 'e', 'x', ' ',
                         'é'])),
                    0..12)
            ) {
                let events = mutate(include_str!("../../docs/art/events.csv"), &edits);
                if let Err(e) = parse_events(&events, "events.csv") {
                    prop_assert!(e.to_string().contains("events.csv"), "{}", e);
                }
                let explorations =
                    mutate(include_str!("../../docs/art/explorations.csv"), &edits);
                if let Err(e) = parse_explorations(&explorations, "explorations.csv") {
                    prop_assert!(e.to_string().contains("explorations.csv"), "{}", e);
                }
            }
        }
    }
}
