//! LAMMPS + Colvars decks of a metadynamics sampling: the LAMMPS input, the Colvars
//! configuration, a starting configuration whose image flags keep the cluster whole, and
//! the scripts that run many decks (locally, or as a Slurm job array). What the decks do,
//! and how `betaglass import` reads their output back, is in
//! [`campaign::lammps`](crate::campaign::lammps).

use std::collections::HashMap;

use super::{ReadError, fmt_f64};
use crate::sampling::SamplingSetup;
use crate::system::{System, Vec3};

/// The LAMMPS input of a sampling.
pub const LAMMPS_INPUT: &str = "in.lammps";
/// The Colvars configuration of a sampling.
pub const COLVARS_CONFIG: &str = "metad.colvars";
/// The starting configuration of a sampling (LAMMPS data, with image flags).
pub const DATA_FILE: &str = "start.data";
/// The potential, once per export folder.
pub const POTENTIAL_FILE: &str = "CuZr_mm.eam.fs";
/// Colvars' output prefix (`out.colvars.traj`, `out.colvars.meta.hills.traj`, `out.pmf`).
pub const OUTPUT_PREFIX: &str = "out";
/// Written by `in.lammps` when LAMMPS has run every step.
pub const DONE_FILE: &str = "done";
/// What each sampling folder is.
pub const MANIFEST: &str = "manifest.json";

/// The Mendelev Cu–Zr eam/fs file (LAMMPS' `CuZr_mm.eam.fs`), as shipped with the tests.
pub const POTENTIAL_TEXT: &str = include_str!("../../tests/data/potentials/CuZr_mm.eam.fs");

/// LAMMPS' velocity and Colvars seed for a job's seed: LAMMPS needs 1 ≤ seed < 2³¹, so a seed
/// in that range is kept (the campaign's `seed + i`, as `betaglass campaign` uses it) and any
/// other is folded into it.
pub fn lammps_seed(seed: u64) -> u64 {
    const MAX: u64 = (1 << 31) - 2;
    if (1..=MAX).contains(&seed) {
        seed
    } else {
        1 + seed % MAX
    }
}

/// A sampling's starting configuration for LAMMPS (see [`whole_cluster_start`]).
#[derive(Clone, Debug, PartialEq)]
pub struct WholeClusterStart {
    /// Every atom wrapped into the box.
    pub system: System,
    /// Image flags, in the system's order: 0 outside the cluster.
    pub images: Vec<[i64; 3]>,
    /// The cluster's x + image·L (cluster order), computed as LAMMPS unwraps.
    pub unwrapped_angstrom: Vec<Vec3>,
}

/// The starting configuration of a sampling: every atom wrapped into the box, and image
/// flags such that x + image·L of the cluster atoms is the cluster in one piece around its
/// centre (as [`Cluster::from_ids`](crate::sampling::Cluster::from_ids) makes it whole).
pub fn whole_cluster_start(
    system: &System,
    cluster_ids: &[u64],
) -> Result<WholeClusterStart, String> {
    let cluster = crate::sampling::Cluster::from_ids(system, cluster_ids)
        .map_err(|e| format!("cluster: {e}"))?;
    let whole = cluster.positions_angstrom();
    let mut wrapped = system.clone();
    wrapped.wrap_positions();
    let lengths = wrapped.cell.lengths_angstrom();
    let mut images = vec![[0i64; 3]; wrapped.n_atoms()];
    let mut unwrapped = Vec::with_capacity(cluster_ids.len());
    for (&id, x) in cluster_ids.iter().zip(&whole) {
        let i = wrapped
            .ids
            .iter()
            .position(|&k| k == id)
            .ok_or_else(|| format!("atom {id} is not in the configuration"))?;
        let w = wrapped.positions_angstrom[i];
        let n: [i64; 3] = std::array::from_fn(|k| ((x[k] - w[k]) / lengths[k]).round() as i64);
        images[i] = n;
        unwrapped.push(std::array::from_fn(|k| w[k] + n[k] as f64 * lengths[k]));
    }
    Ok(WholeClusterStart {
        system: wrapped,
        images,
        unwrapped_angstrom: unwrapped,
    })
}

