//! `betaglass check-screenshot`: the checks of a headless app run, its screenshot and report
//! (`betaglass --frames N --screenshot PNG --report JSON`), for CI's `app` stage
//! (scripts/app_smoke.sh); with `--art ART_DIR`, the checks of the ART window opened on that
//! folder (CI's `art-lammps` stage). Every check is printed with its figures, then a PASS or
//! FAIL line; the command fails when any check fails or a file cannot be read.
//!
//! The report (JSON object): frames, fps_mean, sim_steps, sim_steps_per_s, cluster_atom_ids,
//! events, pick_check {tried, agreed, wrong}, window_px [w, h], layout {view, plots, controls}
//! as [x0, y0, x1, y1] screenshot pixels (x0/y0 inclusive), colors {cu, zr, cluster_highlight,
//! centre, trace_line} as 0–255 sRGB base colours.
//!
//! Checks of an app screenshot (their names are printed):
//! - `png.size`: width × height == window_px.
//! - `report.frames` ≥ 1, and ≥ `--frames` when given; `report.sim_steps` ≥ `--min-steps`;
//!   `report.sim_steps_per_s`, `report.fps_mean` > 0; `report.cluster_atom_ids`: ≥ 2 distinct
//!   integers; `report.pick_check`: ≥ [`MIN_PICK_TRIED`] atoms tried, every one picked back.
//! - `layout.{view,plots,controls}`: inside the image (1 px of rounding slack), non-empty;
//!   `layout.overlap`: no two rects share more than 2 % of the smaller one's area.
//! - `palette`: the five colours valid and not near-black; the highlight farther than its
//!   tolerance from cu and zr, the centre farther than its tolerance from cu, zr and the
//!   highlight, so the pixel counts below measure different things.
//! - `view.atoms`: pixels matching cu or zr ≥ 5 % of the view; `view.centre`: ≥ 30 pixels of
//!   the magenta centre; `view.highlight`: ≥ 200 highlight pixels brighter (luma) than the
//!   median cu/zr atom pixel; `view.luma_std` > 6: not a uniform image.
//! - `plots.trace`: ≥ 150 pixels of trace_line (an s(t) line); `plots.not_flat`: ≥ 3 % of the
//!   plots rect differs from its most common colour; `controls.not_flat`: ≥ 1 % (widgets).
//!
//! Colour matching is by chromaticity p / max(p), which shading leaves (nearly) unchanged: a
//! pixel matches base colour c when max(p) ≥ `--min-bright` (40) and every channel of its
//! chromaticity is within the tolerance of c's. Near-black pixels are dropped because their
//! chromaticity is 8-bit rounding and sRGB's linear toe. Tolerances: cu/zr 0.20 (shaded, dimmed,
//! blended with the background; the pair is ~0.6 apart), highlight 0.15 (drawn brightly; told
//! from bronze Cu, ~0.25 away), centre 0.20 (magenta is far from all else), trace 0.15 (flat
//! egui lines; antialiased edges drift). A view pixel counts for the nearest palette colour it
//! matches, so view counts are exclusive. Luma: Rec. 709 weights on the encoded values.
//!
//! What the app must guarantee for these to mean anything: rects in physical pixels with the
//! view the 3D viewport only; reported colours the ones really drawn; hues that survive
//! rendering (no bleaching tone mapping, a neutral dark background); the cluster drawn brighter
//! than the dimmed glass; an s(t) line by frame N.
//!
//! With `--art ART_DIR`: `art.source` (the report's art.source is ART_DIR, no error),
//! `art.events` (art.events and art.explorations == the rows of ART_DIR/events.csv and
//! explorations.csv), `art.shown` (event 1 on show, ≥ 1 atom) and `view.movers` (≥ 30 view
//! pixels match the highlight: the event's atoms are drawn).
//!
//! The PNG is read with the `png` crate (any colour type and depth, reduced to 8-bit RGB;
//! alpha is ignored); checksums are verified and a file without IEND is refused.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub const MIN_BRIGHT: u8 = 40;
pub const ATOM_TOL: f64 = 0.20;
pub const HIGHLIGHT_TOL: f64 = 0.15;
pub const CENTRE_TOL: f64 = 0.20;
pub const TRACE_TOL: f64 = 0.15;
const MIN_ATOM_FRACTION: f64 = 0.05;
const MIN_CENTRE_PX: u64 = 30;
const MIN_HIGHLIGHT_PX: u64 = 200;
const MIN_TRACE_PX: u64 = 150;
const MIN_VIEW_LUMA_STD: f64 = 6.0;
/// Atoms the app's pick check must have tried (the cluster and every 40th atom, those in sight).
pub const MIN_PICK_TRIED: i64 = 5;
const MIN_PLOTS_NON_MODAL: f64 = 0.03;
const MIN_CONTROLS_NON_MODAL: f64 = 0.01;
const MAX_OVERLAP: f64 = 0.02;
const RECT_SLACK_PX: i64 = 1;
/// View pixels of the movers' colour an ART screenshot must show.
const MIN_MOVERS_PX: u64 = 30;

const COLOR_KEYS: [&str; 5] = ["cu", "zr", "cluster_highlight", "centre", "trace_line"];
const RECT_KEYS: [&str; 3] = ["view", "plots", "controls"];

#[derive(clap::Args, Debug)]
pub struct CheckScreenshotArgs {
    /// The screenshot (the app's --screenshot).
    pub png: PathBuf,
    /// The run report (the app's --report).
    pub report: PathBuf,
    /// Least sim_steps.
    #[arg(long, default_value_t = 1)]
    pub min_steps: i64,
    /// The --frames the app was asked for (it may run more, waiting for CV samples).
    #[arg(long)]
    pub frames: Option<i64>,
    /// Check the ART window opened on this `betaglass art --output` folder instead.
    #[arg(long, value_name = "ART_DIR")]
    pub art: Option<PathBuf>,
    #[command(flatten)]
    pub limits: Limits,
}

/// Tolerances and thresholds of the pixel checks (see the module documentation).
#[derive(clap::Args, Debug, Clone)]
pub struct Limits {
    /// Near-black cut on max(r, g, b).
    #[arg(long, default_value_t = MIN_BRIGHT)]
    pub min_bright: u8,
    /// Chromaticity tolerance of cu and zr.
    #[arg(long, default_value_t = ATOM_TOL)]
    pub atom_tol: f64,
    /// Chromaticity tolerance of cluster_highlight.
    #[arg(long, default_value_t = HIGHLIGHT_TOL)]
    pub highlight_tol: f64,
    /// Chromaticity tolerance of centre.
    #[arg(long, default_value_t = CENTRE_TOL)]
    pub centre_tol: f64,
    /// Chromaticity tolerance of trace_line.
    #[arg(long, default_value_t = TRACE_TOL)]
    pub trace_tol: f64,
    /// Least share of the view's pixels that match cu or zr.
    #[arg(long, default_value_t = MIN_ATOM_FRACTION)]
    pub min_atom_fraction: f64,
    /// Least pixels of the centre atom.
    #[arg(long, default_value_t = MIN_CENTRE_PX)]
    pub min_centre_px: u64,
    /// Least highlight pixels brighter than the median atom pixel.
    #[arg(long, default_value_t = MIN_HIGHLIGHT_PX)]
    pub min_highlight_px: u64,
    /// Least pixels of the s(t) line in the plots.
    #[arg(long, default_value_t = MIN_TRACE_PX)]
    pub min_trace_px: u64,
    /// Least standard deviation of the view's luma (0-255).
    #[arg(long, default_value_t = MIN_VIEW_LUMA_STD)]
    pub min_view_luma_std: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            min_bright: MIN_BRIGHT,
            atom_tol: ATOM_TOL,
            highlight_tol: HIGHLIGHT_TOL,
            centre_tol: CENTRE_TOL,
            trace_tol: TRACE_TOL,
            min_atom_fraction: MIN_ATOM_FRACTION,
            min_centre_px: MIN_CENTRE_PX,
            min_highlight_px: MIN_HIGHLIGHT_PX,
            min_trace_px: MIN_TRACE_PX,
            min_view_luma_std: MIN_VIEW_LUMA_STD,
        }
    }
}

