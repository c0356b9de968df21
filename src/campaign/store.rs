//! A campaign's output folder:
//!
//! - `DIR/samplings.csv`: one row per finished sampling, appended as each one ends (one
//!   `write` call per row, so a kill leaves at most one partial last row, which the reader
//!   ignores and `--resume` removes);
//! - `DIR/campaign.toml`: the campaign, complete (see [`CampaignSpec::to_toml`]), so the
//!   folder says what it holds and `--resume` can check it continues the same campaign;
//! - `DIR/samplings/NNNN.*`: each sampling's Colvars files and events
//!   ([`SamplingFiles`](crate::io::sampling_files::SamplingFiles), prefix `NNNN` = index),
//!   and for a sampling without an event its `NNNN.restart.json`, from which
//!   `--resume --max-steps` continues it.
//!
//! [`CampaignSpec::to_toml`]: super::spec::CampaignSpec::to_toml

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::spec::{centre_label, parse_centre_label};
use crate::io::{fmt_f64, shorten};
use crate::sampling::Estimator;
use crate::sampling::setup::CentreChoice;

/// The results table in a campaign folder.
pub const SAMPLINGS_CSV: &str = "samplings.csv";
/// The copy of the campaign in a campaign folder.
pub const CAMPAIGN_TOML: &str = "campaign.toml";
/// The folder of the samplings' files in a campaign folder.
pub const SAMPLINGS_DIR: &str = "samplings";

/// The first line of `samplings.csv`. `delta_f_ev` is the ΔF of the estimator the stop rule
/// produced, named in `delta_f_estimator` (both empty when it left ΔF undetermined); each
/// estimator also has its own column (see [`Estimator`]).
pub const HEADER: &str = "sampling,centre,cutoff_angstrom,temperature_k,seed,delta_f_ev,\
                          delta_f_estimator,delta_f_profile_ev,delta_f_filled_depth_ev,\
                          delta_f_final_ev,s_min_angstrom,s_saddle_angstrom,s_new_angstrom,\
                          profile_stop,precursors,event_md_ps,event_boosted_ps,event_class,\
                          steps,status,reason,delta_f_lower_bound_ev";

/// The column a `no_event` row's barrier bound is in (a right-censored barrier: the depth
/// the bias filled without an event); tables written before it have none.
pub const LOWER_BOUND_COLUMN: &str = "delta_f_lower_bound_ev";

/// The header of tables written before the estimators were named: `delta_f_ev` was the
/// end-of-run (`final`) reading and `delta_f_crossing_ev` the filled depth. Still read: its
/// rows take `filled-depth` as the estimator their stop rule produced.
pub const HEADER_BEFORE_ESTIMATORS: &str = "sampling,centre,cutoff_angstrom,temperature_k,seed,delta_f_ev,\
     delta_f_crossing_ev,event_md_ps,event_boosted_ps,event_class,steps,\
     status,reason";

/// Why the `profile` estimator's sampling ended after its event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileStop {
    /// The new basin's depth held within the tolerance over the window.
    Stable,
    /// A second event: the profile is read from the hills before its jump.
    SecondEvent,
    /// `max_steps` before either: the profile is left undetermined.
    StepLimit,
}

impl ProfileStop {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stable => "stable",
            Self::SecondEvent => "second-event",
            Self::StepLimit => "step-limit",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Stable, Self::SecondEvent, Self::StepLimit]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// The prefix of sampling `index`'s files: `DIR/samplings/NNNN`.
pub fn sampling_prefix(dir: &Path, index: usize) -> PathBuf {
    dir.join(SAMPLINGS_DIR).join(format!("{index:04}"))
}

/// How a sampling ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SamplingStatus {
    /// An event was confirmed (and the run went on for `after_event_ps`, or to `max_steps`).
    Ok,
    /// `max_steps` without a confirmed event.
    NoEvent,
    /// It could not start or could not go on (the reason says why).
    Failed,
}