/// The image flags of a LAMMPS data file's `Atoms` section, by atom id (atoms written
/// without flags are absent).
pub fn read_image_flags(content: &str, file: &str) -> Result<HashMap<u64, [i64; 3]>, ReadError> {
    let mut out = HashMap::new();
    let mut in_atoms = false;
    for (k, raw) in content.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line.chars().next().is_some_and(char::is_alphabetic) {
            in_atoms = line.starts_with("Atoms");
            continue;
        }
        if !in_atoms {
            continue;
        }
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() == 8 {
            let bad = |what: &str, v: &str| ReadError::Parse {
                file: file.to_string(),
                line: k + 1,
                message: format!("expected an integer for {what}, found {v:?}"),
            };
            let id: u64 = t[0].parse().map_err(|_| bad("the atom id", t[0]))?;
            let mut n = [0i64; 3];
            for (j, v) in t[5..8].iter().enumerate() {
                n[j] = v.parse().map_err(|_| bad("an image flag", v))?;
            }
            out.insert(id, n);
        }
    }
    Ok(out)
}

/// Colvars' `colvarsRestartFrequency`: every 100 samples (Colvars also flushes the traj then,
/// so a running deck can be followed), at most the run.
pub fn restart_frequency(setup: &SamplingSetup, max_steps: u64) -> u64 {
    setup
        .sample_every_steps
        .saturating_mul(100)
        .min(max_steps)
        .max(1)
}

/// The Colvars configuration of a sampling.
pub fn colvars_config(
    setup: &SamplingSetup,
    cluster_ids: &[u64],
    reference: &[Vec3],
    restart_frequency: u64,
    title: &str,
) -> String {
    use std::fmt::Write;
    let h = &setup.hills;
    let width = setup.grid_width_angstrom;
    let mut s = String::new();
    let _ = writeln!(s, "# {title}");
    let _ = writeln!(
        s,
        "# Written by `betaglass export-lammps`; units: LAMMPS metal (Å, eV)."
    );
    let _ = writeln!(s, "colvarsTrajFrequency    {}", setup.sample_every_steps);
    let _ = writeln!(s, "colvarsRestartFrequency {restart_frequency}");
    let _ = writeln!(s, "\ncolvar {{\n  name rmsd");
    let _ = writeln!(
        s,
        "  # grid spacing (Å); a hill's σ = hillWidth × width / 2 = {} Å",
        fmt_f64(h.sigma_angstrom)
    );
    let _ = writeln!(s, "  width {}", fmt_f64(width));
    let _ = writeln!(s, "  lowerBoundary 0.0");
    let _ = writeln!(s, "  upperBoundary {}", fmt_f64(setup.grid_upper_angstrom));
    let ids: Vec<String> = cluster_ids.iter().map(u64::to_string).collect();
    let refs: Vec<String> = reference
        .iter()
        .map(|x| format!("({},{},{})", fmt_f64(x[0]), fmt_f64(x[1]), fmt_f64(x[2])))
        .collect();
    let _ = writeln!(
        s,
        "  rmsd {{\n    atoms {{\n      atomNumbers {}\n    }}\n    refPositions {}\n  }}\n}}",
        ids.join(" "),
        refs.join(" ")
    );
    let _ = writeln!(s, "\nmetadynamics {{\n  name meta\n  colvars rmsd");
    let _ = writeln!(s, "  hillWeight {}", fmt_f64(h.height_ev));
    // 2σ/width to 12 digits (0.35 / 0.035 is 9.999999999999998 in floating point).
    let hill_width = (2.0 * h.sigma_angstrom / width * 1e12).round() / 1e12;
    let _ = writeln!(s, "  hillWidth {}", fmt_f64(hill_width));
    let _ = writeln!(s, "  newHillFrequency {}", h.stride_steps);
    if h.is_well_tempered() {
        let _ = writeln!(s, "  wellTempered on");
        let _ = writeln!(s, "  biasTemperature {}", fmt_f64(h.bias_temperature_k));
    }
    let _ = writeln!(s, "  writeHillsTrajectory on\n  writeFreeEnergyFile on\n}}");
    s
}

/// The files of one sampling's deck, as text (and bytes) before they are written.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplingDeck {
    /// `in.lammps`.
    pub lammps_input: String,
    /// `metad.colvars`.
    pub colvars_config: String,
    /// `start.data`: the configuration, with image flags that keep the cluster whole.
    pub start_data: Vec<u8>,
}