pub fn run(args: CheckScreenshotArgs) -> anyhow::Result<()> {
    let report = read_report(&args.report);
    let image = read_png(&args.png);
    let checks = match &args.art {
        Some(dir) => art_checks(image, report, dir),
        None => app_checks(image, report, args.min_steps, args.frames, &args.limits),
    };
    out!(
        "check-screenshot: {} + {}",
        args.png.display(),
        args.report.display()
    );
    out!("figures:");
    for text in &checks.figures {
        out!("  {text}");
    }
    out!("checks:");
    for (name, ok, message) in &checks.results {
        out!("  {} {name}: {message}", if *ok { "PASS" } else { "FAIL" });
    }
    let failed = checks.failed();
    if !failed.is_empty() {
        let summary = format!(
            "{} of {} checks failed: {}",
            failed.len(),
            checks.results.len(),
            failed.join(", ")
        );
        out!("FAIL: {summary}");
        anyhow::bail!("{}: {summary}", args.png.display());
    }
    out!("PASS: all {} checks", checks.results.len());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// A decoded screenshot: 8-bit RGB pixels, row by row.
pub struct Screenshot {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<Rgb>,
    /// The file's own format, e.g. "RGBA 8-bit".
    pub format: String,
}

pub type Rgb = [u8; 3];

impl Screenshot {
    fn pixel(&self, x: usize, y: usize) -> Rgb {
        self.pixels[y * self.width + x]
    }
}

/// Decodes any PNG to 8-bit RGB; the error names the reason (bad checksum, truncated, ...).
pub fn read_png(path: &Path) -> Result<Screenshot, String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot read {}: {e}", path.display());
    let decode_fail = |e: png::DecodingError| match e {
        png::DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            fail(&"the file ends before the PNG does (truncated?)")
        }
        e => fail(&e),
    };
    let file = File::open(path).map_err(|e| fail(&e))?;
    let mut decoder = png::Decoder::new(BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.ignore_checksums(false);
    let mut reader = decoder.read_info().map_err(decode_fail)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| fail(&"image too large"))?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(decode_fail)?;
    // Reads on to IEND: a file cut after its pixel data is still refused.
    reader.finish().map_err(decode_fail)?;
    let info = reader.info();
    let format = format!("{:?} {}-bit", info.color_type, info.bit_depth as u8);
    let samples = frame.color_type.samples();
    let pixels = buf[..frame.buffer_size()]
        .chunks_exact(samples)
        .map(|p| match samples {
            1 | 2 => [p[0]; 3],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    Ok(Screenshot {
        width: frame.width as usize,
        height: frame.height as usize,
        pixels,
        format: format.replace("Rgba", "RGBA").replace("Rgb", "RGB"),
    })
}

fn read_report(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read report {}: {e}", path.display()))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(format!(
            "cannot read report {}: not a JSON object",
            path.display()
        )),
        Err(e) => Err(format!("cannot read report {}: {e}", path.display())),
    }
}

// ---------------------------------------------------------------------------------------------
// Colours

/// rgb / max(rgb): unchanged by shading; `None` for black.
fn chromaticity(rgb: [f64; 3]) -> Option<[f64; 3]> {
    let m = rgb[0].max(rgb[1]).max(rgb[2]);
    (m != 0.0).then(|| [rgb[0] / m, rgb[1] / m, rgb[2] / m])
}

fn pixel_chromaticity(rgb: Rgb) -> Option<[f64; 3]> {
    chromaticity(rgb.map(f64::from))
}

/// Largest per-channel difference of two chromaticities (0–1).
fn chroma_distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] - b[0])
        .abs()
        .max((a[1] - b[1]).abs())
        .max((a[2] - b[2]).abs())
}

fn brightness(rgb: Rgb) -> u8 {
    rgb[0].max(rgb[1]).max(rgb[2])
}

/// Whether `rgb` is a (shaded) version of `base`: bright enough and within `tol` in chromaticity.
pub fn matches(rgb: Rgb, base: [f64; 3], tol: f64, min_bright: u8) -> bool {
    if brightness(rgb) < min_bright {
        return false;
    }
    match (pixel_chromaticity(rgb), chromaticity(base)) {
        (Some(c), Some(cb)) => chroma_distance(c, cb) <= tol,
        _ => false,
    }
}

/// Rec. 709 luma of the encoded values.
fn luma(rgb: Rgb) -> f64 {
    0.2126 * f64::from(rgb[0]) + 0.7152 * f64::from(rgb[1]) + 0.0722 * f64::from(rgb[2])
}

/// A rect (x0, y0, x1, y1) in pixels, x1/y1 exclusive.
type Rect = [usize; 4];

fn area(r: Rect) -> usize {
    (r[2] - r[0]) * (r[3] - r[1])
}

fn overlap(a: Rect, b: Rect) -> usize {
    let w = a[2].min(b[2]).saturating_sub(a[0].max(b[0]));
    let h = a[3].min(b[3]).saturating_sub(a[1].max(b[1]));
    w * h
}

/// The colours of a rect with their pixel counts, in the order first met (row by row), so
/// that ties for the most common colour go to the first one seen.
fn colour_histogram(img: &Screenshot, r: Rect) -> Vec<(Rgb, u64)> {
    let mut index: HashMap<Rgb, usize> = HashMap::new();
    let mut hist: Vec<(Rgb, u64)> = Vec::new();
    for y in r[1]..r[3] {
        for x in r[0]..r[2] {
            let p = img.pixel(x, y);
            let i = *index.entry(p).or_insert_with(|| {
                hist.push((p, 0));
                hist.len() - 1
            });
            hist[i].1 += 1;
        }
    }
    hist
}

/// The most common colour and its count (the first seen among equals).
fn most_common(hist: &[(Rgb, u64)]) -> (Rgb, u64) {
    hist.iter()
        .fold(None, |best: Option<(Rgb, u64)>, &(c, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((c, n)),
        })
        .unwrap_or(([0; 3], 0))
}

/// A palette entry: name, chromaticity, tolerance.
type Entry = (&'static str, [f64; 3], f64);

/// The nearest palette entry that `rgb` matches (the first among equals).
fn classify(rgb: Rgb, palette: &[Entry], min_bright: u8) -> Option<&'static str> {
    if brightness(rgb) < min_bright {
        return None;
    }
    let ch = pixel_chromaticity(rgb)?;
    let mut best: Option<(&'static str, f64)> = None;
    for &(name, cb, tol) in palette {
        let d = chroma_distance(ch, cb);
        if d <= tol && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((name, d));
        }
    }
    best.map(|(name, _)| name)
}