impl SamplingStatus {
    /// As `samplings.csv` writes it: `ok`, `no_event`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NoEvent => "no_event",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ok" => Some(Self::Ok),
            "no_event" => Some(Self::NoEvent),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One row of `samplings.csv`: one sampling's result.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplingRecord {
    /// The job's index in the campaign's plan.
    pub sampling: usize,
    /// As the campaign names it (`nearest-cu`, `random-cu`, an id); the atoms of the
    /// cluster, centre first, are in the sampling's `NNNN.events.json`.
    pub centre: CentreChoice,
    pub cutoff_angstrom: f64,
    pub temperature_k: f64,
    pub seed: u64,
    /// The ΔF of `delta_f_estimator` (eV): what the stop rule produced.
    pub delta_f_ev: Option<f64>,
    /// The estimator the stop rule produced a ΔF with; `None` when it left ΔF undetermined
    /// (no event, or the profile not stable by `max_steps`).
    pub delta_f_estimator: Option<Estimator>,
    /// Each estimator's ΔF (eV), where determined: see [`Estimator`].
    pub delta_f_profile_ev: Option<f64>,
    pub delta_f_filled_depth_ev: Option<f64>,
    pub delta_f_final_ev: Option<f64>,
    /// Where the `profile` reading found the initial minimum, the saddle and the new minimum
    /// (Å); the paper's first event: 0.25, 1.05 and 1.46 Å.
    pub s_min_angstrom: Option<f64>,
    pub s_saddle_angstrom: Option<f64>,
    pub s_new_angstrom: Option<f64>,
    /// Why the sampling ended after its event.
    pub profile_stop: Option<ProfileStop>,
    /// Precursors before the event (or before the end, without one).
    pub precursors: usize,
    /// When the first event's crossing happened: MD and boosted (physical) time since the
    /// start of the biased run (ps).
    pub event_md_ps: Option<f64>,
    pub event_boosted_ps: Option<f64>,
    /// The first event's motion class (`pair exchange`, `loop`, `string`, …).
    pub event_class: Option<String>,
    /// Biased MD steps done.
    pub steps: u64,
    pub status: SamplingStatus,
    /// Why it failed, or why ΔF is empty; empty otherwise. One line.
    pub reason: String,
    /// `no_event` only: the barrier exceeds this (eV), the depth the bias filled by the
    /// step limit, ((T+ΔT)/ΔT)·max V. The sampling is a right-censored barrier.
    pub delta_f_lower_bound_ev: Option<f64>,
}

impl SamplingRecord {
    /// The CSV row, newline included (a row without it is unfinished). The reason is always
    /// quoted; line breaks in it become spaces, so a row is one line.
    pub fn to_csv_line(&self) -> String {
        let opt = |x: Option<f64>| x.map(fmt_f64).unwrap_or_default();
        let reason: String = self
            .reason
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        let fields = [
            self.sampling.to_string(),
            csv_field(&centre_label(&self.centre), false),
            fmt_f64(self.cutoff_angstrom),
            fmt_f64(self.temperature_k),
            self.seed.to_string(),
            opt(self.delta_f_ev),
            self.delta_f_estimator
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            opt(self.delta_f_profile_ev),
            opt(self.delta_f_filled_depth_ev),
            opt(self.delta_f_final_ev),
            opt(self.s_min_angstrom),
            opt(self.s_saddle_angstrom),
            opt(self.s_new_angstrom),
            self.profile_stop
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            self.precursors.to_string(),
            opt(self.event_md_ps),
            opt(self.event_boosted_ps),
            csv_field(self.event_class.as_deref().unwrap_or(""), false),
            self.steps.to_string(),
            self.status.as_str().to_string(),
            csv_field(&reason, true),
            opt(self.delta_f_lower_bound_ev),
        ];
        let mut line = fields.join(",");
        line.push('\n');
        line
    }

