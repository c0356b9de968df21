//! Reading and writing configurations: extended XYZ (ASE-compatible), LAMMPS data files and
//! LAMMPS `dump custom` trajectories.
//!
//! Every parser takes the file's text plus a name used in messages, so it can be tested without
//! touching the disk. Every read error names the file, the 1-based line and the offending token;
//! no input, however garbled, makes a parser panic.

pub mod colvars;
pub mod figures;
pub mod lammps_data;
pub mod lammps_deck;
pub mod lammps_dump;
pub mod sampling_files;
pub mod scene;
pub(crate) mod spanned_toml;
pub mod xyz;

use std::collections::HashSet;
use std::path::Path;

use crate::system::System;

pub use lammps_data::{read_lammps_data, read_lammps_data_with_elements, write_lammps_data};
pub use lammps_dump::DumpWriter;
pub use xyz::{read_xyz, write_xyz};

/// Why a file could not be read: the file could not be opened or read, or one of its
/// lines does not parse. The one error of the project's file readers (configurations,
/// results tables, setfl potentials, and the file-level part of its TOML files); every
/// message names the file, and a parse error its 1-based line and, in `message`, the
/// offending value as found in the file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read (or is not UTF-8).
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The text is malformed at `line`.
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong, quoting the offending value (possibly shortened).
        message: String,
    },
}

impl FileError {
    /// The 1-based line of a parse error, `None` for I/O errors.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Io { .. } => None,
            Self::Parse { line, .. } => Some(*line),
        }
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            Self::Io { file, .. } | Self::Parse { file, .. } => file,
        }
    }
}

/// Why a configuration could not be read.
pub use FileError as ReadError;

/// Why a configuration could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The system cannot be written as it is (mismatched arrays, non-finite numbers, bad ids...).
    #[error("{file}: cannot write this system: {message}")]
    InvalidSystem { file: String, message: String },
    /// The path's extension names no format this program writes.
    #[error("{file}: unknown output format {extension:?}: use .xyz, .extxyz, .data or .lmp")]
    UnknownFormat { file: String, extension: String },
}