/// The median of a histogram {value: count}.
fn weighted_median(hist: &BTreeMap<i64, u64>) -> Option<i64> {
    let total: u64 = hist.values().sum();
    let mut acc = 0;
    for (&v, &n) in hist {
        acc += n;
        if 2 * acc >= total {
            return Some(v);
        }
    }
    None
}

/// Diagnostic: the most common chromaticities (0.1 bins) of bright pixels, with the nearest
/// palette colour.
fn chroma_summary(hist: &[(Rgb, u64)], palette: &[Entry], min_bright: u8) -> Vec<String> {
    let mut bins: Vec<([i64; 3], u64, Rgb)> = Vec::new();
    for &(rgb, n) in hist {
        if brightness(rgb) < min_bright {
            continue;
        }
        let Some(ch) = pixel_chromaticity(rgb) else {
            continue;
        };
        let key = ch.map(|v| (v * 10.0).round_ties_even() as i64);
        match bins.iter_mut().find(|b| b.0 == key) {
            Some(b) => b.1 += n,
            None => bins.push((key, n, rgb)),
        }
    }
    // Stable: equal counts keep the order first met.
    bins.sort_by_key(|b| std::cmp::Reverse(b.1));
    bins.iter()
        .take(8)
        .filter_map(|&(key, n, example)| {
            let ch = key.map(|k| k as f64 / 10.0);
            let near = palette
                .iter()
                .min_by(|a, b| chroma_distance(ch, a.1).total_cmp(&chroma_distance(ch, b.1)))?;
            Some(format!(
                "      chromaticity ~({:.1}, {:.1}, {:.1}) e.g. {}: {n} px; nearest {} at {:.2}",
                ch[0],
                ch[1],
                ch[2],
                list(&example),
                near.0,
                chroma_distance(ch, near.1)
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Checks

#[derive(Default)]
pub struct Checks {
    /// (name, passed, message), in the order run.
    pub results: Vec<(String, bool, String)>,
    pub figures: Vec<String>,
}

impl Checks {
    fn check(&mut self, name: &str, ok: bool, message: String) -> bool {
        self.results.push((name.to_string(), ok, message));
        ok
    }

    fn figure(&mut self, text: String) {
        self.figures.push(text);
    }

    pub fn failed(&self) -> Vec<&str> {
        self.results
            .iter()
            .filter(|r| !r.1)
            .map(|r| r.0.as_str())
            .collect()
    }
}

/// A JSON value as Python writes it (`[1, 2.5]`, `None`, `'text'`), for the messages.
fn py(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "None".into(),
        Some(Value::Bool(b)) => if *b { "True" } else { "False" }.into(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => format!("'{s}'"),
        Some(Value::Array(a)) => format!(
            "[{}]",
            a.iter().map(|x| py(Some(x))).collect::<Vec<_>>().join(", ")
        ),
        Some(Value::Object(o)) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, x)| format!("'{k}': {}", py(Some(x))))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A float as Python prints it (`6.0`, not `6`).
fn py_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        x.to_string()
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let parts: Vec<String> = items.iter().map(|x| x.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// A JSON integer (not a float, not a bool).
fn integer(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_i64)
}

/// A number field of the report (a whole number when `whole`), or a failed check.
fn number<'a>(report: &'a Value, key: &str, checks: &mut Checks, whole: bool) -> Option<&'a Value> {
    let v = report.get(key);
    let ok = v
        .and_then(Value::as_f64)
        .is_some_and(|x| x.is_finite() && (!whole || x.fract() == 0.0));
    if !ok {
        checks.check(
            &format!("report.{key}"),
            false,
            format!("report field '{key}' missing or not a number: {}", py(v)),
        );
        return None;
    }
    v
}

fn check_report(report: &Value, min_steps: i64, frames: Option<i64>, checks: &mut Checks) {
    let f64_of = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    if let Some(n) = number(report, "frames", checks, true) {
        let x = f64_of(n);
        let ok = x >= 1.0 && frames.is_none_or(|f| x >= f as f64);
        let asked = frames.map_or(String::new(), |f| format!(", asked {f}"));
        checks.check(
            "report.frames",
            ok,
            format!("frames {n} (need >= 1{asked})"),
        );
    }
    if let Some(steps) = number(report, "sim_steps", checks, true) {
        checks.check(
            "report.sim_steps",
            f64_of(steps) >= min_steps as f64,
            format!("sim_steps {steps} (need >= {min_steps})"),
        );
    }
    for (key, what) in [
        ("sim_steps_per_s", "sim_steps_per_s"),
        ("fps_mean", "fps_mean"),
    ] {
        if let Some(v) = number(report, key, checks, false) {
            let x = f64_of(v);
            checks.check(
                &format!("report.{key}"),
                x > 0.0,
                format!("{what} {x:.2} (need > 0)"),
            );
        }
    }
    check_cluster_ids(report.get("cluster_atom_ids"), checks);
    check_pick(report.get("pick_check"), checks);
    checks.figure(format!(
        "report: frames {}, fps_mean {}, sim_steps {}, sim_steps_per_s {}, events {}, window_px {}",
        py(report.get("frames")),
        py(report.get("fps_mean")),
        py(report.get("sim_steps")),
        py(report.get("sim_steps_per_s")),
        py(report.get("events")),
        py(report.get("window_px"))
    ));
}

fn check_cluster_ids(ids: Option<&Value>, checks: &mut Checks) {
    let parsed: Option<Vec<i64>> = ids
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(|v| integer(Some(v))).collect());
    let Some(ids_list) = parsed else {
        checks.check(
            "report.cluster_atom_ids",
            false,
            format!("cluster_atom_ids missing or not integers: {}", py(ids)),
        );
        return;
    };
    let mut distinct = ids_list.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let more = if ids_list.len() > 16 { " ..." } else { "" };
    checks.check(
        "report.cluster_atom_ids",
        ids_list.len() >= 2 && distinct.len() == ids_list.len(),
        format!(
            "{} cluster atom ids, {} distinct (need >= 2, all distinct): {}{more}",
            ids_list.len(),
            distinct.len(),
            list(&ids_list[..ids_list.len().min(16)])
        ),
    );
}

fn check_pick(pick: Option<&Value>, checks: &mut Checks) {
    let tried = pick.and_then(|p| integer(p.get("tried")));
    let agreed = pick.and_then(|p| integer(p.get("agreed")));
    let (Some(tried), Some(agreed)) = (tried, agreed) else {
        checks.check(
            "report.pick_check",
            false,
            format!("pick_check missing or malformed: {}", py(pick)),
        );
        return;
    };
    checks.check(
        "report.pick_check",
        tried >= MIN_PICK_TRIED && agreed == tried,
        format!(
            "{agreed} of {tried} projected atoms picked back (need all, and >= {MIN_PICK_TRIED} \
             tried); wrong: {}",
            py(pick.and_then(|p| p.get("wrong")))
        ),
    );
}

/// layout.KEY as a rect clipped to the image, or a failed check when it is malformed,
/// outside the image (beyond [`RECT_SLACK_PX`]) or empty.
fn layout_rect(
    layout: Option<&Value>,
    key: &str,
    img: &Screenshot,
    checks: &mut Checks,
) -> Option<Rect> {
    let v = layout.and_then(|l| l.get(key));
    let numbers: Option<Vec<f64>> = v
        .and_then(Value::as_array)
        .filter(|a| a.len() == 4)
        .and_then(|a| a.iter().map(Value::as_f64).collect());
    let Some(numbers) = numbers else {
        checks.check(
            &format!("layout.{key}"),
            false,
            format!("layout.{key} missing or not [x0, y0, x1, y1]: {}", py(v)),
        );
        return None;
    };
    let [x0, y0, x1, y1] = [0, 1, 2, 3].map(|i| numbers[i].round_ties_even() as i64);
    let (w, h) = (img.width as i64, img.height as i64);
    let s = RECT_SLACK_PX;
    let inside = -s <= x0 && -s <= y0 && x1 <= w + s && y1 <= h + s;
    let (x0, y0, x1, y1) = (x0.max(0), y0.max(0), x1.min(w), y1.min(h));
    let ok = inside && x1 > x0 && y1 > y0;
    checks.check(
        &format!("layout.{key}"),
        ok,
        format!(
            "{key} {} -> pixels [{x0}, {y0}, {x1}, {y1}) = {}x{} in a {w}x{h} image{}",
            py(v),
            (x1 - x0).max(0),
            (y1 - y0).max(0),
            if ok {
                ""
            } else {
                " (outside the image or empty)"
            }
        ),
    );
    ok.then(|| [x0, y0, x1, y1].map(|c| c as usize))
}

/// colors.KEY as 0–255 integers, or a failed `palette` check.
fn palette_colour(colors: Option<&Value>, key: &str, checks: &mut Checks) -> Option<Rgb> {
    let v = colors.and_then(|c| c.get(key));
    let numbers: Option<Vec<f64>> = v
        .and_then(Value::as_array)
        .filter(|a| a.len() == 3)
        .and_then(|a| a.iter().map(Value::as_f64).collect())
        .filter(|n: &Vec<f64>| n.iter().all(|t| (0.0..=255.0).contains(t)));
    let Some(n) = numbers else {
        checks.check(
            "palette",
            false,
            format!("colors.{key} missing or not [r, g, b] in 0-255: {}", py(v)),
        );
        return None;
    };
    let rgb = [0, 1, 2].map(|i| n[i].round_ties_even() as u8);
    if brightness(rgb) < MIN_BRIGHT {
        checks.check(
            "palette",
            false,
            format!(
                "colors.{key} {} is near-black (max < {MIN_BRIGHT})",
                list(&rgb)
            ),
        );
        return None;
    }
    Some(rgb)
}

/// Every check of an app screenshot and its report.
pub fn app_checks(
    image: Result<Screenshot, String>,
    report: Result<Value, String>,
    min_steps: i64,
    frames: Option<i64>,
    limits: &Limits,
) -> Checks {
    let mut checks = Checks::default();
    let report = match report {
        Ok(r) => {
            check_report(&r, min_steps, frames, &mut checks);
            Some(r)
        }
        Err(e) => {
            checks.check("report", false, e);
            None
        }
    };
    let img = match image {
        Ok(img) => img,
        Err(e) => {
            checks.check("png", false, e);
            return checks;
        }
    };
    checks.figure(format!("png: {}x{}, {}", img.width, img.height, img.format));
    if let Some(report) = report {
        check_pixels(&img, &report, limits, &mut checks);
    }
    checks
}

/// The size, layout, palette and pixel checks.
fn check_pixels(img: &Screenshot, report: &Value, limits: &Limits, checks: &mut Checks) {
    let wpx = report.get("window_px");
    let size_ok = wpx.and_then(Value::as_array).is_some_and(|a| {
        a.len() == 2
            && a[0].as_f64() == Some(img.width as f64)
            && a[1].as_f64() == Some(img.height as f64)
    });
    checks.check(
        "png.size",
        size_ok,
        format!(
            "PNG {}x{}, report window_px {}",
            img.width,
            img.height,
            py(wpx)
        ),
    );

    let layout = report.get("layout");
    let rects: Vec<Option<Rect>> = RECT_KEYS
        .iter()
        .map(|k| layout_rect(layout, k, img, checks))
        .collect();
    check_overlap(&rects, checks);

    let palette = Palette::read(report.get("colors"), limits, checks);
    if palette.colours.iter().all(Option::is_some) {
        check_palette(&palette, checks);
    }
    if let Some(view) = rects[0]
        && !palette.view().is_empty()
    {
        check_view(img, view, &palette, limits, checks);
    }
    if let Some(plots) = rects[1] {
        check_plots(img, plots, &palette, limits, checks);
    }
    if let Some(controls) = rects[2] {
        let panel = Panel::of(img, controls);
        checks.figure(panel.figure("controls", ""));
        panel.check_not_flat("controls", MIN_CONTROLS_NON_MODAL, checks);
    }
}

/// A panel's pixels: their colours, the most common one and the share of the others.
struct Panel {
    rect: Rect,
    hist: Vec<(Rgb, u64)>,
    modal: Rgb,
    modal_pct: f64,
    non_modal: f64,
}

impl Panel {
    fn of(img: &Screenshot, rect: Rect) -> Panel {
        let hist = colour_histogram(img, rect);
        let (modal, n) = most_common(&hist);
        let a = area(rect) as f64;
        Panel {
            rect,
            hist,
            modal,
            modal_pct: 100.0 * n as f64 / a,
            non_modal: (a - n as f64) / a,
        }
    }

    /// `NAME WxH px: EXTRAmost common colour …, other pixels …`.
    fn figure(&self, name: &str, extra: &str) -> String {
        let r = self.rect;
        format!(
            "{name} {}x{} px: {extra}most common colour {} ({:.1} %), other pixels {:.1} %",
            r[2] - r[0],
            r[3] - r[1],
            list(&self.modal),
            self.modal_pct,
            100.0 * self.non_modal
        )
    }

    /// `NAME.not_flat`: at least `min` of the rect differs from its most common colour.
    fn check_not_flat(&self, name: &str, min: f64, checks: &mut Checks) {
        checks.check(
            &format!("{name}.not_flat"),
            self.non_modal >= min,
            format!(
                "{:.2} % of the {name} rect differs from its most common colour {} (need >= {:.0} %)",
                100.0 * self.non_modal,
                list(&self.modal),
                100.0 * min
            ),
        );
    }
}

fn check_overlap(rects: &[Option<Rect>], checks: &mut Checks) {
    let mut worst = (String::new(), 0.0);
    for a in 0..rects.len() {
        for b in a + 1..rects.len() {
            let (Some(ra), Some(rb)) = (rects[a], rects[b]) else {
                continue;
            };
            let frac = overlap(ra, rb) as f64 / area(ra).min(area(rb)) as f64;
            if frac > worst.1 {
                worst = (format!("{}/{}", RECT_KEYS[a], RECT_KEYS[b]), frac);
            }
        }
    }
    let name = if worst.0.is_empty() { "-" } else { &worst.0 };
    checks.check(
        "layout.overlap",
        worst.1 <= MAX_OVERLAP,
        format!(
            "largest overlap {name} {:.1} % of the smaller rect (need <= {:.0} %)",
            100.0 * worst.1,
            100.0 * MAX_OVERLAP
        ),
    );
}

/// The report's colours, in [`COLOR_KEYS`] order (`None` where invalid), with their
/// chromaticities and tolerances.
struct Palette {
    colours: Vec<Option<Rgb>>,
    entries: Vec<Option<Entry>>,
}

impl Palette {
    fn read(colors: Option<&Value>, limits: &Limits, checks: &mut Checks) -> Palette {
        let colours: Vec<Option<Rgb>> = COLOR_KEYS
            .iter()
            .map(|k| palette_colour(colors, k, checks))
            .collect();
        let tols = [
            limits.atom_tol,
            limits.atom_tol,
            limits.highlight_tol,
            limits.centre_tol,
            limits.trace_tol,
        ];
        let entries = (0..COLOR_KEYS.len())
            .map(|i| Some((COLOR_KEYS[i], pixel_chromaticity(colours[i]?)?, tols[i])))
            .collect();
        Palette { colours, entries }
    }

    /// The colours a view pixel may be: cu, zr, cluster_highlight, centre.
    fn view(&self) -> Vec<Entry> {
        self.entries[..4].iter().flatten().copied().collect()
    }

    fn all(&self) -> Vec<Entry> {
        self.entries.iter().flatten().copied().collect()
    }

    fn trace(&self) -> Option<Entry> {
        self.entries[4]
    }

    /// Colour `i` as `[r, g, b]`, `[]` when the report has none.
    fn text(&self, i: usize) -> String {
        self.colours[i].map_or("[]".into(), |c| list(&c))
    }
}

/// The highlight must be told from cu and zr, the centre from cu, zr and the highlight.
fn check_palette(palette: &Palette, checks: &mut Checks) {
    let entries = &palette.entries;
    let pairs = [(2, 0), (2, 1), (3, 0), (3, 1), (3, 2)];
    let mut ok = true;
    let mut msgs = Vec::new();
    for (a, b) in pairs {
        let (Some(ea), Some(eb)) = (entries[a], entries[b]) else {
            continue;
        };
        let d = chroma_distance(ea.1, eb.1);
        let need = ea.2;
        ok &= d > need;
        let extra = if d > need {
            String::new()
        } else {
            format!(" (need > {need:.2})")
        };
        msgs.push(format!("{}-{} {d:.2}{extra}", ea.0, eb.0));
    }
    let colours: Vec<String> = (0..COLOR_KEYS.len())
        .map(|i| format!("{} {}", COLOR_KEYS[i], palette.text(i)))
        .collect();
    checks.check(
        "palette",
        ok,
        format!(
            "chromaticity distances: {}; colours {}",
            msgs.join(", "),
            colours.join(", ")
        ),
    );
}

/// What the view's pixels hold: counts per palette colour, atom and highlight lumas.
#[derive(Default)]
struct ViewCensus {
    counts: HashMap<&'static str, u64>,
    atom_luma: BTreeMap<i64, u64>,
    highlight_luma: BTreeMap<i64, u64>,
    luma_mean: f64,
    luma_std: f64,
}

fn view_census(hist: &[(Rgb, u64)], view: Rect, palette: &[Entry], min_bright: u8) -> ViewCensus {
    let mut c = ViewCensus::default();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &(rgb, n) in hist {
        let lu = luma(rgb);
        s1 += lu * n as f64;
        s2 += lu * lu * n as f64;
        let Some(class) = classify(rgb, palette, min_bright) else {
            continue;
        };
        *c.counts.entry(class).or_default() += n;
        let bin = lu.round_ties_even() as i64;
        match class {
            "cu" | "zr" => *c.atom_luma.entry(bin).or_default() += n,
            "cluster_highlight" => *c.highlight_luma.entry(bin).or_default() += n,
            _ => {}
        }
    }
    let a = area(view) as f64;
    c.luma_mean = s1 / a;
    c.luma_std = (s2 / a - c.luma_mean * c.luma_mean).max(0.0).sqrt();
    c
}

fn check_view(
    img: &Screenshot,
    view: Rect,
    palette: &Palette,
    limits: &Limits,
    checks: &mut Checks,
) {
    let a = area(view) as f64;
    let hist = colour_histogram(img, view);
    let view_palette = palette.view();
    let census = view_census(&hist, view, &view_palette, limits.min_bright);
    let count = |k: &str| census.counts.get(k).copied().unwrap_or(0);
    let atoms = count("cu") + count("zr");
    let median = weighted_median(&census.atom_luma);
    let bright_hl = match median {
        Some(m) => census.highlight_luma.range(m + 1..).map(|(_, n)| n).sum(),
        None => count("cluster_highlight"),
    };
    let median_text = median.map_or("None".to_string(), |m| m.to_string());
    let (modal, modal_n) = most_common(&hist);
    checks.figure(format!(
        "view {}x{} px: atom pixels {:.1} % (cu {:.1} %, zr {:.1} %), median atom luma {median_text}, \
         highlight pixels {} ({bright_hl} brighter than the median atom), centre pixels {}, luma mean \
         {:.1} std {:.1}, most common colour {} ({:.1} %)",
        view[2] - view[0],
        view[3] - view[1],
        100.0 * atoms as f64 / a,
        100.0 * count("cu") as f64 / a,
        100.0 * count("zr") as f64 / a,
        count("cluster_highlight"),
        count("centre"),
        census.luma_mean,
        census.luma_std,
        list(&modal),
        100.0 * modal_n as f64 / a
    ));
    let ok_atoms = checks.check(
        "view.atoms",
        atoms as f64 >= limits.min_atom_fraction * a,
        format!(
            "{atoms} px match cu/zr = {:.2} % of the view (need >= {:.0} %)",
            100.0 * atoms as f64 / a,
            100.0 * limits.min_atom_fraction
        ),
    );
    let ok_centre = checks.check(
        "view.centre",
        count("centre") >= limits.min_centre_px,
        format!(
            "{} px match centre {} (need >= {})",
            count("centre"),
            palette.text(3),
            limits.min_centre_px
        ),
    );
    let ok_hl = checks.check(
        "view.highlight",
        bright_hl >= limits.min_highlight_px,
        format!(
            "{bright_hl} px match cluster_highlight {} with luma > median atom luma {median_text} ({} \
             match in all; need >= {})",
            palette.text(2),
            count("cluster_highlight"),
            limits.min_highlight_px
        ),
    );
    checks.check(
        "view.luma_std",
        census.luma_std > limits.min_view_luma_std,
        format!(
            "luma standard deviation {:.2} (need > {})",
            census.luma_std,
            py_float(limits.min_view_luma_std)
        ),
    );
    if modal_n as f64 >= 0.3 * a
        && let Some(class) = classify(modal, &view_palette, limits.min_bright)
    {
        checks.figure(format!(
            "note: the view's most common colour {} ({:.0} %) matches {class}: is the background \
             coloured like an atom?",
            list(&modal),
            100.0 * modal_n as f64 / a
        ));
    }
    if !(ok_atoms && ok_centre && ok_hl) {
        diagnose(&hist, "view", &palette.all(), limits.min_bright, checks);
    }
}

fn diagnose(
    hist: &[(Rgb, u64)],
    what: &str,
    palette: &[Entry],
    min_bright: u8,
    checks: &mut Checks,
) {
    checks.figure(format!(
        "{what}, most common chromaticities of pixels with max >= {min_bright}:"
    ));
    for line in chroma_summary(hist, palette, min_bright) {
        checks.figure(line);
    }
}

fn check_plots(
    img: &Screenshot,
    plots: Rect,
    palette: &Palette,
    limits: &Limits,
    checks: &mut Checks,
) {
    let panel = Panel::of(img, plots);
    let trace = palette.trace();
    let trace_px: u64 = trace.map_or(0, |(_, cb, tol)| {
        panel
            .hist
            .iter()
            .filter(|&&(rgb, _)| {
                brightness(rgb) >= limits.min_bright
                    && pixel_chromaticity(rgb).is_some_and(|c| chroma_distance(c, cb) <= tol)
            })
            .map(|&(_, n)| n)
            .sum()
    });
    checks.figure(panel.figure("plots", &format!("trace pixels {trace_px}, ")));
    if trace.is_some() {
        let ok = checks.check(
            "plots.trace",
            trace_px >= limits.min_trace_px,
            format!(
                "{trace_px} px match trace_line {} (need >= {})",
                palette.text(4),
                limits.min_trace_px
            ),
        );
        if !ok {
            diagnose(
                &panel.hist,
                "plots",
                &palette.all(),
                limits.min_bright,
                checks,
            );
        }
    }
    panel.check_not_flat("plots", MIN_PLOTS_NON_MODAL, checks);
}

// ---------------------------------------------------------------------------------------------
// The ART window

/// Data rows of a CSV file (blank lines skipped), or why it cannot be read.
fn csv_rows(path: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text.lines().skip(1).filter(|l| !l.is_empty()).count())
}

/// The checks of a screenshot of the ART window opened on `art_dir`.
pub fn art_checks(
    image: Result<Screenshot, String>,
    report: Result<Value, String>,
    art_dir: &Path,
) -> Checks {
    let mut checks = Checks::default();
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            checks.check("report", false, e);
            return checks;
        }
    };
    let art = report.get("art").filter(|a| a.is_object());
    let field = |k: &str| art.and_then(|a| a.get(k));
    let source = field("source").and_then(Value::as_str);
    let same = source.is_some_and(|s| {
        matches!((Path::new(s).canonicalize(), art_dir.canonicalize()), (Ok(a), Ok(b)) if a == b)
    });
    let no_error = field("error").is_none_or(Value::is_null);
    checks.check(
        "art.source",
        same && no_error,
        format!(
            "source {}, error {}",
            py(field("source")),
            py(field("error"))
        ),
    );
    let files = csv_rows(&art_dir.join("events.csv"))
        .and_then(|e| Ok((e, csv_rows(&art_dir.join("explorations.csv"))?)));
    match files {
        Ok((events, explorations)) => checks.check(
            "art.events",
            integer(field("events")) == Some(events as i64)
                && integer(field("explorations")) == Some(explorations as i64),
            format!(
                "report {} events / {} explorations, files {events} / {explorations}",
                py(field("events")),
                py(field("explorations"))
            ),
        ),
        Err(e) => checks.check("art.events", false, e),
    };
    checks.check(
        "art.shown",
        integer(field("shown_event")) == Some(1)
            && field("shown_atoms")
                .and_then(Value::as_f64)
                .is_some_and(|n| n >= 1.0),
        format!(
            "shown_event {}, shown_atoms {}",
            py(field("shown_event")),
            py(field("shown_atoms"))
        ),
    );
    match image {
        Ok(img) => {
            checks.figure(format!("png: {}x{}, {}", img.width, img.height, img.format));
            check_movers(&img, &report, &mut checks);
        }
        Err(e) => {
            checks.check("png", false, e);
        }
    }
    checks
}

