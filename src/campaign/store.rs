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
use crate::sampling::setup::CentreChoice;

/// The results table in a campaign folder.
pub const SAMPLINGS_CSV: &str = "samplings.csv";
/// The copy of the campaign in a campaign folder.
pub const CAMPAIGN_TOML: &str = "campaign.toml";
/// The folder of the samplings' files in a campaign folder.
pub const SAMPLINGS_DIR: &str = "samplings";

/// The first line of `samplings.csv`.
pub const HEADER: &str = "sampling,centre,cutoff_angstrom,temperature_k,seed,delta_f_ev,\
                          delta_f_crossing_ev,event_md_ps,event_boosted_ps,event_class,steps,\
                          status,reason,delta_f_lower_bound_ev";

/// The column a `no_event` row's barrier bound is in; tables written before it existed
/// end one column earlier (see [`legacy_header`]).
pub const LOWER_BOUND_COLUMN: &str = "delta_f_lower_bound_ev";

const COLUMNS: usize = 14;

/// The header of tables written before `delta_f_lower_bound_ev`: [`HEADER`] without it.
/// They are read with the bound absent, and `SamplingsCsv::open` rewrites them with the
/// column (empty) before it appends.
pub fn legacy_header() -> &'static str {
    HEADER
        .strip_suffix(LOWER_BOUND_COLUMN)
        .and_then(|h| h.strip_suffix(','))
        .unwrap_or(HEADER)
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
    /// End-of-run ΔF (eV), when the profile determines one.
    pub delta_f_ev: Option<f64>,
    /// ΔF read at the first event's crossing (eV).
    pub delta_f_crossing_ev: Option<f64>,
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
            opt(self.delta_f_crossing_ev),
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

    /// A row's fields (already split); `Err` says which column is wrong and why. A table
    /// with the legacy header has one column fewer (no lower bound).
    fn from_fields(fields: &[String], legacy: bool) -> Result<Self, String> {
        let columns = if legacy { COLUMNS - 1 } else { COLUMNS };
        if fields.len() != columns {
            return Err(format!(
                "expected {columns} columns, found {}",
                fields.len()
            ));
        }
        let column = |i: usize| HEADER.split(',').nth(i).unwrap_or("?");
        let bad = |i: usize, what: &str| {
            format!(
                "column `{}` = {:?}: expected {what}",
                column(i),
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
        let opt_float = |i: usize| -> Result<Option<f64>, String> {
            if fields[i].is_empty() {
                Ok(None)
            } else {
                float(i).map(Some)
            }
        };
        Ok(Self {
            sampling: fields[0].parse().map_err(|_| bad(0, "a sampling index"))?,
            centre: parse_centre_label(&fields[1])
                .ok_or_else(|| bad(1, "nearest-cu, random-cu or an atom id"))?,
            cutoff_angstrom: float(2)?,
            temperature_k: float(3)?,
            seed: fields[4].parse().map_err(|_| bad(4, "a seed"))?,
            delta_f_ev: opt_float(5)?,
            delta_f_crossing_ev: opt_float(6)?,
            event_md_ps: opt_float(7)?,
            event_boosted_ps: opt_float(8)?,
            event_class: (!fields[9].is_empty()).then(|| fields[9].clone()),
            steps: fields[10].parse().map_err(|_| bad(10, "a step count"))?,
            status: SamplingStatus::parse(&fields[11])
                .ok_or_else(|| bad(11, "ok, no_event or failed"))?,
            reason: fields[12].clone(),
            delta_f_lower_bound_ev: if legacy { None } else { opt_float(13)? },
        })
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
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A malformed row (not the last, unfinished one).
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        /// 1-based.
        line: usize,
        message: String,
    },
}

impl StoreError {
    /// The 1-based line of a parse error.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Io { .. } => None,
            Self::Parse { line, .. } => Some(*line),
        }
    }
}

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
    /// The table has the header of before `delta_f_lower_bound_ev` ([`legacy_header`]).
    pub legacy: bool,
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
            } else if line == legacy_header() {
                out.legacy = true;
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
                .and_then(|f| SamplingRecord::from_fields(&f, out.legacy))
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
    let text = std::fs::read_to_string(path).map_err(io_error(path))?;
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
        let mut existing = parse_samplings(&text, &path.display().to_string())?;
        if existing.legacy {
            // Rows of this version have one more column: give the old rows theirs (empty)
            // and the table the new header, then append to the rewritten file.
            drop(file);
            let mut upgraded = format!("{HEADER}\n");
            for record in &existing.records {
                upgraded.push_str(&record.to_csv_line());
            }
            crate::io::write_atomic(path, upgraded.as_bytes()).map_err(|e| match e {
                crate::io::WriteError::Io { file, source } => StoreError::Io { file, source },
                other => io_error(path)(std::io::Error::other(other.to_string())),
            })?;
            existing.warnings.push(format!(
                "{}: written before the column {LOWER_BOUND_COLUMN}; rewritten with it (empty \
                 for the rows already there)",
                path.display()
            ));
            existing.legacy = false;
            existing.complete_len = upgraded.len();
            file = OpenOptions::new()
                .read(true)
                .append(true)
                .open(path)
                .map_err(io_error(path))?;
            text = upgraded;
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
            delta_f_crossing_ev: None,
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

    /// A table of before `delta_f_lower_bound_ev` is read with the bound absent, and
    /// opening it to append rewrites it with the column, so new rows fit its header.
    #[test]
    fn a_legacy_table_is_read_and_upgraded_before_appending() {
        let legacy = legacy_header();
        assert_eq!(legacy.split(',').count(), COLUMNS - 1);
        let row = "1,348,4,500,12,,,,,,20000,no_event,\"no event\"\n";
        let text = format!("{legacy}\n{row}");
        let read = parse_samplings(&text, "old.csv").unwrap();
        assert!(read.legacy && read.records.len() == 1, "{read:?}");
        assert_eq!(read.records[0].delta_f_lower_bound_ev, None);
        assert_eq!(read.records[0].status, SamplingStatus::NoEvent);
        // A new-format row under the old header is an error, and the reverse.
        let mut r = record(0);
        r.delta_f_lower_bound_ev = Some(0.75);
        assert!(parse_samplings(&format!("{legacy}\n{}", r.to_csv_line()), "x").is_err());
        assert!(parse_samplings(&format!("{HEADER}\n{row}"), "x").is_err());

        let dir = std::env::temp_dir().join(format!("betaglass-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("samplings.csv");
        std::fs::write(&path, &text).unwrap();
        let (mut csv, existing) = SamplingsCsv::open(&path).unwrap();
        assert_eq!(existing.records.len(), 1);
        assert_eq!(existing.warnings.len(), 1, "{:?}", existing.warnings);
        csv.append(&r).unwrap();
        drop(csv);
        let after = read_samplings_with_warnings(&path).unwrap();
        assert!(!after.legacy && after.warnings.is_empty());
        assert_eq!(after.records.len(), 2);
        assert_eq!(after.records[0], read.records[0]);
        assert_eq!(after.records[1].delta_f_lower_bound_ev, Some(0.75));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_bad_middle_row_names_its_line() {
        let text = format!(
            "{HEADER}\n{}1,nearest-cu,4,300,x,,,,,,10,no_event,\"\",\n{}",
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
}
