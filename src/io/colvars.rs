//! Colvars file formats: the trajectory (`.colvars.traj`), the hills trajectory
//! (`.colvars.meta.hills.traj`), the free-energy file (`.pmf`), and the subset of the Colvars
//! configuration language betaglass runs (an `rmsd` colvar, `metadynamics`, `harmonic`).
//!
//! Column layouts and number formats are Colvars' own, so Colvars' tools and users' scripts
//! read betaglass output unchanged.

use std::io::Write;

use super::{Ctx, ReadError};
use crate::sampling::{CvGrid, CvSample, FreeEnergyProfile, Hill};
use crate::system::Vec3;

/// Header of a `.colvars.traj` file: step, the RMSD, the metadynamics bias and the boosted time.
pub const TRAJ_HEADER: &str =
    "#       step  rmsd                    E_meta                  t_boosted_ps";

/// `x` as C's `%.14e` prints it (two-digit exponent: `1.75000000000000e-01`), the number
/// format of Colvars' files, right-aligned in `width` characters.
pub fn sci(x: f64, width: usize) -> String {
    let text = format!("{x:.14e}");
    let formatted = match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let e: i32 = exponent.parse().unwrap_or(0);
            let sign = if e < 0 { '-' } else { '+' };
            format!("{mantissa}e{sign}{:02}", e.abs())
        }
        None => text, // inf or NaN
    };
    format!("{formatted:>width$}")
}

/// One line of a `.colvars.traj` file.
pub fn traj_line(sample: &CvSample) -> String {
    format!(
        "{:>12}  {}  {}  {}",
        sample.biased_step,
        sci(sample.s_angstrom, 22),
        sci(sample.metadynamics_ev, 22),
        sci(sample.boosted_time_ps, 22)
    )
}

/// One line of a hills trajectory: "step centre σ weight", as Colvars writes it.
pub fn hills_line(hill: &Hill) -> String {
    format!(
        "{:>12}   {}   {}   {}",
        hill.step,
        sci(hill.centre_angstrom, 21),
        sci(hill.sigma_angstrom, 21),
        sci(hill.weight_ev, 21)
    )
}

/// Writes a Colvars free-energy file: "# 1", "# lower width nbins periodic", then bin centre
/// and F per line.
pub fn write_pmf<W: Write>(
    out: &mut W,
    grid: &CvGrid,
    profile: &FreeEnergyProfile,
) -> std::io::Result<()> {
    writeln!(out, "# 1")?;
    writeln!(
        out,
        "# {} {} {:>8}  0",
        sci(grid.lower_angstrom, 22),
        sci(grid.width_angstrom, 22),
        grid.n_bins
    )?;
    writeln!(out)?;
    for (s, f) in profile.s_angstrom.iter().zip(&profile.free_energy_ev) {
        writeln!(out, "  {}  {}", sci(*s, 22), sci(*f, 22))?;
    }
    Ok(())
}

/// Reads a hills trajectory ("step centre σ weight" per line; `#` comments).
pub fn read_hills(content: &str, file: &str) -> Result<Vec<Hill>, ReadError> {
    let ctx = Ctx { file };
    let mut hills = Vec::new();
    for (k, line) in content.lines().enumerate() {
        let n = k + 1;
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.is_empty() || t[0].starts_with('#') {
            continue;
        }
        if t.len() < 4 {
            return Err(ctx.err(
                n,
                line,
                format!("expected \"step centre sigma weight\", found {line:?}"),
            ));
        }
        hills.push(Hill {
            step: ctx.usize(n, t[0], "the step")? as u64,
            centre_angstrom: ctx.f64(n, t[1], "the hill centre")?,
            sigma_angstrom: ctx.f64(n, t[2], "the hill width")?,
            weight_ev: ctx.f64(n, t[3], "the hill weight")?,
        });
    }
    Ok(hills)
}

