#!/usr/bin/env python3
"""Self-test of scripts/check_app_screenshot.py (standard library unittest only).

    python3 scripts/test_check_app_screenshot.py [-v]

1. The PNG decoder: PNGs written here in pure Python (zlib + struct), with every filter type (a different one per
   row, and each one alone), RGB and RGBA, split IDAT chunks and ancillary chunks, decode back to the exact pixels;
   16-bit, palette, greyscale, interlaced, bad-CRC, truncated and bad-filter files are refused with a clear error.
   If ImageMagick's `convert` is installed, its adaptive-filter PNGs are decoded too (skipped otherwise).
2. The checks: a synthetic screenshot (640x400: a view of shaded, dimmed bronze/green discs with bright gold
   cluster discs and a magenta centre disc; a plots panel with a blue polyline; a controls panel with widgets) and
   its report pass; variants fail exactly the check they break (no highlight, no centre, no trace line, wrong
   size, sim_steps 0, uniform view, duplicate ids, frames mismatch).
"""

import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no scripts/__pycache__ in the work tree
import check_app_screenshot as cas  # noqa: E402

CHECKER = os.path.join(HERE, "check_app_screenshot.py")


# ----------------------------------------------------------------------------------------------
# A PNG writer (pure Python) with explicit per-row filters


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    if pb <= pc:
        return b
    return c


def filter_row(ftype, row, prev, bpp):
    """PNG filter `ftype` applied to raw `row` (prev: the previous raw row, zeros for the first)."""
    left = bytes(bpp) + row[:-bpp]  # a: the byte bpp to the left (0 before the row starts)
    upleft = bytes(bpp) + prev[:-bpp]  # c: the byte above a
    if ftype == 0:
        return bytes(row)
    if ftype == 1:
        return bytes((x - a) & 255 for x, a in zip(row, left))
    if ftype == 2:
        return bytes((x - b) & 255 for x, b in zip(row, prev))
    if ftype == 3:
        return bytes((x - ((a + b) >> 1)) & 255 for x, a, b in zip(row, left, prev))
    if ftype == 4:
        return bytes((x - _paeth(a, b, c)) & 255 for x, a, b, c in zip(row, left, prev, upleft))
    raise ValueError(ftype)


