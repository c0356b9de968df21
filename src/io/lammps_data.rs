//! LAMMPS data files for `atom_style atomic`.
//!
//! Read: line 1 is a comment; the header gives `N atoms`, `M atom types`, `lo hi xlo xhi` (and
//! y, z) and optionally `xy xz yz` (all zero, else the box is triclinic and refused). Sections:
//! `Masses` (`type mass [# Symbol]`), `Atom Type Labels`, `Atoms [# atomic]` (`id type x y z
//! [ix iy iz]`; image flags are checked and ignored, positions kept as given) and `Velocities`
//! (`id vx vy vz`, matched by id). `Pair Coeffs` and other coefficient sections are skipped;
//! bonds, angles and the like are refused. Atoms come back sorted by id.
//!
//! Species names come, in order of precedence, from the caller
//! ([`read_lammps_data_with_elements`]), the `Atom Type Labels` section, the first word of the
//! comment after each mass, the element whose standard mass lies within 0.01 amu, else `TypeN`.

use std::collections::HashMap;
use std::io::Write;

use super::{Ctx, ELEMENT_SYMBOLS, ReadError, check_writable, fmt_f64, invalid_input, shorten};
use crate::system::{Cell, CellError, Species, System, Vec3};

/// Sections this reader uses.
const SECTIONS_USED: [&str; 4] = ["Masses", "Atoms", "Velocities", "Atom Type Labels"];
/// Sections that do not matter for `atom_style atomic` and are skipped.
const SECTIONS_SKIPPED: [&str; 20] = [
    "Pair Coeffs",
    "PairIJ Coeffs",
    "Bond Coeffs",
    "Angle Coeffs",
    "Dihedral Coeffs",
    "Improper Coeffs",
    "BondBond Coeffs",
    "BondAngle Coeffs",
    "MiddleBondTorsion Coeffs",
    "EndBondTorsion Coeffs",
    "AngleTorsion Coeffs",
    "AngleAngleTorsion Coeffs",
    "BondBond13 Coeffs",
    "AngleAngle Coeffs",
    "Bond Type Labels",
    "Angle Type Labels",
    "Dihedral Type Labels",
    "Improper Type Labels",
    "Extra Atom Properties",
    "Type Labels",
];
/// Sections that need another atom style.
const SECTIONS_REFUSED: [&str; 8] = [
    "Bonds",
    "Angles",
    "Dihedrals",
    "Impropers",
    "Ellipsoids",
    "Lines",
    "Triangles",
    "Bodies",
];

/// One non-blank line of a section: its number, the data before `#`, the comment after it.
struct Entry<'a> {
    line: usize,
    data: &'a str,
    comment: Option<&'a str>,
}

struct Section<'a> {
    line: usize,
    /// First word of the header's comment (`Atoms # atomic` → `atomic`).
    hint: Option<&'a str>,
    entries: Vec<Entry<'a>>,
}

fn split_comment(raw: &str) -> (&str, Option<&str>) {
    match raw.split_once('#') {
        Some((data, comment)) => (data, Some(comment)),
        None => (raw, None),
    }
}

/// The section keyword a line's data part spells, if any.
fn section_keyword(data: &str) -> Option<String> {
    let words = data.split_whitespace().collect::<Vec<_>>().join(" ");
    let known = SECTIONS_USED
        .iter()
        .chain(&SECTIONS_SKIPPED)
        .chain(&SECTIONS_REFUSED)
        .any(|k| *k == words);
    known.then_some(words)
}

/// Whether the header (after the comment line, before the first section) has an `N atoms` line.
pub(crate) fn looks_like_lammps_data(content: &str) -> bool {
    for raw in content.lines().skip(1).take(200) {
        let (data, _) = split_comment(raw);
        if section_keyword(data).is_some() {
            return false;
        }
        if let [n, "atoms"] = data.split_whitespace().collect::<Vec<_>>().as_slice()
            && n.parse::<u64>().is_ok()
        {
            return true;
        }
    }
    false
}

/// A header value and the line it came from.
type Located<T> = Option<(T, usize)>;

#[derive(Default)]
struct Header {
    n_atoms: Located<usize>,
    n_types: Located<usize>,
    bounds: [Located<(f64, f64)>; 3],
}

fn set_once<T>(
    ctx: Ctx,
    slot: &mut Located<T>,
    value: T,
    line: usize,
    raw: &str,
) -> Result<(), ReadError> {
    if let Some((_, first)) = slot {
        return Err(ctx.err(
            line,
            raw,
            format!(
                "header line {:?} repeats what line {first} already gave",
                shorten(raw.trim())
            ),
        ));
    }
    *slot = Some((value, line));
    Ok(())
}

