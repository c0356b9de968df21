//! Helpers shared by the integration tests: reference data and potentials, scratch folders,
//! and running the built binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use betaglass::landscape::surface::MullerBrown;
use betaglass::potential::{Eam, Potential, SetflTables, mendelev};
use betaglass::system::{Cell, Species, System, Vec3};
use serde_json::Value;

pub fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// A fresh, empty folder for one test's files: `<suite>-<test>` in Cargo's scratch folder
/// for integration tests, `suite` being the test file's name (`cli`, `faults`...).
pub fn scratch_dir(test: &str) -> PathBuf {
    let suite = env!("CARGO_CRATE_NAME");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{suite}-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The built binary, to be given its arguments.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_betaglass"))
}

/// Runs the built binary with `args` in `dir`.
pub fn betaglass(args: &[&str], dir: &Path) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("betaglass runs")
}

/// A process's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A process's standard error as text.
pub fn stderr(out: &Output) -> String {
    text(&out.stderr)
}

/// Runs `betaglass` expecting a clean failure (no panic); returns its standard error.
pub fn fail(args: &[&str], dir: &Path) -> String {
    let out = betaglass(args, dir);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "betaglass {args:?} should fail");
    assert!(
        !err.contains("panicked"),
        "betaglass {args:?} panicked:\n{err}"
    );
    err
}

/// Runs the binary with `args`, which must fail (not panic: exit status 1 or clap's 2) with
/// every one of `needles` in its stderr.
pub fn refused(args: &[&str], needles: &[&str]) {
    let out = bin().args(args).output().unwrap();
    let err = stderr(&out);
    let code = out.status.code();
    assert!(
        matches!(code, Some(1) | Some(2)),
        "{args:?}: exit {code:?}, stderr {err}"
    );
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
    }
}

pub fn load_json(relative: &str) -> Value {
    let path = data_path(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// LAMMPS's own table file, shipped in `tests/data/potentials/` (provenance and sha256 in its
/// README) so the tests need nothing installed. `BETAGLASS_SETFL` points them at another copy,
/// e.g. `/usr/share/lammps/potentials/CuZr_mm.eam.fs` from Debian's lammps-data.
pub fn setfl_path() -> PathBuf {
    std::env::var_os("BETAGLASS_SETFL")
        .map(PathBuf::from)
        .unwrap_or_else(|| data_path("potentials/CuZr_mm.eam.fs"))
}

pub fn lammps_potential() -> Arc<dyn Potential> {
    let path = setfl_path();
    assert!(
        path.exists(),
        "{} is missing: {}",
        path.display(),
        if std::env::var_os("BETAGLASS_SETFL").is_some() {
            "BETAGLASS_SETFL points to no file"
        } else {
            "it ships with the sources in tests/data/potentials/ (incomplete checkout?)"
        }
    );
    let tables = SetflTables::read(&path, None).expect("the LAMMPS setfl file parses");
    Arc::new(Eam::from_tables(
        &tables,
        format!("eam/fs {}", path.display()),
    ))
}

pub fn embedded_potential() -> Arc<dyn Potential> {
    Arc::new(mendelev::cu_zr_mendelev_2007())
}

pub fn cu_zr_species() -> Vec<Species> {
    vec![Species::new("Cu", 63.546), Species::new("Zr", 91.224)]
}

pub fn vec3(v: &Value) -> Vec3 {
    let a = v.as_array().expect("a 3-vector");
    [0, 1, 2].map(|k| a[k].as_f64().expect("a number"))
}

/// A system from LAMMPS type ids (1 = Cu, 2 = Zr) and positions.
pub fn system_from(cell: Cell, atoms: impl IntoIterator<Item = (usize, Vec3)>) -> System {
    let mut system = System::new(cell, cu_zr_species());
    for (lammps_type, x) in atoms {
        system.push_atom(lammps_type - 1, x);
    }
    system
}

/// Crystal from a lattice: `basis` in fractions of the orthorhombic cell `edges`.
pub fn crystal(edges: Vec3, basis: &[(usize, Vec3)], repeats: [usize; 3]) -> System {
    let cell = Cell::new(
        [0.0; 3],
        std::array::from_fn(|k| edges[k] * repeats[k] as f64),
    )
    .unwrap();
    let mut atoms = Vec::new();
    for i in 0..repeats[0] {
        for j in 0..repeats[1] {
            for k in 0..repeats[2] {
                let origin = [i as f64, j as f64, k as f64];
                for &(t, f) in basis {
                    atoms.push((t, std::array::from_fn(|d| (origin[d] + f[d]) * edges[d])));
                }
            }
        }
    }
    system_from(cell, atoms)
}

/// A stationary point of the Müller–Brown surface: Newton's method on ∇V = 0 with the
/// analytic Hessian, from `p`.
pub fn muller_brown_newton(mut p: [f64; 2]) -> [f64; 2] {
    for _ in 0..100 {
        let g = MullerBrown::gradient(p);
        let h = MullerBrown::hessian(p);
        let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
        let dx = (h[1][1] * g[0] - h[0][1] * g[1]) / det;
        let dy = (-h[1][0] * g[0] + h[0][0] * g[1]) / det;
        p = [p[0] - dx, p[1] - dy];
        if dx.hypot(dy) < 1e-15 {
            break;
        }
    }
    let g = MullerBrown::gradient(p);
    assert!(g[0].hypot(g[1]) < 1e-9, "Newton did not converge at {p:?}");
    p
}
