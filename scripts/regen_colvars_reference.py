#!/usr/bin/env python3
"""Reference values of the Colvars RMSD collective variable and its gradient, computed by LAMMPS `fix colvars`.

Writes tests/data/colvars/rmsd_cases.json: for 13-atom clusters of tests/data/glass_300K.data (centre atom + all
atoms within 4.0 A, minimum image), a few configurations of the cluster atoms, each with the Colvars value
s = RMSD (optimal rotation, centres of geometry removed) and its gradient ds/dx_i.

How the figures are obtained (all with LAMMPS, `pair_style zero 8.0`, so the only forces are those of Colvars):
  colvar rmsd { atoms { atomNumbers ... } refPositions ... }  +  harmonic { centers 0.0  forceConstant K }
  Colvars' harmonic restraint is E = 1/2 K (s - c)^2 / width^2 (width: the colvar's, default 1). With c = 0,
  width = 1 and K = 2:  E = s^2, so s = sqrt(E) to full double precision (E = the scalar of fix colvars, read
  through extract_fix; the colvars.traj file prints s with 15 significant digits only), and the force on atom i
  is F_i = -K s ds/dx_i, so ds/dx_i = -F_i / (K s).
Colvars reads unwrapped coordinates x + image*L. The cluster atoms are given wrapped positions (inside the box)
and image flags that make the cluster whole; the JSON stores both, the wrapped positions as LAMMPS holds them.

Checks (printed, not stored): an independent numpy RMSD (Kabsch/SVD) and its analytic gradient; 4th-order
central finite differences of the numpy s and of the LAMMPS s (step a power of two ~ s/256 A);
sum_i F_i = 0; sum_i |ds/dx_i|^2 = 1/N; s from the traj file (15 digits); positions/images read back.

Usage (from the repository root; see scripts/README.md for the venv):
  python scripts/regen_colvars_reference.py [--out tests/data/colvars/rmsd_cases.json] [--no-lammps-fd]
  python scripts/regen_colvars_reference.py --check     # recompute and compare with the stored file
"""
import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # no scripts/__pycache__ from the import below
sys.path.insert(0, str(Path(__file__).resolve().parent))
import regen_reference as rr  # noqa: E402  (ensure_mpi_runtime, lammps_version_string, warn_version)

REPO = rr.REPO
DEFAULT_DATA = REPO / "tests" / "data" / "glass_300K.data"
DEFAULT_OUT = REPO / "tests" / "data" / "colvars" / "rmsd_cases.json"
CUTOFF = 4.0           # cluster: centre + all atoms within 4.0 A (minimum image)
K_FORCE = 2.0          # harmonic forceConstant (eV/A^2): E = 1/2 K s^2 = s^2
def fd_step(s):
    """Finite-difference step for a cluster with RMSD s: a power of two near s/256 (2^-13 A for s = 0.03 A,
    2^-8 A for s = 1.2 A), which balances truncation against rounding; x +- h, x +- 2h are exact."""
    return 2.0 ** round(math.log2(s / 256.0))
# The paper's cluster (shared/reference/lammps/metad/metad.colvars): atom 348 and its 12 neighbours within 4 A,
# in increasing distance. The script recomputes it and checks the list.
PAPER_CENTRE = 348
PAPER_IDS = [348, 1393, 2543, 2104, 2341, 724, 1915, 2148, 3291, 2675, 2459, 1614, 2011]

# Cases. cluster A = the paper's cluster of atom 348 (near the box centre); cluster B = a Cu-centred cluster
# whose 4 A neighbourhood straddles periodic box faces (selected in select_boundary_cluster).
#   displace: u = ref + N(0, sigma^2) per component (seed); with target_s the displacement is rescaled once so
#             that the numpy s of the displaced cluster is ~target_s.
#   rigid:    u = R(axis, angle) (ref - p) + p + t + N(0, sigma^2), p = COG(ref) + point_offset (proper rotation
#             about an axis through p, then translation t).
CASES = [
    dict(name="A_displaced_sigma0.1_seed1", cluster="A", kind="displace", sigma=0.1, seed=1),
    dict(name="A_displaced_sigma0.3_seed2", cluster="A", kind="displace", sigma=0.3, seed=2),
    dict(name="A_displaced_sigma0.5_seed3", cluster="A", kind="displace", sigma=0.5, seed=3),
    dict(name="A_displaced_s1.2_seed4", cluster="A", kind="displace", sigma=0.7, seed=4, target_s=1.2),
    dict(name="A_rotated73_translated_noise0.02_seed5", cluster="A", kind="rigid", axis=(1.0, 2.0, -0.5),
         angle_deg=73.0, point_offset=(1.3, -0.7, 2.1), translate=(5.2, -3.1, 7.4), sigma=0.02, seed=5),
    dict(name="A_rotated160_translated_across_x_face_noise0.05_seed6", cluster="A", kind="rigid",
         axis=(-0.3, 0.4, 1.0), angle_deg=160.0, point_offset=(0.0, 0.0, 0.0), translate=(21.0, -2.5, 0.8),
         sigma=0.05, seed=6),
    dict(name="B_displaced_sigma0.2_seed11", cluster="B", kind="displace", sigma=0.2, seed=11),
    dict(name="B_displaced_sigma0.4_seed12", cluster="B", kind="displace", sigma=0.4, seed=12),
    dict(name="B_rotated115_translated_noise0.03_seed13", cluster="B", kind="rigid", axis=(0.6, -1.0, 0.2),
         angle_deg=115.0, point_offset=(0.5, 0.9, -1.1), translate=(-1.7, 0.9, 2.3), sigma=0.03, seed=13),
]


