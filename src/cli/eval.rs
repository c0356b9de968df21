//! `betaglass eval FILE --json`: one-shot energy, forces, virial, pressure.
//!
//! Like LAMMPS's `run 0`, it reports any configuration, even one whose forces would stop an MD
//! run as a blow-up (overlapping atoms); it then warns on standard error, so `--json` output
//! stays machine-readable.

use std::path::PathBuf;

use serde::Serialize;

use betaglass::simulation::{BLOW_UP_FORCE_EV_PER_ANGSTROM, evaluate};
use betaglass::system::units::NKTV2P;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Extended XYZ or LAMMPS data file.
    pub file: PathBuf,
    #[command(flatten)]
    pub potential: super::PotentialArgs,
    /// Print everything as JSON (per-atom arrays in the file's atom order).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct EvalOutput {
    n_atoms: usize,
    energy_ev: f64,
    per_atom_energy_ev: Vec<f64>,
    forces_ev_per_angstrom: Vec<[f64; 3]>,
    /// xx yy zz xy xz yz
    virial_ev: [f64; 6],
    /// Virial part only (no kinetic term), as LAMMPS `compute pressure NULL virial`.
    pressure_bar: f64,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let system = super::load_system(Some(&args.file))?;
    let potential = args.potential.load()?;
    let result = evaluate(&system, potential)?;
    let max_force_ev_per_angstrom = result.max_force_ev_per_angstrom();
    if !result.is_finite() {
        // serde_json writes NaN and ±inf as null: say so rather than let a null pass silently.
        eprintln!(
            "warning: {}: the energy or a force is not finite (NaN or infinite; null in --json)",
            args.file.display()
        );
    } else if max_force_ev_per_angstrom > BLOW_UP_FORCE_EV_PER_ANGSTROM {
        eprintln!(
            "warning: {}: largest force {max_force_ev_per_angstrom:.3e} eV/Å exceeds \
             {BLOW_UP_FORCE_EV_PER_ANGSTROM:.0e} eV/Å (overlapping atoms?): `md` would refuse to start here",
            args.file.display()
        );
    }
    let volume = system.cell.volume_angstrom3();
    let w = result.virial_ev;
    let out = EvalOutput {
        n_atoms: system.n_atoms(),
        energy_ev: result.energy_ev,
        pressure_bar: (w[0] + w[1] + w[2]) / (3.0 * volume) * NKTV2P,
        per_atom_energy_ev: result.per_atom_energy_ev,
        forces_ev_per_angstrom: result.forces_ev_per_angstrom,
        virial_ev: w,
    };
    if args.json {
        out!("{}", serde_json::to_string(&out)?);
    } else {
        out!("atoms            {}", out.n_atoms);
        out!(
            "energy           {:.10} eV ({:.10} eV/atom)",
            out.energy_ev,
            out.energy_ev / out.n_atoms as f64
        );
        out!(
            "virial (eV)      xx {:.6} yy {:.6} zz {:.6} xy {:.6} xz {:.6} yz {:.6}",
            w[0],
            w[1],
            w[2],
            w[3],
            w[4],
            w[5]
        );
        out!("pressure         {:.3} bar (virial part)", out.pressure_bar);
        out!("max |force|      {max_force_ev_per_angstrom:.6} eV/Å");
    }
    Ok(())
}