/// Reads a `.colvars.traj` ("step s …" per line after `#` headers), Colvars' or betaglass's:
/// Colvars repeats the header, and the first step, at every LAMMPS `run` command, so a line
/// repeating the previous step is dropped; a step that goes back is an error (the file would
/// mix two runs). MD time counts from the first step (`timestep_ps` per step); the other
/// fields of [`CvSample`] are left 0, since a Colvars traj need not hold them.
pub fn read_traj(content: &str, file: &str, timestep_ps: f64) -> Result<Vec<CvSample>, ReadError> {
    let ctx = Ctx { file };
    let mut trace: Vec<CvSample> = Vec::new();
    for (k, line) in content.lines().enumerate() {
        let n = k + 1;
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.is_empty() || t[0].starts_with('#') {
            continue;
        }
        if t.len() < 2 {
            return Err(ctx.err(n, line, format!("expected \"step s …\", found {line:?}")));
        }
        let step = ctx.usize(n, t[0], "the step")? as u64;
        let s = ctx.f64(n, t[1], "the CV s")?;
        if let Some(prev) = trace.last() {
            if step == prev.biased_step {
                continue;
            }
            if step < prev.biased_step {
                return Err(ctx.err(
                    n,
                    t[0],
                    format!(
                        "step {step} comes after step {}: the file holds more than one run",
                        prev.biased_step
                    ),
                ));
            }
        }
        let first = trace.first().map_or(step, |c| c.biased_step);
        trace.push(CvSample {
            biased_step: step,
            md_time_ps: (step - first) as f64 * timestep_ps,
            s_angstrom: s,
            ..CvSample::default()
        });
    }
    Ok(trace)
}

/// Reads a Colvars free-energy file ("# 1", "# lower width nbins periodic", then "s F" per
/// line) as the profile it holds.
pub fn read_pmf(content: &str, file: &str) -> Result<FreeEnergyProfile, ReadError> {
    let ctx = Ctx { file };
    let mut profile = FreeEnergyProfile::default();
    for (k, line) in content.lines().enumerate() {
        let n = k + 1;
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.is_empty() || t[0].starts_with('#') {
            continue;
        }
        if t.len() != 2 {
            return Err(ctx.err(n, line, format!("expected \"s F\", found {line:?}")));
        }
        profile.s_angstrom.push(ctx.f64(n, t[0], "the bin centre")?);
        profile
            .free_energy_ev
            .push(ctx.f64(n, t[1], "the free energy")?);
    }
    Ok(profile)
}

/// The colvar of a Colvars configuration (an `rmsd` component).
#[derive(Clone, Debug, PartialEq)]
pub struct ColvarsRmsd {
    pub name: String,
    /// Colvars' `width`: the grid spacing and the unit of `hillWidth` (Å).
    pub width_angstrom: f64,
    pub lower_boundary_angstrom: f64,
    pub upper_boundary_angstrom: f64,
    pub atom_ids: Vec<u64>,
    /// `refPositions`, in `atomNumbers` order; None when given by `refPositionsFile`, or
    /// when neither is given (betaglass then takes the cluster as the run starts; LAMMPS's
    /// Colvars would refuse such a file).
    pub reference_angstrom: Option<Vec<Vec3>>,
    pub reference_file: Option<String>,
}

/// A `metadynamics` block.
#[derive(Clone, Debug, PartialEq)]
pub struct ColvarsMetadynamics {
    pub hill_weight_ev: f64,
    /// In units of the colvar's width: σ = hillWidth × width / 2.
    pub hill_width: f64,
    pub new_hill_frequency: u64,
    pub well_tempered: bool,
    pub bias_temperature_k: Option<f64>,
}

/// A `harmonic` block (one centre; E = ½k(s − c)²/width²).
#[derive(Clone, Debug, PartialEq)]
pub struct ColvarsHarmonic {
    pub centre_angstrom: f64,
    pub force_constant_ev: f64,
}

/// What betaglass takes from a Colvars configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ColvarsConfig {
    pub traj_frequency: Option<u64>,
    pub colvar: ColvarsRmsd,
    pub metadynamics: Option<ColvarsMetadynamics>,
    pub harmonic: Option<ColvarsHarmonic>,
}

