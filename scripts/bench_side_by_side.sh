#!/usr/bin/env bash
# LAMMPS and betaglass on the same machine, in one run, on the same configuration
# (tests/data/glass_300K.data: 4000 atoms, NVT 300 K, 2 fs, 2000 steps, skin 1 Å), with the
# same potential file. Prints both figures and their ratio per thread. Run on a quiet machine.
#   scripts/bench_side_by_side.sh [--steps 2000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
steps=2000
[ "${1:-}" = "--steps" ] && steps=$2
setfl=/usr/share/lammps/potentials/CuZr_mm.eam.fs
cargo build --release --quiet --no-default-features
bin=${CARGO_TARGET_DIR:-target}/release/betaglass

lmp=$(scripts/lammps_bench.sh)
echo "$lmp"
ours=$("$bin" bench tests/data/glass_300K.data --potential "$setfl" --steps "$steps" --threads 1,2 --json)
echo "$ours" | python3 -c '
import json, re, sys
lmp = sys.argv[1]
opt = float(re.search(r"opt 1 thread: ([0-9.]+)", lmp).group(1))
omp = float(re.search(r"omp 2 threads: ([0-9.]+)", lmp).group(1))
for line in sys.stdin:
    r = json.loads(line)
    ref = opt if r["threads"] == 1 else omp
    name = "eam/fs/opt 1 thread" if r["threads"] == 1 else "eam/fs/omp 2 threads"
    t, k = r["threads"], r["katom_steps_per_s"]
    print(f"betaglass {t} thread(s): {k:.1f} katom-step/s = {k / ref:.2f} x LAMMPS {name} ({ref:.1f})")
' "$lmp"
