//! Nosé–Hoover chain thermostat, integrated as LAMMPS `fix nh` does (`nhc_temp_integrate`):
//! a chain of 3, one Trotter loop, a half-step at each end of the velocity-Verlet step.

use crate::system::units::BOLTZMANN_EV_PER_K;

const CHAIN: usize = 3;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NoseHooverChain {
    target_k: f64,
    frequency_per_ps: f64,
    eta: [f64; CHAIN],
    /// One extra zero element so `eta_dot[i + 1]` is defined for the last link.
    eta_dot: [f64; CHAIN + 1],
    eta_dotdot: [f64; CHAIN],
}

impl NoseHooverChain {
    pub fn new(target_k: f64, damping_ps: f64) -> Self {
        Self {
            target_k,
            frequency_per_ps: 1.0 / damping_ps,
            eta: [0.0; CHAIN],
            eta_dot: [0.0; CHAIN + 1],
            eta_dotdot: [0.0; CHAIN],
        }
    }

    pub fn target_k(&self) -> f64 {
        self.target_k
    }

    pub fn set_target_k(&mut self, target_k: f64) {
        self.target_k = target_k;
    }

    fn masses(&self, dof: f64) -> [f64; CHAIN] {
        let q =
            BOLTZMANN_EV_PER_K * self.target_k / (self.frequency_per_ps * self.frequency_per_ps);
        std::array::from_fn(|i| if i == 0 { dof * q } else { q })
    }

    /// Energy stored in the chain (eV): the conserved quantity adds this to E_pot + E_kin.
    pub fn energy_ev(&self, dof: f64) -> f64 {
        let q = self.masses(dof);
        let kt = BOLTZMANN_EV_PER_K * self.target_k;
        let mut e = 0.0;
        for i in 0..CHAIN {
            e += 0.5 * q[i] * self.eta_dot[i] * self.eta_dot[i];
            e += if i == 0 {
                dof * kt * self.eta[i]
            } else {
                kt * self.eta[i]
            };
        }
        e
    }

    /// Half-step of the chain. `kinetic_ev` is the particles' kinetic energy; returns the factor
    /// by which the caller must scale every velocity.
    pub fn half_step(&mut self, kinetic_ev: f64, dof: f64, dt_ps: f64) -> f64 {
        let q = self.masses(dof);
        let kt = BOLTZMANN_EV_PER_K * self.target_k;
        let ke_target = dof * kt;
        let (dt4, dt8, dthalf) = (0.25 * dt_ps, 0.125 * dt_ps, 0.5 * dt_ps);
        let mut ke2 = 2.0 * kinetic_ev;
        for i in 1..CHAIN {
            self.eta_dotdot[i] = (q[i - 1] * self.eta_dot[i - 1].powi(2) - kt) / q[i];
        }
        self.eta_dotdot[0] = (ke2 - ke_target) / q[0];
        for i in (1..CHAIN).rev() {
            let expfac = (-dt8 * self.eta_dot[i + 1]).exp();
            self.eta_dot[i] *= expfac;
            self.eta_dot[i] += self.eta_dotdot[i] * dt4;
            self.eta_dot[i] *= expfac;
        }
        let expfac = (-dt8 * self.eta_dot[1]).exp();
        self.eta_dot[0] *= expfac;
        self.eta_dot[0] += self.eta_dotdot[0] * dt4;
        self.eta_dot[0] *= expfac;

        let scale = (-dthalf * self.eta_dot[0]).exp();
        ke2 *= scale * scale;
        self.eta_dotdot[0] = (ke2 - ke_target) / q[0];
        for i in 0..CHAIN {
            self.eta[i] += dthalf * self.eta_dot[i];
        }
        self.eta_dot[0] *= expfac;
        self.eta_dot[0] += self.eta_dotdot[0] * dt4;
        self.eta_dot[0] *= expfac;
        for i in 1..CHAIN {
            let expfac = (-dt8 * self.eta_dot[i + 1]).exp();
            self.eta_dot[i] *= expfac;
            self.eta_dotdot[i] = (q[i - 1] * self.eta_dot[i - 1].powi(2) - kt) / q[i];
            self.eta_dot[i] += self.eta_dotdot[i] * dt4;
            self.eta_dot[i] *= expfac;
        }
        scale
    }

    /// A chain of one scalar degree of freedom (the barostat's), with kinetic energy W ω²/2.
    /// Returns the factor to scale ω by.
    pub fn half_step_single(&mut self, kinetic_ev: f64, dt_ps: f64) -> f64 {
        self.half_step(kinetic_ev, 1.0, dt_ps)
    }
}
