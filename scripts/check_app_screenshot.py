#!/usr/bin/env python3
"""Checks a screenshot and run report of the betaglass desktop app (python3 standard library only).

    python3 scripts/check_app_screenshot.py OUT.png OUT.json [--min-steps 1] [--frames N]

OUT.png and OUT.json come from `betaglass [FILE] [--scene S.toml] --screenshot OUT.png --frames N
--report OUT.json`. Exit status 0 when every check passes, 1 when any fails (or the PNG or report cannot be
read); every check is printed with its figures either way, then a PASS/FAIL line.

The report (JSON object):
    frames, fps_mean, sim_steps, sim_steps_per_s, cluster_atom_ids, events,
    pick_check {tried, agreed, wrong}: atoms the app projected to pixels with its own camera and picked back,
    window_px [w, h],
    layout {view, plots, controls}: [x0, y0, x1, y1] in screenshot pixels, x0/y0 inclusive, x1/y1 exclusive;
    colors {cu, zr, cluster_highlight, centre, trace_line}: [r, g, b], 0-255 sRGB base colours.

Checks (their names are printed):
  png.size              PNG width x height == window_px.
  report.frames         frames >= 1, and >= --frames when given (the app may wait for CV samples after N frames).
  report.sim_steps      sim_steps >= --min-steps (default 1).
  report.sim_steps_per_s, report.fps_mean   > 0.
  report.cluster_atom_ids   >= 2 ids, integers, all distinct.
  report.pick_check     tried >= MIN_PICK_TRIED (5) and agreed == tried: every atom the app projected to a pixel
                        (one it can see there) is the atom picking at that pixel names.
  layout.{view,plots,controls}   4 numbers, inside the image (1 px of rounding slack), non-empty.
  layout.overlap        no two rects share more than 2 % of the smaller one's area (the panels are separate
                        regions of the window; a view rect that includes the panels would count panel pixels).
  palette               the five colours are valid and not near-black; cluster_highlight is farther than
                        HIGHLIGHT_TOL from cu and zr, and centre farther than CENTRE_TOL from cu, zr and
                        cluster_highlight, so the pixel counts below measure different things.
  view.atoms            pixels matching cu or zr >= 5 % of the view rect (the glass fills the view).
  view.centre           >= 30 pixels match centre (the magenta centre atom is drawn).
  view.highlight        >= 200 pixels match cluster_highlight AND have a luma above the median luma of the cu/zr
                        atom pixels (the highlighted cluster stands out against the dimmed glass).
  view.luma_std         standard deviation of the view's luma > 6 (out of 255): not a uniform image.
  plots.trace           >= 150 pixels in the plots rect match trace_line (an s(t) line is plotted).
  plots.not_flat        >= 3 % of the plots rect's pixels differ from its most common colour.
  controls.not_flat     >= 1 % of the controls rect's pixels differ from its most common colour (widgets drawn).

Colour matching (hue by normalised chromaticity). For a pixel p = (r, g, b) its chromaticity is
p / max(p), a triple with max 1 that is unchanged when a colour is scaled. Lambertian shading scales linear
light, and with sRGB's ~2.2 power law that is again (nearly) a uniform scale of the encoded values, so a shaded
atom keeps the chromaticity of its base colour. A pixel matches base colour c when
    max(p) >= MIN_BRIGHT (40)  and  max_i |p_i/max(p) - c_i/max(c)| <= tol.
MIN_BRIGHT drops near-black pixels, whose chromaticity is dominated by 8-bit rounding and sRGB's linear toe (at
max 40 a channel is quantised in steps of 1/40 = 0.025 of chromaticity, and a 20 %-lit bronze already drifts by
~0.05-0.14 through the toe). The tolerances (per channel, on the 0-1 chromaticity):
  ATOM_TOL 0.20     cu, zr: atoms are shaded, metallic, tone-mapped and may be dimmed or blended (translucent)
                    with the background, which pulls chromaticity towards the background's; the Cu/Zr pair is
                    ~0.6 apart, and a neutral dark background (chromaticity ~ (1, 1, 1)) stays out of reach.
  HIGHLIGHT_TOL 0.15  cluster_highlight: drawn brightly, so less drift than dim atoms; tighter so that it can be
                    told from bronze (a gold highlight and the bronze Cu are ~0.25 apart).
  CENTRE_TOL 0.20   centre: magenta (~(1, 0, 1)) is far from every other colour.
  TRACE_TOL 0.15    trace_line: egui plot lines are flat-coloured; antialiased edge pixels blend with the
                    panel's grey and drift, which the tolerance partly admits. Only the plots rect is searched.
A pixel is given to the nearest matching palette colour (cu, zr, cluster_highlight, centre) so view counts are
exclusive. Luma is Rec. 709 weights on the encoded values, 0.2126 R + 0.7152 G + 0.0722 B.
All tolerances and thresholds can be changed on the command line (see --help).

What the app has to guarantee for these checks to mean anything (and pass):
  * rects in physical screenshot pixels (egui points x scale factor), view = the 3D viewport only, plots and
    controls disjoint sub-rects of the panels (not both the whole side panel);
  * reported colours = the colours really used: the material base colours, the highlight and centre
    materials, the egui_plot line colour (set explicitly, not egui_plot's automatic one);
  * hues that survive rendering: no tone mapping that bleaches bright colours to white (Tonemapping::None, or a
    highlight that is not so emissive that it saturates), a neutral dark background (max channel < 40, or grey);
  * the cluster visible in front of the glass (other atoms translucent/dimmed, or the cluster drawn on top),
    its atoms brighter than the dimmed glass, >= 200 px of them and >= 30 px of the centre atom;
  * an s(t) line with data in the plot by frame N (>= 150 px of it), and sim_steps >= 1 by then.

PNG: a minimal decoder for 8-bit RGB (colour type 2) and RGBA (6), non-interlaced, with the five filter types;
ancillary chunks (sRGB, gAMA, iCCP, pHYs, tEXt, ...) are skipped, CRCs are checked. Anything else (16-bit,
palette, greyscale, interlaced) is refused with a clear error. Alpha is ignored.
"""

