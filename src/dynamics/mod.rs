//! Integrators and ensembles: velocity Verlet, Nosé–Hoover chains (LAMMPS `fix nvt`),
//! Langevin (BAOAB), the isotropic MTK barostat (LAMMPS `fix npt iso`), each an integrator
//! style (see [`integrator`]), and the FIRE minimiser.

mod barostat;
pub mod fire;
pub mod integrator;
mod langevin;
mod nose_hoover;
pub mod velocities;

pub use barostat::MtkBarostat;
pub use fire::{Fire, FireLimits, FireSettings, FireVariant, MinimizeOutcome};
pub use integrator::{
    Atoms, Integrator, IntegratorError, IntegratorState, integrator_for, pressure_bar,
    pressure_tensor_bar,
};
pub use langevin::Langevin;
pub use nose_hoover::NoseHooverChain;

use serde::{Deserialize, Serialize};

/// The thermodynamic ensemble a run samples, with its coupling constants.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ensemble {
    /// Microcanonical: plain velocity Verlet.
    Nve,
    /// Canonical by a Nosé–Hoover chain of length 3, as LAMMPS `fix nvt temp T T damping`.
    Nvt { temperature_k: f64, damping_ps: f64 },
    /// Canonical by Langevin dynamics (BAOAB splitting), friction 1/damping.
    Langevin { temperature_k: f64, damping_ps: f64 },
    /// Isothermal–isobaric, isotropic MTK barostat with Nosé–Hoover chains, as LAMMPS
    /// `fix npt temp T T tdamp iso P P pdamp`.
    Npt {
        temperature_k: f64,
        temperature_damping_ps: f64,
        pressure_bar: f64,
        pressure_damping_ps: f64,
    },
}

impl Ensemble {
    /// Checks the coupling constants are physical.
    pub fn validate(&self) -> Result<(), String> {
        let positive = |name: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be positive and finite, got {x}"))
            }
        };
        match *self {
            Ensemble::Nve => Ok(()),
            Ensemble::Nvt {
                temperature_k,
                damping_ps,
            }
            | Ensemble::Langevin {
                temperature_k,
                damping_ps,
            } => {
                positive("temperature (K)", temperature_k)?;
                positive("damping (ps)", damping_ps)
            }
            Ensemble::Npt {
                temperature_k,
                temperature_damping_ps,
                pressure_bar,
                pressure_damping_ps,
            } => {
                positive("temperature (K)", temperature_k)?;
                positive("temperature damping (ps)", temperature_damping_ps)?;
                positive("pressure damping (ps)", pressure_damping_ps)?;
                if pressure_bar.is_finite() {
                    Ok(())
                } else {
                    Err(format!("pressure must be finite, got {pressure_bar}"))
                }
            }
        }
    }
}