impl ColvarsConfig {
    /// The Gaussian's σ (Å): Colvars' hillWidth × width / 2.
    pub fn sigma_angstrom(&self) -> Option<f64> {
        self.metadynamics
            .as_ref()
            .map(|m| m.hill_width * self.colvar.width_angstrom / 2.0)
    }
}

/// One `keyword value…` line or `keyword { … }` block.
#[derive(Debug)]
struct Item {
    line: usize,
    keyword: String,
    args: Vec<String>,
    block: Option<Vec<Item>>,
}

/// Splits the text into items; braces open and close blocks. `#` starts a comment.
fn parse_items(content: &str, ctx: Ctx) -> Result<Vec<Item>, ReadError> {
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    for (k, raw) in content.lines().enumerate() {
        let n = k + 1;
        let line = raw.split('#').next().unwrap_or("");
        let spaced = line.replace('{', " { ").replace('}', " } ");
        let mut tokens = spaced.split_whitespace().peekable();
        while let Some(tok) = tokens.next() {
            match tok {
                "}" => {
                    let done = stack
                        .pop()
                        .filter(|_| !stack.is_empty())
                        .ok_or_else(|| ctx.err(n, "}", "unmatched \"}\"".to_string()))?;
                    let parent = stack.last_mut().expect("non-empty");
                    match parent.last_mut() {
                        Some(item) if item.block.is_none() => item.block = Some(done),
                        _ => return Err(ctx.err(n, "}", "unmatched \"}\"".to_string())),
                    }
                }
                "{" => return Err(ctx.err(n, "{", "\"{\" without a keyword".to_string())),
                keyword => {
                    let mut args = Vec::new();
                    let mut opens = false;
                    while let Some(&t) = tokens.peek() {
                        if t == "}" {
                            break;
                        }
                        tokens.next();
                        if t == "{" {
                            opens = true;
                            break;
                        }
                        args.push(t.to_string());
                    }
                    stack.last_mut().expect("non-empty").push(Item {
                        line: n,
                        keyword: keyword.to_string(),
                        args,
                        block: None,
                    });
                    if opens {
                        stack.push(Vec::new());
                    }
                }
            }
        }
    }
    if stack.len() != 1 {
        let last = content.lines().count().max(1);
        return Err(ctx.err(last, "{", "a \"{\" block is never closed".to_string()));
    }
    Ok(stack.pop().expect("one level"))
}

fn unsupported(ctx: Ctx, item: &Item, within: &str) -> ReadError {
    ctx.err(
        item.line,
        &item.keyword,
        format!(
            "Colvars keyword {:?} in {within} is not supported by betaglass (supported: an rmsd colvar with atomNumbers and refPositions or refPositionsFile, width, lowerBoundary, upperBoundary; metadynamics with hillWeight, hillWidth, newHillFrequency, wellTempered, biasTemperature; harmonic with centers and forceConstant)",
            item.keyword
        ),
    )
}

fn one_arg<'a>(ctx: Ctx, item: &'a Item) -> Result<&'a str, ReadError> {
    match item.args.as_slice() {
        [a] => Ok(a),
        _ => Err(ctx.err(
            item.line,
            &item.keyword,
            format!(
                "{:?} takes one value, found {:?}",
                item.keyword,
                item.args.join(" ")
            ),
        )),
    }
}

fn bool_arg(ctx: Ctx, item: &Item) -> Result<bool, ReadError> {
    let a = one_arg(ctx, item)?;
    match a.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(ctx.err(
            item.line,
            a,
            format!("expected on or off for {:?}, found {a:?}", item.keyword),
        )),
    }
}

/// Reads "(x,y,z) (x,y,z) …" (spaces inside the parentheses allowed).
fn parse_vectors(ctx: Ctx, item: &Item) -> Result<Vec<Vec3>, ReadError> {
    let text = item.args.join(" ");
    let mut out = Vec::new();
    for chunk in text.split(')').map(str::trim).filter(|c| !c.is_empty()) {
        let inner = chunk.strip_prefix('(').ok_or_else(|| {
            ctx.err(
                item.line,
                chunk,
                format!("expected \"(x,y,z)\" in refPositions, found {chunk:?}"),
            )
        })?;
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        if parts.len() != 3 {
            return Err(ctx.err(
                item.line,
                chunk,
                format!("expected three coordinates, found {chunk:?}"),
            ));
        }
        let mut v = [0.0; 3];
        for (k, p) in parts.iter().enumerate() {
            v[k] = ctx.f64(item.line, p, "a reference coordinate")?;
        }
        out.push(v);
    }
    Ok(out)
}