def fmt_json(obj, indent=0):
    """JSON with floats as %.17g (exact round trip); lists of numbers on one line."""
    pad = " " * indent
    if isinstance(obj, dict):
        items = [f'{pad} {json.dumps(k)}: {fmt_json(v, indent + 1).lstrip()}' for k, v in obj.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in obj):
            return pad + "[" + ", ".join(fmt_json(v) for v in obj) + "]"
        return pad + "[\n" + ",\n".join(fmt_json(v, indent + 1) for v in obj) + "\n" + pad + "]"
    if isinstance(obj, float):
        assert math.isfinite(obj), obj
        return pad + ("%.17g" % obj)
    return pad + json.dumps(obj)


# --------------------------------------------------------------------------------------------
# independent numpy implementation
# --------------------------------------------------------------------------------------------
def rmsd_numpy(x, ref):
    """s, gradient ds/dx (N x 3), rotation U (U (x_i - x_cog) ~ ref_i - ref_cog), by Kabsch (SVD)."""
    xc = x - x.mean(axis=0)
    rc = ref - ref.mean(axis=0)
    h = xc.T @ rc
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    rot = vt.T @ np.diag([1.0, 1.0, d]) @ u.T
    diff = xc @ rot.T - rc
    n = len(x)
    s = math.sqrt(float((diff ** 2).sum()) / n)
    grad = (xc - rc @ rot) / (n * s)   # (x_i - x_cog) - U^T (ref_i - ref_cog), over N s
    return s, grad, rot


def fd_gradient(fun, x, h):
    """4th-order central differences of the scalar fun(x) for every coordinate of x (N x 3)."""
    g = np.zeros_like(x)
    for i in range(x.shape[0]):
        for a in range(3):
            v = []
            for m in (-2, -1, 1, 2):
                y = x.copy()
                y[i, a] += m * h
                v.append(fun(y))
            g[i, a] = (v[0] - 8.0 * v[1] + 8.0 * v[2] - v[3]) / (12.0 * h)
    return g


def rotation_matrix(axis, angle_deg):
    k = np.asarray(axis, float)
    k = k / np.linalg.norm(k)
    a = math.radians(angle_deg)
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + math.sin(a) * kx + (1.0 - math.cos(a)) * (kx @ kx)


