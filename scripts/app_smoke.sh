#!/usr/bin/env bash
# Smoke test of the desktop app under Xvfb (no GPU: Mesa's lavapipe software Vulkan).
#
#   bash scripts/app_smoke.sh BETAGLASS_BINARY OUTDIR [FRAMES]
#
# Runs `BETAGLASS_BINARY --scene scenes/teaching.toml --screenshot OUTDIR/app.png --frames FRAMES
# --report OUTDIR/app.json` (FRAMES default 240) in a 1280x800x24 virtual X screen, with
# WGPU_BACKEND=vulkan and a 900 s limit, from the repository root; then checks the screenshot and
# report with `BETAGLASS_BINARY check-screenshot` and prints the report's fps_mean and sim_steps_per_s.
# The app's stdout/stderr go to OUTDIR/app.stdout and OUTDIR/app.stderr; on failure the stderr tail is
# printed. APP_SMOKE_SCENE overrides the scene (relative to the repository root; empty: no --scene).
# RAYON_NUM_THREADS and other environment variables pass through to the app.
set -euo pipefail

usage() {
    echo "usage: bash scripts/app_smoke.sh BETAGLASS_BINARY OUTDIR [FRAMES]" >&2
    exit 2
}
(($# >= 2 && $# <= 3)) || usage
bin=$1
outdir=$2
frames=${3:-240}
[[ $frames =~ ^[1-9][0-9]*$ ]] || {
    echo "app_smoke: FRAMES must be a positive integer, not '$frames'" >&2
    exit 2
}

# Resolve the binary and OUTDIR against the caller's directory before moving to the repository root.
case $bin in
*/*) [[ $bin == /* ]] || bin="$PWD/$bin" ;;
*) bin=$(command -v "$bin" || true) ;;
esac
if [[ -z $bin || ! -x $bin ]]; then
    echo "app_smoke: no executable betaglass binary at '${1}'" >&2
    exit 2
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in xvfb-run timeout python3; do
    command -v "$tool" >/dev/null || {
        echo "app_smoke: $tool is not installed (xvfb-run: apt-get install xvfb xauth)" >&2
        exit 2
    }
done

scene=${APP_SMOKE_SCENE-scenes/teaching.toml}
args=()
if [[ -n $scene ]]; then
    if [[ ! -f $scene ]]; then
        echo "app_smoke: scene file $scene not found (set APP_SMOKE_SCENE= to run without --scene)" >&2
        exit 2
    fi
    args+=(--scene "$scene")
fi
args+=(--screenshot "$outdir/app.png" --frames "$frames" --report "$outdir/app.json")
rm -f "$outdir/app.png" "$outdir/app.json"

echo "app_smoke: $bin ${args[*]}"
echo "app_smoke: under xvfb-run (1280x800x24), WGPU_BACKEND=vulkan, limit 900 s"
t0=$(date +%s)
rc=0
# The inner timeout stops the app itself (xvfb-run then tears Xvfb down); the outer one guards against
# Xvfb hanging at start-up or shutdown.
WGPU_BACKEND=vulkan timeout -k 15 960 \
    xvfb-run -a -s "-screen 0 1280x800x24" \
    timeout -k 15 900 "$bin" "${args[@]}" \
    >"$outdir/app.stdout" 2>"$outdir/app.stderr" </dev/null || rc=$?
echo "app_smoke: app exited with status $rc after $(($(date +%s) - t0)) s"

missing=()
[[ -s $outdir/app.png ]] || missing+=(app.png)
[[ -s $outdir/app.json ]] || missing+=(app.json)
if ((rc != 0 || ${#missing[@]} > 0)); then
    ((rc == 124 || rc == 137)) && echo "app_smoke: the app ran past its time limit (status $rc)" >&2
    ((${#missing[@]} > 0)) && echo "app_smoke: the app did not write: ${missing[*]}" >&2
    echo "---- app stderr (last 60 lines of $outdir/app.stderr) ----" >&2
    tail -n 60 "$outdir/app.stderr" >&2 || true
    echo "---- app stdout (last 20 lines) ----" >&2
    tail -n 20 "$outdir/app.stdout" >&2 || true
    ((rc != 0)) && exit "$rc"
    exit 1
fi

"$bin" check-screenshot "$outdir/app.png" "$outdir/app.json" --frames "$frames"

python3 - "$outdir/app.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"app_smoke: fps_mean {r['fps_mean']:.2f}, sim_steps_per_s {r['sim_steps_per_s']:.1f} "
      f"({r['sim_steps']} steps in {r['frames']} frames)")
EOF
