//! Reading a barrier table: `samplings.csv` or any CSV with at least `temperature_k` and
//! a ΔF column, into [`BarrierSample`]s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::super::spec::centre_label;
use super::super::store::{
    HEADER_BEFORE_ESTIMATORS, LOWER_BOUND_COLUMN, SAMPLINGS_CSV, SamplingRecord, SamplingStatus,
    StoreError, split_csv_line,
};
use crate::io::shorten;
use crate::sampling::Estimator;

/// One sampling's barrier as the statistics need it: a [`SamplingRecord`] reduced to the
/// columns `stats` reads, which a hand-made CSV may also supply.
#[derive(Clone, Debug, PartialEq)]
pub struct BarrierSample {
    /// The sampling's index; without a `sampling` column, the row's rank (0-based) in the
    /// file. Samples are taken in this order (Fig. 3 and the bootstrap's draws).
    pub sampling: usize,
    /// The centre's label (`nearest-cu`, an atom id …); `-` without a `centre` column.
    pub centre: String,
    pub cutoff_angstrom: Option<f64>,
    pub temperature_k: f64,
    /// The ΔF the stop rule produced (or the table's own `delta_f_ev`).
    pub delta_f_ev: Option<f64>,
    /// Which estimator `delta_f_ev` is, when the table names it.
    pub delta_f_estimator: Option<Estimator>,
    /// The filled depth (`delta_f_filled_depth_ev`, older tables `delta_f_crossing_ev`).
    pub delta_f_crossing_ev: Option<f64>,
    pub delta_f_profile_ev: Option<f64>,
    pub delta_f_final_ev: Option<f64>,
    /// `ok` when the table has no `status` column.
    pub status: SamplingStatus,
    pub reason: String,
    /// 1-based line in the source table, when read from one.
    pub line: Option<usize>,
    /// `no_event` rows: the barrier exceeds this (eV), a right-censored barrier
    /// (`delta_f_lower_bound_ev`; absent from tables written before that column).
    pub delta_f_lower_bound_ev: Option<f64>,
    /// Boosted (physical) time of the first event's crossing (ps), for the rate estimate.
    pub event_boosted_ps: Option<f64>,
}

impl From<&SamplingRecord> for BarrierSample {
    fn from(r: &SamplingRecord) -> Self {
        Self {
            sampling: r.sampling,
            centre: centre_label(&r.centre),
            cutoff_angstrom: Some(r.cutoff_angstrom),
            temperature_k: r.temperature_k,
            delta_f_ev: r.delta_f_ev,
            delta_f_estimator: r.delta_f_estimator,
            delta_f_crossing_ev: r.delta_f_filled_depth_ev,
            delta_f_profile_ev: r.delta_f_profile_ev,
            delta_f_final_ev: r.delta_f_final_ev,
            status: r.status,
            reason: r.reason.clone(),
            line: None,
            delta_f_lower_bound_ev: r.delta_f_lower_bound_ev,
            event_boosted_ps: r.event_boosted_ps,
        }
    }
}

#[cfg(test)]
impl BarrierSample {
    /// An `ok` row with only the stop rule's ΔF `f` (eV) at `t` (K), for tests.
    pub(crate) fn ok(sampling: usize, centre: &str, cutoff: f64, t: f64, f: f64) -> Self {
        Self {
            sampling,
            centre: centre.into(),
            cutoff_angstrom: Some(cutoff),
            temperature_k: t,
            delta_f_ev: Some(f),
            delta_f_crossing_ev: None,
            delta_f_estimator: None,
            delta_f_profile_ev: None,
            delta_f_final_ev: None,
            status: SamplingStatus::Ok,
            reason: String::new(),
            line: None,
            delta_f_lower_bound_ev: None,
            event_boosted_ps: None,
        }
    }
}

/// A table read by [`read_barrier_samples`]: its rows and any warnings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarrierTable {
    pub samples: Vec<BarrierSample>,
    pub warnings: Vec<String>,
}