impl SamplingDeck {
    /// The deck of `setup` (its seed, temperature, hills) started from `system` on the cluster
    /// `cluster_ids`, running `max_steps` biased steps; `potential_path` is where `in.lammps`
    /// finds the potential, relative to the deck's folder.
    pub fn new(
        system: &System,
        setup: &SamplingSetup,
        cluster_ids: &[u64],
        max_steps: u64,
        title: &str,
        potential_path: &str,
    ) -> Result<Self, String> {
        let species: Vec<String> = system.species.iter().map(|s| s.symbol.clone()).collect();
        let start = whole_cluster_start(system, cluster_ids)?;
        let mut start_data = Vec::new();
        crate::io::lammps_data::write_lammps_data_with_images(
            &mut start_data,
            &start.system,
            Some(&start.images),
        )
        .map_err(|e| format!("{DATA_FILE}: {e}"))?;
        Ok(Self {
            colvars_config: colvars_config(
                setup,
                cluster_ids,
                &start.unwrapped_angstrom,
                restart_frequency(setup, max_steps),
                title,
            ),
            lammps_input: lammps_input(
                setup,
                setup.seed,
                &species,
                max_steps,
                title,
                potential_path,
            ),
            start_data,
        })
    }

    /// Writes `in.lammps`, `metad.colvars` and `start.data` into `dir` (made if missing), and
    /// the potential beside them when `with_potential`. Returns the paths written.
    pub fn write(
        &self,
        dir: &std::path::Path,
        with_potential: bool,
    ) -> Result<Vec<std::path::PathBuf>, crate::io::FileError> {
        let io = |p: &std::path::Path| {
            let file = p.display().to_string();
            move |source| crate::io::FileError::Io { file, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut files: Vec<(&str, &[u8])> = vec![
            (LAMMPS_INPUT, self.lammps_input.as_bytes()),
            (COLVARS_CONFIG, self.colvars_config.as_bytes()),
            (DATA_FILE, &self.start_data),
        ];
        if with_potential {
            files.push((POTENTIAL_FILE, POTENTIAL_TEXT.as_bytes()));
        }
        let mut written = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(io(&path))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// The LAMMPS input of a sampling; `potential_path` is where it finds the potential, relative
/// to the deck's folder.
pub fn lammps_input(
    setup: &SamplingSetup,
    seed: u64,
    species: &[String],
    max_steps: u64,
    title: &str,
    potential_path: &str,
) -> String {
    let dt_ps = setup.timestep_fs * 1e-3;
    let equilibrate = (setup.equilibrate_ps / dt_ps).round() as u64;
    let t = fmt_f64(setup.temperature_k);
    let seed = lammps_seed(seed);
    let equilibration = if equilibrate > 0 {
        format!("run {equilibrate}\n")
    } else {
        String::new()
    };
    format!(
        "# {title}\n\
         # Written by `betaglass export-lammps`: the protocol of `betaglass campaign` (start_sampling).\n\
         # Run in this folder: lmp -in {LAMMPS_INPUT}  (options: -sf opt, -sf omp, -sf gpu, -k on g 1 -sf kk)\n\
         units metal\n\
         atom_style atomic\n\
         boundary p p p\n\
         atom_modify map array\n\
         # Image flags keep the cluster whole: Colvars' rmsd reads x + image*L.\n\
         read_data {DATA_FILE}\n\
         pair_style eam/fs\n\
         pair_coeff * * {potential_path} {species}\n\
         neighbor 1.0 bin\n\
         neigh_modify every 1 delay 0 check yes\n\
         timestep {dt}\n\
         # Velocities at T drawn with the sampling's seed; Nose-Hoover NVT (chain of 3).\n\
         velocity all create {t} {seed} dist gaussian mom yes rot no\n\
         fix nvt all nvt temp {t} {t} {damp}\n\
         thermo {thermo}\n\
         thermo_style custom step time temp pe etotal press\n\
         thermo_modify flush yes\n\
         # Unbiased equilibration: {equilibrate_ps} ps.\n\
         {equilibration}\
         # The bias from here on; Colvars counts the biased steps from 0.\n\
         reset_timestep 0\n\
         fix cv all colvars {COLVARS_CONFIG} output {OUTPUT_PREFIX} seed {seed} tstat nvt\n\
         thermo_style custom step time temp pe etotal press f_cv\n\
         thermo_modify flush yes\n\
         # max_steps biased steps: `betaglass import` applies the stop and event rules afterwards.\n\
         run {max_steps}\n\
         print \"finished {max_steps} biased steps\" file {DONE_FILE}\n",
        species = species.join(" "),
        dt = fmt_f64(dt_ps),
        damp = fmt_f64(setup.thermostat_damping_ps),
        thermo = (setup.hills.stride_steps * 10).max(100),
        equilibrate_ps = fmt_f64(setup.equilibrate_ps),
    )
}

/// `run_local.sh` of an export folder: every deck, N at once, resumable.
pub const RUN_LOCAL: &str = r#"#!/usr/bin/env bash
# Runs every sampling of this export with LAMMPS, N at a time (default 1), each on one
# process with OMP_NUM_THREADS threads (default 1). Resumable: a sampling whose `done` file
# exists is skipped; an unfinished one is run again from its start.
#
#   LMP=/path/to/lmp LMP_ARGS="-sf opt" bash run_local.sh N
#
# Then: betaglass import THIS_FOLDER
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
N=${1:-1}
export LMP=${LMP:-lmp}
export LMP_ARGS=${LMP_ARGS:--sf opt}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
run_one() {
    local d=$1
    if [ -f "$d/done" ]; then
        echo "$d: already done"
        return 0
    fi
    if [ ! -f "$d/in.lammps" ]; then
        echo "$d: no deck (see manifest.json)"
        return 0
    fi
    rm -f "$d"/out.* "$d"/log.lammps
    # shellcheck disable=SC2086
    if (cd "$d" && "$LMP" $LMP_ARGS -in in.lammps -log log.lammps -screen none -nocite); then
        echo "$d: finished"
    else
        echo "$d: LAMMPS failed (see $d/log.lammps)" >&2
        return 1
    fi
}
export -f run_one
find samplings -mindepth 1 -maxdepth 1 -type d | sort \
    | xargs -P "$N" -I{} bash -c 'run_one "$1"' _ {}
"#;

pub fn submit_slurm(name: &str, n: usize) -> String {
    let job_name: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    format!(
        r#"#!/bin/bash
# Slurm job array: one task per sampling of this export (samplings/NNNN, NNNN = the task id).
# Resumable: `sbatch submit.slurm` again skips the samplings whose `done` file exists.
#SBATCH --job-name=bg-{job_name}
#SBATCH --array=0-{last}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time=48:00:00
#SBATCH --output=slurm-%A_%a.out
# More cores per sampling: --ntasks=K (MPI, srun starts K ranks) or --cpus-per-task=K with
# LMP_ARGS="-sf omp -pk omp K".
# GPU: add  #SBATCH --gres=gpu:1  and LMP_ARGS="-sf gpu -pk gpu 1"
# KOKKOS (GPU): add  #SBATCH --gres=gpu:1  and LMP_ARGS="-k on g 1 -sf kk -pk kokkos neigh half"
# (fix colvars itself runs on the host in every case.)
set -euo pipefail
cd "${{SLURM_SUBMIT_DIR:-.}}"
d=$(printf 'samplings/%04d' "$SLURM_ARRAY_TASK_ID")
if [ -f "$d/done" ]; then echo "$d: already done"; exit 0; fi
if [ ! -f "$d/in.lammps" ]; then echo "$d: no deck (see manifest.json)"; exit 0; fi
cd "$d"
rm -f out.* log.lammps
export OMP_NUM_THREADS=${{SLURM_CPUS_PER_TASK:-1}}
# shellcheck disable=SC2086
srun ${{LMP:-lmp}} ${{LMP_ARGS:--sf opt}} -in in.lammps -log log.lammps -screen none -nocite
"#,
        last = n.saturating_sub(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_fit_lammps() {
        assert_eq!(lammps_seed(1), 1);
        assert_eq!(lammps_seed(12345), 12345);
        assert!((1..(1 << 31)).contains(&lammps_seed(0)));
        assert!((1..(1 << 31)).contains(&lammps_seed(u64::MAX)));
    }
}
