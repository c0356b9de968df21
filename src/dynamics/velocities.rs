//! Kinetic energy, temperature and Maxwell–Boltzmann velocities.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::system::Vec3;
use crate::system::units::{BOLTZMANN_EV_PER_K, MVV2E};

/// Kinetic energy Σ ½ m v² (eV).
pub fn kinetic_energy_ev(masses_amu: &[f64], velocities: &[Vec3]) -> f64 {
    0.5 * MVV2E
        * masses_amu
            .iter()
            .zip(velocities)
            .map(|(m, v)| m * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]))
            .sum::<f64>()
}

/// Kinetic tensor Σ m v_a v_b in the order xx yy zz xy xz yz (eV).
pub fn kinetic_tensor_ev(masses_amu: &[f64], velocities: &[Vec3]) -> [f64; 6] {
    let mut t = [0.0; 6];
    for (m, v) in masses_amu.iter().zip(velocities) {
        let mm = m * MVV2E;
        t[0] += mm * v[0] * v[0];
        t[1] += mm * v[1] * v[1];
        t[2] += mm * v[2] * v[2];
        t[3] += mm * v[0] * v[1];
        t[4] += mm * v[0] * v[2];
        t[5] += mm * v[1] * v[2];
    }
    t
}

/// Degrees of freedom of N atoms with the centre-of-mass motion removed (LAMMPS `compute temp`).
pub fn degrees_of_freedom(n_atoms: usize) -> f64 {
    (3 * n_atoms).saturating_sub(3).max(1) as f64
}

/// Instantaneous temperature 2 KE / (N_f k_B) (K).
pub fn temperature_k(masses_amu: &[f64], velocities: &[Vec3]) -> f64 {
    2.0 * kinetic_energy_ev(masses_amu, velocities)
        / (degrees_of_freedom(velocities.len()) * BOLTZMANN_EV_PER_K)
}

/// Removes the centre-of-mass velocity.
pub fn zero_momentum(masses_amu: &[f64], velocities: &mut [Vec3]) {
    let total_mass: f64 = masses_amu.iter().sum();
    if total_mass <= 0.0 {
        return;
    }
    let mut p = [0.0; 3];
    for (m, v) in masses_amu.iter().zip(velocities.iter()) {
        for k in 0..3 {
            p[k] += m * v[k];
        }
    }
    let v_cm: Vec3 = std::array::from_fn(|k| p[k] / total_mass);
    for v in velocities.iter_mut() {
        for k in 0..3 {
            v[k] -= v_cm[k];
        }
    }
}

/// Maxwell–Boltzmann velocities at `target_k` with zero total momentum, scaled so the
/// instantaneous temperature is exactly `target_k` (as LAMMPS `velocity create … mom yes`).
pub fn maxwell_boltzmann<R: Rng>(
    masses_amu: &[f64],
    target_k: f64,
    rng: &mut R,
    velocities: &mut [Vec3],
) {
    for (m, v) in masses_amu.iter().zip(velocities.iter_mut()) {
        let sigma = (BOLTZMANN_EV_PER_K * target_k / (m * MVV2E)).sqrt();
        *v = std::array::from_fn(|_| {
            let z: f64 = StandardNormal.sample(rng);
            sigma * z
        });
    }
    zero_momentum(masses_amu, velocities);
    let t = temperature_k(masses_amu, velocities);
    if t > 0.0 {
        let scale = (target_k / t).sqrt();
        for v in velocities.iter_mut() {
            for c in v.iter_mut() {
                *c *= scale;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn maxwell_boltzmann_hits_the_temperature_with_zero_momentum() {
        let masses: Vec<f64> = (0..1000)
            .map(|i| if i % 2 == 0 { 63.546 } else { 91.224 })
            .collect();
        let mut v = vec![[0.0; 3]; 1000];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        maxwell_boltzmann(&masses, 300.0, &mut rng, &mut v);
        assert!((temperature_k(&masses, &v) - 300.0).abs() < 1e-9);
        let p: f64 = (0..3)
            .map(|k| {
                masses
                    .iter()
                    .zip(&v)
                    .map(|(m, v)| m * v[k])
                    .sum::<f64>()
                    .abs()
            })
            .sum();
        assert!(p < 1e-9);
    }
}