fn parse_atoms(ctx: Ctx, block: &[Item]) -> Result<Vec<u64>, ReadError> {
    let mut ids = Vec::new();
    for item in block {
        match item.keyword.to_ascii_lowercase().as_str() {
            "atomnumbers" => {
                for a in &item.args {
                    ids.push(ctx.id(item.line, a, "an atom number")?);
                }
            }
            "atomnumbersrange" => {
                let a = one_arg(ctx, item)?;
                let (lo, hi) = a.split_once('-').ok_or_else(|| {
                    ctx.err(
                        item.line,
                        a,
                        format!("expected \"first-last\", found {a:?}"),
                    )
                })?;
                let (lo, hi) = (
                    ctx.id(item.line, lo, "an atom number")?,
                    ctx.id(item.line, hi, "an atom number")?,
                );
                if hi < lo {
                    return Err(ctx.err(item.line, a, format!("empty range {a:?}")));
                }
                ids.extend(lo..=hi);
            }
            _ => return Err(unsupported(ctx, item, "atoms")),
        }
    }
    Ok(ids)
}

fn parse_colvar(ctx: Ctx, item: &Item) -> Result<ColvarsRmsd, ReadError> {
    let mut c = ColvarsRmsd {
        name: String::new(),
        width_angstrom: 1.0,
        lower_boundary_angstrom: 0.0,
        upper_boundary_angstrom: f64::NAN,
        atom_ids: Vec::new(),
        reference_angstrom: None,
        reference_file: None,
    };
    let mut has_rmsd = false;
    for it in item.block.as_deref().unwrap_or(&[]) {
        match it.keyword.to_ascii_lowercase().as_str() {
            "name" => c.name = one_arg(ctx, it)?.to_string(),
            "width" => c.width_angstrom = ctx.f64(it.line, one_arg(ctx, it)?, "width")?,
            "lowerboundary" => {
                c.lower_boundary_angstrom = ctx.f64(it.line, one_arg(ctx, it)?, "lowerBoundary")?
            }
            "upperboundary" => {
                c.upper_boundary_angstrom = ctx.f64(it.line, one_arg(ctx, it)?, "upperBoundary")?
            }
            "rmsd" if it.block.is_some() => {
                has_rmsd = true;
                for r in it.block.as_deref().unwrap_or(&[]) {
                    match r.keyword.to_ascii_lowercase().as_str() {
                        "atoms" if r.block.is_some() => {
                            c.atom_ids = parse_atoms(ctx, r.block.as_deref().unwrap_or(&[]))?
                        }
                        "refpositions" => c.reference_angstrom = Some(parse_vectors(ctx, r)?),
                        "refpositionsfile" => c.reference_file = Some(one_arg(ctx, r)?.to_string()),
                        _ => return Err(unsupported(ctx, r, "rmsd")),
                    }
                }
            }
            _ => return Err(unsupported(ctx, it, "colvar")),
        }
    }
    let bad = |what: String| ctx.err(item.line, "colvar", what);
    if !has_rmsd {
        return Err(bad(
            "the colvar has no rmsd component (the only one betaglass supports)".into(),
        ));
    }
    if c.atom_ids.len() < 2 {
        return Err(bad(format!(
            "the rmsd needs at least 2 atoms, found {}",
            c.atom_ids.len()
        )));
    }
    match (&c.reference_angstrom, &c.reference_file) {
        (Some(r), None) if r.len() != c.atom_ids.len() => {
            return Err(bad(format!(
                "{} atoms but {} refPositions",
                c.atom_ids.len(),
                r.len()
            )));
        }
        (Some(_), Some(_)) => {
            return Err(bad("give refPositions or refPositionsFile, not both".into()));
        }
        _ => {}
    }
    if c.width_angstrom.is_nan() || c.width_angstrom <= 0.0 {
        return Err(bad(format!(
            "width must be positive, found {}",
            c.width_angstrom
        )));
    }
    if !c.upper_boundary_angstrom.is_finite() {
        return Err(bad(
            "upperBoundary is required: the bias lives on a grid".into()
        ));
    }
    Ok(c)
}