fn parse_header_line(
    ctx: Ctx,
    header: &mut Header,
    line: usize,
    raw: &str,
    data: &str,
) -> Result<(), ReadError> {
    let toks: Vec<&str> = data.split_whitespace().collect();
    match toks.as_slice() {
        [n, "atoms"] => {
            let n = ctx.usize(line, n, "the number of atoms")?;
            set_once(ctx, &mut header.n_atoms, n, line, raw)
        }
        [n, "atom", "types"] => {
            let n = ctx.usize(line, n, "the number of atom types")?;
            set_once(ctx, &mut header.n_types, n, line, raw)
        }
        [lo, hi, lo_name, hi_name]
            if matches!(
                (*lo_name, *hi_name),
                ("xlo", "xhi") | ("ylo", "yhi") | ("zlo", "zhi")
            ) =>
        {
            let axis = match *lo_name {
                "xlo" => 0,
                "ylo" => 1,
                _ => 2,
            };
            let lo_v = ctx.f64(line, lo, lo_name)?;
            let hi_v = ctx.f64(line, hi, hi_name)?;
            let length = hi_v - lo_v;
            if !(length.is_finite() && length > 0.0) {
                return Err(ctx.err(
                    line,
                    hi,
                    format!(
                        "box bound {hi_name} = {hi:?} must exceed {lo_name} = {lo:?} by a finite amount"
                    ),
                ));
            }
            match header.bounds.get_mut(axis) {
                Some(slot) => set_once(ctx, slot, (lo_v, hi_v), line, raw),
                None => Ok(()),
            }
        }
        [xy, xz, yz, "xy", "xz", "yz"] => {
            let xy = ctx.f64(line, xy, "xy")?;
            let xz = ctx.f64(line, xz, "xz")?;
            let yz = ctx.f64(line, yz, "yz")?;
            if xy != 0.0 || xz != 0.0 || yz != 0.0 {
                let e = CellError::Triclinic { xy, xz, yz };
                return Err(ctx.err(
                    line,
                    data.trim(),
                    format!("{:?}: {e}", shorten(data.trim())),
                ));
            }
            Ok(())
        }
        [.., "avec"] | [.., "bvec"] | [.., "cvec"] | [.., "abc", "origin"] => Err(ctx.err(
            line,
            data.trim(),
            format!(
                "{:?}: general triclinic boxes are not supported: only orthorhombic boxes",
                shorten(data.trim())
            ),
        )),
        [
            n,
            what @ ("bonds" | "angles" | "dihedrals" | "impropers" | "ellipsoids" | "lines"
            | "triangles" | "bodies"),
        ] => {
            let count = ctx.usize(line, n, what)?;
            if count > 0 {
                return Err(ctx.err(
                    line,
                    data.trim(),
                    format!(
                        "{:?}: {what} are not supported: only atom_style atomic",
                        shorten(data.trim())
                    ),
                ));
            }
            Ok(())
        }
        [n, "bond" | "angle" | "dihedral" | "improper", "types"]
        | [
            n,
            "extra",
            "bond" | "angle" | "dihedral" | "improper" | "special",
            "per",
            "atom",
        ] => ctx.usize(line, n, "a count").map(|_| ()),
        _ => Err(ctx.err(
            line,
            data.trim(),
            format!("unrecognized header line {:?}", shorten(data.trim())),
        )),
    }
}

/// The element whose standard mass is closest to `mass`, if within 0.01 amu.
fn element_from_mass(mass: f64) -> Option<&'static str> {
    ELEMENT_SYMBOLS
        .iter()
        .filter_map(|s| Species::standard_mass_amu(s).map(|m| (*s, (m - mass).abs())))
        .filter(|(_, d)| *d <= 0.01)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(s, _)| s)
}

/// A usable species name from a comment: its first word, if it starts with a letter and has
/// only letters, digits, `_` or `-`.
fn name_from_comment(comment: Option<&str>) -> Option<&str> {
    let word = comment?.split_whitespace().next()?;
    let ok = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    ok.then_some(word)
}

/// Reads a LAMMPS data file (`atom_style atomic`); `file` names it in error messages.
pub fn read_lammps_data(content: &str, file: &str) -> Result<System, ReadError> {
    parse(content, file, None)
}

/// As [`read_lammps_data`], but species `i` is named `elements[i]` (one name per atom type).
/// Masses still come from the `Masses` section, or, without one, from the element's standard mass.
pub fn read_lammps_data_with_elements(
    content: &str,
    file: &str,
    elements: &[&str],
) -> Result<System, ReadError> {
    parse(content, file, Some(elements))
}

struct AtomRecord {
    id: u64,
    type_index: usize,
    position: Vec3,
    line: usize,
}

