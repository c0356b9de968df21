//! Reading the project's own TOML files (scenes, campaigns) as spanned documents, so every
//! error names the file, the line, the dotted key and the value as written. The error type
//! and the small helpers both readers share.

use std::ops::Range;

use toml::Spanned;
use toml::de::DeValue;

/// Why a TOML file of the project (a scene, a campaign) could not be read. Every
/// message names the file, and where it can the 1-based line, the dotted key and the value.
#[derive(Debug, thiserror::Error)]
pub enum TomlFileError {
    /// The file could not be read (or is not UTF-8).
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The text is not TOML; `message` is the TOML parser's.
    #[error("{file}:{line}: TOML syntax error: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
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
            Self::Io { file, .. }
            | Self::Syntax { file, .. }
            | Self::UnknownKey { file, .. }
            | Self::WrongType { file, .. }
            | Self::Invalid { file, .. }
            | Self::Missing { file, .. }
            | Self::Setup { file, .. } => file,
        }
    }

    /// The 1-based line the error is on, if it is about one place in the file.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Syntax { line, .. }
            | Self::UnknownKey { line, .. }
            | Self::WrongType { line, .. }
            | Self::Invalid { line, .. } => Some(*line),
            Self::Io { .. } | Self::Missing { .. } | Self::Setup { .. } => None,
        }
    }

    /// The dotted key the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::UnknownKey { key, .. }
            | Self::WrongType { key, .. }
            | Self::Invalid { key, .. } => Some(key),
            Self::Missing { key, .. } => Some(key),
            Self::Io { .. } | Self::Syntax { .. } | Self::Setup { .. } => None,
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