/// Reads a configuration, choosing the format from the extension: `.xyz`/`.extxyz` → extended
/// XYZ, `.data`/`.lmp` → LAMMPS data. Any other file is read as LAMMPS data if its header has
/// an `N atoms` line, else as extended XYZ if its first line is an atom count.
pub fn read_configuration(path: &Path) -> Result<System, ReadError> {
    let file = path.display().to_string();
    let content = read_text(path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    match extension_lowercase(path).as_str() {
        "xyz" | "extxyz" => read_xyz(&content, &file),
        "data" | "lmp" => read_lammps_data(&content, &file),
        other => {
            if lammps_data::looks_like_lammps_data(&content) {
                read_lammps_data(&content, &file)
            } else if xyz::looks_like_xyz(&content) {
                read_xyz(&content, &file)
            } else {
                Err(ReadError::Parse {
                    file: file.clone(),
                    line: 1,
                    message: format!(
                        "cannot tell the format: extension {other:?} is none of .xyz, .extxyz, \
                         .data, .lmp, and the text has neither an \"N atoms\" header line nor an \
                         atom count on line 1"
                    ),
                })
            }
        }
    }
}

/// Writes a configuration, choosing the format from the extension (`.xyz`/`.extxyz` or
/// `.data`/`.lmp`), in full `f64` precision.
pub fn write_configuration(path: &Path, system: &System) -> Result<(), WriteError> {
    let file = path.display().to_string();
    let extension = extension_lowercase(path);
    let is_xyz = match extension.as_str() {
        "xyz" | "extxyz" => true,
        "data" | "lmp" => false,
        _ => return Err(WriteError::UnknownFormat { file, extension }),
    };
    check_writable(system).map_err(|message| WriteError::InvalidSystem {
        file: file.clone(),
        message,
    })?;
    let mut out = Vec::new();
    let written = if is_xyz {
        write_xyz(&mut out, system)
    } else {
        write_lammps_data(&mut out, system)
    };
    written
        .and_then(|()| std::fs::write(path, &out))
        .map_err(|source| WriteError::Io { file, source })
}

fn extension_lowercase(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Checks what every writer needs: consistent arrays, finite numbers, valid types, positive
/// unique ids and species symbols that are single non-empty words.
pub(crate) fn check_writable(system: &System) -> Result<(), String> {
    system.validate()?;
    let mut seen = HashSet::with_capacity(system.ids.len());
    for &id in &system.ids {
        if id == 0 {
            return Err("atom id 0: ids must be positive".into());
        }
        if !seen.insert(id) {
            return Err(format!("atom id {id} appears twice"));
        }
    }
    for species in &system.species {
        let s = &species.symbol;
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '#' || c == '"') {
            return Err(format!(
                "species symbol {s:?} must be one word without '#' or '\"'"
            ));
        }
        if !(species.mass_amu.is_finite() && species.mass_amu > 0.0) {
            return Err(format!("species {s} has mass {} amu", species.mass_amu));
        }
    }
    Ok(())
}

/// The `std::io::Error` writers return for a system that fails [`check_writable`].
pub(crate) fn invalid_input(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}

/// Formats an `f64` so that parsing the text gives back the same bits: the shortest
/// round-trip representation, in exponent form for very large or small magnitudes.
pub(crate) fn fmt_f64(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || (1e-5..1e16).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Shortens a token for use in a message (at most 60 characters).
pub(crate) fn shorten(token: &str) -> String {
    const MAX: usize = 60;
    if token.chars().count() <= MAX {
        token.to_string()
    } else {
        let mut s: String = token.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// Builds parse errors for one file.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
}

impl Ctx<'_> {
    /// A parse error at `line` about the value `_token`, which `message` quotes.
    pub fn err(&self, line: usize, _token: &str, message: String) -> ReadError {
        ReadError::Parse {
            file: self.file.to_string(),
            line,
            message,
        }
    }

    /// A finite `f64` for the quantity `what`.
    pub fn f64(&self, line: usize, token: &str, what: &str) -> Result<f64, ReadError> {
        match token.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            Ok(_) => Err(self.err(
                line,
                token,
                format!(
                    "expected a finite number for {what}, found {:?}",
                    shorten(token)
                ),
            )),
            Err(_) => Err(self.err(
                line,
                token,
                format!("expected a number for {what}, found {:?}", shorten(token)),
            )),
        }
    }

    /// A non-negative integer for the quantity `what`.
    pub fn usize(&self, line: usize, token: &str, what: &str) -> Result<usize, ReadError> {
        token.parse::<usize>().map_err(|_| {
            self.err(
                line,
                token,
                format!(
                    "expected a non-negative integer for {what}, found {:?}",
                    shorten(token)
                ),
            )
        })
    }

    /// A positive integer id for the quantity `what`.
    pub fn id(&self, line: usize, token: &str, what: &str) -> Result<u64, ReadError> {
        match token.parse::<u64>() {
            Ok(id) if id > 0 => Ok(id),
            _ => Err(self.err(
                line,
                token,
                format!(
                    "expected a positive integer for {what}, found {:?}",
                    shorten(token)
                ),
            )),
        }
    }

    /// Any integer for the quantity `what`.
    pub fn i64(&self, line: usize, token: &str, what: &str) -> Result<i64, ReadError> {
        token.parse::<i64>().map_err(|_| {
            self.err(
                line,
                token,
                format!("expected an integer for {what}, found {:?}", shorten(token)),
            )
        })
    }
}

/// All element symbols, for looking up standard masses (only those [`crate::system::Species`]
/// knows have one).
pub(crate) const ELEMENT_SYMBOLS: [&str; 118] = [
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl",
    "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
    "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In",
    "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb",
    "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl",
    "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk",
    "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh",
    "Fl", "Mc", "Lv", "Ts", "Og",
];

/// [`write_configuration`] through a temporary file beside `path` (same extension, so the
/// same format) and a rename: a kill or a full disk leaves the old file or the new one,
/// never half of one, and no temporary behind.
pub fn write_configuration_atomic(path: &Path, system: &System) -> Result<(), WriteError> {
    let ext = path.extension().unwrap_or_default().to_os_string();
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial.");
    tmp.push(&ext);
    let tmp = std::path::PathBuf::from(tmp);
    let written = write_configuration(&tmp, system).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| WriteError::Io {
            file: path.display().to_string(),
            source,
        })
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Reads a text file like [`std::fs::read_to_string`], but a file that is not UTF-8 is an
/// `InvalidData` error saying where: line, column and byte offset of the first bad byte
/// (std's own error says only "stream did not contain valid UTF-8").
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let offset = e.utf8_error().valid_up_to();
        let before = &bytes[..offset];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text: invalid byte 0x{:02x} at line {line}, column {}, byte offset \
                 {offset}",
                bytes[offset],
                offset - line_start + 1
            ),
        )
    })
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// kill never leaves a half-written file (restart files, results).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        file: path.display().to_string(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        // A full disk leaves a partial temporary file: it must not outlive the error.
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_text_names_the_first_byte_that_is_not_utf8() {
        let dir = std::env::temp_dir().join(format!("betaglass-utf8-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("latin1.xyz");
        std::fs::write(&path, b"2\nLattice=\"1 0 0\"\nCu 0 0 0 caf\xe9\n").unwrap();
        let err = read_text(&path).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        let message = err.to_string();
        assert!(
            message.contains("0xe9")
                && message.contains("line 3, column 13")
                && message.contains("byte offset 30"),
            "{message}"
        );
        let err = read_configuration(&path).unwrap_err().to_string();
        assert!(
            err.contains("latin1.xyz") && err.contains("line 3, column 13"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    use crate::system::{Cell, Species};

    fn small_system() -> System {
        let cell = Cell::new([-1.5, 0.25, 0.0], [10.0, 11.0, 12.5]).unwrap();
        let mut s = System::new(
            cell,
            vec![Species::new("Cu", 63.546), Species::new("Zr", 91.224)],
        );
        s.push_atom(0, [0.1, 0.2, 0.3]);
        s.push_atom(1, [1.0 / 3.0, 5.5, -0.75]);
        s.push_atom(0, [8.4, 1e-9, 12.0]);
        s.velocities_angstrom_per_ps[1] = [1.25, -2.0 / 7.0, 3e-12];
        s
    }

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("betaglass-io-{}-{name}", std::process::id()))
    }

    #[test]
    fn fmt_f64_round_trips() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0 / 3.0,
            1e-300,
            1e300,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            41.39532655401172,
            -0.19532655401082977,
            1e16,
            9.999999999999998e15,
            1e-5,
        ] {
            let s = fmt_f64(x);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
            assert!(s.len() < 30, "{s}");
        }
    }

    #[test]
    fn configuration_round_trip_through_files() {
        let s = small_system();
        for ext in ["xyz", "extxyz", "data", "lmp"] {
            let path = temp_path(&format!("rt.{ext}"));
            write_configuration(&path, &s).unwrap();
            let r = read_configuration(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            assert_eq!(r.ids, s.ids, "{ext}");
            assert_eq!(r.types, s.types, "{ext}");
            assert_eq!(r.positions_angstrom, s.positions_angstrom, "{ext}");
            assert_eq!(
                r.velocities_angstrom_per_ps, s.velocities_angstrom_per_ps,
                "{ext}"
            );
            assert_eq!(r.species, s.species, "{ext}");
        }
    }

    #[test]
    fn dispatch_by_content_for_unknown_extensions() {
        let s = small_system();
        let data = temp_path("data.txt");
        let mut text = Vec::new();
        write_lammps_data(&mut text, &s).unwrap();
        std::fs::write(&data, &text).unwrap();
        let r = read_configuration(&data).unwrap();
        assert_eq!(r.positions_angstrom, s.positions_angstrom);

        let x = temp_path("xyz.txt");
        let mut text = Vec::new();
        write_xyz(&mut text, &s).unwrap();
        std::fs::write(&x, &text).unwrap();
        let r = read_configuration(&x).unwrap();
        assert_eq!(r.positions_angstrom, s.positions_angstrom);

        let junk = temp_path("junk.txt");
        std::fs::write(&junk, "hello world\n").unwrap();
        let e = read_configuration(&junk).unwrap_err().to_string();
        assert!(e.contains("junk.txt:1:") && e.contains("\"txt\""), "{e}");

        for p in [&data, &x, &junk] {
            std::fs::remove_file(p).unwrap();
        }
    }

    #[test]
    fn io_errors_name_the_file() {
        let path = temp_path("does-not-exist.data");
        let e = read_configuration(&path).unwrap_err();
        assert!(matches!(e, ReadError::Io { .. }));
        assert!(e.to_string().contains("does-not-exist.data"), "{e}");

        let e = write_configuration(Path::new("/nonexistent-dir/x.data"), &small_system())
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent-dir/x.data"), "{e}");

        let e = write_configuration(Path::new("out.pdb"), &small_system())
            .unwrap_err()
            .to_string();
        assert!(e.contains("out.pdb") && e.contains("\"pdb\""), "{e}");
    }

    #[test]
    fn refuses_to_write_invalid_systems() {
        let mut s = small_system();
        s.positions_angstrom[1][2] = f64::NAN;
        let e = write_configuration(Path::new("bad.xyz"), &s).unwrap_err();
        assert!(matches!(e, WriteError::InvalidSystem { .. }), "{e}");
        let mut s = small_system();
        s.ids[2] = 1;
        let e = write_configuration(Path::new("bad.data"), &s).unwrap_err();
        assert!(
            e.to_string().contains("bad.data") && e.to_string().contains("twice"),
            "{e}"
        );
        let mut s = small_system();
        s.species[0].symbol = "C u".into();
        assert!(write_configuration(Path::new("bad.data"), &s).is_err());
    }

    #[test]
    fn element_table_covers_known_species() {
        let known: Vec<_> = ELEMENT_SYMBOLS
            .iter()
            .filter(|s| Species::standard_mass_amu(s).is_some())
            .collect();
        assert!(known.len() >= 12);
    }
}

/// Shared by the parsers' never-panic property tests.
#[cfg(test)]
pub(crate) mod test_support {
    /// Applies random single-character edits (replace, insert, delete) to a valid file.
    pub fn mutate(base: &str, edits: &[(usize, u8, char)]) -> String {
        let mut chars: Vec<char> = base.chars().collect();
        for &(pos, op, c) in edits {
            if chars.is_empty() {
                chars.push(c);
                continue;
            }
            let i = pos % chars.len();
            match op % 3 {
                0 => chars[i] = c,
                1 => chars.insert(i, c),
                _ => {
                    chars.remove(i);
                }
            }
        }
        chars.into_iter().collect()
    }
}
