//! Reader for LAMMPS setfl EAM files (`pair_style eam/alloy` and `eam/fs`), any number of elements.

use std::path::Path;

/// Which setfl flavour a file is: FS files carry one density function per element pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetflFlavor {
    /// `eam/alloy`: one density function per element (the contributor's).
    Alloy,
    /// `eam/fs`: a density function per (contributor, receiver) pair.
    FinnisSinclair,
}

/// The raw tables of a setfl file, on its own grids.
#[derive(Clone, Debug)]
pub struct SetflTables {
    pub header: Vec<String>,
    pub elements: Vec<SetflElement>,
    pub grid: SetflGrid,
    /// `embedding[a]` = F_a(ρ_i), i = 0..n_rho.
    pub embedding: Vec<Vec<f64>>,
    /// `density[a][b]` = density an `a` atom gives a `b` neighbour (LAMMPS's convention).
    pub density: Vec<Vec<Vec<f64>>>,
    /// `r_phi[a][b]` = r·φ_ab(r), symmetric.
    pub r_phi: Vec<Vec<Vec<f64>>>,
}

/// The grid a setfl file tabulates on (its fifth line, `Nrho drho Nr dr cutoff`): F(ρ) at
/// ρ_i = i·drho for i < Nrho, the densities and r·φ at r_i = i·dr for i < Nr.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SetflGrid {
    pub n_rho: usize,
    pub d_rho: f64,
    pub n_r: usize,
    pub d_r: f64,
    pub cutoff_angstrom: f64,
}

impl SetflGrid {
    /// `f` at every ρ of the grid.
    pub fn tabulate_rho(&self, f: impl Fn(f64) -> f64) -> Vec<f64> {
        (0..self.n_rho).map(|i| f(i as f64 * self.d_rho)).collect()
    }

    /// `f` at every r of the grid.
    pub fn tabulate_r(&self, f: impl Fn(f64) -> f64) -> Vec<f64> {
        (0..self.n_r).map(|i| f(i as f64 * self.d_r)).collect()
    }

    /// The last ρ of the grid; LAMMPS extrapolates F linearly above it.
    pub fn rho_max(&self) -> f64 {
        (self.n_rho - 1) as f64 * self.d_rho
    }
}

#[derive(Clone, Debug)]
pub struct SetflElement {
    pub symbol: String,
    pub atomic_number: u32,
    pub mass_amu: f64,
}

/// A setfl file that cannot be read, with the file, line and offending text.
pub use crate::io::FileError as SetflError;

struct Tokens<'a> {
    file: &'a str,
    lines: Vec<(usize, Vec<&'a str>)>,
    line: usize,
    word: usize,
}

impl<'a> Tokens<'a> {
    fn error(&self, line: usize, message: String) -> SetflError {
        SetflError::Parse {
            file: self.file.to_string(),
            line,
            message,
        }
    }

    fn current_line_number(&self) -> usize {
        self.lines
            .get(self.line)
            .map_or_else(|| self.lines.last().map_or(1, |l| l.0), |l| l.0)
    }

    /// The remaining words of the next non-exhausted line, as a whole line.
    fn next_line(&mut self, what: &str) -> Result<(usize, Vec<&'a str>), SetflError> {
        if self.word > 0 {
            self.line += 1;
            self.word = 0;
        }
        match self.lines.get(self.line) {
            Some((n, words)) => {
                self.line += 1;
                Ok((*n, words.clone()))
            }
            None => Err(self.error(
                self.current_line_number(),
                format!("file ends where {what} was expected"),
            )),
        }
    }

    fn next_number(&mut self, what: &str) -> Result<f64, SetflError> {
        loop {
            let Some((n, words)) = self.lines.get(self.line) else {
                return Err(self.error(
                    self.current_line_number(),
                    format!("file ends where {what} was expected"),
                ));
            };
            if let Some(w) = words.get(self.word) {
                self.word += 1;
                return parse_f64(w).ok_or_else(|| {
                    self.error(*n, format!("expected a number for {what}, found \"{w}\""))
                });
            }
            self.line += 1;
            self.word = 0;
        }
    }

    fn numbers(&mut self, count: usize, what: &str) -> Result<Vec<f64>, SetflError> {
        (0..count).map(|_| self.next_number(what)).collect()
    }
}

/// Parses a float as C's `strtod` would for table values (Fortran `D` exponents too).
fn parse_f64(word: &str) -> Option<f64> {
    word.parse::<f64>()
        .ok()
        .or_else(|| word.replace(['D', 'd'], "e").parse().ok())
        .filter(|x: &f64| x.is_finite())
}

