#!/usr/bin/env python3
"""Checks the app's ART window from a headless run (python3 standard library only).

    python3 scripts/check_art_app.py REPORT.json SCREENSHOT.png ART_DIR

REPORT.json and SCREENSHOT.png come from `betaglass --frames N --art ART_DIR --report REPORT.json
--screenshot SCREENSHOT.png`. Checks:
  art.source        the report's art.source is ART_DIR, with no error.
  art.events        art.events == the rows of ART_DIR/events.csv, art.explorations == those of
                    explorations.csv (the window read the whole run).
  art.shown         the first event is on show (shown_event == 1) with >= 1 atom.
  view.movers       >= 30 pixels of the 3D view match the movers' colour (the cluster highlight):
                    the event's atoms are drawn while the live glass is hidden.
Exit status 0 when all pass, 1 otherwise.
"""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_app_screenshot import HIGHLIGHT_TOL, colour_histogram, matches, read_png  # noqa: E402


def rows(path):
    with open(path, newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    report_path, png_path, art_dir = argv[1:]
    report = json.load(open(report_path))
    art = report.get("art") or {}
    checks = []

    def check(name, ok, detail):
        checks.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")

    check("art.source", os.path.samefile(art.get("source") or "/nonexistent", art_dir)
          and art.get("error") is None, f"source {art.get('source')!r}, error {art.get('error')!r}")
    n_events = rows(os.path.join(art_dir, "events.csv"))
    n_expl = rows(os.path.join(art_dir, "explorations.csv"))
    check("art.events", art.get("events") == n_events and art.get("explorations") == n_expl,
          f"report {art.get('events')} events / {art.get('explorations')} explorations, "
          f"files {n_events} / {n_expl}")
    check("art.shown", art.get("shown_event") == 1 and (art.get("shown_atoms") or 0) >= 1,
          f"shown_event {art.get('shown_event')}, shown_atoms {art.get('shown_atoms')}")
    img = read_png(png_path)
    x0, y0, x1, y1 = (int(v) for v in report["layout"]["view"])
    rect = (max(0, x0), max(0, y0), min(img.width, x1), min(img.height, y1))
    base = report["colors"]["cluster_highlight"]
    movers = sum(n for rgb, n in colour_histogram(img, rect).items() if matches(rgb, base, HIGHLIGHT_TOL))
    check("view.movers", movers >= 30, f"{movers} pixels match {base} in the view {rect}")
    ok = all(checks)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