/// `DIR/samplings.csv` when `path` is a folder, else `path`.
pub fn samples_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(SAMPLINGS_CSV)
    } else {
        path.to_path_buf()
    }
}

/// Reads a barrier table: a campaign folder (its `samplings.csv`) or a CSV file.
pub fn read_barrier_samples(path: &Path) -> Result<BarrierTable, StoreError> {
    let file = samples_path(path);
    let text = crate::io::read_text(&file).map_err(|source| StoreError::Io {
        file: file.display().to_string(),
        source,
    })?;
    parse_barrier_samples(&text, &file.display().to_string())
}

/// Parses a CSV of barriers whose first line names its columns. Columns are found by
/// name, so they may come in any order and extra ones are ignored: `temperature_k` is
/// required, and at least one of `delta_f_ev` and `delta_f_crossing_ev`; `sampling`,
/// `centre`, `cutoff_angstrom`, `status` and `reason` are read when present (the rest of
/// `samplings.csv`'s columns are not needed). Quoting as RFC 4180, one row per line.
///
/// A malformed line is an error naming `origin:line`, the column and the value. A last
/// line without its newline that does not parse is what a kill leaves while a campaign
/// writes it: it is ignored with a warning (one that parses is kept).
pub fn parse_barrier_samples(text: &str, origin: &str) -> Result<BarrierTable, StoreError> {
    let error = |line: usize, message: String| StoreError::Parse {
        file: origin.to_string(),
        line,
        message,
    };
    let mut lines = text.split_inclusive('\n').enumerate();
    let Some((_, header_raw)) = lines.next() else {
        return Err(error(1, "the file is empty: expected a header line".into()));
    };
    let header: Vec<String> = split_csv_line(header_raw.trim_end_matches(['\n', '\r']))
        .map_err(|m| error(1, format!("header: {m}")))?
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| -> Result<Option<usize>, StoreError> {
        let mut at = header.iter().enumerate().filter(|(_, h)| *h == name);
        match (at.next(), at.next()) {
            (Some((i, _)), None) => Ok(Some(i)),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(error(1, format!("column `{name}` appears twice"))),
        }
    };
    let Some(col_t) = find("temperature_k")? else {
        return Err(error(
            1,
            format!(
                "no `temperature_k` column in the header {:?}",
                shorten(header_raw.trim_end())
            ),
        ));
    };
    // A samplings table from before the estimators were named: its `delta_f_ev` is the
    // end-of-run diagnostic, and the ΔF its stop rule produced is the filled depth.
    let before_estimators = header.join(",") == HEADER_BEFORE_ESTIMATORS;
    let col_crossing = match find("delta_f_filled_depth_ev")? {
        Some(c) => Some(c),
        None => find("delta_f_crossing_ev")?,
    };
    let col_stop_rule = if before_estimators {
        col_crossing
    } else {
        find("delta_f_ev")?
    };
    let col_final = if before_estimators {
        find("delta_f_ev")?
    } else {
        find("delta_f_final_ev")?
    };
    let col_profile = find("delta_f_profile_ev")?;
    let col_estimator = find("delta_f_estimator")?;
    if [col_stop_rule, col_crossing, col_final, col_profile]
        .iter()
        .all(Option::is_none)
    {
        return Err(error(
            1,
            format!(
                "no `delta_f_ev`, `delta_f_profile_ev`, `delta_f_filled_depth_ev` (or \
                 `delta_f_crossing_ev`) or `delta_f_final_ev` column in the header {:?}",
                shorten(header_raw.trim_end())
            ),
        ));
    }
    let col_sampling = find("sampling")?;
    let col_centre = find("centre")?;
    let col_cutoff = find("cutoff_angstrom")?;
    let col_status = find("status")?;
    let col_reason = find("reason")?;
    let col_lower_bound = find(LOWER_BOUND_COLUMN)?;
    let col_boosted = find("event_boosted_ps")?;

    let mut table = BarrierTable::default();
    let mut rank = 0usize;
    // Sampling id → (line, text, index in the table) of its first row: a repeated id would
    // count one sampling twice in every mean and fit.
    let mut first_row: HashMap<usize, (usize, String, usize)> = HashMap::new();
    for (i, raw) in lines {
        let line_no = i + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = split_csv_line(line).and_then(|fields| {
            if fields.len() != header.len() {
                return Err(format!(
                    "expected {} columns (as the header), found {}",
                    header.len(),
                    fields.len()
                ));
            }
            let bad = |c: usize, what: &str| {
                format!(
                    "column `{}` = {:?}: expected {what}",
                    header[c],
                    shorten(&fields[c])
                )
            };
            let opt_float = |c: Option<usize>| -> Result<Option<f64>, String> {
                match c {
                    Some(c) if !fields[c].trim().is_empty() => fields[c]
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .map(Some)
                        .ok_or_else(|| bad(c, "a number")),
                    _ => Ok(None),
                }
            };
            let temperature_k =
                opt_float(Some(col_t))?.ok_or_else(|| bad(col_t, "a temperature in kelvin"))?;
            let sampling = match col_sampling {
                Some(c) => fields[c]
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| bad(c, "a sampling index"))?,
                None => rank,
            };
            let status = match col_status {
                Some(c) => SamplingStatus::parse(fields[c].trim())
                    .ok_or_else(|| bad(c, "ok, no_event or failed"))?,
                None => SamplingStatus::Ok,
            };
            Ok(BarrierSample {
                sampling,
                centre: col_centre
                    .map(|c| fields[c].trim().to_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "-".into()),
                cutoff_angstrom: opt_float(col_cutoff)?,
                temperature_k,
                delta_f_ev: opt_float(col_stop_rule)?,
                delta_f_estimator: if before_estimators {
                    opt_float(col_crossing)?.map(|_| Estimator::FilledDepth)
                } else {
                    match col_estimator.map(|c| fields[c].trim()) {
                        None | Some("") => None,
                        Some(e) => Some(Estimator::parse(e).ok_or_else(|| {
                            bad(
                                col_estimator.unwrap_or(0),
                                "profile, filled-depth, final or nothing",
                            )
                        })?),
                    }
                },
                delta_f_crossing_ev: opt_float(col_crossing)?,
                delta_f_profile_ev: opt_float(col_profile)?,
                delta_f_final_ev: opt_float(col_final)?,
                status,
                reason: col_reason.map(|c| fields[c].clone()).unwrap_or_default(),
                line: Some(line_no),
                delta_f_lower_bound_ev: opt_float(col_lower_bound)?,
                event_boosted_ps: opt_float(col_boosted)?,
            })
        });
        match parsed {
            Ok(sample) if col_sampling.is_some() => {
                match first_row.get(&sample.sampling) {
                    None => {
                        first_row.insert(
                            sample.sampling,
                            (line_no, line.to_string(), table.samples.len()),
                        );
                        table.samples.push(sample);
                    }
                    // Two runs of one campaign on one folder write the same row twice.
                    Some((first, text, _)) if text == line => table.warnings.push(format!(
                        "{origin}:{line_no}: sampling {} repeats line {first} exactly; \
                         counted once",
                        sample.sampling
                    )),
                    // `--resume --max-steps` continued a sampling that had no event: its
                    // new row supersedes the old one.
                    Some(&(_, _, at)) if table.samples[at].status == SamplingStatus::NoEvent => {
                        first_row.insert(sample.sampling, (line_no, line.to_string(), at));
                        table.samples[at] = sample;
                    }
                    Some((first, _, _)) => {
                        return Err(error(
                            line_no,
                            format!(
                                "sampling {} already has a different row at line {first}: \
                                 which one to count is not clear, so none is (remove one)",
                                sample.sampling
                            ),
                        ));
                    }
                }
                rank += 1;
            }
            Ok(sample) => {
                table.samples.push(sample);
                rank += 1;
            }
            Err(message) if !raw.ends_with('\n') => {
                table.warnings.push(format!(
                    "{origin}:{line_no}: ignoring the unfinished last line {:?} ({message}; was \
                     the campaign killed while writing it?)",
                    shorten(line)
                ));
            }
            Err(message) => return Err(error(line_no, message)),
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_reads_minimal_tables_and_warns_on_an_unfinished_last_line() {
        let t =
            parse_barrier_samples("delta_f_ev,temperature_k\n0.5,300\n0.6,300", "m.csv").unwrap();
        // A last line without newline that parses is kept; defaults fill the rest.
        assert_eq!(t.samples.len(), 2);
        assert!(t.warnings.is_empty());
        let s = &t.samples[1];
        assert_eq!(
            (s.sampling, s.line, s.status),
            (1, Some(3), SamplingStatus::Ok)
        );
        assert_eq!((s.centre.as_str(), s.cutoff_angstrom), ("-", None));
        // One cut short by a kill is ignored with a warning naming the line.
        let cut = parse_barrier_samples(
            "temperature_k,delta_f_ev,status,reason\n300,0.5,ok,\"\"\n300,0.6,ok,\"unfin",
            "c.csv",
        )
        .unwrap();
        assert_eq!(cut.samples.len(), 1);
        assert!(
            cut.warnings[0].starts_with("c.csv:3:"),
            "{:?}",
            cut.warnings
        );
        // The same line with its newline is an error.
        let err = parse_barrier_samples(
            "temperature_k,delta_f_ev,status,reason\n300,0.6,ok,\"unfin\n",
            "c.csv",
        )
        .unwrap_err();
        assert_eq!(err.line(), Some(2));
        let dup = parse_barrier_samples("temperature_k,delta_f_ev,delta_f_ev\n", "d.csv")
            .unwrap_err()
            .to_string();
        assert!(dup.contains("d.csv:1") && dup.contains("twice"), "{dup}");
        let no_barrier = parse_barrier_samples("temperature_k,x\n", "b.csv")
            .unwrap_err()
            .to_string();
        assert!(no_barrier.contains("delta_f_ev"), "{no_barrier}");
        assert!(parse_barrier_samples("", "e.csv").is_err());
    }

    #[test]
    fn report_reads_the_campaign_store_format() {
        // A samplings.csv as the campaign writes it, through its own record type.
        let record = SamplingRecord {
            sampling: 4,
            centre: crate::sampling::setup::CentreChoice::Atom(348),
            cutoff_angstrom: 4.0,
            temperature_k: 300.0,
            seed: 9,
            delta_f_ev: Some(0.41),
            delta_f_estimator: Some(crate::sampling::Estimator::Profile),
            delta_f_profile_ev: Some(0.41),
            delta_f_filled_depth_ev: Some(0.38),
            delta_f_final_ev: Some(0.2),
            s_min_angstrom: Some(0.25),
            s_saddle_angstrom: Some(1.05),
            s_new_angstrom: Some(1.46),
            profile_stop: Some(crate::campaign::store::ProfileStop::Stable),
            precursors: 1,
            event_md_ps: Some(12.0),
            event_boosted_ps: Some(1e3),
            event_class: Some("pair exchange".into()),
            steps: 5000,
            status: SamplingStatus::Ok,
            reason: "a, b".into(),
            delta_f_lower_bound_ev: None,
        };
        let text = format!(
            "{}\n{}",
            crate::campaign::store::HEADER,
            record.to_csv_line()
        );
        let table = parse_barrier_samples(&text, "s.csv").unwrap();
        let mut expected = BarrierSample::from(&record);
        expected.line = Some(2);
        assert_eq!(table.samples, vec![expected]);
    }
}