impl SetflTables {
    /// Reads a setfl file. With `flavor` `None` the flavour is told from the number of values.
    pub fn read(path: &Path, flavor: Option<SetflFlavor>) -> Result<Self, SetflError> {
        let text = crate::io::read_text(path).map_err(|source| SetflError::Io {
            file: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string(), flavor)
    }

    /// Parses setfl text; `file` names it in error messages.
    pub fn parse(text: &str, file: &str, flavor: Option<SetflFlavor>) -> Result<Self, SetflError> {
        let all_lines: Vec<&str> = text.lines().collect();
        if all_lines.len() < 5 {
            return Err(SetflError::Parse {
                file: file.into(),
                line: all_lines.len().max(1),
                message: "a setfl file has 3 comment lines, then the element and grid lines".into(),
            });
        }
        let header = all_lines[..3].iter().map(|s| s.to_string()).collect();
        let lines = all_lines
            .iter()
            .enumerate()
            .skip(3)
            .map(|(i, l)| (i + 1, l.split_whitespace().collect::<Vec<_>>()))
            .filter(|(_, w)| !w.is_empty())
            .collect();
        let mut t = Tokens {
            file,
            lines,
            line: 0,
            word: 0,
        };

        let (line4, words) = t.next_line("the element line")?;
        let n_elements: usize = words
            .first()
            .and_then(|w| w.parse().ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                t.error(
                    line4,
                    format!(
                        "expected the number of elements, found \"{}\"",
                        words.first().unwrap_or(&"")
                    ),
                )
            })?;
        if words.len() != n_elements + 1 {
            return Err(t.error(
                line4,
                format!(
                    "{n_elements} elements announced but {} names follow",
                    words.len() - 1
                ),
            ));
        }
        let symbols: Vec<String> = words[1..].iter().map(|s| s.to_string()).collect();

        let (line5, words) = t.next_line("the grid line (Nrho drho Nr dr cutoff)")?;
        if words.len() < 5 {
            return Err(t.error(
                line5,
                format!(
                    "expected Nrho drho Nr dr cutoff, found \"{}\"",
                    words.join(" ")
                ),
            ));
        }
        let count = |w: &str, what: &str| -> Result<usize, SetflError> {
            w.parse::<usize>().ok().filter(|&n| n >= 5).ok_or_else(|| {
                t.error(
                    line5,
                    format!("expected {what} (an integer ≥ 5), found \"{w}\""),
                )
            })
        };
        let positive = |w: &str, what: &str| -> Result<f64, SetflError> {
            parse_f64(w).filter(|&x| x > 0.0).ok_or_else(|| {
                t.error(
                    line5,
                    format!("expected {what} (a positive number), found \"{w}\""),
                )
            })
        };
        let n_rho = count(words[0], "Nrho")?;
        let d_rho = positive(words[1], "drho")?;
        let n_r = count(words[2], "Nr")?;
        let d_r = positive(words[3], "dr")?;
        let cutoff_angstrom = positive(words[4], "cutoff")?;

        let flavor = match flavor {
            Some(f) => f,
            None => detect_flavor(&t, line5, n_elements, n_rho, n_r)?,
        };
        let n_density = match flavor {
            SetflFlavor::Alloy => 1,
            SetflFlavor::FinnisSinclair => n_elements,
        };

        let mut elements = Vec::new();
        let mut embedding = Vec::new();
        let mut density_by_block = Vec::new();
        for symbol in &symbols {
            let (line, words) =
                t.next_line(&format!("the {symbol} element line (Z mass a lattice)"))?;
            let atomic_number = words.first().and_then(|w| parse_f64(w)).ok_or_else(|| {
                t.error(
                    line,
                    format!(
                        "expected the atomic number of {symbol}, found \"{}\"",
                        words.first().unwrap_or(&"")
                    ),
                )
            })?;
            let mass_amu = words
                .get(1)
                .and_then(|w| parse_f64(w))
                .filter(|&m| m > 0.0)
                .ok_or_else(|| {
                    t.error(
                        line,
                        format!(
                            "expected the mass of {symbol}, found \"{}\"",
                            words.get(1).unwrap_or(&"")
                        ),
                    )
                })?;
            elements.push(SetflElement {
                symbol: symbol.clone(),
                atomic_number: atomic_number as u32,
                mass_amu,
            });
            embedding.push(t.numbers(n_rho, &format!("F_{symbol}(rho)"))?);
            let mut block = Vec::new();
            for k in 0..n_density {
                block.push(t.numbers(n_r, &format!("density function {} of {symbol}", k + 1))?);
            }
            density_by_block.push(block);
        }
        // density[a][b]: the function in a's block at position b (FS), or a's only one (alloy).
        let density = density_by_block
            .iter()
            .map(|block| {
                (0..n_elements)
                    .map(|b| block[b.min(block.len() - 1)].clone())
                    .collect()
            })
            .collect();

        let mut r_phi = vec![vec![Vec::new(); n_elements]; n_elements];
        for a in 0..n_elements {
            for b in 0..=a {
                let table = t.numbers(n_r, &format!("r*phi {}-{}", symbols[a], symbols[b]))?;
                r_phi[b][a] = table.clone();
                r_phi[a][b] = table;
            }
        }
        Ok(Self {
            header,
            elements,
            grid: SetflGrid {
                n_rho,
                d_rho,
                n_r,
                d_r,
                cutoff_angstrom,
            },
            embedding,
            density,
            r_phi,
        })
    }
}

