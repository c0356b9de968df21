#!/usr/bin/env bash
# The app driven as a person drives it, with assertions: CI's `app-drive` stage.
#
#   bash scripts/app_drive_ci.sh BETAGLASS_BINARY OUTDIR
#
# In a virtual X screen (Xvfb, Mesa's software Vulkan), with no D-Bus session bus (so no native
# file dialog can open, as on a bare workstation or a CI machine), it
#   1. pauses the sampling (Space), opens each menu (File, Scenes, View, Help) by a click, and checks that the screen changed
#      under it (ImageMagick `compare`) and went back after Escape;
#   2. chooses the paper's scene from the Scenes menu, and checks that it was opened;
#   3. asks File → Open configuration…, checks that the in-app path field appears in place of
#      the dialog, types tests/data/glass_300K.data, presses Enter, and checks that the engine
#      opened that file;
#   4. clicks the middle of the 3D view and checks that an atom was picked, and presses R;
#   5. Shift+clicks two atoms and checks the distance tool measured them;
#   6. saves the F(s) plot's data as CSV and the plot as PNG from its right-click menu;
# saving a screenshot after each step in OUTDIR (look at them). The app's log (its notices:
# "opened scene …", "opened FILE: N atoms", "atom N picked") is OUTDIR/drive.log. Needs xvfb,
# xdotool, xwd (x11-apps) and ImageMagick (apt-get install xvfb xdotool x11-apps imagemagick).
# Fixed waits are generous for a 2-core machine; each check waits for its log line up to a limit.
set -euo pipefail
(($# == 2)) || {
    echo "usage: bash scripts/app_drive_ci.sh BETAGLASS_BINARY OUTDIR" >&2
    exit 2
}
bin=$(realpath "$1")
out=$(mkdir -p "$2" && realpath "$2")
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in Xvfb xdotool xwd convert compare; do
    command -v "$tool" >/dev/null || {
        echo "app_drive_ci: $tool missing" >&2
        exit 2
    }
done

display=:93
Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
app=
trap 'kill $app $xvfb 2>/dev/null || true' EXIT
sleep 2
export DISPLAY=$display WGPU_BACKEND=vulkan
unset DBUS_SESSION_BUS_ADDRESS
"$bin" --scene scenes/teaching.toml >"$out/drive.log" 2>&1 &
app=$!

failures=0
pass() { echo "PASS $*"; }
fail() {
    echo "FAIL $*"
    failures=$((failures + 1))
}
shot() { # shot NAME: the whole screen as OUTDIR/NAME.png
    xwd -root -silent | convert xwd:- "$out/$1.png"
}
window() { xdotool search --name betaglass | head -1; }
# wait_log PATTERN SECONDS: true once the app's log has a line matching PATTERN.
wait_log() {
    local i
    for ((i = 0; i < $2; i++)); do
        grep -Eq "$1" "$out/drive.log" && return 0
        kill -0 "$app" 2>/dev/null || return 1
        sleep 1
    done
    return 1
}
# expect_log PATTERN SECONDS WHAT: PASS with the log's last match of PATTERN once it appears
# within SECONDS, else FAIL.
expect_log() {
    if wait_log "$1" "$2"; then
        pass "$3: $(grep -Eo "$1" "$out/drive.log" | tail -1)"
    else
        fail "$3: nothing in the log matches '$1'"
    fi
}
# changed A B X Y W H: pixels that differ between two screenshots in a rectangle.
changed() {
    compare -metric AE -extract "$5x$6+$3+$4" "$out/$1.png" "$out/$2.png" null: 2>&1 |
        awk '{print int($1)}' || true
}

# The window, and a few frames of the sampling.
for _ in $(seq 300); do
    [ -n "$(window)" ] && break
    sleep 1
done
[ -n "$(window)" ] || {
    tail -n 30 "$out/drive.log"
    echo "FAIL the window never appeared"
    exit 1
}
sleep "${DRIVE_WARMUP_S:-60}"
# Paused (Space), nothing but the menus changes the screen. The engine takes the pause at its
# next sample (after a quench that can take a while on a loaded machine): the reference is the
# first screenshot of the menu area that two in a row, 4 s apart, agree on.
xdotool windowfocus --sync "$(window)" key space
sleep 6
shot 0-start
for _ in $(seq 30); do
    sleep 4
    shot 0-again
    (($(changed 0-start 0-again 0 22 330 280) < 200)) && break
    mv "$out/0-again.png" "$out/0-start.png"
done

# 1. Each menu opens under its title and closes with Escape. A slow software renderer may take
# seconds per frame: poll the screen rather than trusting a fixed wait.
# settle NAME MODE: screenshot NAME until the menu area differs from 0-start by more than 2000
# pixels (MODE open) or by fewer (MODE closed), for up to 40 s; prints the last count.
settle() {
    local i n=0
    for ((i = 0; i < 20; i++)); do
        sleep 2
        shot "$1"
        n=$(changed 0-start "$1" 0 22 330 280)
        if [ "$2" = open ] && ((n > 2000)); then break; fi
        if [ "$2" = closed ] && ((n <= 2000)); then break; fi
    done
    echo "$n"
}
for menu in "File 19" "Scenes 60" "View 107" "Help 148"; do
    set -- $menu
    xdotool mousemove "$2" 11 click 1
    n=$(settle "1-menu-$1" open)
    if ((n > 2000)); then pass "menu $1 opens ($n pixels changed under it)"; else fail "menu $1 did not open ($n pixels changed)"; fi
    xdotool windowfocus --sync "$(window)" key Escape
    n=$(settle "1-closed-$1" closed)
    ((n <= 2000)) || fail "menu $1 did not close with Escape ($n pixels still changed)"
done

# 2. The paper's scene from the Scenes menu.
xdotool mousemove 60 11 click 1
sleep 6
xdotool mousemove 150 57 click 1
if wait_log 'opened scene Paper' 60; then pass "Scenes -> Paper opened the scene"; else fail "the paper's scene was not opened"; fi
sleep 10
shot 2-paper-scene

# 3. File -> Open configuration: the in-app path field, a typed path, Enter.
xdotool mousemove 19 11 click 1
sleep 6
xdotool mousemove 80 36 click 1
if wait_log 'no file dialog can open here' 60; then pass "no native dialog: the in-app path field was offered"; else fail "no path field offered"; fi
sleep 6
shot 3-path-field
xdotool windowfocus --sync "$(window)"
xdotool type --delay 60 "tests/data/glass_300K.data"
sleep 4
xdotool key Return
if wait_log 'opened tests/data/glass_300K.data: 4000 atoms' 120; then pass "the typed path was opened"; else fail "the typed path was not opened"; fi
sleep 20
shot 3-opened

# 4. A click in the middle of the 3D view picks an atom.
xdotool mousemove 585 400 click 1
expect_log 'atom [0-9]+ picked' 60 "a click in the view"
sleep 6
shot 4-picked

# 5. Shift+click two atoms: the distance tool (the read-out is in the view's corner and the log).
# The first is the atom step 4 picked; the second the first other pixel that holds an atom.
shift_click() {
    xdotool mousemove "$1" "$2"
    sleep 3
    xdotool keydown shift
    sleep 1.5
    xdotool click 1
    sleep 1.5
    xdotool keyup shift
    sleep 4
}
shift_click 585 400
for xy in "560 420" "610 380" "540 360" "630 430" "585 330" "500 400"; do
    shift_click $xy
    grep -Eq 'distance [0-9]+ – [0-9]+: [0-9.]+ Å' "$out/drive.log" && break
done
expect_log 'distance [0-9]+ – [0-9]+: [0-9.]+ Å' 30 "Shift+click on two atoms"
sleep 4
shot 4-distance

# 5b. "R" fits the whole box in the view (a screenshot to look at; the fit itself is tested in
# app::atoms_view::tests).
xdotool windowfocus --sync "$(window)" key r
sleep 8
shot 5-reset-view

# 6. A plot's right-click menu: the F(s) plot's data saved as CSV and the plot as PNG, each
# through the in-app path field (the menu opens at the pointer; its items are 21 px apart).
save_from_plot_menu() { # save_from_plot_menu ITEM_OFFSET_Y PATH
    xdotool mousemove 1060 300 click 3
    sleep 6
    xdotool mousemove 1110 $((300 + $1)) click 1
    sleep 8
    xdotool windowfocus --sync "$(window)"
    xdotool type --delay 60 "$2"
    sleep 3
    xdotool key Return
}
save_from_plot_menu 58 "$out/fes.csv"
if wait_log "saved the plot's data to $out/fes.csv" 60 && head -2 "$out/fes.csv" | grep -q '^series,s (Å),energy (eV)$'; then
    pass "plot menu: F(s) data saved as CSV ($(($(wc -l <"$out/fes.csv") - 2)) points)"
else
    fail "plot menu: no CSV of the F(s) plot"
fi
save_from_plot_menu 79 "$out/fes-plot.png"
if wait_log "saved $out/fes-plot.png" 60 && file "$out/fes-plot.png" | grep -q 'PNG image data'; then
    pass "plot menu: F(s) plot saved as PNG ($(file -b "$out/fes-plot.png" | cut -d, -f2))"
else
    fail "plot menu: no PNG of the F(s) plot"
fi

kill "$app" 2>/dev/null || true
echo "app_drive_ci: screenshots and drive.log in $out"
((failures == 0)) || {
    tail -n 20 "$out/drive.log"
    exit 1
}
echo "PASS: all app-drive checks"