fn parse(content: &str, file: &str, elements: Option<&[&str]>) -> Result<System, ReadError> {
    let ctx = Ctx { file };
    let mut header = Header::default();
    let mut sections: HashMap<String, Section> = HashMap::new();
    let mut current: Option<String> = None;
    let mut header_end = 1usize;
    let mut last_line = 1usize;

    for (index, raw) in content.lines().enumerate().skip(1) {
        let line = index + 1;
        last_line = line;
        let (data, comment) = split_comment(raw);
        if data.trim().is_empty() {
            continue;
        }
        if let Some(keyword) = section_keyword(data) {
            if SECTIONS_REFUSED.contains(&keyword.as_str()) {
                return Err(ctx.err(
                    line,
                    &keyword,
                    format!("section {keyword:?} is not supported: only atom_style atomic"),
                ));
            }
            if current.is_none() {
                header_end = line;
            }
            if let Some(previous) = sections.get(&keyword) {
                return Err(ctx.err(
                    line,
                    &keyword,
                    format!(
                        "section {keyword:?} appears twice (first on line {})",
                        previous.line
                    ),
                ));
            }
            sections.insert(
                keyword.clone(),
                Section {
                    line,
                    hint: comment.and_then(|c| c.split_whitespace().next()),
                    entries: Vec::new(),
                },
            );
            current = Some(keyword);
            continue;
        }
        match &current {
            None => parse_header_line(ctx, &mut header, line, raw, data)?,
            Some(keyword) => {
                if let Some(section) = sections.get_mut(keyword) {
                    section.entries.push(Entry {
                        line,
                        data,
                        comment,
                    });
                }
            }
        }
    }
    if current.is_none() {
        header_end = last_line;
    }

    // Header values.
    let Some((n_atoms, n_atoms_line)) = header.n_atoms else {
        return Err(ctx.err(
            header_end,
            "atoms",
            "missing header line \"atoms\" (e.g. \"4000 atoms\") before this line".into(),
        ));
    };
    if n_atoms == 0 {
        return Err(ctx.err(
            n_atoms_line,
            "0",
            "the header gives \"0 atoms\": a configuration needs at least one atom".into(),
        ));
    }
    let (n_types, n_types_line) = match header.n_types {
        Some(t) => t,
        None if n_atoms == 0 => (0, header_end),
        None => {
            return Err(ctx.err(
                header_end,
                "atom types",
                "missing header line \"atom types\" (e.g. \"2 atom types\") before this line"
                    .into(),
            ));
        }
    };
    if n_types == 0 && n_atoms > 0 {
        return Err(ctx.err(
            n_types_line,
            "0",
            "the header declares \"0\" atom types but there are atoms".into(),
        ));
    }
    let mut lo = [0.0; 3];
    let mut lengths = [0.0; 3];
    for (k, (name, bounds)) in ["xlo xhi", "ylo yhi", "zlo zhi"]
        .iter()
        .zip(&header.bounds)
        .enumerate()
    {
        let Some(((l, h), _)) = bounds else {
            return Err(ctx.err(
                header_end,
                name,
                format!("missing header line {name:?} before this line"),
            ));
        };
        if let (Some(lo_k), Some(len_k)) = (lo.get_mut(k), lengths.get_mut(k)) {
            *lo_k = *l;
            *len_k = h - l;
        }
    }
    let cell = Cell::new(lo, lengths).map_err(|e| {
        let line = header.bounds[0].map_or(header_end, |(_, l)| l);
        ctx.err(line, "xlo xhi", format!("bad box: {e}"))
    })?;

    // Masses and names.
    if let Some(elements) = elements
        && elements.len() != n_types
    {
        let given = elements.join(" ");
        return Err(ctx.err(
            n_types_line,
            &n_types.to_string(),
            format!(
                "the header declares \"{n_types}\" atom types but {} element names were given ({given:?})",
                elements.len()
            ),
        ));
    }
    // type → (mass, name from the comment)
    let mut masses: HashMap<usize, (f64, Option<&str>)> = HashMap::new();
    if let Some(section) = sections.get("Masses") {
        for e in &section.entries {
            let toks: Vec<&str> = e.data.split_whitespace().collect();
            let [t, m] = toks.as_slice() else {
                return Err(ctx.err(
                    e.line,
                    e.data.trim(),
                    format!(
                        "wrong number of columns: a Masses line needs 2 (type mass), found {}: {:?}",
                        toks.len(),
                        shorten(e.data.trim())
                    ),
                ));
            };
            let t_value = ctx.usize(e.line, t, "the atom type")?;
            let mass = ctx.f64(e.line, m, "the mass")?;
            if mass <= 0.0 {
                return Err(ctx.err(e.line, m, format!("mass {m:?} must be positive")));
            }
            if t_value == 0 || t_value > n_types {
                return Err(ctx.err(
                    e.line,
                    t,
                    format!("atom type {t:?} is outside 1..={n_types} (the header's atom types)"),
                ));
            }
            if masses
                .insert(t_value, (mass, name_from_comment(e.comment)))
                .is_some()
            {
                return Err(ctx.err(e.line, t, format!("mass for atom type {t:?} given twice")));
            }
        }
        // Every type needs a mass; with fewer entries than types, one of the first
        // `entries + 1` types is missing, so this search stays short.
        let missing = (1..=n_types.min(section.entries.len().saturating_add(1)))
            .find(|t| !masses.contains_key(t));
        if let Some(t) = missing {
            let t = t.to_string();
            return Err(ctx.err(
                section.line,
                &t,
                format!(
                    "the Masses section gives no mass for atom type \"{t}\" (the header declares {n_types} types)"
                ),
            ));
        }
    }
    let mut labels: HashMap<usize, &str> = HashMap::new();
    if let Some(section) = sections.get("Atom Type Labels") {
        for e in &section.entries {
            let toks: Vec<&str> = e.data.split_whitespace().collect();
            let [t, label] = toks.as_slice() else {
                return Err(ctx.err(
                    e.line,
                    e.data.trim(),
                    format!(
                        "an Atom Type Labels line needs 2 columns (type label), found {:?}",
                        shorten(e.data.trim())
                    ),
                ));
            };
            let t_value = ctx.usize(e.line, t, "the atom type")?;
            if t_value == 0 || t_value > n_types {
                return Err(ctx.err(
                    e.line,
                    t,
                    format!("atom type {t:?} is outside 1..={n_types} (the header's atom types)"),
                ));
            }
            labels.insert(t_value, label);
        }
    }
    // This loop is short: with a Masses section, n_types <= its entries; with caller names,
    // n_types == their number; otherwise it fails at the first type with neither.
    let mut species = Vec::new();
    for t in 1..=n_types {
        let from_masses = masses.get(&t).copied();
        let name: String = if let Some(name) = elements.and_then(|e| e.get(t - 1)) {
            (*name).to_string()
        } else if let Some(label) = labels.get(&t) {
            (*label).to_string()
        } else if let Some(name) = from_masses.and_then(|(_, n)| n) {
            name.to_string()
        } else if let Some(name) = from_masses.and_then(|(m, _)| element_from_mass(m)) {
            name.to_string()
        } else {
            format!("Type{t}")
        };
        let mass = match from_masses {
            Some((m, _)) => m,
            None => match Species::standard_mass_amu(&name) {
                Some(m) => m,
                None => {
                    return Err(ctx.err(
                        last_line,
                        "Masses",
                        format!(
                            "missing section \"Masses\": no mass for atom type {t} ({name:?} has no standard mass)"
                        ),
                    ));
                }
            },
        };
        species.push(Species::new(&name, mass));
    }

    // Atoms.
    let mut atoms: Vec<AtomRecord> = Vec::new();
    match sections.get("Atoms") {
        None if n_atoms > 0 => {
            return Err(ctx.err(
                last_line,
                "Atoms",
                format!(
                    "missing section \"Atoms\": the header (line {n_atoms_line}) declares {n_atoms} atoms"
                ),
            ));
        }
        None => {}
        Some(section) => {
            if let Some(style) = section.hint
                && style != "atomic"
            {
                return Err(ctx.err(
                    section.line,
                    style,
                    format!(
                        "atom style {style:?} is not supported: only \"Atoms # atomic\" (id type x y z)"
                    ),
                ));
            }
            if let Some(extra) = section.entries.get(n_atoms) {
                return Err(ctx.err(
                    extra.line,
                    extra.data.trim(),
                    format!(
                        "count mismatch: Atoms has more than the {n_atoms} atoms the header (line {n_atoms_line}) declares; extra line {:?}",
                        shorten(extra.data.trim())
                    ),
                ));
            }
            if section.entries.len() < n_atoms {
                let found = section.entries.len().to_string();
                return Err(ctx.err(
                    section.line,
                    &found,
                    format!(
                        "count mismatch: Atoms has \"{found}\" lines but the header (line {n_atoms_line}) declares {n_atoms} atoms"
                    ),
                ));
            }
            atoms.reserve(section.entries.len());
            for e in &section.entries {
                atoms.push(parse_atom(ctx, e, n_types)?);
            }
        }
    }
    atoms.sort_by_key(|a| a.id);
    for pair in atoms.windows(2) {
        if let [a, b] = pair
            && a.id == b.id
        {
            let id = a.id.to_string();
            return Err(ctx.err(
                a.line.max(b.line),
                &id,
                format!(
                    "duplicate atom id \"{id}\" (also on line {})",
                    a.line.min(b.line)
                ),
            ));
        }
    }
    let index_of: HashMap<u64, usize> = atoms.iter().enumerate().map(|(i, a)| (a.id, i)).collect();

    // Velocities.
    let mut velocities: Vec<Option<Vec3>> = vec![None; atoms.len()];
    if let Some(section) = sections.get("Velocities") {
        for e in &section.entries {
            let toks: Vec<&str> = e.data.split_whitespace().collect();
            let [id, v @ ..] = toks.as_slice() else {
                continue;
            };
            let [vx, vy, vz] = v else {
                return Err(ctx.err(
                    e.line,
                    e.data.trim(),
                    format!(
                        "wrong number of columns: a Velocities line needs 4 (id vx vy vz), found {}: {:?}",
                        toks.len(),
                        shorten(e.data.trim())
                    ),
                ));
            };
            let id_value = ctx.id(e.line, id, "the atom id")?;
            let v = [
                ctx.f64(e.line, vx, "vx")?,
                ctx.f64(e.line, vy, "vy")?,
                ctx.f64(e.line, vz, "vz")?,
            ];
            let Some(slot) = index_of.get(&id_value).and_then(|&i| velocities.get_mut(i)) else {
                return Err(ctx.err(
                    e.line,
                    id,
                    format!("velocity for unknown atom id {id:?} (not in the Atoms section)"),
                ));
            };
            if slot.is_some() {
                return Err(ctx.err(
                    e.line,
                    id,
                    format!("velocity for atom id {id:?} given twice"),
                ));
            }
            *slot = Some(v);
        }
        if let Some(missing) = velocities.iter().position(Option::is_none) {
            let found = section.entries.len().to_string();
            let id = atoms.get(missing).map_or(0, |a| a.id);
            return Err(ctx.err(
                section.line,
                &found,
                format!(
                    "count mismatch: Velocities has \"{found}\" lines for {} atoms (none for atom id {id})",
                    atoms.len()
                ),
            ));
        }
    }

    for a in &atoms {
        if let Some(problem) = cell.position_problem(a.position) {
            return Err(ctx.err(a.line, &format!("{:?}", a.position), problem));
        }
    }
    let mut system = System::new(cell, species);
    system.ids.reserve(atoms.len());
    for (a, v) in atoms.iter().zip(&velocities) {
        system.ids.push(a.id);
        system.types.push(a.type_index);
        system.positions_angstrom.push(a.position);
        system
            .velocities_angstrom_per_ps
            .push(v.unwrap_or([0.0; 3]));
    }
    Ok(system)
}