import argparse
import collections
import itertools
import json
import math
import struct
import sys
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

MIN_BRIGHT = 40
ATOM_TOL = 0.20
HIGHLIGHT_TOL = 0.15
CENTRE_TOL = 0.20
TRACE_TOL = 0.15

MIN_ATOM_FRACTION = 0.05
MIN_CENTRE_PX = 30
MIN_HIGHLIGHT_PX = 200
MIN_TRACE_PX = 150
MIN_PLOTS_NON_MODAL = 0.03
MIN_CONTROLS_NON_MODAL = 0.01
MIN_VIEW_LUMA_STD = 6.0
# Atoms the app's pick check must have tried (the cluster and every 40th atom, those in sight).
MIN_PICK_TRIED = 5
MAX_OVERLAP = 0.02
RECT_SLACK_PX = 1

COLOR_KEYS = ("cu", "zr", "cluster_highlight", "centre", "trace_line")
RECT_KEYS = ("view", "plots", "controls")


# ----------------------------------------------------------------------------------------------
# PNG decoding


class PngError(Exception):
    """The file is not a PNG this decoder reads (with the reason)."""


class Image:
    """Decoded pixels: `rows[y]` holds width * channels bytes (RGB or RGBA, 8 bits each)."""

    def __init__(self, width, height, channels, rows):
        self.width = width
        self.height = height
        self.channels = channels
        self.rows = rows

    def pixel(self, x, y):
        c = self.channels
        return tuple(self.rows[y][x * c : x * c + c])


_COLOUR_TYPE_NAMES = {
    0: "greyscale",
    2: "RGB",
    3: "palette (indexed)",
    4: "greyscale + alpha",
    6: "RGBA",
}