    /// A row's fields (already split) under `header`; `Err` says which column is wrong and
    /// why.
    fn from_fields(fields: &[String], header: Header) -> Result<Self, String> {
        let names: Vec<&str> = header.text().split(',').collect();
        if fields.len() != names.len() {
            return Err(format!(
                "expected {} columns, found {}",
                names.len(),
                fields.len()
            ));
        }
        let at = |name: &str| names.iter().position(|n| *n == name);
        let bad = |i: usize, what: &str| {
            format!(
                "column `{}` = {:?}: expected {what}",
                names[i],
                shorten(&fields[i])
            )
        };
        let float = |i: usize| -> Result<f64, String> {
            fields[i]
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(i, "a number"))
        };
        let opt_float = |name: &str| -> Result<Option<f64>, String> {
            match at(name) {
                Some(i) if !fields[i].is_empty() => float(i).map(Some),
                _ => Ok(None),
            }
        };
        let col = |name: &str| at(name).expect("a column of the header");
        let text = |name: &str| at(name).map_or("", |i| fields[i].as_str());
        let mut record = Self {
            sampling: fields[col("sampling")]
                .parse()
                .map_err(|_| bad(col("sampling"), "a sampling index"))?,
            centre: parse_centre_label(text("centre"))
                .ok_or_else(|| bad(col("centre"), "nearest-cu, random-cu or an atom id"))?,
            cutoff_angstrom: float(col("cutoff_angstrom"))?,
            temperature_k: float(col("temperature_k"))?,
            seed: fields[col("seed")]
                .parse()
                .map_err(|_| bad(col("seed"), "a seed"))?,
            delta_f_ev: opt_float("delta_f_ev")?,
            delta_f_estimator: match text("delta_f_estimator") {
                "" => None,
                e => Some(Estimator::parse(e).ok_or_else(|| {
                    bad(
                        col("delta_f_estimator"),
                        "profile, filled-depth, final or nothing",
                    )
                })?),
            },
            delta_f_profile_ev: opt_float("delta_f_profile_ev")?,
            delta_f_filled_depth_ev: opt_float("delta_f_filled_depth_ev")?,
            delta_f_final_ev: opt_float("delta_f_final_ev")?,
            s_min_angstrom: opt_float("s_min_angstrom")?,
            s_saddle_angstrom: opt_float("s_saddle_angstrom")?,
            s_new_angstrom: opt_float("s_new_angstrom")?,
            profile_stop: match text("profile_stop") {
                "" => None,
                p => Some(ProfileStop::parse(p).ok_or_else(|| {
                    bad(
                        col("profile_stop"),
                        "stable, second-event, step-limit or nothing",
                    )
                })?),
            },
            precursors: match at("precursors") {
                Some(i) => fields[i]
                    .parse()
                    .map_err(|_| bad(i, "a count of precursors"))?,
                None => 0,
            },
            event_md_ps: opt_float("event_md_ps")?,
            event_boosted_ps: opt_float("event_boosted_ps")?,
            event_class: Some(text("event_class").to_string()).filter(|c| !c.is_empty()),
            steps: fields[col("steps")]
                .parse()
                .map_err(|_| bad(col("steps"), "a step count"))?,
            status: SamplingStatus::parse(text("status"))
                .ok_or_else(|| bad(col("status"), "ok, no_event or failed"))?,
            reason: text("reason").to_string(),
            delta_f_lower_bound_ev: opt_float(LOWER_BOUND_COLUMN)?,
        };
        if header == Header::BeforeEstimators {
            // Then `delta_f_ev` was the end-of-run reading and the filled depth the ΔF
            // known at the event, which the old stop rule (a fixed time after it) produced.
            record.delta_f_final_ev = record.delta_f_ev;
            record.delta_f_filled_depth_ev = opt_float("delta_f_crossing_ev")?;
            record.delta_f_ev = record.delta_f_filled_depth_ev;
            record.delta_f_estimator = record.delta_f_ev.map(|_| Estimator::FilledDepth);
        }
        Ok(record)
    }
}

/// Which header a table has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    Current,
    BeforeEstimators,
}

