//! Extended XYZ, as ASE reads and writes it.
//!
//! Line 1 is the atom count; line 2 holds `key=value` pairs: `Lattice="ax ay az bx by bz cx cy
//! cz"` (required, axis-aligned), `Origin="x y z"` (this program's extension, ASE ignores it;
//! default 0), `Properties=name:type:width:...` (default `species:S:1:pos:R:3`) and
//! `pbc="T T T"` (anything not fully periodic is refused). Recognised properties are `species`,
//! `pos`, `vel` (also `velo`, `velocities`; Å/ps), `momenta` (ASE units, used only without a
//! velocity column), `id` and `type`; other columns are skipped by their declared widths. Only
//! the first frame of a multi-frame file is read. Atoms with an `id` column come back sorted by id.
//! With a consistent `type` column, species are ordered by type; otherwise by first appearance.

use std::collections::HashMap;
use std::io::Write;

use super::{Ctx, ReadError, check_writable, fmt_f64, invalid_input, shorten};
use crate::system::{Cell, Species, System, Vec3};

/// ASE's velocity unit, √(eV/amu), in Å/ps (CODATA 2014, ASE's default constants).
fn ase_velocity_unit_in_angstrom_per_ps() -> f64 {
    (1.602_176_620_8e-19_f64 / 1.660_539_040e-27).sqrt() * 1e-2
}

/// Whether the text starts with an atom count, as an XYZ file does.
pub(crate) fn looks_like_xyz(content: &str) -> bool {
    content
        .lines()
        .next()
        .is_some_and(|l| l.trim().parse::<usize>().is_ok())
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Str,
    Real,
    Int,
    Logical,
}

#[derive(Debug)]
struct Property {
    name: String,
    kind: Kind,
    column: usize,
    width: usize,
}

/// Splits the comment line into `(key, value)` pairs. Bare keys get the value `"T"`.
fn parse_key_values(line: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let key = read_word(&mut chars, true)?;
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let value = if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            read_word(&mut chars, false)?
        } else {
            "T".to_string()
        };
        pairs.push((key, value));
    }
}

/// One key or value: `"quoted"` (with backslash escapes), `{braced}` or bare.
fn read_word(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    is_key: bool,
) -> Result<String, String> {
    let mut word = String::new();
    match chars.peek() {
        Some('"') => {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(format!("unterminated quote in \"{word}")),
                    Some('"') => return Ok(word),
                    Some('\\') => match chars.next() {
                        Some('n') => word.push('\n'),
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated quote in \"{word}")),
                    },
                    Some(c) => word.push(c),
                }
            }
        }
        Some('{') if !is_key => {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(format!("unterminated brace in {{{word}")),
                    Some('}') => return Ok(word),
                    Some(c) => word.push(c),
                }
            }
        }
        _ => {
            while let Some(c) = chars.next_if(|&c| !(c.is_whitespace() || (is_key && c == '='))) {
                word.push(c);
            }
            Ok(word)
        }
    }
}

fn parse_properties(ctx: Ctx, value: &str) -> Result<Vec<Property>, ReadError> {
    let parts: Vec<&str> = value.split(':').collect();
    if !parts.len().is_multiple_of(3) || parts.is_empty() {
        return Err(ctx.err(
            2,
            value,
            format!(
                "Properties must be name:type:width triples, found {:?}",
                shorten(value)
            ),
        ));
    }
    let mut properties = Vec::new();
    let mut column = 0usize;
    for triple in parts.chunks_exact(3) {
        let &[name, kind, width] = triple else {
            continue;
        };
        let kind = match kind.to_ascii_uppercase().as_str() {
            "S" => Kind::Str,
            "R" => Kind::Real,
            "I" => Kind::Int,
            "L" => Kind::Logical,
            _ => {
                return Err(ctx.err(
                    2,
                    kind,
                    format!("property {name:?} has type {kind:?}: expected S, R, I or L"),
                ));
            }
        };
        let width = match width.parse::<usize>() {
            Ok(w) if (1..=1_000_000).contains(&w) => w,
            _ => {
                return Err(ctx.err(
                    2,
                    width,
                    format!("property {name:?} has width {width:?}: expected a positive integer"),
                ));
            }
        };
        if name.is_empty() || properties.iter().any(|p: &Property| p.name == name) {
            return Err(ctx.err(
                2,
                name,
                format!("property name {name:?} is empty or repeated in Properties"),
            ));
        }
        properties.push(Property {
            name: name.to_string(),
            kind,
            column,
            width,
        });
        column = column.saturating_add(width);
    }
    Ok(properties)
}