def _add_bytes(a, b):
    """Byte-wise (a + b) mod 256 of two equal-length byte strings, without a Python loop (SWAR on big ints)."""
    n = len(a)
    x = int.from_bytes(a, "little")
    y = int.from_bytes(b, "little")
    m7 = int.from_bytes(b"\x7f" * n, "little")
    m8 = int.from_bytes(b"\x80" * n, "little")
    return bytearray((((x & m7) + (y & m7)) ^ ((x ^ y) & m8)).to_bytes(n, "little"))


_AND_255 = (255).__and__


def _unfilter_row(ftype, cur, prev, bpp):
    """Undoes PNG filter `ftype` on bytearray `cur` given the previous reconstructed row `prev` (zeros for the
    first row); returns the reconstructed row."""
    n = len(cur)
    if ftype == 0:  # None
        return cur
    if ftype == 1:  # Sub: per channel, a running sum mod 256
        for k in range(bpp):
            cur[k::bpp] = bytes(map(_AND_255, itertools.accumulate(cur[k::bpp])))
        return cur
    if ftype == 2:  # Up
        return _add_bytes(cur, prev)
    if ftype == 3:  # Average
        for i in range(bpp):
            cur[i] = (cur[i] + (prev[i] >> 1)) & 255
        for i in range(bpp, n):
            cur[i] = (cur[i] + ((cur[i - bpp] + prev[i]) >> 1)) & 255
        return cur
    if ftype == 4:  # Paeth
        for i in range(bpp):  # a = c = 0: the predictor is b
            cur[i] = (cur[i] + prev[i]) & 255
        for i in range(bpp, n):
            a = cur[i - bpp]
            b = prev[i]
            c = prev[i - bpp]
            pa = b - c if b >= c else c - b  # |p - a| with p = a + b - c
            pb = a - c if a >= c else c - a  # |p - b|
            pc = a + b - c - c  # p - c
            if pc < 0:
                pc = -pc
            if pa <= pb and pa <= pc:
                pr = a
            elif pb <= pc:
                pr = b
            else:
                pr = c
            cur[i] = (cur[i] + pr) & 255
        return cur
    raise PngError(f"unknown filter type {ftype} (PNG defines 0-4)")


def decode_png(data):
    """Decodes PNG bytes into an Image. Raises PngError for anything but 8-bit RGB/RGBA non-interlaced."""
    if data[:8] != PNG_SIGNATURE:
        raise PngError("not a PNG file (bad signature)")
    pos = 8
    ihdr = None
    idat = []
    seen_iend = False
    while pos < len(data):
        if pos + 8 > len(data):
            raise PngError("truncated chunk header")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise PngError(f"truncated chunk {ctype!r}")
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise PngError(f"CRC mismatch in chunk {ctype!r}")
        pos += 12 + length
        if ctype == b"IHDR":
            if length != 13:
                raise PngError("IHDR chunk is not 13 bytes")
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            seen_iend = True
            break
        elif ctype == b"PLTE":
            pass  # a suggested palette is allowed for RGB/RGBA; palette images are refused below
        elif not (ctype[0] & 0x20):  # upper-case first letter: a critical chunk we do not know
            raise PngError(f"unknown critical chunk {ctype!r}")
        if ihdr is None:
            raise PngError("the first chunk is not IHDR")
    if ihdr is None:
        raise PngError("no IHDR chunk")
    if not seen_iend:
        raise PngError("no IEND chunk (truncated file?)")
    width, height, depth, ctype_, compression, filter_method, interlace = ihdr
    name = _COLOUR_TYPE_NAMES.get(ctype_, f"unknown colour type {ctype_}")
    if ctype_ not in (2, 6):
        raise PngError(f"unsupported colour type {ctype_} ({name}): only 8-bit RGB (2) and RGBA (6) are read")
    if depth != 8:
        raise PngError(f"unsupported bit depth {depth} ({name}): only 8 bits per channel are read")
    if interlace != 0:
        raise PngError(f"unsupported interlace method {interlace} (Adam7): only non-interlaced PNGs are read")
    if compression != 0 or filter_method != 0:
        raise PngError(f"unknown compression/filter method {compression}/{filter_method}")
    if width == 0 or height == 0:
        raise PngError(f"empty image {width}x{height}")
    channels = 3 if ctype_ == 2 else 4
    stride = width * channels
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise PngError(f"bad zlib data in IDAT: {e}") from None
    if len(raw) < height * (stride + 1):
        raise PngError(f"image data too short: {len(raw)} bytes for {width}x{height} {name}")
    rows = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        cur = _unfilter_row(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), prev, channels)
        rows.append(bytes(cur))
        prev = cur
    return Image(width, height, channels, rows)


