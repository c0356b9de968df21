//! Trajectories in LAMMPS `dump custom` text format, readable by OVITO, VMD, ASE and LAMMPS
//! `rerun`: `ITEM: ATOMS id type element x y z vx vy vz [fx fy fz]`, with `type` the 1-based
//! species index and every number in shortest round-trip form.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::{WriteError, check_writable, fmt_f64};
use crate::system::{System, Vec3};

/// Appends frames to a `dump custom` stream.
pub struct DumpWriter<W: Write> {
    out: W,
    /// Names the destination in error messages.
    name: String,
    frames: usize,
}

impl DumpWriter<BufWriter<File>> {
    /// Creates (truncates) the file at `path`.
    pub fn create(path: &Path) -> Result<Self, WriteError> {
        let name = path.display().to_string();
        let file = File::create(path).map_err(|source| WriteError::Io {
            file: name.clone(),
            source,
        })?;
        Ok(Self::with_name(BufWriter::new(file), &name))
    }
}

impl<W: Write> DumpWriter<W> {
    /// Writes to `out`, named `<dump>` in error messages.
    pub fn new(out: W) -> Self {
        Self::with_name(out, "<dump>")
    }

    /// Writes to `out`, named `name` in error messages.
    pub fn with_name(out: W, name: &str) -> Self {
        Self {
            out,
            name: name.to_string(),
            frames: 0,
        }
    }

    /// Number of frames written so far.
    pub fn frames_written(&self) -> usize {
        self.frames
    }

    /// Appends one frame. `forces_ev_per_angstrom`, when given, must have one entry per atom
    /// and adds the columns `fx fy fz`.
    pub fn write_frame(
        &mut self,
        timestep: u64,
        system: &System,
        forces_ev_per_angstrom: Option<&[Vec3]>,
    ) -> Result<(), WriteError> {
        check_writable(system).map_err(|message| self.invalid(message))?;
        if let Some(f) = forces_ev_per_angstrom {
            if f.len() != system.n_atoms() {
                return Err(self.invalid(format!(
                    "{} forces for {} atoms",
                    f.len(),
                    system.n_atoms()
                )));
            }
            if f.iter().flatten().any(|c| !c.is_finite()) {
                return Err(self.invalid("a force is not finite".into()));
            }
        }
        let text = format_frame(timestep, system, forces_ev_per_angstrom);
        self.out
            .write_all(text.as_bytes())
            .map_err(|source| self.io(source))?;
        self.frames += 1;
        Ok(())
    }

    /// Flushes buffered frames to the destination.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        self.out.flush().map_err(|source| self.io(source))
    }

    /// Flushes and returns the destination.
    pub fn into_inner(mut self) -> Result<W, WriteError> {
        self.flush()?;
        Ok(self.out)
    }

    fn io(&self, source: std::io::Error) -> WriteError {
        WriteError::Io {
            file: self.name.clone(),
            source,
        }
    }

    fn invalid(&self, message: String) -> WriteError {
        WriteError::InvalidSystem {
            file: self.name.clone(),
            message,
        }
    }
}

fn format_frame(timestep: u64, system: &System, forces: Option<&[Vec3]>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let lo = system.cell.lo_angstrom();
    let hi = system.cell.hi_angstrom();
    // Writing to a String cannot fail.
    let _ = writeln!(s, "ITEM: TIMESTEP\n{timestep}");
    let _ = writeln!(s, "ITEM: NUMBER OF ATOMS\n{}", system.n_atoms());
    let _ = writeln!(s, "ITEM: BOX BOUNDS pp pp pp");
    for (l, h) in lo.iter().zip(&hi) {
        let _ = writeln!(s, "{} {}", fmt_f64(*l), fmt_f64(*h));
    }
    let _ = writeln!(
        s,
        "ITEM: ATOMS id type element x y z vx vy vz{}",
        if forces.is_some() { " fx fy fz" } else { "" }
    );
    for (i, (((id, &t), x), v)) in system
        .ids
        .iter()
        .zip(&system.types)
        .zip(&system.positions_angstrom)
        .zip(&system.velocities_angstrom_per_ps)
        .enumerate()
    {
        let symbol = system.species.get(t).map_or("X", |sp| sp.symbol.as_str());
        let _ = write!(s, "{id} {} {symbol}", t + 1);
        for c in x.iter().chain(v) {
            let _ = write!(s, " {}", fmt_f64(*c));
        }
        if let Some(f) = forces.and_then(|f| f.get(i)) {
            for c in f {
                let _ = write!(s, " {}", fmt_f64(*c));
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::{Cell, Species};

    fn system() -> System {
        let cell = Cell::new([-1.0, 0.0, 0.5], [10.0, 11.0, 12.0]).unwrap();
        let mut s = System::new(
            cell,
            vec![Species::new("Cu", 63.546), Species::new("Zr", 91.224)],
        );
        s.push_atom(1, [1.0, 2.0, 3.0]);
        s.push_atom(0, [1.0 / 3.0, 5.0, 6.0]);
        s.velocities_angstrom_per_ps[0] = [0.5, -0.25, 1e-7];
        s
    }

    #[test]
    fn writes_dump_custom_frames() {
        let s = system();
        let mut w = DumpWriter::new(Vec::new());
        w.write_frame(0, &s, None).unwrap();
        w.write_frame(100, &s, Some(&[[1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]]))
            .unwrap();
        assert_eq!(w.frames_written(), 2);
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            &lines[..12],
            &[
                "ITEM: TIMESTEP",
                "0",
                "ITEM: NUMBER OF ATOMS",
                "2",
                "ITEM: BOX BOUNDS pp pp pp",
                "-1 9",
                "0 11",
                "0.5 12.5",
                "ITEM: ATOMS id type element x y z vx vy vz",
                "1 2 Zr 1 2 3 0.5 -0.25 1e-7",
                "2 1 Cu 0.3333333333333333 5 6 0 0 0",
                "ITEM: TIMESTEP",
            ]
        );
        assert_eq!(lines[12], "100");
        assert_eq!(
            lines[19],
            "ITEM: ATOMS id type element x y z vx vy vz fx fy fz"
        );
        assert_eq!(lines[20], "1 2 Zr 1 2 3 0.5 -0.25 1e-7 1 2 3");
        assert_eq!(lines.len(), 22);
        // Positions round-trip exactly.
        let x: f64 = lines[10]
            .split_whitespace()
            .nth(3)
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(x, 1.0 / 3.0);
    }

    #[test]
    fn refuses_mismatched_forces_and_invalid_systems() {
        let s = system();
        let mut w = DumpWriter::with_name(Vec::new(), "traj.dump");
        let e = w.write_frame(0, &s, Some(&[[0.0; 3]])).unwrap_err();
        assert!(e.to_string().contains("traj.dump"), "{e}");
        let mut bad = s.clone();
        bad.velocities_angstrom_per_ps[1][0] = f64::INFINITY;
        assert!(w.write_frame(0, &bad, None).is_err());
        assert_eq!(w.frames_written(), 0);
    }

    #[test]
    fn create_writes_a_file() {
        let path = std::env::temp_dir().join(format!("betaglass-dump-{}.dump", std::process::id()));
        let mut w = DumpWriter::create(&path).unwrap();
        w.write_frame(7, &system(), None).unwrap();
        w.flush().unwrap();
        drop(w);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(text.starts_with("ITEM: TIMESTEP\n7\n"));
        let e = DumpWriter::create(Path::new("/nonexistent-dir/t.dump"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("/nonexistent-dir/t.dump"), "{e}");
    }
}