fn parse_atom(ctx: Ctx, e: &Entry, n_types: usize) -> Result<AtomRecord, ReadError> {
    let toks: Vec<&str> = e.data.split_whitespace().collect();
    let (id, t, x, y, z) = match toks.as_slice() {
        [id, t, x, y, z] => (id, t, x, y, z),
        [id, t, x, y, z, images @ ..] if images.len() == 3 => {
            for (flag, name) in images.iter().zip(["ix", "iy", "iz"]) {
                ctx.i64(e.line, flag, name)?;
            }
            (id, t, x, y, z)
        }
        _ => {
            return Err(ctx.err(
                e.line,
                e.data.trim(),
                format!(
                    "wrong number of columns: atom_style atomic needs 5 (id type x y z) or 8 \
                     (with image flags), found {}: {:?}",
                    toks.len(),
                    shorten(e.data.trim())
                ),
            ));
        }
    };
    let id = ctx.id(e.line, id, "the atom id")?;
    let type_value = ctx.usize(e.line, t, "the atom type")?;
    if type_value == 0 || type_value > n_types {
        return Err(ctx.err(
            e.line,
            t,
            format!("atom type {t:?} is outside 1..={n_types} (the header's atom types)"),
        ));
    }
    let position = [
        ctx.f64(e.line, x, "x")?,
        ctx.f64(e.line, y, "y")?,
        ctx.f64(e.line, z, "z")?,
    ];
    Ok(AtomRecord {
        id,
        type_index: type_value - 1,
        position,
        line: e.line,
    })
}