impl Header {
    fn text(self) -> &'static str {
        match self {
            Self::Current => HEADER,
            Self::BeforeEstimators => HEADER_BEFORE_ESTIMATORS,
        }
    }
}

/// `text` as one CSV field: quoted (quotes doubled) when `always` or when it needs it.
fn csv_field(text: &str, always: bool) -> String {
    if always || text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Splits one CSV line (RFC 4180 quoting, no line breaks inside fields).
pub(crate) fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("a quoted field is not closed".into()),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(c) => return Err(format!("{c:?} after a closing quote")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some('"') => return Err("a quote inside an unquoted field".into()),
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

/// Why a results table could not be read or written.
pub use crate::io::FileError as StoreError;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        file: path.display().to_string(),
        source,
    }
}

/// The rows of a results table, and what was odd about it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samplings {
    pub records: Vec<SamplingRecord>,
    /// An unfinished last row (a kill while it was written) is ignored with a warning.
    pub warnings: Vec<String>,
    /// Bytes of the text up to the end of the last complete row: where the next row goes.
    pub complete_len: usize,
    /// The table has the header of [`HEADER_BEFORE_ESTIMATORS`].
    pub before_estimators: bool,
}

/// Parses the text of a `samplings.csv`; `origin` names it in messages. An empty text is an
/// empty table. A last line without its newline (unfinished: every row is written with its
/// newline in one call) is ignored with a warning; any malformed line is an error naming
/// `origin:line`.
pub fn parse_samplings(text: &str, origin: &str) -> Result<Samplings, StoreError> {
    let mut out = Samplings::default();
    let error = |line: usize, message: String| StoreError::Parse {
        file: origin.to_string(),
        line,
        message,
    };
    let mut header = Header::Current;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches(['\n', '\r']);
        if !raw.ends_with('\n') && (i > 0 || HEADER.starts_with(line)) {
            // Rows are written whole, newline included, in one call: a line without its
            // newline is what a kill in the middle of that call leaves.
            out.warnings.push(format!(
                "{origin}:{line_no}: ignoring the unfinished last line {:?} (was the campaign \
                 killed while writing it?)",
                shorten(line)
            ));
            break;
        }
        let parsed = if i > 0 && line.trim().is_empty() {
            Ok(None)
        } else if i == 0 {
            if line == HEADER {
                Ok(None)
            } else if line == HEADER_BEFORE_ESTIMATORS {
                header = Header::BeforeEstimators;
                out.before_estimators = true;
                Ok(None)
            } else {
                return Err(error(
                    line_no,
                    format!(
                        "not a betaglass samplings table: the header should be `{HEADER}`, found {:?}",
                        shorten(line)
                    ),
                ));
            }
        } else {
            split_csv_line(line)
                .and_then(|f| SamplingRecord::from_fields(&f, header))
                .map(Some)
        };
        match parsed {
            Ok(record) => {
                out.records.extend(record);
                out.complete_len += raw.len();
            }
            Err(message) => return Err(error(line_no, message)),
        }
    }
    Ok(out)
}

/// Reads a `samplings.csv`, warning on standard error about an unfinished last line.
pub fn read_samplings(path: &Path) -> Result<Vec<SamplingRecord>, StoreError> {
    let read = read_samplings_with_warnings(path)?;
    for w in &read.warnings {
        eprintln!("warning: {w}");
    }
    Ok(read.records)
}

/// Reads a `samplings.csv`, returning its warnings instead of printing them.
pub fn read_samplings_with_warnings(path: &Path) -> Result<Samplings, StoreError> {
    let text = crate::io::read_text(path).map_err(io_error(path))?;
    parse_samplings(&text, &path.display().to_string())
}

/// The results table, open for appending rows.
pub struct SamplingsCsv {
    file: File,
    path: PathBuf,
}