/// `view.movers`: the event's atoms, drawn in the highlight colour, are in the view.
fn check_movers(img: &Screenshot, report: &Value, checks: &mut Checks) {
    let view: Option<Vec<f64>> = report
        .pointer("/layout/view")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 4)
        .and_then(|a| a.iter().map(Value::as_f64).collect());
    let base: Option<Vec<f64>> = report
        .pointer("/colors/cluster_highlight")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 3)
        .and_then(|a| a.iter().map(Value::as_f64).collect());
    let (Some(view), Some(base)) = (view, base) else {
        checks.check(
            "view.movers",
            false,
            "the report has no layout.view [x0, y0, x1, y1] or colors.cluster_highlight [r, g, b]"
                .into(),
        );
        return;
    };
    // Whole pixels, clipped to the image.
    let clip = |v: f64, max: usize| (v.trunc().max(0.0) as usize).min(max);
    let rect = [
        clip(view[0], img.width),
        clip(view[1], img.height),
        clip(view[2], img.width),
        clip(view[3], img.height),
    ];
    let rect = [rect[0], rect[1], rect[2].max(rect[0]), rect[3].max(rect[1])];
    let base = [base[0], base[1], base[2]];
    let movers: u64 = colour_histogram(img, rect)
        .iter()
        .filter(|&&(rgb, _)| matches(rgb, base, HIGHLIGHT_TOL, MIN_BRIGHT))
        .map(|&(_, n)| n)
        .sum();
    checks.check(
        "view.movers",
        movers >= MIN_MOVERS_PX,
        format!(
            "{movers} pixels match {} in the view ({}, {}, {}, {}) (need >= {MIN_MOVERS_PX})",
            py(report.pointer("/colors/cluster_highlight")),
            rect[0],
            rect[1],
            rect[2],
            rect[3]
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // A synthetic 640x400 screenshot: a view of dimmed bronze/green atoms with a bright gold
    // cluster round a magenta centre, a plots panel with an s(t) line, a controls panel.
    const W: usize = 640;
    const H: usize = 400;
    const VIEW: Rect = [0, 0, 440, 400];
    const PLOTS: Rect = [440, 0, 640, 220];
    const CONTROLS: Rect = [440, 220, 640, 400];
    const BG: Rgb = [20, 23, 28];
    const PANEL: Rgb = [27, 27, 27];
    const CU: Rgb = [204, 128, 51];
    const ZR: Rgb = [64, 179, 89];
    const GOLD: Rgb = [255, 205, 30];
    const MAGENTA: Rgb = [230, 40, 230];
    const BLUE: Rgb = [80, 160, 255];

    fn fill(img: &mut Screenshot, r: Rect, c: Rgb) {
        for y in r[1]..r[3] {
            for x in r[0]..r[2] {
                img.pixels[y * img.width + x] = c;
            }
        }
    }

    /// A shaded disc: the base colour scaled by gain × (0.35 + 0.65 n_z), as a lit sphere.
    fn disc(img: &mut Screenshot, cx: f64, cy: f64, r: f64, base: Rgb, gain: f64) {
        for y in (cy - r) as usize..=(cy + r) as usize {
            for x in (cx - r) as usize..=(cx + r) as usize {
                let d2 = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)) / (r * r);
                if d2 > 1.0 || x >= VIEW[2] || y >= VIEW[3] {
                    continue;
                }
                let shade = gain * (0.35 + 0.65 * (1.0 - d2).sqrt());
                img.pixels[y * img.width + x] =
                    base.map(|c| (f64::from(c) * shade).round().min(255.0) as u8);
            }
        }
    }

    struct Scene {
        highlight: bool,
        centre: bool,
        trace: bool,
    }

    const GOOD: Scene = Scene {
        highlight: true,
        centre: true,
        trace: true,
    };

    fn screenshot(scene: Scene) -> Screenshot {
        let mut img = Screenshot {
            width: W,
            height: H,
            pixels: vec![PANEL; W * H],
            format: "RGB 8-bit".into(),
        };
        fill(&mut img, VIEW, BG);
        for gy in (12..400).step_by(19) {
            for gx in (12..440).step_by(19) {
                let c = if (gx + gy) % 3 == 0 { ZR } else { CU };
                disc(&mut img, gx as f64, gy as f64, 8.0, c, 0.6);
            }
        }
        for k in 0..12 {
            let a = std::f64::consts::TAU * k as f64 / 12.0;
            let (x, y) = (220.0 + 34.0 * a.cos(), 200.0 + 34.0 * a.sin());
            match scene.highlight {
                true => disc(&mut img, x, y, 10.0, GOLD, 1.0),
                false => disc(&mut img, x, y, 10.0, CU, 0.6),
            }
        }
        if scene.centre {
            disc(&mut img, 220.0, 200.0, 11.0, MAGENTA, 1.0);
        }
        for gx in (PLOTS[0] + 30..PLOTS[2]).step_by(40) {
            fill(&mut img, [gx, 10, gx + 1, 200], [60, 60, 60]);
        }
        for gy in (10..200).step_by(40) {
            fill(&mut img, [470, gy, 635, gy + 1], [60, 60, 60]);
        }
        if scene.trace {
            for x in 470..630 {
                let y = (110.0 + 60.0 * (x as f64 / 25.0).sin()) as usize;
                fill(&mut img, [x, y - 1, x + 1, y + 2], BLUE);
            }
        }
        for k in 0..4 {
            let y = CONTROLS[1] + 10 + 30 * k;
            fill(&mut img, [450, y, 530, y + 20], [60, 60, 60]);
            fill(&mut img, [540, y + 6, 620, y + 12], [140, 140, 140]);
        }
        img
    }

    fn report() -> Value {
        json!({
            "frames": 240, "fps_mean": 14.5, "sim_steps": 3600, "sim_steps_per_s": 220.0,
            "cluster_atom_ids": [348, 12, 97, 1001, 2567, 423, 77, 3100, 2, 5, 600, 601, 602],
            "events": 0,
            "pick_check": {"tried": 40, "agreed": 40, "wrong": []},
            "window_px": [W, H],
            "layout": {"view": VIEW, "plots": PLOTS, "controls": CONTROLS},
            "colors": {"cu": CU, "zr": ZR, "cluster_highlight": GOLD, "centre": MAGENTA,
                       "trace_line": BLUE},
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut r = report();
        r[key] = value;
        r
    }

    /// The names of the failed checks (sorted, without repeats) of an app screenshot.
    fn failed(img: Screenshot, report: Value) -> Vec<String> {
        failed_with(img, report, 1, None)
    }

    fn failed_with(img: Screenshot, report: Value, steps: i64, frames: Option<i64>) -> Vec<String> {
        let checks = app_checks(Ok(img), Ok(report), steps, frames, &Limits::default());
        let mut names: Vec<String> = checks.failed().iter().map(|s| s.to_string()).collect();
        names.dedup();
        names.sort();
        names
    }

    #[test]
    fn a_good_screenshot_passes_all_nineteen_checks() {
        let checks = app_checks(
            Ok(screenshot(GOOD)),
            Ok(report()),
            100,
            Some(240),
            &Limits::default(),
        );
        assert_eq!(checks.failed(), Vec::<&str>::new(), "{:?}", checks.results);
        assert_eq!(checks.results.len(), 19);
    }

    #[test]
    fn a_missing_highlight_centre_or_trace_fails_just_its_check() {
        let no_hl = Scene {
            highlight: false,
            ..GOOD
        };
        assert_eq!(failed(screenshot(no_hl), report()), ["view.highlight"]);
        let no_centre = Scene {
            centre: false,
            ..GOOD
        };
        assert_eq!(failed(screenshot(no_centre), report()), ["view.centre"]);
        let no_trace = Scene {
            trace: false,
            ..GOOD
        };
        assert_eq!(failed(screenshot(no_trace), report()), ["plots.trace"]);
    }

    #[test]
    fn blank_or_one_colour_screenshots_fail_every_pixel_check() {
        for colour in [[0, 0, 0], PANEL, CU] {
            let mut img = screenshot(GOOD);
            img.pixels.fill(colour);
            let f = failed(img, report());
            for name in [
                "view.centre",
                "view.highlight",
                "view.luma_std",
                "plots.trace",
            ] {
                assert!(f.contains(&name.to_string()), "{colour:?}: {f:?}");
            }
            assert!(f.contains(&"plots.not_flat".to_string()));
            assert!(f.contains(&"controls.not_flat".to_string()));
        }
        let mut img = screenshot(GOOD);
        fill(&mut img, VIEW, BG);
        assert_eq!(
            failed(img, report()),
            [
                "view.atoms",
                "view.centre",
                "view.highlight",
                "view.luma_std"
            ]
        );
    }

    #[test]
    fn report_fields_are_checked() {
        let good = || screenshot(GOOD);
        assert_eq!(
            failed(good(), with("window_px", json!([1280, 800]))),
            ["png.size"]
        );
        let mut r = with("sim_steps", json!(0));
        r["sim_steps_per_s"] = json!(0.0);
        assert_eq!(
            failed(good(), r),
            ["report.sim_steps", "report.sim_steps_per_s"]
        );
        assert_eq!(
            failed_with(good(), report(), 10_000, None),
            ["report.sim_steps"]
        );
        assert_eq!(
            failed_with(good(), report(), 1, Some(300)),
            ["report.frames"]
        );
        assert_eq!(failed(good(), with("frames", json!(0))), ["report.frames"]);
        assert_eq!(
            failed(good(), with("frames", json!(true))),
            ["report.frames"]
        );
        for ids in [json!([5, 5, 7]), json!([348]), json!([]), json!([1.0, 2.0])] {
            let r = with("cluster_atom_ids", ids.clone());
            assert_eq!(failed(good(), r), ["report.cluster_atom_ids"], "{ids}");
        }
        let wrong = json!({"tried": 40, "agreed": 31, "wrong": [[2087, [640.0, 400.0], 335]]});
        let few = json!({"tried": 2, "agreed": 2, "wrong": []});
        for pick in [wrong, few, Value::Null, json!({"tried": "40"})] {
            let r = with("pick_check", pick.clone());
            assert_eq!(failed(good(), r), ["report.pick_check"], "{pick}");
        }
    }

    #[test]
    fn layout_and_palette_are_checked() {
        let good = || screenshot(GOOD);
        let outside = json!({"view": VIEW, "plots": [440, 0, 700, 220], "controls": CONTROLS});
        assert_eq!(failed(good(), with("layout", outside)), ["layout.plots"]);
        // One pixel of rounding slack beyond the image is allowed.
        let slack = json!({"view": VIEW, "plots": [440, 0, 641, 220], "controls": CONTROLS});
        assert_eq!(failed(good(), with("layout", slack)), Vec::<String>::new());
        let under = json!({"view": [0, 0, 640, 400], "plots": PLOTS, "controls": CONTROLS});
        assert!(failed(good(), with("layout", under)).contains(&"layout.overlap".to_string()));
        let mut colours = report()["colors"].clone();
        colours["cluster_highlight"] = json!([200, 125, 50]); // bronze again
        assert!(failed(good(), with("colors", colours)).contains(&"palette".to_string()));
        let mut colours = report()["colors"].clone();
        colours["centre"] = json!([10, 10, 10]);
        assert_eq!(
            failed(good(), with("colors", colours)),
            ["palette", "view.centre"]
        );
    }

    #[test]
    fn shaded_colours_match_their_base_and_others_do_not() {
        for base in [CU, ZR, GOLD, MAGENTA, BLUE] {
            let b = base.map(f64::from);
            for k in [0.3, 0.6, 1.0] {
                let shaded = base.map(|c| (f64::from(c) * k).round() as u8);
                if brightness(shaded) >= MIN_BRIGHT {
                    assert!(matches(shaded, b, ATOM_TOL, MIN_BRIGHT), "{base:?} × {k}");
                }
            }
        }
        let cu = CU.map(f64::from);
        assert!(!matches([30, 15, 5], cu, ATOM_TOL, MIN_BRIGHT)); // near-black
        assert!(!matches([128, 128, 128], cu, ATOM_TOL, MIN_BRIGHT)); // grey
        assert!(!matches(BG, BLUE.map(f64::from), TRACE_TOL, MIN_BRIGHT));
        // Bronze is not the gold highlight.
        assert!(!matches(CU, GOLD.map(f64::from), HIGHLIGHT_TOL, MIN_BRIGHT));
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "betaglass-check-screenshot-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn encode(img: &Screenshot, colour: png::ColorType, depth: png::BitDepth) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, img.width as u32, img.height as u32);
        enc.set_color(colour);
        enc.set_depth(depth);
        let data: Vec<u8> = img
            .pixels
            .iter()
            .flat_map(|p| match (colour, depth) {
                (png::ColorType::Rgba, _) => vec![p[0], p[1], p[2], 255],
                (png::ColorType::Grayscale, png::BitDepth::Sixteen) => vec![p[0], 0],
                _ => p.to_vec(),
            })
            .collect();
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&data).unwrap();
        w.finish().unwrap();
        out
    }

    #[test]
    fn png_files_decode_to_the_pixels_written_and_broken_ones_are_refused() {
        let dir = scratch("png");
        let img = screenshot(GOOD);
        for (colour, name) in [(png::ColorType::Rgb, "RGB"), (png::ColorType::Rgba, "RGBA")] {
            let path = dir.join(format!("{name}.png"));
            std::fs::write(&path, encode(&img, colour, png::BitDepth::Eight)).unwrap();
            let back = read_png(&path).unwrap();
            assert_eq!((back.width, back.height), (W, H));
            assert!(back.pixels == img.pixels, "{name} pixels differ");
            assert_eq!(back.format, format!("{name} 8-bit"));
        }
        // Grey, 16 bits per sample: read as 8-bit grey on every channel.
        let path = dir.join("grey16.png");
        let bytes = encode(&img, png::ColorType::Grayscale, png::BitDepth::Sixteen);
        std::fs::write(&path, &bytes).unwrap();
        let grey = read_png(&path).unwrap();
        assert_eq!(grey.pixels[0], [img.pixels[0][0]; 3]);

        let good = encode(&img, png::ColorType::Rgb, png::BitDepth::Eight);
        let mut bad_crc = good.clone();
        let mid = bad_crc.len() / 2;
        bad_crc[mid] ^= 0xff;
        let cases: [(&str, Vec<u8>, &str); 5] = [
            ("half", good[..good.len() / 2].to_vec(), "truncated"),
            ("no_iend", good[..good.len() - 12].to_vec(), "truncated"),
            // A flipped byte in IDAT: the deflate checksum or the chunk's CRC, whichever the
            // streaming decoder meets first.
            ("crc", bad_crc, "Checksum"),
            ("text", b"not a png\n".to_vec(), "signature"),
            ("empty", Vec::new(), "truncated"),
        ];
        for (name, bytes, why) in cases {
            let path = dir.join(format!("{name}.png"));
            std::fs::write(&path, bytes).unwrap();
            let e = read_png(&path)
                .err()
                .unwrap_or_else(|| panic!("{name} was read"));
            assert!(
                e.contains(why) && e.contains(&path.display().to_string()),
                "{name}: {e}"
            );
            let checks = app_checks(Err(e), Ok(report()), 1, None, &Limits::default());
            assert!(checks.failed().contains(&"png"), "{name}");
        }
        let e = read_png(&dir.join("absent.png")).err().unwrap();
        assert!(e.contains("absent.png"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unreadable_reports_fail_with_the_reason() {
        let dir = scratch("report");
        for (name, text) in [("bad", "{not json"), ("list", "[1, 2]")] {
            let path = dir.join(format!("{name}.json"));
            std::fs::write(&path, text).unwrap();
            let e = read_report(&path).err().unwrap();
            assert!(e.contains(&path.display().to_string()), "{e}");
            let checks = app_checks(Ok(screenshot(GOOD)), Err(e), 1, None, &Limits::default());
            assert_eq!(checks.failed(), ["report"]);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn art_window_checks_read_the_art_folder() {
        let dir = scratch("art");
        std::fs::write(dir.join("events.csv"), "event,dq\n1,0.3\n").unwrap();
        std::fs::write(dir.join("explorations.csv"), "n,kept\n1,no\n2,yes\n\n").unwrap();
        let art = |events: i64, shown: Value| {
            json!({"art": {"source": dir.display().to_string(), "error": null, "events": events,
                           "explorations": 2, "shown_event": shown, "shown_atoms": 99},
                   "layout": {"view": VIEW}, "colors": {"cluster_highlight": GOLD}})
        };
        let failed = |img: Screenshot, r: Value| -> Vec<String> {
            let checks = art_checks(Ok(img), Ok(r), &dir);
            checks.failed().iter().map(|s| s.to_string()).collect()
        };
        assert_eq!(
            failed(screenshot(GOOD), art(1, json!(1))),
            Vec::<String>::new()
        );
        let mut blank = screenshot(GOOD);
        fill(&mut blank, VIEW, BG);
        assert_eq!(failed(blank, art(1, json!(1))), ["view.movers"]);
        assert_eq!(failed(screenshot(GOOD), art(2, json!(1))), ["art.events"]);
        assert_eq!(failed(screenshot(GOOD), art(1, Value::Null)), ["art.shown"]);
        let mut elsewhere = art(1, json!(1));
        elsewhere["art"]["source"] = json!("/nonexistent/art");
        assert_eq!(failed(screenshot(GOOD), elsewhere), ["art.source"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
