//! Reading the project's own TOML files (scenes, campaigns) as spanned documents, so every
//! error names the file, the line, the dotted key and the value as written. The error type
//! and the one [`Reader`] both files are walked with; each file's own keys are read by
//! methods it adds to the reader (`io::scene`, `campaign::spec`).

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::FileError;
use crate::sampling::setup::{CentreChoice, SamplingSetup};

/// Why a TOML file of the project (a scene, a campaign) could not be read. Every
/// message names the file, and where it can the 1-based line, the dotted key and the value.
#[derive(Debug, thiserror::Error)]
pub enum TomlFileError {
    /// The file could not be read (or is not UTF-8), or its text is not TOML (a
    /// [`FileError::Parse`] whose message is `TOML syntax error: ` and the TOML parser's).
    #[error(transparent)]
    File(#[from] FileError),
    /// A key or table this format does not have (often a typo).
    #[error("{file}:{line}: unknown key `{key}`; {known}")]
    UnknownKey {
        file: String,
        line: usize,
        /// Dotted: `md.temprature_k`.
        key: String,
        /// The keys allowed where this one stands, for the message.
        known: String,
    },
    /// A value of the wrong TOML type (a string where a number belongs...).
    #[error("{file}:{line}: `{key}` = {value}: expected {expected}, found {found}")]
    WrongType {
        file: String,
        line: usize,
        key: String,
        /// As written in the file (possibly shortened).
        value: String,
        expected: &'static str,
        found: &'static str,
    },
    /// A value of the right type that is not allowed (a negative temperature...).
    #[error("{file}:{line}: `{key}` = {value}: {message}")]
    Invalid {
        file: String,
        line: usize,
        key: String,
        /// As written in the file (possibly shortened).
        value: String,
        message: String,
    },
    /// A required key is absent.
    #[error("{file}: missing key `{key}` ({why})")]
    Missing {
        file: String,
        key: &'static str,
        why: &'static str,
    },
    /// Every value is fine on its own, but together they make no valid setup.
    #[error("{file}: {message}")]
    Setup { file: String, message: String },
}

impl TomlFileError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            Self::File(e) => e.file(),
            Self::UnknownKey { file, .. }
            | Self::WrongType { file, .. }
            | Self::Invalid { file, .. }
            | Self::Missing { file, .. }
            | Self::Setup { file, .. } => file,
        }
    }

    /// The 1-based line the error is on, if it is about one place in the file.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::File(e) => e.line(),
            Self::UnknownKey { line, .. }
            | Self::WrongType { line, .. }
            | Self::Invalid { line, .. } => Some(*line),
            Self::Missing { .. } | Self::Setup { .. } => None,
        }
    }

    /// The dotted key the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::UnknownKey { key, .. }
            | Self::WrongType { key, .. }
            | Self::Invalid { key, .. } => Some(key),
            Self::Missing { key, .. } => Some(key),
            Self::File(_) | Self::Setup { .. } => None,
        }
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A TOML type with its article, for messages.
pub(crate) fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// One value of the file, with what messages need.
pub(crate) struct Field<'t, 'i> {
    /// Dotted key, e.g. `md.temperature_k`.
    pub(crate) key: String,
    pub(crate) value: &'t DeValue<'i>,
    pub(crate) span: Range<usize>,
}

/// The known keys of one table, found in the file.
pub(crate) struct Section<'t, 'i> {
    pub(crate) prefix: &'static str,
    pub(crate) entries: Vec<(&'static str, &'t Spanned<DeValue<'i>>)>,
}

impl<'t, 'i> Section<'t, 'i> {
    pub(crate) fn get(&self, key: &str) -> Option<Field<'t, 'i>> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(k, v)| Field {
                key: if self.prefix.is_empty() {
                    (*k).to_string()
                } else {
                    format!("{}.{k}", self.prefix)
                },
                value: v.get_ref(),
                span: v.span(),
            })
    }
}

/// The keys of `[system]`, `[metadynamics]` and `[events]`, as scenes and campaigns share them.
pub(crate) const SYSTEM_KEYS: &[&str] = &["file"];
pub(crate) const METADYNAMICS_KEYS: &[&str] = &[
    "height_ev",
    "sigma_angstrom",
    "stride_steps",
    "bias_temperature_k",
    "sample_every_steps",
    "grid_upper_angstrom",
    "grid_width_angstrom",
];
pub(crate) const EVENTS_KEYS: &[&str] = &[
    "jump_angstrom",
    "dwell_ps",
    "min_movers",
    "mover_threshold_angstrom",
];