def _chunk(ctype, body):
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def encode_png(
    width,
    height,
    channels,
    pixels,
    filters=(0, 1, 2, 3, 4),
    bit_depth=8,
    colour_type=None,
    interlace=0,
    idat_pieces=3,
    extra_chunks=True,
    raw_override=None,
):
    """PNG bytes for `pixels` (height rows of width * channels bytes); row y uses filters[y % len(filters)]."""
    if colour_type is None:
        colour_type = 2 if channels == 3 else 6
    stride = width * channels
    if raw_override is None:
        raw = bytearray()
        prev = bytes(stride)
        for y in range(height):
            row = bytes(pixels[y * stride : (y + 1) * stride])
            ftype = filters[y % len(filters)]
            raw.append(ftype)
            raw += filter_row(ftype, row, prev, channels)
            prev = row
    else:
        raw = raw_override
    data = zlib.compress(bytes(raw), 6)
    out = cas.PNG_SIGNATURE
    out += _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, interlace))
    if extra_chunks:
        out += _chunk(b"sRGB", b"\x00")
        out += _chunk(b"gAMA", struct.pack(">I", 45455))
        out += _chunk(b"tEXt", b"Software\x00test_check_app_screenshot")
    k = max(1, len(data) // idat_pieces + 1)
    for i in range(0, len(data), k):
        out += _chunk(b"IDAT", data[i : i + k])
    out += _chunk(b"IEND", b"")
    return out


# ----------------------------------------------------------------------------------------------
# Synthetic app screenshots

W, H = 640, 400
VIEW = [0, 0, 440, 400]
PLOTS = [440, 0, 640, 220]
CONTROLS = [440, 220, 640, 400]
BG = (20, 23, 28)
PANEL = (27, 27, 27)
CU = (204, 128, 51)
ZR = (64, 179, 89)
GOLD = (255, 205, 30)
MAGENTA = (230, 40, 230)
BLUE = (80, 160, 255)


def _lin(v):
    v /= 255.0
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _srgb(x):
    x = min(max(x, 0.0), 1.0)
    v = 12.92 * x if x <= 0.0031308 else 1.055 * x ** (1 / 2.4) - 0.055
    return int(round(255 * v))


class Canvas:
    def __init__(self, width, height, fill):
        self.w, self.h = width, height
        self.px = bytearray(bytes(fill) * (width * height))

    def set(self, x, y, rgb):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = 3 * (y * self.w + x)
            self.px[i : i + 3] = bytes(rgb)

    def get(self, x, y):
        i = 3 * (y * self.w + x)
        return tuple(self.px[i : i + 3])

    def fill_rect(self, x0, y0, x1, y1, rgb):
        row = bytes(rgb) * (x1 - x0)
        for y in range(y0, y1):
            i = 3 * (y * self.w + x0)
            self.px[i : i + len(row)] = row

    def sphere(self, cx, cy, r, rgb, gain=1.0, alpha=1.0, clip=None):
        """A lit sphere: ambient + Lambert + a small specular spot, in linear light, blended over the canvas
        with `alpha` (a dimmed, translucent atom when < 1)."""
        lin = [_lin(v) for v in rgb]
        lx, ly, lz = -0.4, -0.5, 0.77  # light towards the viewer, upper left
        for y in range(int(cy - r), int(cy + r) + 1):
            for x in range(int(cx - r), int(cx + r) + 1):
                if clip and not (clip[0] <= x < clip[2] and clip[1] <= y < clip[3]):
                    continue
                dx, dy = (x - cx) / r, (y - cy) / r
                d2 = dx * dx + dy * dy
                if d2 > 1.0 or not (0 <= x < self.w and 0 <= y < self.h):
                    continue
                nz = math.sqrt(1.0 - d2)
                ndl = max(0.0, dx * lx + dy * ly + nz * lz)
                shade = gain * (0.15 + 0.85 * ndl)
                spec = 0.6 * max(0.0, ndl) ** 60
                out = [c * shade + spec for c in lin]
                if alpha < 1.0:
                    under = self.get(x, y)
                    out = [alpha * o + (1 - alpha) * _lin(u) for o, u in zip(out, under)]
                self.set(x, y, tuple(_srgb(o) for o in out))

    def line(self, x0, y0, x1, y1, rgb, width=2.0, under=PANEL):
        """An antialiased line: full colour within width/2, a 50 % blend for the next pixel."""
        steps = int(max(abs(x1 - x0), abs(y1 - y0)) * 2) + 1
        half = width / 2
        for s in range(steps + 1):
            t = s / steps
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            for yy in range(int(y - half - 1), int(y + half + 2)):
                xx = int(round(x))
                d = abs(yy + 0.5 - y)
                if d <= half:
                    self.set(xx, yy, rgb)
                elif d <= half + 1 and self.get(xx, yy) == under:
                    self.set(xx, yy, tuple((a + b) // 2 for a, b in zip(rgb, under)))


_SCREENSHOTS = {}


def make_screenshot(highlight=True, centre=True, trace=True, atoms=True, seed=3):
    """A synthetic screenshot (a fresh Canvas; drawings are cached, since they take about a second)."""
    key = (highlight, centre, trace, atoms, seed)
    if key not in _SCREENSHOTS:
        _SCREENSHOTS[key] = _draw_screenshot(*key)
    cv = Canvas(W, H, PANEL)
    cv.px[:] = _SCREENSHOTS[key].px
    return cv


def _draw_screenshot(highlight, centre, trace, atoms, seed):
    rnd = random.Random(seed)
    cv = Canvas(W, H, PANEL)
    cv.fill_rect(*VIEW, BG)
    clip = VIEW
    if atoms:
        # The glass: dimmed, translucent bronze and green atoms on a jittered grid.
        for gy in range(12, 400, 19):
            for gx in range(12, 440, 19):
                x, y = gx + rnd.uniform(-4, 4), gy + rnd.uniform(-4, 4)
                colour = CU if rnd.random() < 0.64 else ZR
                cv.sphere(x, y, rnd.uniform(7, 9.5), colour, gain=0.75, alpha=0.7, clip=clip)
    # The cluster: 12 bright atoms (gold, or drawn as ordinary atoms when highlight=False) around a centre.
    for k in range(12):
        ang = 2 * math.pi * k / 12
        x, y = 220 + 34 * math.cos(ang), 200 + 34 * math.sin(ang)
        if highlight:
            cv.sphere(x, y, 10, GOLD, gain=1.2, clip=clip)
        else:
            cv.sphere(x, y, 10, CU if k % 2 else ZR, gain=0.75, alpha=0.7, clip=clip)
    if centre:
        cv.sphere(220, 200, 11, MAGENTA, gain=1.1, clip=clip)
    # Plots: grid, axis-label blocks and the s(t) line.
    px0, py0, px1, py1 = PLOTS
    for gx in range(px0 + 30, px1, 40):
        for y in range(py0 + 10, py1 - 20):
            cv.set(gx, y, (60, 60, 60))
    for gy in range(py0 + 10, py1 - 20, 40):
        for x in range(px0 + 30, px1 - 5):
            cv.set(x, gy, (60, 60, 60))
    for k in range(5):
        cv.fill_rect(px0 + 5, py0 + 12 + 40 * k, px0 + 22, py0 + 18 + 40 * k, (140, 140, 140))
    if trace:
        prev = None
        for i in range(0, 161, 4):
            x = px0 + 32 + i
            y = py0 + 110 - 60 * math.sin(i / 25.0) * math.exp(-i / 200) + rnd.uniform(-3, 3)
            if prev:
                cv.line(prev[0], prev[1], x, y, BLUE)
            prev = (x, y)
    # Controls: buttons, a slider, text-like blocks.
    cx0, cy0, cx1, cy1 = CONTROLS
    for k in range(4):
        cv.fill_rect(cx0 + 10, cy0 + 10 + 30 * k, cx0 + 90, cy0 + 30 + 30 * k, (60, 60, 60))
        cv.fill_rect(cx0 + 100, cy0 + 16 + 30 * k, cx0 + 180, cy0 + 22 + 30 * k, (140, 140, 140))
    cv.fill_rect(cx0 + 10, cy0 + 140, cx0 + 150, cy0 + 146, (0, 92, 128))
    return cv


def make_report(**over):
    r = {
        "frames": 240,
        "fps_mean": 14.5,
        "sim_steps": 3600,
        "sim_steps_per_s": 220.0,
        "cluster_atom_ids": [348, 12, 97, 1001, 2567, 423, 77, 3100, 2, 5, 600, 601, 602],
        "events": 0,
        "pick_check": {"tried": 40, "agreed": 40, "wrong": []},
        "window_px": [W, H],
        "layout": {"view": VIEW, "plots": PLOTS, "controls": CONTROLS},
        "colors": {
            "cu": list(CU),
            "zr": list(ZR),
            "cluster_highlight": list(GOLD),
            "centre": list(MAGENTA),
            "trace_line": list(BLUE),
        },
    }
    r.update(over)
    return r


def _rgba(canvas):
    out = bytearray()
    px = canvas.px
    for i in range(0, len(px), 3):
        out += px[i : i + 3]
        out.append(255)
    return bytes(out)


def _imagemagick():
    """Whether `convert` is ImageMagick (not some stand-in of the same name)."""
    exe = shutil.which("convert")
    if not exe:
        return False
    try:
        p = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return p.returncode == 0 and "ImageMagick" in p.stdout


# ----------------------------------------------------------------------------------------------


class DecoderTest(unittest.TestCase):
    def roundtrip(self, width, height, channels, pixels, **kw):
        data = encode_png(width, height, channels, pixels, **kw)
        img = cas.decode_png(data)
        self.assertEqual((img.width, img.height, img.channels), (width, height, channels))
        self.assertEqual(b"".join(img.rows), bytes(pixels))

    def test_random_all_filters_cycled(self):
        rnd = random.Random(1)
        for channels in (3, 4):
            for width, height in ((1, 7), (2, 5), (13, 11), (64, 10)):
                pixels = bytes(rnd.randrange(256) for _ in range(width * height * channels))
                self.roundtrip(width, height, channels, pixels)
                self.roundtrip(width, height, channels, pixels, filters=(4, 3, 2, 1, 0))

    def test_each_filter_alone_on_smooth_and_noisy_images(self):
        rnd = random.Random(2)
        width, height = 37, 9
        for channels in (3, 4):
            smooth = bytes(
                (x * 7 + y * 13 + c * 50 + (x * y) % 17) & 255
                for y in range(height)
                for x in range(width)
                for c in range(channels)
            )
            noisy = bytes(rnd.randrange(256) for _ in range(width * height * channels))
            for ftype in range(5):
                self.roundtrip(width, height, channels, smooth, filters=(ftype,))
                self.roundtrip(width, height, channels, noisy, filters=(ftype,))

    def test_extremes_and_plain_chunks(self):
        # All-255 and alternating 0/255 rows stress the mod-256 arithmetic; no ancillary chunks, one IDAT.
        width, height = 20, 6
        for channels in (3, 4):
            pixels = bytes(
                (255 if (x + y + c) % 2 else 0) if y % 2 else 255
                for y in range(height)
                for x in range(width)
                for c in range(channels)
            )
            self.roundtrip(width, height, channels, pixels, extra_chunks=False, idat_pieces=1)

    def test_screenshot_sized_rgba(self):
        cv = make_screenshot()
        self.roundtrip(W, H, 4, _rgba(cv), filters=(4, 1, 2, 3, 0, 4, 4))

    def assert_refused(self, data, *words):
        with self.assertRaises(cas.PngError) as ctx:
            cas.decode_png(data)
        msg = str(ctx.exception)
        for w in words:
            self.assertIn(w, msg)

    def test_refuses_unsupported_formats(self):
        px = bytes(4 * 4 * 3)
        self.assert_refused(encode_png(4, 4, 3, px, bit_depth=16, raw_override=b"\0" * 200), "bit depth 16")
        self.assert_refused(encode_png(4, 4, 3, px, colour_type=3, raw_override=b"\0" * 40), "palette")
        self.assert_refused(encode_png(4, 4, 3, px, colour_type=0, raw_override=b"\0" * 40), "greyscale")
        self.assert_refused(encode_png(4, 4, 3, px, interlace=1), "interlace")
        self.assert_refused(b"GIF89a" + bytes(40), "signature")

    def test_refuses_corrupt_files(self):
        data = bytearray(encode_png(4, 4, 3, bytes(range(48))))
        bad_crc = bytearray(data)
        bad_crc[8 + 8 + 13] ^= 1  # a CRC byte of IHDR
        self.assert_refused(bytes(bad_crc), "CRC")
        self.assert_refused(bytes(data[:-20]), "")  # truncated
        short = encode_png(4, 4, 3, bytes(48), raw_override=b"\0" * 20)
        self.assert_refused(short, "too short")
        bad_filter = encode_png(2, 1, 3, bytes(6), raw_override=b"\x05" + bytes(6))
        self.assert_refused(bad_filter, "filter type 5")

    @unittest.skipUnless(_imagemagick(), "ImageMagick's convert not installed")
    def test_imagemagick_adaptive_filters(self):
        rnd = random.Random(5)
        width, height = 50, 30
        pixels = bytes(
            min(255, max(0, (x * 5 + y * 3 + c * 40) % 256 + rnd.randrange(-8, 9)))
            for y in range(height)
            for x in range(width)
            for c in range(3)
        )
        with tempfile.TemporaryDirectory() as d:
            ppm = os.path.join(d, "a.ppm")
            with open(ppm, "wb") as f:
                f.write(b"P6\n%d %d\n255\n" % (width, height) + pixels)
            for quality, typ, ch in (("95", "PNG24", 3), ("95", "PNG32", 4), ("90", "PNG24", 3)):
                out = os.path.join(d, "a.png")
                subprocess.run(
                    ["convert", ppm, "-quality", quality, "-depth", "8", f"{typ}:{out}"],
                    check=True,
                    capture_output=True,
                )
                img = cas.read_png(out)
                self.assertEqual((img.width, img.height, img.channels), (width, height, ch))
                got = b"".join(bytes(r[i] for i in range(len(r)) if ch == 3 or i % 4 != 3) for r in img.rows)
                self.assertEqual(got, pixels)


class MatchTest(unittest.TestCase):
    def test_shaded_colours_match_and_others_do_not(self):
        for base in (CU, ZR, GOLD, MAGENTA, BLUE):
            lin = [_lin(v) for v in base]
            for k in (0.15, 0.3, 0.6, 1.0):
                shaded = tuple(_srgb(k * v) for v in lin)
                if max(shaded) >= cas.MIN_BRIGHT:
                    self.assertTrue(cas.matches(shaded, base, cas.ATOM_TOL), (base, k, shaded))
        self.assertFalse(cas.matches((30, 15, 5), CU, cas.ATOM_TOL))  # near-black
        self.assertFalse(cas.matches((128, 128, 128), CU, cas.ATOM_TOL))  # grey
        self.assertFalse(cas.matches(BG, BLUE, cas.TRACE_TOL))
        self.assertFalse(cas.matches(CU, GOLD, cas.HIGHLIGHT_TOL))  # bronze is not the gold highlight


_ENCODED = {}  # (pixels, rgba) -> PNG bytes, so the same screenshot is encoded once


class ChecksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.good = make_screenshot()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def write(self, name, canvas, report, rgba=False):
        png = os.path.join(self.tmp.name, name + ".png")
        js = os.path.join(self.tmp.name, name + ".json")
        key = (bytes(canvas.px), rgba)
        if key not in _ENCODED:
            if rgba:
                _ENCODED[key] = encode_png(canvas.w, canvas.h, 4, _rgba(canvas), filters=(4, 2, 1, 3, 0))
            else:
                _ENCODED[key] = encode_png(canvas.w, canvas.h, 3, bytes(canvas.px), filters=(1, 4, 2, 0, 3))
        data = _ENCODED[key]
        with open(png, "wb") as f:
            f.write(data)
        with open(js, "w") as f:
            json.dump(report, f)
        return png, js

    def failed(self, name, canvas, report, **kw):
        png, js = self.write(name, canvas, report)
        checks = cas.run_checks(png, js, **kw)
        return sorted({r[0] for r in checks.failed()}), checks

    def test_good_passes(self):
        failed, checks = self.failed("good", self.good, make_report(), frames=240)
        self.assertEqual(failed, [], "\n".join(checks.figures + [str(r) for r in checks.results]))

    def test_good_rgba_passes_via_cli(self):
        png, js = self.write("good_rgba", self.good, make_report(), rgba=True)
        p = subprocess.run(
            [sys.executable, CHECKER, png, js, "--frames", "240", "--min-steps", "100"],
            capture_output=True,
            text=True,
        )
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for word in ("PASS: all", "atom pixels", "highlight pixels", "centre pixels", "trace pixels"):
            self.assertIn(word, p.stdout)

    def test_no_highlight_fails(self):
        failed, _ = self.failed("nohl", make_screenshot(highlight=False), make_report())
        self.assertEqual(failed, ["view.highlight"])

    def test_no_centre_fails(self):
        failed, _ = self.failed("nocentre", make_screenshot(centre=False), make_report())
        self.assertEqual(failed, ["view.centre"])

    def test_no_trace_fails(self):
        failed, _ = self.failed("notrace", make_screenshot(trace=False), make_report())
        self.assertEqual(failed, ["plots.trace"])

    def test_wrong_size_fails(self):
        failed, _ = self.failed("size", self.good, make_report(window_px=[1280, 800]))
        self.assertEqual(failed, ["png.size"])

    def test_sim_steps_zero_fails(self):
        failed, _ = self.failed("steps0", self.good, make_report(sim_steps=0, sim_steps_per_s=0.0))
        self.assertEqual(failed, ["report.sim_steps", "report.sim_steps_per_s"])

    def test_min_steps(self):
        failed, _ = self.failed("minsteps", self.good, make_report(), min_steps=10_000)
        self.assertEqual(failed, ["report.sim_steps"])

    def test_uniform_view_fails(self):
        cv = make_screenshot()
        cv.fill_rect(*VIEW, BG)
        failed, _ = self.failed("uniform", cv, make_report())
        self.assertEqual(failed, ["view.atoms", "view.centre", "view.highlight", "view.luma_std"])

    def test_bad_cluster_ids_fail(self):
        for ids in ([5, 5, 7], [348], []):
            failed, _ = self.failed("ids", self.good, make_report(cluster_atom_ids=ids))
            self.assertEqual(failed, ["report.cluster_atom_ids"], ids)

    def test_pick_check_must_give_every_atom_back(self):
        wrong = {"tried": 40, "agreed": 31, "wrong": [[2087, [640.0, 400.0], 335]]}
        for pick in (wrong, {"tried": 2, "agreed": 2, "wrong": []}, None, {"tried": "40"}):
            failed, _ = self.failed("pick", self.good, make_report(pick_check=pick))
            self.assertEqual(failed, ["report.pick_check"], pick)

    def test_frames_mismatch_fails(self):
        failed, _ = self.failed("frames", self.good, make_report(), frames=300)
        self.assertEqual(failed, ["report.frames"])
        failed, _ = self.failed("frames0", self.good, make_report(frames=0))
        self.assertEqual(failed, ["report.frames"])

    def test_layout_outside_or_overlapping_fails(self):
        layout = {"view": VIEW, "plots": [440, 0, 700, 220], "controls": CONTROLS}
        failed, _ = self.failed("outside", self.good, make_report(layout=layout))
        self.assertEqual(failed, ["layout.plots"])
        layout = {"view": [0, 0, 640, 400], "plots": PLOTS, "controls": CONTROLS}  # view under the panels
        failed, _ = self.failed("overlap", self.good, make_report(layout=layout))
        self.assertIn("layout.overlap", failed)

    def test_indistinct_palette_fails(self):
        colors = dict(make_report()["colors"], cluster_highlight=[200, 125, 50])  # bronze again
        failed, _ = self.failed("palette", self.good, make_report(colors=colors))
        self.assertIn("palette", failed)

    def test_cli_failure_and_unreadable_png(self):
        png, js = self.write("cli_bad", make_screenshot(trace=False), make_report(sim_steps=0))
        p = subprocess.run([sys.executable, CHECKER, png, js], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("FAIL plots.trace", p.stdout)
        self.assertIn("FAIL report.sim_steps", p.stdout)
        sixteen = os.path.join(self.tmp.name, "deep.png")
        with open(sixteen, "wb") as f:
            f.write(encode_png(4, 4, 3, bytes(48), bit_depth=16, raw_override=b"\0" * 200))
        p = subprocess.run([sys.executable, CHECKER, sixteen, js], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("bit depth 16", p.stdout)


if __name__ == "__main__":
    unittest.main()