# --------------------------------------------------------------------------------------------
# LAMMPS
# --------------------------------------------------------------------------------------------
class Lmp:
    """One LAMMPS instance per cluster: the glass, pair zero, fix colvars with the rmsd colvar + harmonic."""

    def __init__(self, data, workdir):
        self.data = str(data)
        self.wd = Path(workdir)
        self.lmp = rr.new_lmp(log=str(self.wd / "log.lammps"))
        rr.cmds(self.lmp, f"""
units           metal
atom_style      atomic
boundary        p p p
atom_modify     map array
read_data       {self.data}
mass            1 {rr.MASSES['Cu']!r}
mass            2 {rr.MASSES['Zr']!r}
set             group all image 0 0 0
pair_style      zero 8.0
pair_coeff      * *
neighbor        1.0 bin
""")
        boxlo, boxhi, *_ = self.lmp.extract_box()
        self.lo = np.array(boxlo, float)
        self.hi = np.array(boxhi, float)
        self.prd = self.hi - self.lo   # LAMMPS's domain->prd (same double subtraction)
        self.natoms = self.lmp.get_natoms()
        self.x0 = self.gather("x")     # positions as LAMMPS holds them after read_data (sorted by id)
        self.types = np.array(self.lmp.gather_atoms("type", 0, 1), int)

    def gather(self, name):
        if name == "image":
            return np.array(self.lmp.gather_atoms("image", 0, 3), int).reshape(-1, 3)
        return np.array(self.lmp.gather_atoms(name, 1, 3), float).reshape(-1, 3)

    def setup_colvars(self, ids, ref):
        cfg = self.wd / "rmsd.colvars"
        cfg.write_text(
            "colvarsTrajFrequency 1\n"
            "colvar {\n  name rmsd\n  width 1.0\n  rmsd {\n"
            f"    atoms {{ atomNumbers {' '.join(map(str, ids))} }}\n"
            "    refPositions " + " ".join("(%.17g,%.17g,%.17g)" % tuple(r) for r in ref) + "\n  }\n}\n"
            f"harmonic {{\n  name h\n  colvars rmsd\n  centers 0.0\n  forceConstant {K_FORCE!r}\n}}\n")
        self.lmp.command(f"fix cv all colvars {cfg} output {self.wd / 'out'}")
        self.lmp.command("fix_modify cv energy yes")
        self.ids = list(ids)

    def place(self, ids, w, img):
        for i, p, n in zip(ids, w, img):
            self.lmp.command(f"set atom {i} x {p[0]:.17g} y {p[1]:.17g} z {p[2]:.17g}")
            self.lmp.command(f"set atom {i} image {n[0]} {n[1]} {n[2]}")

    def energy(self):
        from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_SCALAR
        self.lmp.command("run 0")
        return self.lmp.extract_fix("cv", LMP_STYLE_GLOBAL, LMP_TYPE_SCALAR)

    def s_from_energy(self, e):
        return math.sqrt(2.0 * e / K_FORCE)

    def traj_s(self):
        """s from out.colvars.traj (rewritten at each run 0; %.14e)."""
        last = None
        for line in (self.wd / "out.colvars.traj").read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                last = line
        return float(last.split()[1]) if last else None


def wrap(u, lo, prd):
    """Wrapped positions in [lo, hi) and image flags n with u = w + n*L (up to rounding)."""
    n = np.floor((u - lo) / prd).astype(int)
    w = u - n * prd
    for _ in range(2):  # guard the [lo, hi) bounds against rounding
        n += (w >= lo + prd).astype(int) - (w < lo).astype(int)
        w = u - n * prd
    assert ((w >= lo) & (w < lo + prd)).all()
    return w, n


def cluster_of(centre_idx, x, prd, cutoff=CUTOFF):
    """Indices (0-based) of the centre + all atoms within cutoff (minimum image), centre first then by
    distance, their minimum-image positions around the centre and distances; also the next-shell distance."""
    d = x - x[centre_idx]
    shift = -np.round(d / prd)
    dm = d + shift * prd
    r = np.sqrt((dm ** 2).sum(axis=1))
    order = np.argsort(r, kind="stable")
    inside = [j for j in order if r[j] < cutoff]
    assert inside[0] == centre_idx
    nxt = min(r[j] for j in order if r[j] >= cutoff)
    # unwrapped reference: x_j + shift_j*L (exactly x_j where no shift is needed)
    ref = x[inside] + shift[inside] * prd
    return inside, ref, r[inside], shift[inside].astype(int), nxt


def select_boundary_cluster(x, types, prd):
    """A Cu centre with exactly 12 neighbours within 4 A whose cluster straddles box faces in the most
    directions; ties broken by the largest margin of all distances from the 4.0 A cut-off."""
    best = None
    for c in range(len(x)):
        if types[c] != 1:
            continue
        idx, ref, r, shift, nxt = cluster_of(c, x, prd)
        if len(idx) != 13:
            continue
        ndirs = int((np.abs(shift).max(axis=0) > 0).sum())
        if ndirs == 0:
            continue
        margin = min(CUTOFF - r.max(), nxt - CUTOFF)
        key = (ndirs, margin)
        if best is None or key > best[0]:
            best = (key, c)
    return best[1], best[0]


def make_positions(case, ref):
    rng = np.random.default_rng(case["seed"])
    if case["kind"] == "displace":
        disp = rng.normal(0.0, case["sigma"], ref.shape)
        if "target_s" in case:
            disp *= case["target_s"] / rmsd_numpy(ref + disp, ref)[0]
        return ref + disp
    rot = rotation_matrix(case["axis"], case["angle_deg"])
    p = ref.mean(axis=0) + np.asarray(case["point_offset"], float)
    u = (ref - p) @ rot.T + p + np.asarray(case["translate"], float)
    return u + rng.normal(0.0, case["sigma"], ref.shape)