/// Reads `path` and parses its text with `parse(text, origin, base_dir)`: `origin` is the
/// path as messages name it, `base_dir` its folder (relative paths in the file are resolved
/// against it).
pub(crate) fn load<T>(
    path: &Path,
    parse: impl FnOnce(&str, &str, &Path) -> Result<T, TomlFileError>,
) -> Result<T, TomlFileError> {
    let file = path.display().to_string();
    let text = crate::io::read_text(path).map_err(|source| FileError::Io {
        file: file.clone(),
        source,
    })?;
    let base_dir = path.parent().unwrap_or(Path::new(""));
    parse(&text, &file, base_dir)
}

/// The document of `text`, or its syntax error with the line and the line as written.
pub(crate) fn parse_document<'i>(
    text: &'i str,
    origin: &str,
) -> Result<Spanned<DeTable<'i>>, TomlFileError> {
    DeTable::parse(text).map_err(|e| {
        let line = e
            .span()
            .map_or_else(|| line_of(text, text.len()), |s| line_of(text, s.start));
        let mut message = e.message().trim().to_string();
        if let Some(written) = text.lines().nth(line - 1).map(str::trim)
            && !written.is_empty()
        {
            message = format!("{message} (in `{}`)", super::shorten(written));
        }
        TomlFileError::File(FileError::Parse {
            file: origin.to_string(),
            line,
            message: format!("TOML syntax error: {message}"),
        })
    })
}