/// Tells alloy from FS by how many values follow the grid line (`line5`). A count that
/// matches neither is an error, checked before any table is read: a truncated eam/fs file
/// used to be taken for eam/alloy and fail far away, on a word of an element line.
fn detect_flavor(
    t: &Tokens,
    line5: usize,
    n_elements: usize,
    n_rho: usize,
    n_r: usize,
) -> Result<SetflFlavor, SetflError> {
    let remaining: usize = t.lines[t.line..].iter().map(|(_, w)| w.len()).sum();
    let pairs = n_elements * (n_elements + 1) / 2 * n_r;
    // Each element: its line (Z, mass, lattice constant, lattice), F(ρ), then its densities.
    let per_element = |densities: usize| 4 + n_rho + densities * n_r;
    let fs = n_elements * per_element(n_elements) + pairs;
    let alloy = n_elements * per_element(1) + pairs;
    if remaining == fs {
        return Ok(SetflFlavor::FinnisSinclair);
    }
    if remaining == alloy {
        return Ok(SetflFlavor::Alloy);
    }
    let last_line = t.lines.last().map_or(line5, |(n, _)| *n);
    let (line, problem) = if remaining < alloy.min(fs) {
        (
            last_line,
            format!("the file ends at line {last_line}, short of both flavours: truncated?"),
        )
    } else if remaining < fs.max(alloy) {
        (
            last_line,
            "more than eam/alloy needs and fewer than eam/fs needs: an eam/fs file cut short?"
                .to_string(),
        )
    } else {
        (
            line5,
            "more than either flavour needs: extra values after the tables?".to_string(),
        )
    };
    Err(t.error(
        line,
        format!(
            "{remaining} values follow the grid line, but {n_elements} element(s) with Nrho \
             {n_rho} and Nr {n_r} take {alloy} as eam/alloy and {fs} as eam/fs; {problem} \
             (--flavor names the flavour and reads the tables it needs)"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(flavor: SetflFlavor) -> String {
        let mut s = String::from("c1\nc2\nc3\n2 A B\n5 0.1 5 0.5 2.0\n");
        let n_density = if flavor == SetflFlavor::Alloy { 1 } else { 2 };
        for (z, m) in [(1, 2.0), (3, 4.0)] {
            s += &format!("{z} {m} 1.0 fcc\n");
            s += "0 -1 -2 -3 -4\n";
            for k in 0..n_density {
                s += &format!("{k} 1 2 3 4\n");
            }
        }
        for _ in 0..3 {
            s += "9 8 7 6 5\n";
        }
        s
    }

    #[test]
    fn reads_both_flavours_and_detects_them() {
        let fs = SetflTables::parse(&tiny(SetflFlavor::FinnisSinclair), "t.fs", None).unwrap();
        assert_eq!(fs.density[0][1][0], 1.0);
        assert_eq!(fs.density[1][0][0], 0.0);
        let alloy = SetflTables::parse(&tiny(SetflFlavor::Alloy), "t.alloy", None).unwrap();
        assert_eq!(alloy.density[0][1][0], 0.0);
        assert_eq!(alloy.elements[1].mass_amu, 4.0);
    }

    #[test]
    fn bad_value_names_file_line_and_token() {
        let text = tiny(SetflFlavor::FinnisSinclair).replacen("-3", "x3", 1);
        let err = SetflTables::parse(&text, "t.fs", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.fs:7:") && err.contains("\"x3\""), "{err}");
        let short: String = tiny(SetflFlavor::FinnisSinclair)
            .lines()
            .take(9)
            .collect::<Vec<_>>()
            .join("\n");
        let err = SetflTables::parse(&short, "t.fs", Some(SetflFlavor::FinnisSinclair))
            .unwrap_err()
            .to_string();
        assert!(err.contains("file ends"), "{err}");
    }

    #[test]
    fn truncated_file_is_named_truncated_not_misread_as_alloy() {
        let fs = tiny(SetflFlavor::FinnisSinclair);
        // Cut after the second element's block: fewer values than either flavour needs.
        let cut: String = fs.lines().take(12).collect::<Vec<_>>().join("\n");
        let err = SetflTables::parse(&cut, "t.fs", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.fs:12:") && err.contains("truncated") && err.contains("53 as eam/fs"),
            "{err}"
        );
        // One pair table short: between the two flavours' counts.
        let short: String = fs.lines().take(15).collect::<Vec<_>>().join("\n");
        let err = SetflTables::parse(&short, "t.fs", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("eam/fs file cut short"), "{err}");
        // Extra values after the tables.
        let err = SetflTables::parse(&format!("{fs}1 2 3\n"), "t.fs", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.fs:5:") && err.contains("extra values"),
            "{err}"
        );
    }
}