/// Finds property `names[0]` (or an alias), checking its type and width.
fn find_property<'p>(
    ctx: Ctx,
    properties: &'p [Property],
    names: &[&str],
    kind: Kind,
    width: usize,
) -> Result<Option<&'p Property>, ReadError> {
    let Some(p) = properties.iter().find(|p| names.contains(&p.name.as_str())) else {
        return Ok(None);
    };
    if p.kind != kind || p.width != width {
        let letter = match kind {
            Kind::Str => 'S',
            Kind::Real => 'R',
            Kind::Int => 'I',
            Kind::Logical => 'L',
        };
        return Err(ctx.err(
            2,
            &p.name,
            format!(
                "property {:?} must be declared {}:{letter}:{width}",
                p.name, p.name
            ),
        ));
    }
    Ok(Some(p))
}

fn parse_floats<const N: usize>(
    ctx: Ctx,
    line: usize,
    tokens: &[&str],
    what: &str,
) -> Result<[f64; N], ReadError> {
    let mut out = [0.0; N];
    if tokens.len() != N {
        let joined = tokens.join(" ");
        return Err(ctx.err(
            line,
            &joined,
            format!("{what} needs {N} numbers, found {:?}", shorten(&joined)),
        ));
    }
    for (o, t) in out.iter_mut().zip(tokens) {
        *o = ctx.f64(line, t, what)?;
    }
    Ok(out)
}

fn parse_bool(token: &str) -> Option<bool> {
    match token.to_ascii_lowercase().as_str() {
        "t" | "true" | "1" => Some(true),
        "f" | "false" | "0" => Some(false),
        _ => None,
    }
}

struct Atom {
    line: usize,
    species: usize,
    type_: Option<i64>,
    id: Option<u64>,
    position: Vec3,
    velocity: Vec3,
    momentum: Option<Vec3>,
}