/// Walks a document, collecting every problem. The values every file of the project reads
/// are here; a file's own (the whole scene, the whole campaign) are methods its module adds.
pub(crate) struct Reader<'a> {
    pub(crate) file: &'a str,
    text: &'a str,
    errors: Vec<TomlFileError>,
    /// Required keys not in the file: (dotted key, what it is for).
    missing: Vec<(&'static str, &'static str)>,
    /// Keys of another format someone may carry over (dotted), and where this format wants
    /// them: added to the message of such an unknown key.
    hints: &'static [(&'static str, &'static str)],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(
        file: &'a str,
        text: &'a str,
        hints: &'static [(&'static str, &'static str)],
    ) -> Self {
        Self {
            file,
            text,
            errors: Vec::new(),
            missing: Vec::new(),
            hints,
        }
    }

    /// The first problem in the file (one without a line last); then the first missing
    /// required key.
    pub(crate) fn first_problem(self) -> Option<TomlFileError> {
        let first = self
            .errors
            .into_iter()
            .min_by_key(|e| e.line().unwrap_or(usize::MAX));
        first.or_else(|| {
            let &(key, why) = self.missing.first()?;
            Some(TomlFileError::Missing {
                file: self.file.to_string(),
                key,
                why,
            })
        })
    }

    fn line(&self, span: &Range<usize>) -> usize {
        line_of(self.text, span.start)
    }

    /// The value as written: its first line, shortened.
    fn written(&self, span: &Range<usize>) -> String {
        let raw = self.text.get(span.clone()).unwrap_or("");
        let first = raw.lines().next().unwrap_or("").trim();
        let mut s = super::shorten(first);
        if raw.trim().lines().nth(1).is_some() && !s.ends_with('…') {
            s.push('…');
        }
        s
    }

    pub(crate) fn wrong_type(&mut self, field: &Field<'_, '_>, expected: &'static str) {
        self.errors.push(TomlFileError::WrongType {
            file: self.file.to_string(),
            line: self.line(&field.span),
            key: field.key.clone(),
            value: self.written(&field.span),
            expected,
            found: type_name(field.value),
        });
    }

    pub(crate) fn invalid(&mut self, field: &Field<'_, '_>, message: impl Into<String>) {
        self.errors.push(TomlFileError::Invalid {
            file: self.file.to_string(),
            line: self.line(&field.span),
            key: field.key.clone(),
            value: self.written(&field.span),
            message: message.into(),
        });
    }

    /// The known keys of `table`; unknown ones are reported.
    pub(crate) fn section<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        prefix: &'static str,
        known: &'static [&'static str],
    ) -> Section<'t, 'i> {
        let mut entries = Vec::new();
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            match known.iter().find(|k| **k == name) {
                Some(k) => entries.push((*k, value)),
                None => {
                    let dotted = if prefix.is_empty() {
                        name.to_string()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    let where_ = if prefix.is_empty() {
                        "the top level".to_string()
                    } else {
                        format!("[{prefix}]")
                    };
                    let mut known = format!("{where_} knows {}", known.join(", "));
                    if let Some((_, hint)) = self.hints.iter().find(|(k, _)| *k == dotted) {
                        known = format!("{known} ({hint})");
                    }
                    self.errors.push(TomlFileError::UnknownKey {
                        file: self.file.to_string(),
                        line: self.line(&key.span()),
                        key: dotted,
                        known,
                    });
                }
            }
        }
        Section { prefix, entries }
    }

    /// The sub-table `name` of the top level (empty when absent).
    pub(crate) fn subsection<'t, 'i>(
        &mut self,
        top: &Section<'t, 'i>,
        name: &'static str,
        known: &'static [&'static str],
    ) -> Section<'t, 'i> {
        match top.get(name) {
            Some(Field {
                value: DeValue::Table(table),
                ..
            }) => self.section(table, name, known),
            Some(field) => {
                self.wrong_type(&field, "a table");
                Section {
                    prefix: name,
                    entries: Vec::new(),
                }
            }
            None => Section {
                prefix: name,
                entries: Vec::new(),
            },
        }
    }

    /// `section.key`, noting it as missing when absent.
    pub(crate) fn required<'t, 'i>(
        &mut self,
        section: &Section<'t, 'i>,
        key: &'static str,
        dotted: &'static str,
        why: &'static str,
    ) -> Option<Field<'t, 'i>> {
        let field = section.get(key);
        if field.is_none() {
            self.missing.push((dotted, why));
        }
        field
    }

    pub(crate) fn string(&mut self, field: &Field<'_, '_>) -> Option<String> {
        match field.value {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(field, "a string");
                None
            }
        }
    }

    /// A number (a TOML float or integer), without checks.
    pub(crate) fn raw_number(&mut self, field: &Field<'_, '_>) -> Option<f64> {
        let parsed = match field.value {
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|n| n as f64),
            _ => {
                self.wrong_type(field, "a number");
                return None;
            }
        };
        if parsed.is_none() {
            self.invalid(field, "not a number this program can read");
        }
        parsed
    }

    /// An integer, without checks.
    fn raw_integer(&mut self, field: &Field<'_, '_>) -> Option<i128> {
        match field.value {
            DeValue::Integer(i) => {
                let n = i128::from_str_radix(i.as_str(), i.radix()).ok();
                if n.is_none() {
                    self.invalid(field, "an integer out of range");
                }
                n
            }
            _ => {
                self.wrong_type(field, "an integer");
                None
            }
        }
    }

    /// A finite number > 0 (or ≥ 0 when `zero_ok`).
    pub(crate) fn positive(&mut self, field: &Field<'_, '_>, zero_ok: bool) -> Option<f64> {
        let x = self.raw_number(field)?;
        if x.is_finite() && (x > 0.0 || (zero_ok && x == 0.0)) {
            return Some(x);
        }
        let message = if x.is_nan() {
            "must be a number"
        } else if x.is_infinite() && x > 0.0 {
            "must be finite"
        } else if zero_ok {
            "must be zero or positive"
        } else {
            "must be positive"
        };
        self.invalid(field, message);
        None
    }

    /// An integer ≥ `min` that fits a `u64`.
    pub(crate) fn count(&mut self, field: &Field<'_, '_>, min: u64) -> Option<u64> {
        let n = self.raw_integer(field)?;
        if n < i128::from(min) {
            self.invalid(field, format!("must be at least {min}"));
            return None;
        }
        let n = u64::try_from(n).ok();
        if n.is_none() {
            self.invalid(field, "too large");
        }
        n
    }

    /// Sets `target` to `section.key` when that is present and a finite number > 0.
    pub(crate) fn set_positive(&mut self, section: &Section<'_, '_>, key: &str, target: &mut f64) {
        if let Some(field) = section.get(key)
            && let Some(x) = self.positive(&field, false)
        {
            *target = x;
        }
    }

    /// The elements of an array, each as a field of its own (`key[i]`, its own line).
    pub(crate) fn elements<'t, 'i>(
        &mut self,
        field: &Field<'t, 'i>,
        expected: &'static str,
    ) -> Option<Vec<Field<'t, 'i>>> {
        let DeValue::Array(items) = field.value else {
            self.wrong_type(field, expected);
            return None;
        };
        if items.is_empty() {
            self.invalid(field, "must list at least one");
            return None;
        }
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| element(field, i, item))
                .collect(),
        )
    }

    /// A non-empty array of distinct values, each read by `read`; `None` if any element is
    /// bad.
    pub(crate) fn distinct_list<T: PartialEq>(
        &mut self,
        field: &Field<'_, '_>,
        expected: &'static str,
        read: impl Fn(&mut Self, &Field<'_, '_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let elements = self.elements(field, expected)?;
        let mut out = Vec::with_capacity(elements.len());
        let mut all_good = true;
        for element in &elements {
            match read(self, element) {
                Some(x) if out.contains(&x) => {
                    self.invalid(element, "listed twice");
                    all_good = false;
                }
                Some(x) => out.push(x),
                None => all_good = false,
            }
        }
        all_good.then_some(out)
    }

    /// `description`, trimmed (empty when absent).
    pub(crate) fn description(&mut self, top: &Section<'_, '_>) -> String {
        top.get("description")
            .and_then(|f| self.string(&f))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    /// `system.file`, resolved against `base_dir`; `None` when absent (the default glass).
    pub(crate) fn system_file(
        &mut self,
        system: &Section<'_, '_>,
        base_dir: &Path,
    ) -> Option<PathBuf> {
        system.get("file").and_then(|f| {
            let s = self.string(&f)?;
            if s.trim().is_empty() {
                self.invalid(
                    &f,
                    "must name a configuration file (leave `file` out for the default glass)",
                );
                None
            } else {
                Some(base_dir.join(s))
            }
        })
    }

    /// The `[metadynamics]` keys of a sampling set-up (absent ones keep their value).
    pub(crate) fn metadynamics(&mut self, metad: &Section<'_, '_>, setup: &mut SamplingSetup) {
        self.set_positive(metad, "height_ev", &mut setup.hills.height_ev);
        self.set_positive(metad, "sigma_angstrom", &mut setup.hills.sigma_angstrom);
        if let Some(n) = metad.get("stride_steps").and_then(|f| self.count(&f, 1)) {
            setup.hills.stride_steps = n;
        }
        if let Some(t) = metad
            .get("bias_temperature_k")
            .and_then(|f| self.bias_temperature(&f))
        {
            setup.hills.bias_temperature_k = t;
        }
        if let Some(n) = metad
            .get("sample_every_steps")
            .and_then(|f| self.count(&f, 1))
        {
            setup.sample_every_steps = n;
        }
        self.set_positive(metad, "grid_upper_angstrom", &mut setup.grid_upper_angstrom);
        self.set_positive(metad, "grid_width_angstrom", &mut setup.grid_width_angstrom);
    }

    /// The `[events]` keys of a sampling set-up (absent ones keep their value).
    pub(crate) fn events(&mut self, events: &Section<'_, '_>, setup: &mut SamplingSetup) {
        self.set_positive(events, "jump_angstrom", &mut setup.event_jump_angstrom);
        self.set_positive(events, "dwell_ps", &mut setup.event_dwell_ps);
        if let Some(n) = events.get("min_movers").and_then(|f| self.count(&f, 1)) {
            setup.event_min_movers = usize::try_from(n).unwrap_or(usize::MAX);
        }
        self.set_positive(
            events,
            "mover_threshold_angstrom",
            &mut setup.event_mover_threshold_angstrom,
        );
    }

    /// `"nearest-cu"`, `"random-cu"` or an atom id.
    pub(crate) fn centre(&mut self, field: &Field<'_, '_>) -> Option<CentreChoice> {
        const EXPECTED: &str = "\"nearest-cu\", \"random-cu\" or an atom id (a positive integer)";
        match field.value {
            DeValue::String(s) => match s.trim() {
                "nearest-cu" => Some(CentreChoice::NearestCuToBoxCentre),
                "random-cu" => Some(CentreChoice::RandomCu),
                _ => {
                    self.invalid(field, format!("must be {EXPECTED}"));
                    None
                }
            },
            DeValue::Integer(_) => Some(CentreChoice::Atom(self.count(field, 1)?)),
            _ => {
                self.wrong_type(field, EXPECTED);
                None
            }
        }
    }

    /// A number > 0 (`inf` or "inf" for plain metadynamics).
    pub(crate) fn bias_temperature(&mut self, field: &Field<'_, '_>) -> Option<f64> {
        let x = match field.value {
            DeValue::String(s) if s.trim().eq_ignore_ascii_case("inf") => {
                return Some(f64::INFINITY);
            }
            DeValue::String(_) => {
                self.invalid(
                    field,
                    "must be a temperature in K, or \"inf\" for plain metadynamics",
                );
                return None;
            }
            DeValue::Float(_) | DeValue::Integer(_) => self.raw_number(field)?,
            _ => {
                self.wrong_type(field, "a number or \"inf\"");
                return None;
            }
        };
        if x > 0.0 {
            Some(x)
        } else {
            self.invalid(
                field,
                "must be positive (or \"inf\" for plain metadynamics)",
            );
            None
        }
    }
}

/// Element `i` of the array `field` as a field of its own: `key[i]`, on its own line.
pub(crate) fn element<'t, 'i>(
    field: &Field<'t, 'i>,
    i: usize,
    item: &'t Spanned<DeValue<'i>>,
) -> Field<'t, 'i> {
    Field {
        key: format!("{}[{i}]", field.key),
        value: item.get_ref(),
        span: item.span(),
    }
}
