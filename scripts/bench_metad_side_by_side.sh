#!/usr/bin/env bash
# Metadynamics speed, LAMMPS + fix colvars against betaglass, on the same machine in one run:
# the 4000-atom glass (tests/data/glass_300K.data), NVT 300 K, 2 fs, 1 thread, the same
# potential file, WT-MetaD on the RMSD of the paper's 13-atom cluster (atom 348, 4 Å; hills
# every 1000 steps). Prints both codes' speeds with and without the bias, each one's overhead,
# and the ratio. Run on a quiet machine.
#   scripts/bench_metad_side_by_side.sh [--steps 2000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
steps=2000
[ "${1:-}" = "--steps" ] && steps=$2
setfl=${BETAGLASS_SETFL:-tests/data/potentials/CuZr_mm.eam.fs}
cargo build --release --quiet --no-default-features
bin=${CARGO_TARGET_DIR:-target}/release/betaglass
py=${LAMMPS_PYTHON:-${LAMMPS_VENV:-/tmp/lammps-venv}/bin/python}
lmp=$("$py" scripts/lammps_colvars_bench.py --steps "$steps" --setfl "$setfl")
echo "$lmp"
ours=$("$bin" bench tests/data/glass_300K.data --potential "$setfl" --steps "$steps" --threads 1 --metad --json)
echo "$ours" | python3 -c '
import json, re, sys
lmp = {m: float(v) for m, v in re.findall(r"lammps opt 1 thread (\w+): ([0-9.]+)", sys.argv[1])}
ours = {r["mode"]: r["katom_steps_per_s"] for r in map(json.loads, sys.stdin)}
print(f"LAMMPS: md {lmp['"'"'md'"'"']:.1f}, with colvars {lmp['"'"'colvars'"'"']:.1f} katom-step/s (colvars adds {(lmp['"'"'md'"'"'] / lmp['"'"'colvars'"'"'] - 1) * 100:.1f} %)")
print(f"betaglass: md {ours['"'"'md'"'"']:.1f}, with metad {ours['"'"'metad'"'"']:.1f} katom-step/s (metad adds {(ours['"'"'md'"'"'] / ours['"'"'metad'"'"'] - 1) * 100:.1f} %)")
print(f"betaglass metad / LAMMPS colvars = {ours['"'"'metad'"'"'] / lmp['"'"'colvars'"'"']:.2f}x")
' "$lmp"