/// Writes `system` as a LAMMPS data file (`atom_style atomic`, units metal) that LAMMPS
/// `read_data` and [`read_lammps_data`] both read, every number in shortest round-trip form.
/// Fails with `InvalidInput` for a system that is not writable.
pub fn write_lammps_data<W: Write>(out: &mut W, system: &System) -> std::io::Result<()> {
    write_lammps_data_with_images(out, system, None)
}

/// [`write_lammps_data`] with image flags `ix iy iz` after each atom's position (in the
/// system's atom order): LAMMPS then sees the unwrapped position x + image·L, which is what
/// Colvars' `rmsd` reads. `None` writes no flags (LAMMPS takes them as 0).
pub fn write_lammps_data_with_images<W: Write>(
    out: &mut W,
    system: &System,
    images: Option<&[[i64; 3]]>,
) -> std::io::Result<()> {
    check_writable(system).map_err(invalid_input)?;
    if let Some(images) = images
        && images.len() != system.n_atoms()
    {
        return Err(invalid_input(format!(
            "{} image flags for {} atoms",
            images.len(),
            system.n_atoms()
        )));
    }
    let mut out = std::io::BufWriter::new(out);
    let lo = system.cell.lo_angstrom();
    let hi = system.cell.hi_angstrom();
    writeln!(
        out,
        "LAMMPS data file written by betaglass (atom_style atomic, units metal)"
    )?;
    writeln!(out)?;
    writeln!(out, "{} atoms", system.n_atoms())?;
    writeln!(out, "{} atom types", system.species.len())?;
    writeln!(out)?;
    for (k, axis) in ["x", "y", "z"].iter().enumerate() {
        let (l, h) = (lo.get(k).copied(), hi.get(k).copied());
        writeln!(
            out,
            "{} {} {axis}lo {axis}hi",
            fmt_f64(l.unwrap_or(0.0)),
            fmt_f64(h.unwrap_or(0.0))
        )?;
    }
    if !system.species.is_empty() {
        writeln!(out, "\nMasses\n")?;
        for (t, s) in system.species.iter().enumerate() {
            writeln!(out, "{} {} # {}", t + 1, fmt_f64(s.mass_amu), s.symbol)?;
        }
    }
    if system.n_atoms() > 0 {
        writeln!(out, "\nAtoms # atomic\n")?;
        for (i, ((id, t), x)) in system
            .ids
            .iter()
            .zip(&system.types)
            .zip(&system.positions_angstrom)
            .enumerate()
        {
            write!(
                out,
                "{id} {} {} {} {}",
                t + 1,
                fmt_f64(x[0]),
                fmt_f64(x[1]),
                fmt_f64(x[2])
            )?;
            match images {
                Some(images) => {
                    let [a, b, c] = images[i];
                    writeln!(out, " {a} {b} {c}")?;
                }
                None => writeln!(out)?,
            }
        }
        writeln!(out, "\nVelocities\n")?;
        for (id, v) in system.ids.iter().zip(&system.velocities_angstrom_per_ps) {
            writeln!(
                out,
                "{id} {} {} {}",
                fmt_f64(v[0]),
                fmt_f64(v[1]),
                fmt_f64(v[2])
            )?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::mutate;
    use proptest::prelude::*;

    const SMALL: &str = "\
LAMMPS data file, a comment line # with a hash

3 atoms
2 atom types
0 0 0 xy xz yz

-1.0 9.0 xlo xhi
0 10 ylo yhi
0.5 10.5 zlo zhi

Masses

1 63.546 # Cu
2 91.224 # Zr

Atoms # atomic

3 2 1.0 2.0 3.0 0 0 0
1 1 4.0 5.0 6.0 1 -1 0
2 1 7.0 8.0 9.0 0 0 0

Velocities

2 0.1 0.2 0.3
3 -1 -2 -3
1 0 0 1e-3
";

    fn expect_err(text: &str, line: usize, token: &str) -> String {
        let e = read_lammps_data(text, "bad.data").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("bad.data:{line}: ")),
            "wrong place in {msg:?}"
        );
        assert!(msg.contains(token), "{msg:?} does not quote {token:?}");
        assert_eq!(e.line(), Some(line));
        msg
    }

    /// SMALL with line `line` (1-based) replaced by `with`.
    fn replace_line(line: usize, with: &str) -> String {
        SMALL
            .lines()
            .enumerate()
            .map(|(i, l)| if i + 1 == line { with } else { l })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn reads_small_file_sorted_by_id() {
        let s = read_lammps_data(SMALL, "small.data").unwrap();
        assert_eq!(s.ids, vec![1, 2, 3]);
        assert_eq!(s.types, vec![0, 0, 1]);
        assert_eq!(s.species[0], Species::new("Cu", 63.546));
        assert_eq!(s.species[1], Species::new("Zr", 91.224));
        assert_eq!(s.positions_angstrom[0], [4.0, 5.0, 6.0]);
        assert_eq!(s.velocities_angstrom_per_ps[0], [0.0, 0.0, 1e-3]);
        assert_eq!(s.velocities_angstrom_per_ps[2], [-1.0, -2.0, -3.0]);
        assert_eq!(s.cell.lo_angstrom(), [-1.0, 0.0, 0.5]);
        assert_eq!(s.cell.lengths_angstrom(), [10.0; 3]);
    }

    #[test]
    fn species_names_from_mass_labels_or_caller() {
        // No comments: inferred from masses; unknown mass → TypeN.
        let text = SMALL
            .replace("1 63.546 # Cu", "1 63.55")
            .replace("2 91.224 # Zr", "2 12.5");
        let s = read_lammps_data(&text, "m.data").unwrap();
        assert_eq!(s.species[0], Species::new("Cu", 63.55));
        assert_eq!(s.species[1], Species::new("Type2", 12.5));
        // Caller override keeps the file's masses.
        let s = read_lammps_data_with_elements(&text, "m.data", &["Ni", "Al"]).unwrap();
        assert_eq!(s.species[0], Species::new("Ni", 63.55));
        assert_eq!(s.species[1], Species::new("Al", 12.5));
        // Atom Type Labels win over mass comments.
        let text = SMALL.replace("Atoms # atomic", "Atom Type Labels\n\n1 Ag\n2 Au\n\nAtoms");
        let s = read_lammps_data(&text, "l.data").unwrap();
        assert_eq!(s.species[0], Species::new("Ag", 63.546));
        // No Masses section: standard masses of the caller's elements.
        let start = SMALL.find("Masses").unwrap();
        let end = SMALL.find("Atoms").unwrap();
        let text = format!("{}{}", &SMALL[..start], &SMALL[end..]);
        let s = read_lammps_data_with_elements(&text, "n.data", &["Cu", "Zr"]).unwrap();
        assert_eq!(s.species[1], Species::new("Zr", 91.224));
        let e = read_lammps_data(&text, "n.data").unwrap_err().to_string();
        assert!(e.contains("n.data:") && e.contains("\"Masses\""), "{e}");
        // Wrong number of names.
        let e = read_lammps_data_with_elements(SMALL, "w.data", &["Cu"])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("w.data:4: ") && e.contains("\"2\""), "{e}");
    }

    #[test]
    fn round_trip_is_bit_identical() {
        let mut s = read_lammps_data(SMALL, "small.data").unwrap();
        s.positions_angstrom[1] = [1.0 / 3.0, -1e-310, 9.87654321e-7];
        s.velocities_angstrom_per_ps[0] = [std::f64::consts::PI, -0.0, 1e20];
        let mut buf = Vec::new();
        write_lammps_data(&mut buf, &s).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let r = read_lammps_data(&text, "rt.data").unwrap();
        assert_eq!(r.ids, s.ids);
        assert_eq!(r.types, s.types);
        assert_eq!(r.species, s.species);
        assert_eq!(r.cell.lo_angstrom(), s.cell.lo_angstrom());
        for (a, b) in r.positions_angstrom.iter().zip(&s.positions_angstrom) {
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
        for (a, b) in r
            .velocities_angstrom_per_ps
            .iter()
            .zip(&s.velocities_angstrom_per_ps)
        {
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
        assert!(text.contains("Atoms # atomic") && text.contains("1 63.546 # Cu"));
    }

    #[test]
    fn reads_shared_glass_data_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let text = std::fs::read_to_string(dir.join("glass_300K.data"))
            .expect("tests/data/glass_300K.data is part of the repository");
        let s = read_lammps_data(&text, "glass_300K.data").unwrap();
        assert_eq!(s.n_atoms(), 4000);
        assert_eq!(s.count_by_species(), vec![2000, 2000]);
        assert_eq!(s.species[0], Species::new("Cu", 63.546));
        assert_eq!(s.species[1], Species::new("Zr", 91.224));
        assert_eq!(s.cell.lo_angstrom(), [-0.19532655401082977; 3]);
        assert_eq!(s.cell.hi_angstrom()[0], 41.39532655401172);
        assert_eq!(s.ids, (1..=4000).collect::<Vec<u64>>());
        // First atom of the file is id 957.
        assert_eq!(
            s.positions_angstrom[956],
            [0.8860060640800425, 3.5659888671527393, 0.9099544282114997]
        );
        assert_eq!(
            s.velocities_angstrom_per_ps[956],
            [
                -0.36869583815735607,
                0.4579251491888222,
                0.45598755217929404
            ]
        );
        assert_eq!(s.types[0], 1); // id 1 is Zr
        s.validate().unwrap();

        let sp = std::fs::read_to_string(dir.join("singlepoint/glass_300K.data")).unwrap();
        let p = read_lammps_data(&sp, "singlepoint/glass_300K.data").unwrap();
        assert_eq!(p.n_atoms(), 4000);
        assert_eq!(p.positions_angstrom, s.positions_angstrom);
    }

    #[test]
    fn error_non_numeric_token() {
        expect_err(&replace_line(18, "3 2 1.0 abc 3.0 0 0 0"), 18, "\"abc\"");
        expect_err(&replace_line(18, "3 2 1.0 2.0 3.0 0 x 0"), 18, "\"x\"");
        expect_err(&replace_line(3, "three atoms"), 3, "\"three\"");
        expect_err(&replace_line(7, "-1.0 nine xlo xhi"), 7, "\"nine\"");
        expect_err(&replace_line(24, "2 0.1 0.2 1e999"), 24, "\"1e999\"");
        expect_err(&replace_line(13, "1 -63.5 # Cu"), 13, "\"-63.5\"");
    }

    #[test]
    fn error_wrong_number_of_columns() {
        expect_err(&replace_line(19, "1 1 4.0 5.0"), 19, "1 1 4.0 5.0");
        expect_err(
            &replace_line(19, "1 1 4.0 5.0 6.0 0 0"),
            19,
            "1 1 4.0 5.0 6.0 0 0",
        );
        expect_err(&replace_line(25, "3 -1 -2"), 25, "3 -1 -2");
        expect_err(&replace_line(14, "2 91.224 7"), 14, "2 91.224 7");
    }

    #[test]
    fn error_count_mismatch() {
        let m = expect_err(&replace_line(3, "4 atoms"), 16, "\"3\"");
        assert!(m.contains("line 3") && m.contains("4 atoms"), "{m}");
        let extra = SMALL.replace("2 1 7.0 8.0 9.0 0 0 0", "2 1 7.0 8.0 9.0 0 0 0\n4 1 1 1 1");
        expect_err(&extra, 21, "4 1 1 1 1");
        // Too few velocities.
        expect_err(&replace_line(26, ""), 22, "\"2\"");
        // Missing a mass.
        expect_err(&replace_line(14, ""), 11, "\"2\"");
    }

    #[test]
    fn error_duplicate_and_unknown_ids() {
        let m = expect_err(&replace_line(20, "1 1 7.0 8.0 9.0"), 20, "\"1\"");
        assert!(m.contains("duplicate") && m.contains("line 19"), "{m}");
        expect_err(&replace_line(24, "7 0.1 0.2 0.3"), 24, "\"7\"");
        expect_err(&replace_line(24, "3 0.1 0.2 0.3"), 25, "\"3\"");
        expect_err(&replace_line(18, "0 2 1.0 2.0 3.0"), 18, "\"0\"");
    }

    #[test]
    fn error_bad_type() {
        expect_err(&replace_line(18, "3 3 1.0 2.0 3.0"), 18, "\"3\"");
        expect_err(&replace_line(18, "3 0 1.0 2.0 3.0"), 18, "\"0\"");
        expect_err(&replace_line(14, "3 91.224"), 14, "\"3\"");
        expect_err(&replace_line(14, "1 91.224"), 14, "\"1\"");
    }

    #[test]
    fn error_missing_sections_and_header() {
        let no_atoms = SMALL.replace("Atoms # atomic", "Pair Coeffs");
        let m = expect_err(&no_atoms, 26, "\"Atoms\"");
        assert!(m.contains("missing section"), "{m}");
        expect_err(&replace_line(3, ""), 11, "\"atoms\"");
        expect_err(&replace_line(4, ""), 11, "\"atom types\"");
        expect_err(&replace_line(8, ""), 11, "\"ylo yhi\"");
        expect_err(&replace_line(8, "0 0 ylo yhi"), 8, "\"0\"");
        expect_err(
            &replace_line(8, "0 10 ylo yhi extra"),
            8,
            "0 10 ylo yhi extra",
        );
        expect_err(&replace_line(9, "0 10 ylo yhi"), 9, "0 10 ylo yhi");
    }

    #[test]
    fn error_triclinic_and_styles() {
        let m = expect_err(&replace_line(5, "0.5 0 0 xy xz yz"), 5, "0.5 0 0 xy xz yz");
        assert!(m.contains("triclinic"), "{m}");
        expect_err(&replace_line(16, "Atoms # full"), 16, "\"full\"");
        expect_err(&replace_line(3, "3 atoms\n2 bonds"), 4, "2 bonds");
        expect_err(&replace_line(23, "Bonds"), 23, "\"Bonds\"");
        expect_err(&replace_line(23, "Masses"), 23, "\"Masses\"");
    }

    #[test]
    fn detects_lammps_headers() {
        assert!(looks_like_lammps_data(SMALL));
        assert!(!looks_like_lammps_data(
            "3\nLattice=\"1 0 0 0 1 0 0 0 1\"\n"
        ));
        assert!(!looks_like_lammps_data(""));
    }

    #[test]
    fn element_from_mass_within_tolerance() {
        assert_eq!(element_from_mass(63.546), Some("Cu"));
        assert_eq!(element_from_mass(91.23), Some("Zr"));
        assert_eq!(element_from_mass(91.3), None);
    }

    proptest! {
        #[test]
        fn never_panics_on_mutated_input(
            edits in prop::collection::vec(
                (any::<usize>(), any::<u8>(),
                 prop::sample::select(vec![' ', '\n', '#', '0', '1', '9', '-', '.', 'e', 'x',
                     'a', 'A', '\t', 'é', '\r'])),
                0..12)
        ) {
            let text = mutate(SMALL, &edits);
            let _ = read_lammps_data(&text, "fuzz.data");
            let _ = read_lammps_data_with_elements(&text, "fuzz.data", &["Cu", "Zr"]);
        }

        #[test]
        fn never_panics_on_random_text(text in "\\PC{0,300}") {
            let _ = read_lammps_data(&text, "fuzz.data");
            let with_head = format!("c\n3 atoms\n2 atom types\n{text}");
            let _ = read_lammps_data(&with_head, "fuzz.data");
        }

        #[test]
        fn never_panics_on_huge_counts(n in any::<u64>(), t in any::<u64>()) {
            let text = SMALL
                .replace("3 atoms", &format!("{n} atoms"))
                .replace("2 atom types", &format!("{t} atom types"));
            let _ = read_lammps_data(&text, "fuzz.data");
        }
    }
}