fn parse_metadynamics(ctx: Ctx, item: &Item) -> Result<ColvarsMetadynamics, ReadError> {
    let mut m = ColvarsMetadynamics {
        hill_weight_ev: f64::NAN,
        hill_width: 2.0 * (std::f64::consts::PI / 2.0).sqrt(), // Colvars' default hillWidth
        new_hill_frequency: 1000,
        well_tempered: false,
        bias_temperature_k: None,
    };
    for it in item.block.as_deref().unwrap_or(&[]) {
        match it.keyword.to_ascii_lowercase().as_str() {
            "name"
            | "colvars"
            | "writehillstrajectory"
            | "writefreeenergyfile"
            | "keepfreeenergyfiles" => {}
            "hillweight" => m.hill_weight_ev = ctx.f64(it.line, one_arg(ctx, it)?, "hillWeight")?,
            "hillwidth" => m.hill_width = ctx.f64(it.line, one_arg(ctx, it)?, "hillWidth")?,
            "newhillfrequency" => {
                m.new_hill_frequency =
                    ctx.usize(it.line, one_arg(ctx, it)?, "newHillFrequency")? as u64
            }
            "welltempered" => m.well_tempered = bool_arg(ctx, it)?,
            "biastemperature" => {
                m.bias_temperature_k =
                    Some(ctx.f64(it.line, one_arg(ctx, it)?, "biasTemperature")?)
            }
            _ => return Err(unsupported(ctx, it, "metadynamics")),
        }
    }
    if !m.hill_weight_ev.is_finite() {
        return Err(ctx.err(
            item.line,
            "metadynamics",
            "metadynamics needs hillWeight".into(),
        ));
    }
    if m.well_tempered && m.bias_temperature_k.is_none() {
        return Err(ctx.err(
            item.line,
            "metadynamics",
            "wellTempered on needs biasTemperature".into(),
        ));
    }
    Ok(m)
}

fn parse_harmonic(ctx: Ctx, item: &Item) -> Result<ColvarsHarmonic, ReadError> {
    let mut h = ColvarsHarmonic {
        centre_angstrom: f64::NAN,
        force_constant_ev: f64::NAN,
    };
    for it in item.block.as_deref().unwrap_or(&[]) {
        match it.keyword.to_ascii_lowercase().as_str() {
            "name" | "colvars" => {}
            "centers" => h.centre_angstrom = ctx.f64(it.line, one_arg(ctx, it)?, "centers")?,
            "forceconstant" => {
                h.force_constant_ev = ctx.f64(it.line, one_arg(ctx, it)?, "forceConstant")?
            }
            _ => return Err(unsupported(ctx, it, "harmonic")),
        }
    }
    if !(h.centre_angstrom.is_finite() && h.force_constant_ev.is_finite()) {
        return Err(ctx.err(
            item.line,
            "harmonic",
            "harmonic needs centers and forceConstant".into(),
        ));
    }
    Ok(h)
}