/// Reads the first frame of an extended XYZ file; `file` names it in error messages.
pub fn read_xyz(content: &str, file: &str) -> Result<System, ReadError> {
    let ctx = Ctx { file };
    let mut lines = content.lines();
    let first = lines.next().unwrap_or("");
    let n_atoms = ctx.usize(1, first.trim(), "the atom count on line 1")?;
    if n_atoms == 0 {
        return Err(ctx.err(
            1,
            first.trim(),
            "the atom count on line 1 is \"0\": a configuration needs at least one atom".into(),
        ));
    }
    let Some(comment) = lines.next() else {
        return Err(ctx.err(
            2,
            "",
            "file ends before the comment line (line 2) with Lattice and Properties: found \"\""
                .into(),
        ));
    };

    let pairs = parse_key_values(comment).map_err(|m| ctx.err(2, comment, m))?;
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    };

    // Cell.
    let Some(lattice) = get("Lattice") else {
        return Err(ctx.err(
            2,
            "Lattice",
            "no \"Lattice\" key on line 2: a periodic cell is required".into(),
        ));
    };
    let l: [f64; 9] = parse_floats(
        ctx,
        2,
        &lattice.split_whitespace().collect::<Vec<_>>(),
        "Lattice",
    )?;
    let origin: Vec3 = match get("Origin") {
        Some(o) => parse_floats(ctx, 2, &o.split_whitespace().collect::<Vec<_>>(), "Origin")?,
        None => [0.0; 3],
    };
    if let Some(pbc) = get("pbc") {
        let flags: Vec<Option<bool>> = pbc.split_whitespace().map(parse_bool).collect();
        if flags.len() != 3 || flags.iter().any(|f| *f != Some(true)) {
            return Err(ctx.err(
                2,
                pbc,
                format!("pbc={pbc:?}: only fully periodic cells (pbc=\"T T T\") are supported"),
            ));
        }
    }
    let cell = Cell::from_lattice_vectors(
        origin,
        [l[0], l[1], l[2]],
        [l[3], l[4], l[5]],
        [l[6], l[7], l[8]],
    )
    .map_err(|e| ctx.err(2, lattice, format!("Lattice={lattice:?}: {e}")))?;

    // Columns.
    let properties = parse_properties(ctx, get("Properties").unwrap_or("species:S:1:pos:R:3"))?;
    let n_columns = properties
        .last()
        .map_or(0, |p| p.column.saturating_add(p.width));
    let species_p = find_property(ctx, &properties, &["species"], Kind::Str, 1)?;
    let pos_p = find_property(ctx, &properties, &["pos"], Kind::Real, 3)?;
    let (Some(species_p), Some(pos_p)) = (species_p, pos_p) else {
        let props = get("Properties").unwrap_or("");
        return Err(ctx.err(
            2,
            props,
            format!(
                "Properties must include species:S:1 and pos:R:3, found {:?}",
                shorten(props)
            ),
        ));
    };
    let vel_p = find_property(
        ctx,
        &properties,
        &["vel", "velo", "velocities"],
        Kind::Real,
        3,
    )?;
    let momenta_p = find_property(ctx, &properties, &["momenta"], Kind::Real, 3)?;
    let id_p = find_property(ctx, &properties, &["id"], Kind::Int, 1)?;
    let type_p = find_property(ctx, &properties, &["type"], Kind::Int, 1)?;

    // Atoms.
    let mut symbols: Vec<(String, usize)> = Vec::new(); // symbol, first line
    let mut symbol_index: HashMap<String, usize> = HashMap::new();
    let mut atoms = Vec::new();
    for k in 0..n_atoms {
        let line_no = k.saturating_add(3);
        let Some(line) = lines.next() else {
            return Err(ctx.err(
                line_no,
                "",
                format!(
                    "file ends after {k} of {n_atoms} atoms (count on line 1): found end of file"
                ),
            ));
        };
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.len() != n_columns {
            return Err(ctx.err(
                line_no,
                line,
                format!(
                    "expected {n_columns} columns as Properties declares, found {}: {:?}",
                    tokens.len(),
                    shorten(line)
                ),
            ));
        }
        let col = |p: &Property| tokens.get(p.column..p.column.saturating_add(p.width));
        let vec3 = |p: &Property, what: &str| -> Result<Vec3, ReadError> {
            parse_floats(ctx, line_no, col(p).unwrap_or(&[]), what)
        };

        let symbol = col(species_p)
            .and_then(|t| t.first())
            .copied()
            .unwrap_or("");
        let species = match symbol_index.get(symbol) {
            Some(&i) => i,
            None => {
                let i = symbols.len();
                symbols.push((symbol.to_string(), line_no));
                symbol_index.insert(symbol.to_string(), i);
                i
            }
        };
        let position = vec3(pos_p, "pos")?;
        let velocity = match vel_p {
            Some(p) => vec3(p, "vel")?,
            None => [0.0; 3],
        };
        let momentum = match (vel_p, momenta_p) {
            (None, Some(p)) => Some(vec3(p, "momenta")?),
            _ => None,
        };
        let int = |p: Option<&Property>, what: &str| -> Result<Option<&str>, ReadError> {
            let Some(p) = p else { return Ok(None) };
            match col(p).and_then(|t| t.first()) {
                Some(t) => Ok(Some(*t)),
                None => Err(ctx.err(line_no, line, format!("missing {what} column"))),
            }
        };
        let id = match int(id_p, "id")? {
            Some(t) => Some(ctx.id(line_no, t, "id")?),
            None => None,
        };
        let type_ = match int(type_p, "type")? {
            Some(t) => Some(ctx.i64(line_no, t, "type")?),
            None => None,
        };
        // Other columns are only checked for their declared kind.
        for p in &properties {
            if matches!(p.kind, Kind::Real | Kind::Int | Kind::Logical) {
                for t in col(p).unwrap_or(&[]) {
                    let ok = match p.kind {
                        Kind::Real => t.parse::<f64>().is_ok(),
                        Kind::Int => t.parse::<i64>().is_ok(),
                        _ => parse_bool(t).is_some(),
                    };
                    if !ok {
                        return Err(ctx.err(
                            line_no,
                            t,
                            format!("bad value {:?} for property {:?}", shorten(t), p.name),
                        ));
                    }
                }
            }
        }
        atoms.push(Atom {
            line: line_no,
            species,
            type_,
            id,
            position,
            velocity,
            momentum,
        });
    }

    // What follows the last atom is nothing, blank lines, or the next frame's atom count. An
    // atom line there means line 1 undercounts the atoms, which must not drop them silently.
    let after = n_atoms.saturating_add(3);
    if let Some((k, line)) = lines.enumerate().find(|(_, l)| !l.trim().is_empty()) {
        let line_no = after.saturating_add(k);
        if line.trim().parse::<usize>().is_err() {
            return Err(ctx.err(
                line_no,
                line,
                format!(
                    "line 1 gives {n_atoms} atoms, but line {line_no} after them is another atom \
                     line, not the count of a next frame: {:?} (a wrong count on line 1?)",
                    shorten(line)
                ),
            ));
        }
    }

    // Species, with masses.
    let mut species = Vec::with_capacity(symbols.len());
    for (symbol, line) in &symbols {
        let Some(mass) = Species::standard_mass_amu(symbol) else {
            return Err(ctx.err(
                *line,
                symbol,
                format!(
                    "unknown element {:?}: no standard mass is known for it",
                    shorten(symbol)
                ),
            ));
        };
        species.push(Species::new(symbol, mass));
    }
    // Order species by a consistent `type` column, if there is one.
    let mut order: Vec<usize> = (0..species.len()).collect();
    if type_p.is_some() {
        let mut type_of: Vec<Option<i64>> = vec![None; species.len()];
        let mut consistent = true;
        for a in &atoms {
            match type_of.get_mut(a.species) {
                Some(slot @ None) => *slot = a.type_,
                Some(Some(t)) if Some(*t) == a.type_ => {}
                _ => consistent = false,
            }
        }
        let mut seen: Vec<i64> = type_of.iter().flatten().copied().collect();
        seen.sort_unstable();
        seen.dedup();
        if consistent && seen.len() == species.len() {
            order.sort_by_key(|&i| type_of.get(i).copied().flatten());
        }
    }
    let mut new_index = vec![0; species.len()];
    for (new, &old) in order.iter().enumerate() {
        if let Some(slot) = new_index.get_mut(old) {
            *slot = new;
        }
    }
    let species: Vec<Species> = order
        .iter()
        .filter_map(|&i| species.get(i).cloned())
        .collect();

    // Sort by id and check ids are unique.
    if id_p.is_some() {
        atoms.sort_by_key(|a| a.id);
        for pair in atoms.windows(2) {
            if let [a, b] = pair
                && a.id == b.id
            {
                let id = a.id.unwrap_or(0).to_string();
                return Err(ctx.err(
                    b.line.max(a.line),
                    &id,
                    format!(
                        "duplicate atom id {id} (also on line {})",
                        b.line.min(a.line)
                    ),
                ));
            }
        }
    }

    for a in &atoms {
        if let Some(problem) = cell.position_problem(a.position) {
            return Err(ctx.err(a.line, &format!("{:?}", a.position), problem));
        }
    }
    let mut system = System::new(cell, species);
    let unit = ase_velocity_unit_in_angstrom_per_ps();
    for (k, a) in atoms.iter().enumerate() {
        let t = new_index.get(a.species).copied().unwrap_or(0);
        let velocity = match a.momentum {
            Some(p) => {
                let m = system.species.get(t).map_or(1.0, |s| s.mass_amu);
                p.map(|pk| pk / m * unit)
            }
            None => a.velocity,
        };
        system.ids.push(a.id.unwrap_or(k as u64 + 1));
        system.types.push(t);
        system.positions_angstrom.push(a.position);
        system.velocities_angstrom_per_ps.push(velocity);
    }
    Ok(system)
}

