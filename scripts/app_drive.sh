#!/usr/bin/env bash
# Drives the app as a person would, in a virtual X screen: waits for the sampling, pauses with
# Space, clicks an atom (the cluster preview appears), starts a sampling there with Enter,
# focuses the camera with F and opens the help with H, saving a screenshot after each step
# (with DRIVE_EVENT_WAIT_S=N it first waits up to N s for an event and replays it with E).
#
#   bash scripts/app_drive.sh BETAGLASS_BINARY OUTDIR
#
# Needs xvfb, xdotool, xwd (x11-apps) and ImageMagick's convert (apt-get install xvfb xdotool
# x11-apps imagemagick) and Mesa's software Vulkan. A developer's check, not a CI stage: it
# sleeps for fixed times, which depend on the machine. Look at the PNGs.
set -euo pipefail
bin=$(realpath "$1")
out=$(mkdir -p "$2" && realpath "$2")
cd "$(dirname "${BASH_SOURCE[0]}")/.."
display=:97
Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$app" "$xvfb" 2>/dev/null || true' EXIT
sleep 2
export DISPLAY=$display WGPU_BACKEND=vulkan
"$bin" --scene scenes/teaching.toml >"$out/drive.log" 2>&1 &
app=$!

shot() { # shot NAME: the whole screen as OUTDIR/NAME.png
    xwd -root -silent | /usr/bin/convert xwd:- "$out/$1.png"
    echo "saved $out/$1.png"
}
# Without a window manager nothing gives the window the keyboard focus: set it, then type.
key() {
    xdotool windowfocus --sync "$(xdotool search --name betaglass | head -1)"
    xdotool key "$1"
}

sleep "${DRIVE_WARMUP_S:-90}"
shot 1-running
# With DRIVE_EVENT_WAIT_S=N: wait up to N s for the first event (the app logs it), look at
# its arrows, and replay it with E.
if [ -n "${DRIVE_EVENT_WAIT_S:-}" ]; then
    for _ in $(seq "$DRIVE_EVENT_WAIT_S"); do
        grep -q 'event 1 at' "$out/drive.log" && break
        sleep 1
    done
    sleep 3
    shot 2-event
    key e
    sleep 4
    shot 3-replay
    key Escape
fi
key space
sleep 5
shot 4-paused
# An atom near the middle of the 3D view (between the panels).
xdotool mousemove 560 420 click 1
sleep 5
shot 5-picked
key Return
sleep 45
shot 6-new-sampling
key f
sleep 8
shot 7-focused
key h
sleep 5
shot 8-help
key Escape