def read_png(path):
    with open(path, "rb") as f:
        return decode_png(f.read())


# ----------------------------------------------------------------------------------------------
# Colours


def chromaticity(rgb):
    """rgb / max(rgb); None for black."""
    m = max(rgb[0], rgb[1], rgb[2])
    if m == 0:
        return None
    return (rgb[0] / m, rgb[1] / m, rgb[2] / m)


def chroma_distance(c1, c2):
    """Largest per-channel difference of two chromaticities (0-1)."""
    return max(abs(c1[0] - c2[0]), abs(c1[1] - c2[1]), abs(c1[2] - c2[2]))


def matches(rgb, base, tol, min_bright=MIN_BRIGHT):
    """Whether pixel `rgb` is a (shaded) version of `base`: bright enough and within `tol` in chromaticity."""
    if max(rgb[0], rgb[1], rgb[2]) < min_bright:
        return False
    cb = chromaticity(base)
    return cb is not None and chroma_distance(chromaticity(rgb), cb) <= tol


def luma(rgb):
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def colour_histogram(img, rect):
    """Counter {(r, g, b): pixels} over rect (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = rect
    c = img.channels
    hist = collections.Counter()
    for y in range(y0, y1):
        seg = img.rows[y][x0 * c : x1 * c]
        hist.update(zip(seg[0::c], seg[1::c], seg[2::c]))
    return hist


def classify(rgb, palette, min_bright):
    """Name of the nearest palette entry (name, chromaticity, tol) that rgb matches, or None."""
    if max(rgb) < min_bright:
        return None
    ch = chromaticity(rgb)
    best = None
    best_d = None
    for name, cb, tol in palette:
        d = chroma_distance(ch, cb)
        if d <= tol and (best_d is None or d < best_d):
            best, best_d = name, d
    return best


def weighted_median(hist):
    """Median of {value: count}."""
    total = sum(hist.values())
    if total == 0:
        return None
    acc = 0
    for v in sorted(hist):
        acc += hist[v]
        if 2 * acc >= total:
            return v
    return None


def chroma_summary(hist, palette_all, min_bright, top=8):
    """Diagnostic: the most common chromaticities (0.1 bins) of bright pixels, with the nearest palette colour."""
    bins = collections.Counter()
    example = {}
    for rgb, n in hist.items():
        if max(rgb) < min_bright:
            continue
        ch = chromaticity(rgb)
        key = tuple(round(v * 10) for v in ch)
        bins[key] += n
        example.setdefault(key, rgb)
    lines = []
    for key, n in bins.most_common(top):
        ch = tuple(v / 10 for v in key)
        near = min(palette_all, key=lambda e: chroma_distance(ch, e[1]))
        lines.append(
            f"      chromaticity ~({ch[0]:.1f}, {ch[1]:.1f}, {ch[2]:.1f}) e.g. {list(example[key])}: {n} px; "
            f"nearest {near[0]} at {chroma_distance(ch, near[1]):.2f}"
        )
    return lines


# ----------------------------------------------------------------------------------------------
# Checks


class Checks:
    def __init__(self):
        self.results = []  # (name, ok, message)
        self.figures = []  # (section, text)

    def check(self, name, ok, message):
        self.results.append((name, bool(ok), message))
        return ok

    def figure(self, text):
        self.figures.append(text)

    def failed(self):
        return [r for r in self.results if not r[1]]


def _number(report, key, checks, integer=False):
    v = report.get(key)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if ok and integer and not float(v).is_integer():
        ok = False
    if not ok:
        checks.check(f"report.{key}", False, f"report field {key!r} missing or not a number: {v!r}")
        return None
    return v


def _rect(layout, key, width, height, checks):
    v = layout.get(key) if isinstance(layout, dict) else None
    if (
        not isinstance(v, list)
        or len(v) != 4
        or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in v)
    ):
        checks.check(f"layout.{key}", False, f"layout.{key} missing or not [x0, y0, x1, y1]: {v!r}")
        return None
    x0, y0, x1, y1 = (int(round(t)) for t in v)
    s = RECT_SLACK_PX
    inside = -s <= x0 and -s <= y0 and x1 <= width + s and y1 <= height + s
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    ok = inside and x1 > x0 and y1 > y0
    checks.check(
        f"layout.{key}",
        ok,
        f"{key} {v} -> pixels [{x0}, {y0}, {x1}, {y1}) = {max(x1 - x0, 0)}x{max(y1 - y0, 0)} "
        f"in a {width}x{height} image" + ("" if ok else " (outside the image or empty)"),
    )
    return (x0, y0, x1, y1) if ok else None


def _area(r):
    return (r[2] - r[0]) * (r[3] - r[1])


def _overlap(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0


def _colour(colors, key, checks):
    v = colors.get(key) if isinstance(colors, dict) else None
    if (
        not isinstance(v, list)
        or len(v) != 3
        or not all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 <= t <= 255 for t in v)
    ):
        checks.check("palette", False, f"colors.{key} missing or not [r, g, b] in 0-255: {v!r}")
        return None
    rgb = tuple(int(round(t)) for t in v)
    if max(rgb) < MIN_BRIGHT:
        checks.check("palette", False, f"colors.{key} {list(rgb)} is near-black (max < {MIN_BRIGHT})")
        return None
    return rgb


def run_checks(png_path, report_path, min_steps=1, frames=None, opts=None):
    """Runs every check; returns a Checks. `opts` overrides tolerances/thresholds (an argparse Namespace or
    a dict with the long option names, underscores for dashes)."""
    o = dict(
        min_bright=MIN_BRIGHT,
        atom_tol=ATOM_TOL,
        highlight_tol=HIGHLIGHT_TOL,
        centre_tol=CENTRE_TOL,
        trace_tol=TRACE_TOL,
        min_atom_fraction=MIN_ATOM_FRACTION,
        min_centre_px=MIN_CENTRE_PX,
        min_highlight_px=MIN_HIGHLIGHT_PX,
        min_trace_px=MIN_TRACE_PX,
        min_view_luma_std=MIN_VIEW_LUMA_STD,
    )
    if opts is not None:
        src = vars(opts) if isinstance(opts, argparse.Namespace) else opts
        o.update({k: v for k, v in src.items() if k in o and v is not None})
    checks = Checks()

    # --- report ------------------------------------------------------------------------------
    try:
        with open(report_path, "r", encoding="utf-8") as f:
            report = json.load(f)
        if not isinstance(report, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        checks.check("report", False, f"cannot read report {report_path}: {e}")
        report = None

    if report is not None:
        n = _number(report, "frames", checks, integer=True)
        if n is not None:
            ok = n >= 1 and (frames is None or n >= frames)
            asked = f", asked {frames}" if frames is not None else ""
            checks.check("report.frames", ok, f"frames {n} (need >= 1{asked})")
        steps = _number(report, "sim_steps", checks, integer=True)
        if steps is not None:
            checks.check("report.sim_steps", steps >= min_steps, f"sim_steps {steps} (need >= {min_steps})")
        sps = _number(report, "sim_steps_per_s", checks)
        if sps is not None:
            checks.check("report.sim_steps_per_s", sps > 0, f"sim_steps_per_s {sps:.2f} (need > 0)")
        fps = _number(report, "fps_mean", checks)
        if fps is not None:
            checks.check("report.fps_mean", fps > 0, f"fps_mean {fps:.2f} (need > 0)")
        ids = report.get("cluster_atom_ids")
        if isinstance(ids, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            distinct = len(set(ids))
            checks.check(
                "report.cluster_atom_ids",
                len(ids) >= 2 and distinct == len(ids),
                f"{len(ids)} cluster atom ids, {distinct} distinct (need >= 2, all distinct): {ids[:16]}"
                + (" ..." if len(ids) > 16 else ""),
            )
        else:
            checks.check("report.cluster_atom_ids", False, f"cluster_atom_ids missing or not integers: {ids!r}")
        pick = report.get("pick_check")
        if isinstance(pick, dict) and all(
            isinstance(pick.get(k), int) and not isinstance(pick.get(k), bool) for k in ("tried", "agreed")
        ):
            checks.check(
                "report.pick_check",
                pick["tried"] >= MIN_PICK_TRIED and pick["agreed"] == pick["tried"],
                f"{pick['agreed']} of {pick['tried']} projected atoms picked back (need all, and >= "
                f"{MIN_PICK_TRIED} tried); wrong: {pick.get('wrong')}",
            )
        else:
            checks.check("report.pick_check", False, f"pick_check missing or malformed: {pick!r}")
        checks.figure(
            f"report: frames {report.get('frames')}, fps_mean {report.get('fps_mean')}, "
            f"sim_steps {report.get('sim_steps')}, sim_steps_per_s {report.get('sim_steps_per_s')}, "
            f"events {report.get('events')}, window_px {report.get('window_px')}"
        )

    # --- PNG -----------------------------------------------------------------------------------
    try:
        img = read_png(png_path)
    except (OSError, PngError) as e:
        checks.check("png", False, f"cannot read {png_path}: {e}")
        return checks
    checks.figure(f"png: {img.width}x{img.height}, {'RGBA' if img.channels == 4 else 'RGB'} 8-bit")
    if report is None:
        return checks
    wpx = report.get("window_px")
    checks.check(
        "png.size",
        isinstance(wpx, list) and wpx == [img.width, img.height],
        f"PNG {img.width}x{img.height}, report window_px {wpx}",
    )

    layout = report.get("layout")
    rects = {k: _rect(layout, k, img.width, img.height, checks) for k in RECT_KEYS}
    present = [k for k in RECT_KEYS if rects[k] is not None]
    worst = ("", 0.0)
    for a, b in itertools.combinations(present, 2):
        frac = _overlap(rects[a], rects[b]) / min(_area(rects[a]), _area(rects[b]))
        if frac > worst[1]:
            worst = (f"{a}/{b}", frac)
    checks.check(
        "layout.overlap",
        worst[1] <= MAX_OVERLAP,
        f"largest overlap {worst[0] or '-'} {100 * worst[1]:.1f} % of the smaller rect "
        f"(need <= {100 * MAX_OVERLAP:.0f} %)",
    )

    colors = report.get("colors")
    pal = {k: _colour(colors, k, checks) for k in COLOR_KEYS}
    chroma = {k: chromaticity(v) for k, v in pal.items() if v is not None}
    tols = {
        "cu": o["atom_tol"],
        "zr": o["atom_tol"],
        "cluster_highlight": o["highlight_tol"],
        "centre": o["centre_tol"],
        "trace_line": o["trace_tol"],
    }
    if all(v is not None for v in pal.values()):
        pairs = [("cluster_highlight", "cu"), ("cluster_highlight", "zr")]
        pairs += [("centre", k) for k in ("cu", "zr", "cluster_highlight")]
        msgs = []
        ok = True
        for a, b in pairs:
            d = chroma_distance(chroma[a], chroma[b])
            need = tols[a]
            if d <= need:
                ok = False
            msgs.append(f"{a}-{b} {d:.2f}" + ("" if d > need else f" (need > {need:.2f})"))
        checks.check(
            "palette",
            ok,
            "chromaticity distances: " + ", ".join(msgs) + "; colours "
            + ", ".join(f"{k} {list(pal[k])}" for k in COLOR_KEYS),
        )

    mb = o["min_bright"]
    view_palette = [
        (k, chroma[k], tols[k]) for k in ("cu", "zr", "cluster_highlight", "centre") if k in chroma
    ]
    diag_palette = [(k, chroma[k], tols[k]) for k in COLOR_KEYS if k in chroma]

    # --- view ----------------------------------------------------------------------------------
    if rects["view"] is not None and view_palette:
        view = rects["view"]
        area = _area(view)
        hist = colour_histogram(img, view)
        counts = collections.Counter()
        atom_luma = collections.Counter()
        highlight_luma = collections.Counter()
        s1 = s2 = 0.0
        for rgb, n in hist.items():
            lu = luma(rgb)
            s1 += lu * n
            s2 += lu * lu * n
            cls = classify(rgb, view_palette, mb)
            if cls is None:
                continue
            counts[cls] += n
            if cls in ("cu", "zr"):
                atom_luma[round(lu)] += n
            elif cls == "cluster_highlight":
                highlight_luma[round(lu)] += n
        mean = s1 / area
        std = math.sqrt(max(s2 / area - mean * mean, 0.0))
        atoms = counts["cu"] + counts["zr"]
        median = weighted_median(atom_luma)
        bright_hl = (
            sum(n for lu, n in highlight_luma.items() if lu > median)
            if median is not None
            else counts["cluster_highlight"]
        )
        modal, modal_n = hist.most_common(1)[0]
        checks.figure(
            f"view {view[2] - view[0]}x{view[3] - view[1]} px: atom pixels {100 * atoms / area:.1f} % "
            f"(cu {100 * counts['cu'] / area:.1f} %, zr {100 * counts['zr'] / area:.1f} %), "
            f"median atom luma {median}, highlight pixels {counts['cluster_highlight']} "
            f"({bright_hl} brighter than the median atom), centre pixels {counts['centre']}, "
            f"luma mean {mean:.1f} std {std:.1f}, most common colour {list(modal)} "
            f"({100 * modal_n / area:.1f} %)"
        )
        ok_atoms = checks.check(
            "view.atoms",
            atoms >= o["min_atom_fraction"] * area,
            f"{atoms} px match cu/zr = {100 * atoms / area:.2f} % of the view "
            f"(need >= {100 * o['min_atom_fraction']:.0f} %)",
        )
        ok_centre = checks.check(
            "view.centre",
            counts["centre"] >= o["min_centre_px"],
            f"{counts['centre']} px match centre {list(pal['centre'] or [])} (need >= {o['min_centre_px']})",
        )
        ok_hl = checks.check(
            "view.highlight",
            bright_hl >= o["min_highlight_px"],
            f"{bright_hl} px match cluster_highlight {list(pal['cluster_highlight'] or [])} with luma > "
            f"median atom luma {median} ({counts['cluster_highlight']} match in all; "
            f"need >= {o['min_highlight_px']})",
        )
        checks.check(
            "view.luma_std",
            std > o["min_view_luma_std"],
            f"luma standard deviation {std:.2f} (need > {o['min_view_luma_std']})",
        )
        if modal_n >= 0.3 * area and classify(modal, view_palette, mb) is not None:
            checks.figure(
                f"note: the view's most common colour {list(modal)} ({100 * modal_n / area:.0f} %) matches "
                f"{classify(modal, view_palette, mb)}: is the background coloured like an atom?"
            )
        if not (ok_atoms and ok_centre and ok_hl):
            checks.figure("view, most common chromaticities of pixels with max >= %d:" % mb)
            for line in chroma_summary(hist, diag_palette, mb):
                checks.figure(line)

    # --- plots ---------------------------------------------------------------------------------
    if rects["plots"] is not None:
        plots = rects["plots"]
        area = _area(plots)
        hist = colour_histogram(img, plots)
        modal, modal_n = hist.most_common(1)[0]
        non_modal = (area - modal_n) / area
        trace = 0
        if "trace_line" in chroma:
            cb, tol = chroma["trace_line"], tols["trace_line"]
            for rgb, n in hist.items():
                if max(rgb) >= mb and chroma_distance(chromaticity(rgb), cb) <= tol:
                    trace += n
        checks.figure(
            f"plots {plots[2] - plots[0]}x{plots[3] - plots[1]} px: trace pixels {trace}, most common colour "
            f"{list(modal)} ({100 * modal_n / area:.1f} %), other pixels {100 * non_modal:.1f} %"
        )
        if "trace_line" in chroma:
            ok_trace = checks.check(
                "plots.trace",
                trace >= o["min_trace_px"],
                f"{trace} px match trace_line {list(pal['trace_line'])} (need >= {o['min_trace_px']})",
            )
            if not ok_trace:
                checks.figure("plots, most common chromaticities of pixels with max >= %d:" % mb)
                for line in chroma_summary(hist, diag_palette, mb):
                    checks.figure(line)
        checks.check(
            "plots.not_flat",
            non_modal >= MIN_PLOTS_NON_MODAL,
            f"{100 * non_modal:.2f} % of the plots rect differs from its most common colour {list(modal)} "
            f"(need >= {100 * MIN_PLOTS_NON_MODAL:.0f} %)",
        )

    # --- controls ------------------------------------------------------------------------------
    if rects["controls"] is not None:
        controls = rects["controls"]
        area = _area(controls)
        hist = colour_histogram(img, controls)
        modal, modal_n = hist.most_common(1)[0]
        non_modal = (area - modal_n) / area
        checks.figure(
            f"controls {controls[2] - controls[0]}x{controls[3] - controls[1]} px: most common colour "
            f"{list(modal)} ({100 * modal_n / area:.1f} %), other pixels {100 * non_modal:.1f} %"
        )
        checks.check(
            "controls.not_flat",
            non_modal >= MIN_CONTROLS_NON_MODAL,
            f"{100 * non_modal:.2f} % of the controls rect differs from its most common colour {list(modal)} "
            f"(need >= {100 * MIN_CONTROLS_NON_MODAL:.0f} %)",
        )
    return checks


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Check a betaglass app screenshot (PNG) and its run report (JSON).",
        epilog="Defaults are the thresholds documented at the top of this file.",
    )
    p.add_argument("png")
    p.add_argument("report")
    p.add_argument("--min-steps", type=int, default=1, help="least sim_steps (default 1)")
    p.add_argument("--frames", type=int, default=None, help="the --frames the app was asked for")
    p.add_argument("--min-bright", type=int, default=MIN_BRIGHT, help="near-black cut on max(r, g, b)")
    p.add_argument("--atom-tol", type=float, default=ATOM_TOL, help="chromaticity tolerance of cu and zr")
    p.add_argument("--highlight-tol", type=float, default=HIGHLIGHT_TOL)
    p.add_argument("--centre-tol", type=float, default=CENTRE_TOL)
    p.add_argument("--trace-tol", type=float, default=TRACE_TOL)
    p.add_argument("--min-atom-fraction", type=float, default=MIN_ATOM_FRACTION)
    p.add_argument("--min-centre-px", type=int, default=MIN_CENTRE_PX)
    p.add_argument("--min-highlight-px", type=int, default=MIN_HIGHLIGHT_PX)
    p.add_argument("--min-trace-px", type=int, default=MIN_TRACE_PX)
    p.add_argument("--min-view-luma-std", type=float, default=MIN_VIEW_LUMA_STD)
    args = p.parse_args(argv)

    checks = run_checks(args.png, args.report, args.min_steps, args.frames, args)
    print(f"check_app_screenshot: {args.png} + {args.report}")
    print("figures:")
    for text in checks.figures:
        print(f"  {text}")
    print("checks:")
    for name, ok, msg in checks.results:
        print(f"  {'PASS' if ok else 'FAIL'} {name}: {msg}")
    failed = checks.failed()
    if failed:
        print(f"FAIL: {len(failed)} of {len(checks.results)} checks failed: " + ", ".join(r[0] for r in failed))
        return 1
    print(f"PASS: all {len(checks.results)} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