impl SamplingsCsv {
    /// Opens `path` for appending, creating it with its header if it is absent or empty.
    /// Returns the rows already there. An unfinished last row is cut off (with a warning in
    /// the result), so the next row starts on a line of its own.
    pub fn open(path: &Path) -> Result<(Self, Samplings), StoreError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io_error(path))?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io_error(path))?;
        let existing = parse_samplings(&text, &path.display().to_string())?;
        if existing.before_estimators {
            // Rows are appended in the current format: rewrite the old ones in it first.
            let mut rewritten = format!("{HEADER}\n");
            for r in &existing.records {
                rewritten.push_str(&r.to_csv_line());
            }
            crate::io::write_atomic(path, rewritten.as_bytes())
                .map_err(|e| io_error(path)(std::io::Error::other(e.to_string())))?;
            return Self::open(path);
        }
        if existing.complete_len < text.len() {
            file.set_len(existing.complete_len as u64)
                .map_err(io_error(path))?;
        }
        file.seek(std::io::SeekFrom::End(0))
            .map_err(io_error(path))?;
        if existing.complete_len == 0 {
            file.write_all(format!("{HEADER}\n").as_bytes())
                .map_err(io_error(path))?;
        }
        Ok((
            Self {
                file,
                path: path.to_path_buf(),
            },
            existing,
        ))
    }

    /// Appends one row with a single `write` (O_APPEND), so rows never interleave and a
    /// kill leaves at most the last one unfinished.
    pub fn append(&mut self, record: &SamplingRecord) -> Result<(), StoreError> {
        let line = record.to_csv_line();
        let written = self
            .file
            .write(line.as_bytes())
            .map_err(io_error(&self.path))?;
        if written != line.len() {
            return Err(io_error(&self.path)(std::io::Error::new(
                std::io::ErrorKind::WriteZero,
                format!("only {written} of {} bytes of a row written", line.len()),
            )));
        }
        self.file.flush().map_err(io_error(&self.path))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> SamplingRecord {
        SamplingRecord {
            sampling: i,
            centre: CentreChoice::Atom(348),
            cutoff_angstrom: 4.0,
            temperature_k: 300.0,
            seed: 1 + i as u64,
            delta_f_ev: Some(0.4125),
            delta_f_estimator: Some(Estimator::Profile),
            delta_f_profile_ev: Some(0.4125),
            delta_f_filled_depth_ev: Some(0.38),
            delta_f_final_ev: None,
            s_min_angstrom: Some(0.25),
            s_saddle_angstrom: Some(1.05),
            s_new_angstrom: Some(1.46),
            profile_stop: Some(ProfileStop::Stable),
            precursors: 2,
            event_md_ps: Some(12.5),
            event_boosted_ps: Some(3.2e9),
            event_class: Some("pair exchange".into()),
            steps: 8000,
            status: SamplingStatus::Ok,
            reason: "a \"quoted\", comma\nand a line break".into(),
            delta_f_lower_bound_ev: None,
        }
    }

    #[test]
    fn rows_round_trip() {
        let mut text = format!("{HEADER}\n");
        let mut r1 = record(1);
        r1.status = SamplingStatus::Failed;
        r1.event_class = None;
        r1.centre = CentreChoice::NearestCuToBoxCentre;
        r1.reason = String::new();
        r1.delta_f_lower_bound_ev = Some(0.8125);
        for r in [record(0), r1.clone()] {
            text.push_str(&r.to_csv_line());
        }
        let read = parse_samplings(&text, "t.csv").unwrap();
        let mut expected = record(0);
        expected.reason = "a \"quoted\", comma and a line break".into();
        assert_eq!(read.records, vec![expected, r1]);
        assert!(read.warnings.is_empty());
        assert_eq!(read.complete_len, text.len());
    }

    #[test]
    fn every_cut_of_the_last_row_is_ignored() {
        let head = format!("{HEADER}\n{}", record(0).to_csv_line());
        let last = record(1).to_csv_line();
        for cut in 0..last.len() {
            let text = format!("{head}{}", &last[..cut]);
            let read = parse_samplings(&text, "t.csv").unwrap();
            assert_eq!(read.records.len(), 1, "cut {cut}");
            assert_eq!(read.complete_len, head.len(), "cut {cut}");
            assert_eq!(read.warnings.len(), usize::from(cut > 0), "cut {cut}");
        }
    }

    #[test]
    fn a_bad_middle_row_names_its_line() {
        let text = format!(
            "{HEADER}\n{}1,nearest-cu,4,300,x,,,,,,,,,,0,,,,10,no_event,\"\",\n{}",
            record(0).to_csv_line(),
            record(2).to_csv_line()
        );
        let e = parse_samplings(&text, "t.csv").unwrap_err();
        assert_eq!(e.line(), Some(3), "{e}");
        assert!(e.to_string().starts_with("t.csv:3: "), "{e}");
        assert!(e.to_string().contains("`seed`"), "{e}");
        let e = parse_samplings("sampling,x\n", "t.csv").unwrap_err();
        assert_eq!(e.line(), Some(1), "{e}");
        // Another file without a newline is not mistaken for a cut-short header.
        let e = parse_samplings("my notes", "t.csv").unwrap_err();
        assert_eq!(e.line(), Some(1), "{e}");
        let read = parse_samplings(&HEADER[..20], "t.csv").unwrap();
        assert_eq!(
            (read.records.len(), read.warnings.len(), read.complete_len),
            (0, 1, 0)
        );
        // Blank lines are skipped.
        let text = format!("{HEADER}\n\n{}\n", record(0).to_csv_line());
        assert_eq!(parse_samplings(&text, "t.csv").unwrap().records.len(), 1);
    }

    mod garbled {
        use super::*;
        use crate::io::test_support::mutate;
        use proptest::prelude::*;

        proptest! {
            // samplings.csv cut by a kill or edited by hand: an error naming the file (or a
            // warning for an unfinished last row), never a panic.
            #[test]
            fn garbled_tables_never_panic(
                edits in prop::collection::vec(
                    (any::<usize>(), any::<u8>(),
                     prop::sample::select(vec![',', '\n', '"', '0', '7', '-', '.', 'e',
                         'x', ' ', 'é'])),
                    0..12)
            ) {
                let text = mutate(include_str!("../../docs/campaign/mini_samplings.csv"), &edits);
                if let Err(e) = parse_samplings(&text, "s.csv") {
                    prop_assert!(e.to_string().contains("s.csv"), "{}", e);
                }
            }
        }
    }

    #[test]
    fn tables_from_before_the_estimators_are_read_and_named() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/campaign/mini_samplings.csv"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let read = parse_samplings(&text, "mini.csv").unwrap();
        assert!(read.before_estimators);
        assert!(!read.records.is_empty());
        // Row by row, against the old columns as written.
        for (r, line) in read.records.iter().zip(text.lines().skip(1)) {
            let fields = split_csv_line(line).unwrap();
            let old = |i: usize| fields[i].parse::<f64>().ok();
            assert_eq!(r.delta_f_final_ev, old(5), "{line}");
            assert_eq!(r.delta_f_filled_depth_ev, old(6), "{line}");
            assert_eq!(r.delta_f_ev, old(6), "{line}");
            assert_eq!(
                r.delta_f_estimator,
                old(6).map(|_| Estimator::FilledDepth),
                "{line}"
            );
            assert_eq!(r.delta_f_profile_ev, None);
            assert_eq!(r.steps.to_string(), fields[10]);
        }
        // A resumed old table is rewritten in the current format, rows unchanged.
        let dir = std::env::temp_dir().join(format!("betaglass-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join(SAMPLINGS_CSV);
        std::fs::write(&csv, &text).unwrap();
        let (_, existing) = SamplingsCsv::open(&csv).unwrap();
        assert_eq!(existing.records, read.records);
        let again = read_samplings_with_warnings(&csv).unwrap();
        assert!(!again.before_estimators);
        assert_eq!(again.records, read.records);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