def case_notes(case, cluster_note):
    if case["kind"] == "displace":
        how = (f"reference positions + Gaussian displacements sigma={case['sigma']} A per component "
               f"(numpy default_rng({case['seed']}))")
        if "target_s" in case:
            how += f", rescaled once so that s ~ {case['target_s']} A"
    else:
        how = (f"reference cluster rotated by {case['angle_deg']} deg about axis {list(case['axis'])} through "
               f"COG(ref)+{list(case['point_offset'])}, translated by {list(case['translate'])} A, plus Gaussian "
               f"noise sigma={case['sigma']} A (default_rng({case['seed']})): s ~ the noise only")
    return f"{cluster_note}; {how}"


def run_all(a):
    results = []
    maxdev = dict(s_numpy=0.0, grad_numpy=0.0, grad_fd_numpy=0.0, grad_fd_lammps=0.0, s_traj_rel=0.0,
                  sumF=0.0, gnorm=0.0)
    with tempfile.TemporaryDirectory(prefix="colvars_ref_") as td:
        td = Path(td)
        # --- clusters, from the glass as LAMMPS holds it (images zeroed) ---
        probe = Lmp(a.data, td)
        x0, types, lo, hi, prd = probe.x0, probe.types, probe.lo, probe.hi, probe.prd
        probe.lmp.close()
        clusters = {}
        idx, ref, r, shift, nxt = cluster_of(PAPER_CENTRE - 1, x0, prd)
        ids = [int(i) + 1 for i in idx]
        assert ids == PAPER_IDS, f"cluster of {PAPER_CENTRE} is {ids}, expected {PAPER_IDS}"
        assert not shift.any()
        clusters["A"] = (ids, ref, f"cluster A: the paper's cluster, Cu atom {PAPER_CENTRE} + its 12 neighbours "
                                   f"within {CUTOFF} A (max {r.max():.4f} A, next shell {nxt:.4f} A), whole with "
                                   f"zero image flags")
        c, key = select_boundary_cluster(x0, types, prd)
        idx, ref, r, shift, nxt = cluster_of(c, x0, prd)
        ids = [int(i) + 1 for i in idx]
        faces = [("xyz"[k]) for k in range(3) if np.abs(shift[:, k]).max() > 0]
        clusters["B"] = (ids, ref, f"cluster B: Cu atom {ids[0]} + its 12 neighbours within {CUTOFF} A (max "
                                   f"{r.max():.4f} A, next shell {nxt:.4f} A); its minimum-image neighbourhood "
                                   f"straddles the periodic faces in {','.join(faces)}; reference = minimum image "
                                   f"around the centre (unwrapped, partly outside the box)")
        print(f"cluster A: {clusters['A'][0]}")
        print(f"cluster B: {ids} (crosses faces {faces}, cut-off margin {key[1]:.4f} A)")

        for cname in ("A", "B"):
            ids, ref, cnote = clusters[cname]
            wd = td / cname
            wd.mkdir()
            L = Lmp(a.data, wd)
            L.setup_colvars(ids, ref)
            for case in [cc for cc in CASES if cc["cluster"] == cname]:
                u = make_positions(case, ref)
                w, img = wrap(u, lo, prd)
                L.place(ids, w, img)
                e = L.energy()
                s = L.s_from_energy(e)
                xb, ib, fb = L.gather("x"), L.gather("image"), L.gather("f")
                sel = [i - 1 for i in ids]
                assert (xb[sel] == w).all(), "positions changed in LAMMPS"
                assert (ib[sel] == img).all(), "image flags changed in LAMMPS"
                others = np.setdiff1d(np.arange(len(fb)), sel)
                assert np.abs(fb[others]).max() == 0.0
                f = fb[sel]
                grad = -f / (K_FORCE * s)
                unwrapped = w + img * prd   # what Colvars reads (domain->unmap)
                s_np, g_np, _ = rmsd_numpy(unwrapped, ref)
                h = fd_step(s)
                g_fd = fd_gradient(lambda y: rmsd_numpy(y, ref)[0], unwrapped, h)
                st = L.traj_s()
                dev = dict(s_numpy=abs(s - s_np), grad_numpy=np.abs(grad - g_np).max(),
                           grad_fd_numpy=np.abs(g_fd - g_np).max(), s_traj_rel=abs(st - s) / s,
                           sumF=np.abs(f.sum(axis=0)).max(), gnorm=abs((grad ** 2).sum() * len(ids) - 1.0))
                if not a.no_lammps_fd:
                    def s_lmp(y):
                        L.place(ids, y, img)   # an atom pushed out of the box is wrapped by run 0; fine
                        return L.s_from_energy(L.energy())
                    g_lfd = fd_gradient(s_lmp, w, h)
                    dev["grad_fd_lammps"] = np.abs(g_lfd - grad).max()
                    L.place(ids, w, img)
                for k2, v in dev.items():
                    maxdev[k2] = max(maxdev[k2], float(v))
                print(f"{case['name']}: s = {s:.17g}  |s-s_numpy| {dev['s_numpy']:.2e}  "
                      f"max|grad-grad_numpy| {dev['grad_numpy']:.2e}  "
                      f"max|grad-FD(LAMMPS)| {dev.get('grad_fd_lammps', float('nan')):.2e}  "
                      f"max|grad_numpy-FD(numpy)| {dev['grad_fd_numpy']:.2e}  "
                      f"|s_traj-s|/s {dev['s_traj_rel']:.2e}  |sum F| {dev['sumF']:.2e}  "
                      f"|N sum|g|^2-1| {dev['gnorm']:.2e}", flush=True)
                results.append(dict(
                    name=case["name"], atom_ids=ids,
                    reference_positions_angstrom=[[float(v) for v in p] for p in ref],
                    positions_angstrom=[[float(v) for v in p] for p in w],
                    image_flags=[[int(v) for v in n] for n in img],
                    rmsd_angstrom=float(s),
                    gradient_per_angstrom=[[float(v) for v in g] for g in grad],
                    notes=case_notes(case, cnote)))
            L.lmp.close()
    if a.no_lammps_fd:
        del maxdev["grad_fd_lammps"]
    print("max deviations over all cases: " + ", ".join(f"{k} {v:.2e}" for k, v in maxdev.items()))
    doc = {
        "source": ("LAMMPS fix colvars (Colvars rmsd colvar: atomNumbers in atom_ids order + refPositions, "
                   "optimal rotation, centres of geometry removed) on tests/data/glass_300K.data with "
                   "`set group all image 0 0 0`, then the cluster atoms' positions and image flags set as stored; "
                   f"pair_style zero 8.0; harmonic bias centers 0, forceConstant {K_FORCE!r}, colvar width 1: "
                   "E = 1/2 k s^2, s = sqrt(2E/k) from the fix colvars scalar (full precision), "
                   "gradient = -F_i/(k s) from the per-atom forces after run 0. Colvars reads unwrapped "
                   "positions = positions_angstrom + image_flags*(cell_hi-cell_lo). "
                   "Made by scripts/regen_colvars_reference.py."),
        "lammps_version": rr.lammps_version_string(),
        "cell_lo_angstrom": [float(v) for v in lo],
        "cell_hi_angstrom": [float(v) for v in hi],
        "cases": results,
    }
    return doc, maxdev


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="the glass (default: %(default)s)")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output JSON (default: %(default)s)")
    ap.add_argument("--no-lammps-fd", action="store_true",
                    help="skip the finite differences of the LAMMPS value (156 `run 0` per case)")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    a = ap.parse_args()
    rr.ensure_mpi_runtime()
    rr.warn_version()
    doc, maxdev = run_all(a)
    tol = dict(s_numpy=1e-12, grad_numpy=1e-12, grad_fd_numpy=1e-9, grad_fd_lammps=1e-9, s_traj_rel=1e-13,
               sumF=1e-12, gnorm=1e-12)
    bad = [k for k, v in maxdev.items() if v > tol[k]]
    if bad:
        print(f"WARNING: deviations above tolerance: {bad}", file=sys.stderr)
    text = fmt_json(doc) + "\n"
    out = Path(a.out)
    if a.check:
        old = json.loads(out.read_text())
        new = json.loads(text)
        d = 0.0
        for co, cn in zip(old["cases"], new["cases"]):
            assert co["name"] == cn["name"] and co["atom_ids"] == cn["atom_ids"]
            assert co["image_flags"] == cn["image_flags"]
            for k in ("reference_positions_angstrom", "positions_angstrom", "gradient_per_angstrom"):
                d = max(d, float(np.abs(np.array(co[k]) - np.array(cn[k])).max()))
            d = max(d, abs(co["rmsd_angstrom"] - cn["rmsd_angstrom"]))
        same = text == out.read_text()
        print(f"check: max |stored - recomputed| {d:.2e}; byte-identical: {same}")
        return 0 if d < 1e-12 else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out} ({len(text)} bytes)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