/// Writes `system` as one extended XYZ frame with columns `species pos vel id type`, every
/// number in shortest round-trip form. Fails with `InvalidInput` for a system that is not
/// writable (see `System::validate`; ids must also be positive and unique).
pub fn write_xyz<W: Write>(out: &mut W, system: &System) -> std::io::Result<()> {
    check_writable(system).map_err(invalid_input)?;
    let mut out = std::io::BufWriter::new(out);
    let lo = system.cell.lo_angstrom();
    let l = system.cell.lengths_angstrom();
    let z = fmt_f64(0.0);
    writeln!(out, "{}", system.n_atoms())?;
    writeln!(
        out,
        "Lattice=\"{a} {z} {z} {z} {b} {z} {z} {z} {c}\" Origin=\"{} {} {}\" \
         Properties=species:S:1:pos:R:3:vel:R:3:id:I:1:type:I:1 pbc=\"T T T\" \
         units=\"metal: A, A/ps\"",
        fmt_f64(lo[0]),
        fmt_f64(lo[1]),
        fmt_f64(lo[2]),
        a = fmt_f64(l[0]),
        b = fmt_f64(l[1]),
        c = fmt_f64(l[2]),
    )?;
    for (((&t, x), v), id) in system
        .types
        .iter()
        .zip(&system.positions_angstrom)
        .zip(&system.velocities_angstrom_per_ps)
        .zip(&system.ids)
    {
        let symbol = system.species.get(t).map_or("X", |s| s.symbol.as_str());
        writeln!(
            out,
            "{symbol} {} {} {} {} {} {} {id} {}",
            fmt_f64(x[0]),
            fmt_f64(x[1]),
            fmt_f64(x[2]),
            fmt_f64(v[0]),
            fmt_f64(v[1]),
            fmt_f64(v[2]),
            t + 1
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::mutate;
    use proptest::prelude::*;

    const SMALL: &str = "3
Lattice=\"10.0 0.0 0.0 0.0 11.0 0.0 0.0 0.0 12.0\" Origin=\"-1 0 0.5\" Properties=species:S:1:pos:R:3:vel:R:3:id:I:1 pbc=\"T T T\"
Zr 1.0 2.0 3.0 0.1 0.2 0.3 3
Cu 4.0 5.0 6.0 -0.1 -0.2 -0.3 1
Cu 7.0 8.0 9.0 0 0 0 2
";

    fn expect_err(text: &str, line: usize, token: &str) -> String {
        let e = read_xyz(text, "bad.xyz").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("bad.xyz:{line}: ")),
            "wrong place in {msg:?}"
        );
        assert!(msg.contains(token), "{msg:?} does not quote {token:?}");
        assert_eq!(e.line(), Some(line));
        msg
    }

    #[test]
    fn reads_small_file_sorted_by_id() {
        let s = read_xyz(SMALL, "small.xyz").unwrap();
        assert_eq!(s.ids, vec![1, 2, 3]);
        assert_eq!(s.species.len(), 2);
        assert_eq!(s.species[0].symbol, "Zr"); // first appearance without a type column
        assert_eq!(s.species[1].mass_amu, 63.546);
        assert_eq!(s.types, vec![1, 1, 0]);
        assert_eq!(s.positions_angstrom[0], [4.0, 5.0, 6.0]);
        assert_eq!(s.velocities_angstrom_per_ps[2], [0.1, 0.2, 0.3]);
        assert_eq!(s.cell.lo_angstrom(), [-1.0, 0.0, 0.5]);
        assert_eq!(s.cell.lengths_angstrom(), [10.0, 11.0, 12.0]);
    }

    #[test]
    fn defaults_skipped_columns_and_ase_style() {
        // No Origin, no velocities, no ids, unknown columns of several widths, bare flag key,
        // momenta in ASE units.
        let text = "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:tags:I:1:\
                    forces:R:3:fixed:L:1:name:S:1:momenta:R:3 pbc=\"T T T\" flag energy=-1.5\n\
                    Cu 1 2 3 7 0.1 0.2 0.3 T foo 63.546 0 0\n\
                    Zr 1.5 2.5 3.5 8 0.1 0.2 0.3 F bar 0 0 0\n";
        let s = read_xyz(text, "ase.xyz").unwrap();
        assert_eq!(s.ids, vec![1, 2]);
        assert_eq!(s.cell.lo_angstrom(), [0.0; 3]);
        assert_eq!(s.positions_angstrom[1], [1.5, 2.5, 3.5]);
        let v = s.velocities_angstrom_per_ps[0][0];
        assert!((v - 98.22694788464063).abs() < 1e-9, "{v}");
        assert_eq!(s.velocities_angstrom_per_ps[1], [0.0; 3]);

        // Default Properties.
        let text = "1\nLattice=\"5 0 0 0 5 0 0 0 5\"\nAl 1 2 3\n";
        let s = read_xyz(text, "plain.xyz").unwrap();
        assert_eq!(s.species[0].symbol, "Al");
    }

    #[test]
    fn round_trip_is_bit_identical() {
        let mut s = read_xyz(SMALL, "small.xyz").unwrap();
        s.positions_angstrom[1] = [1.0 / 3.0, -1e-310, 9.87654321e-7];
        s.velocities_angstrom_per_ps[0] = [std::f64::consts::PI, -0.0, 1e20];
        let mut buf = Vec::new();
        write_xyz(&mut buf, &s).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let r = read_xyz(&text, "rt.xyz").unwrap();
        assert_eq!(r.ids, s.ids);
        assert_eq!(r.types, s.types);
        assert_eq!(r.species, s.species);
        assert_eq!(r.cell, s.cell);
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
    }

    #[test]
    fn reads_shared_glass_extxyz_and_matches_data_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let text = std::fs::read_to_string(dir.join("glass_300K.extxyz"))
            .expect("tests/data/glass_300K.extxyz is part of the repository");
        let s = read_xyz(&text, "glass_300K.extxyz").unwrap();
        assert_eq!(s.n_atoms(), 4000);
        assert_eq!(s.species[0].symbol, "Cu"); // ordered by the type column
        assert_eq!(s.species[1].symbol, "Zr");
        assert_eq!(s.count_by_species(), vec![2000, 2000]);
        assert_eq!(s.cell.lo_angstrom(), [-0.19532655401082977; 3]);
        assert_eq!(s.ids, (1..=4000).collect::<Vec<u64>>());

        let data = std::fs::read_to_string(dir.join("glass_300K.data")).unwrap();
        let d = crate::io::read_lammps_data(&data, "glass_300K.data").unwrap();
        assert_eq!(d.ids, s.ids);
        assert_eq!(d.types, s.types);
        assert_eq!(d.positions_angstrom, s.positions_angstrom);
        assert_eq!(d.velocities_angstrom_per_ps, s.velocities_angstrom_per_ps);
        assert_eq!(d.species, s.species);
    }

    #[test]
    fn error_bad_count() {
        expect_err("abc\n", 1, "\"abc\"");
        expect_err("", 1, "\"\"");
        expect_err("-3\nLattice=\"1 0 0 0 1 0 0 0 1\"\n", 1, "\"-3\"");
        let zero = expect_err("0\nLattice=\"1 0 0 0 1 0 0 0 1\"\n", 1, "\"0\"");
        assert!(zero.contains("at least one atom"), "{zero}");
    }

    #[test]
    fn error_count_short_of_the_atom_lines() {
        let head = "Lattice=\"9 0 0 0 9 0 0 0 9\" Properties=species:S:1:pos:R:3";
        let atoms = "Cu 0 0 0\nZr 2 2 2\nCu 4 4 4\n";
        // Line 1 says 2 of the 3 atoms: the third (line 5) is named, not dropped.
        let message = expect_err(&format!("2\n{head}\n{atoms}"), 5, "Cu 4 4 4");
        assert!(message.contains("line 1 gives 2 atoms"), "{message}");
        // The right count, or a second frame after the first, still reads.
        assert_eq!(
            read_xyz(&format!("3\n{head}\n{atoms}\n\n"), "t")
                .unwrap()
                .n_atoms(),
            3
        );
        let two_frames = format!("3\n{head}\n{atoms}3\n{head}\n{atoms}");
        assert_eq!(read_xyz(&two_frames, "t").unwrap().n_atoms(), 3);
    }

    #[test]
    fn error_missing_comment_or_lattice() {
        expect_err("1\n", 2, "Lattice");
        expect_err(
            "1\nProperties=species:S:1:pos:R:3\nCu 0 0 0\n",
            2,
            "Lattice",
        );
    }

    #[test]
    fn error_bad_lattice() {
        expect_err("1\nLattice=\"1 0 0 0 1 0 0 0 zz\"\nCu 0 0 0\n", 2, "\"zz\"");
        expect_err(
            "1\nLattice=\"1 0 0 0 1 0 0 0\"\nCu 0 0 0\n",
            2,
            "1 0 0 0 1 0 0 0",
        );
        let m = expect_err(
            "1\nLattice=\"10 0 0 1 10 0 0 0 10\"\nCu 0 0 0\n",
            2,
            "10 0 0 1 10 0 0 0 10",
        );
        assert!(m.contains("triclinic"), "{m}");
        expect_err("1\nLattice=\"10 0 0 0 -10 0 0 0 10\"\nCu 0 0 0\n", 2, "-10");
        expect_err("1\nLattice=\"10 0 0 0 10 0 0 0 10\n", 2, "unterminated");
        expect_err(
            "1\nLattice=\"10 0 0 0 10 0 0 0 10\" Origin=\"0 nan 0\"\nCu 0 0 0\n",
            2,
            "\"nan\"",
        );
    }

    #[test]
    fn error_bad_pbc() {
        expect_err(
            "1\nLattice=\"10 0 0 0 10 0 0 0 10\" pbc=\"T F T\"\nCu 0 0 0\n",
            2,
            "T F T",
        );
    }

    #[test]
    fn error_bad_properties() {
        let lat = "Lattice=\"10 0 0 0 10 0 0 0 10\"";
        expect_err(
            &format!("1\n{lat} Properties=species:S:1:pos:R\nCu 0 0 0\n"),
            2,
            "species:S:1:pos:R",
        );
        expect_err(
            &format!("1\n{lat} Properties=species:S:1:pos:Q:3\nCu 0 0 0\n"),
            2,
            "\"Q\"",
        );
        expect_err(
            &format!("1\n{lat} Properties=species:S:1:pos:R:x\nCu 0 0 0\n"),
            2,
            "\"x\"",
        );
        expect_err(
            &format!("1\n{lat} Properties=species:S:1:pos:R:2\nCu 0 0\n"),
            2,
            "\"pos\"",
        );
        expect_err(
            &format!("1\n{lat} Properties=species:S:1:x:R:3\nCu 0 0 0\n"),
            2,
            "species:S:1:x:R:3",
        );
    }

    #[test]
    fn error_bad_atom_lines() {
        let head = "2\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3:id:I:1\n";
        expect_err(&format!("{head}Cu 0 0 0 1\nCu 1 abc 1 2\n"), 4, "\"abc\"");
        expect_err(&format!("{head}Cu 0 0 0 1\nCu 1 1 2\n"), 4, "Cu 1 1 2");
        expect_err(&format!("{head}Cu 0 0 0 1\n"), 4, "end of file");
        expect_err(&format!("{head}Cu 0 0 0 1\nCu 1 1 1 -2\n"), 4, "\"-2\"");
        let m = expect_err(&format!("{head}Cu 0 0 0 7\nZr 1 1 1 7\n"), 4, "7");
        assert!(m.contains("duplicate") && m.contains("line 3"), "{m}");
        expect_err(&format!("{head}Cu 0 0 0 1\nXx 1 1 1 2\n"), 4, "\"Xx\"");
        expect_err(&format!("{head}Cu 0 0 0 1\nCu 1 inf 1 2\n"), 4, "\"inf\"");
    }

    #[test]
    fn key_value_parsing() {
        let kv = parse_key_values(r#"a=1 b = "x y" c={1 2} flag d="q\"uote" e=bare"#).unwrap();
        let expected = [
            ("a", "1"),
            ("b", "x y"),
            ("c", "1 2"),
            ("flag", "T"),
            ("d", "q\"uote"),
            ("e", "bare"),
        ];
        assert_eq!(kv.len(), expected.len());
        for ((k, v), (ek, ev)) in kv.iter().zip(expected) {
            assert_eq!((k.as_str(), v.as_str()), (ek, ev));
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_mutated_input(
            edits in prop::collection::vec(
                (any::<usize>(), any::<u8>(),
                 prop::sample::select(vec![' ', '\n', '"', '=', ':', '0', '9', '-', '.', 'e',
                     'x', 'T', 'F', '{', '}', '\\', 'é', '\t', 'R', 'S', 'I', 'L'])),
                0..12)
        ) {
            let text = mutate(SMALL, &edits);
            let _ = read_xyz(&text, "fuzz.xyz");
        }

        #[test]
        fn never_panics_on_random_text(text in "\\PC{0,300}") {
            let _ = read_xyz(&text, "fuzz.xyz");
            let with_head = format!("2\nLattice=\"1 0 0 0 1 0 0 0 1\" {text}");
            let _ = read_xyz(&with_head, "fuzz.xyz");
        }
    }
}