/// Parses a Colvars configuration (the subset above); anything else is an error naming the
/// keyword, file and line.
pub fn read_colvars_config(content: &str, file: &str) -> Result<ColvarsConfig, ReadError> {
    let ctx = Ctx { file };
    let items = parse_items(content, ctx)?;
    let mut traj_frequency = None;
    let mut colvar = None;
    let mut metadynamics = None;
    let mut harmonic = None;
    for it in &items {
        let twice = |what: &str| {
            ctx.err(
                it.line,
                &it.keyword,
                format!("a second {what} block: betaglass runs one"),
            )
        };
        match it.keyword.to_ascii_lowercase().as_str() {
            "colvarstrajfrequency" => {
                traj_frequency =
                    Some(ctx.usize(it.line, one_arg(ctx, it)?, "colvarsTrajFrequency")? as u64)
            }
            "colvarsrestartfrequency" | "units" | "indexfile" => {}
            "colvar" if it.block.is_some() => {
                if colvar.is_some() {
                    return Err(twice("colvar"));
                }
                colvar = Some(parse_colvar(ctx, it)?);
            }
            "metadynamics" if it.block.is_some() => {
                if metadynamics.is_some() {
                    return Err(twice("metadynamics"));
                }
                metadynamics = Some(parse_metadynamics(ctx, it)?);
            }
            "harmonic" if it.block.is_some() => {
                if harmonic.is_some() {
                    return Err(twice("harmonic"));
                }
                harmonic = Some(parse_harmonic(ctx, it)?);
            }
            _ => return Err(unsupported(ctx, it, "the configuration")),
        }
    }
    let colvar = colvar.ok_or_else(|| ctx.err(1, "", "no colvar block".into()))?;
    Ok(ColvarsConfig {
        traj_frequency,
        colvar,
        metadynamics,
        harmonic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = include_str!("../../tests/data/colvars/metad.colvars");

    #[test]
    fn the_reference_set_up_reads_with_its_sigma() {
        let c = read_colvars_config(REFERENCE, "metad.colvars").unwrap();
        assert_eq!(c.traj_frequency, Some(100));
        assert_eq!(c.colvar.atom_ids.len(), 13);
        assert_eq!(c.colvar.atom_ids[0], 348);
        assert_eq!(
            c.colvar.reference_angstrom.as_ref().unwrap()[1],
            [20.57191188472105, 19.508581031721963, 21.90183649942139]
        );
        assert!((c.sigma_angstrom().unwrap() - 0.175).abs() < 1e-15);
        let m = c.metadynamics.unwrap();
        assert_eq!(
            (
                m.hill_weight_ev,
                m.new_hill_frequency,
                m.well_tempered,
                m.bias_temperature_k
            ),
            (0.03, 1000, true, Some(2700.0))
        );
        assert_eq!(c.colvar.upper_boundary_angstrom, 5.25);
    }

    #[test]
    fn unsupported_keywords_are_named_with_their_line() {
        let text = REFERENCE.replace("hillWidth 10.0", "hillWidth 10.0\n  multipleReplicas on");
        let e = read_colvars_config(&text, "x.colvars")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("multipleReplicas") && e.contains("x.colvars:"),
            "{e}"
        );
        let e = read_colvars_config("colvar {\n name a\n distance {\n }\n}\n", "y")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"distance\"") && e.contains("y:3"), "{e}");
        assert!(read_colvars_config("colvar {\n", "z").is_err());
        assert!(read_colvars_config("}\n", "z").is_err());
    }

    #[test]
    fn numbers_print_as_colvars_prints_them() {
        assert_eq!(sci(0.175, 0), "1.75000000000000e-01");
        assert_eq!(sci(-12345.5, 0), "-1.23455000000000e+04");
        assert_eq!(sci(0.0, 0), "0.00000000000000e+00");
        // The reference run's first hill line, reproduced.
        let h = Hill {
            step: 1000,
            centre_angstrom: 1.71078423728322e-01,
            sigma_angstrom: 0.175,
            weight_ev: 0.03,
        };
        let line = hills_line(&h);
        let reference =
            include_str!("../../tests/data/colvars/runs_300K/seed1001.colvars.meta.hills.traj");
        let first = reference.lines().find(|l| !l.starts_with('#')).unwrap();
        assert_eq!(
            line.split_whitespace().collect::<Vec<_>>(),
            first.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn traj_repeats_are_read_once_and_errors_name_the_line() {
        let text = "# step rmsd\n 0 0.0\n 100 0.2\n# step rmsd\n 100 0.2\n 200 0.3\n";
        let t = read_traj(text, "x.colvars.traj", 0.002).unwrap();
        let steps: Vec<u64> = t.iter().map(|c| c.biased_step).collect();
        assert_eq!(steps, [0, 100, 200]);
        assert!((t[2].md_time_ps - 0.4).abs() < 1e-12);
        let e = read_traj("0 0.0\n100 abc\n", "x", 0.002)
            .unwrap_err()
            .to_string();
        assert!(e.contains("x:2") && e.contains("abc"), "{e}");
        let e = read_traj("0 0.0\n200 0.1\n100 0.1\n", "x", 0.002)
            .unwrap_err()
            .to_string();
        assert!(e.contains("x:3") && e.contains("100"), "{e}");
    }

    #[test]
    fn pmf_round_trips() {
        let grid = CvGrid::new(0.0, 0.35, 0.035).unwrap();
        let profile = FreeEnergyProfile::from_bias(
            &grid,
            &[0.5, 0.3, 0.1, 0.0, 0.2, 0.4, 0.1, 0.0, 0.3, 0.2],
            1.0,
        );
        let mut text = Vec::new();
        write_pmf(&mut text, &grid, &profile).unwrap();
        let back = read_pmf(std::str::from_utf8(&text).unwrap(), "p").unwrap();
        assert_eq!(back.s_angstrom.len(), 10);
        for (a, b) in back.free_energy_ev.iter().zip(&profile.free_energy_ev) {
            assert!((a - b).abs() < 1e-13);
        }
        assert!(
            read_pmf("0.1 0.2 0.3\n", "p")
                .unwrap_err()
                .to_string()
                .contains("p:1")
        );
    }

    #[test]
    fn hills_round_trip() {
        let h = Hill {
            step: 1000,
            centre_angstrom: 0.171078423728322,
            sigma_angstrom: 0.175,
            weight_ev: 0.03,
        };
        let back = read_hills(&hills_line(&h), "h").unwrap();
        assert_eq!(back, vec![h]);
        assert!(
            read_hills("1000 0.1 0.2\n", "h")
                .unwrap_err()
                .to_string()
                .contains("h:1")
        );
    }

    mod garbled {
        use super::*;
        use crate::io::test_support::mutate;
        use proptest::prelude::*;

        const HILLS: &str =
            include_str!("../../tests/data/colvars/runs_300K/seed1001.colvars.meta.hills.traj");
        const TRAJ: &str = "#       step       rmsd\n           0    0.25\n         100    0.26\n";
        const PMF: &str = "# 1\n# 0.0 0.035 150 0\n0.0175 0.0\n0.0525 -0.01\n";

        fn edits() -> impl Strategy<Value = Vec<(usize, u8, char)>> {
            prop::collection::vec(
                (
                    any::<usize>(),
                    any::<u8>(),
                    prop::sample::select(vec![
                        ' ', '\n', '#', '0', '9', '-', '.', 'e', 'x', '{', '}', '"', 'é', '\t',
                    ]),
                ),
                0..12,
            )
        }

        proptest! {
            // Colvars files from another program, edited by hand or cut by a kill: an error
            // naming the file, never a panic.
            #[test]
            fn garbled_colvars_files_never_panic(e in edits()) {
                if let Err(err) = read_hills(&mutate(HILLS, &e), "h.traj") {
                    prop_assert!(err.to_string().contains("h.traj"), "{}", err);
                }
                if let Err(err) = read_traj(&mutate(TRAJ, &e), "t.traj", 0.002) {
                    prop_assert!(err.to_string().contains("t.traj"), "{}", err);
                }
                if let Err(err) = read_pmf(&mutate(PMF, &e), "p.pmf") {
                    prop_assert!(err.to_string().contains("p.pmf"), "{}", err);
                }
                if let Err(err) = read_colvars_config(&mutate(REFERENCE, &e), "m.colvars") {
                    prop_assert!(err.to_string().contains("m.colvars"), "{}", err);
                }
            }

            #[test]
            fn random_text_never_panics(text in "\\PC{0,300}") {
                let _ = read_hills(&text, "h");
                let _ = read_traj(&text, "t", 0.002);
                let _ = read_pmf(&text, "p");
                let _ = read_colvars_config(&text, "c");
            }
        }
    }
}
