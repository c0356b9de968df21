//! An ART nouveau run in the app: the 0 K barrier spectrum (the figure `betaglass stats
//! ART_DIR --plots` writes), the table of kept saddles, and any event shown in the 3D view —
//! its moved atoms gliding from the initial minimum over the saddle to the new minimum and
//! back, with arrows from initial to final positions coloured by the motion's class.
//!
//! The run is read on its own thread (a saddle and a minimum file per event): a frame never
//! waits for it. While an event is on show the live glass is hidden (as in an event replay),
//! and the event's atoms are drawn at the ART run's own coordinates.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use betaglass::landscape::explore::event_arrows;
use betaglass::landscape::report::{ArtReport, DEFAULT_BIN_WIDTH_EV, read_run_rows};
use betaglass::landscape::store::EventRow;

use super::atom_material::{AtomMaterial, sphere_impostor};
use super::atoms_view::{OrbitCamera, ViewSettings};
use super::cluster_view::arrow_gizmo;
use super::reader::BackgroundRead;
use super::results::{draw_figure, table_view, window_scrolls};
use super::state::{ArtRequest, FileAction, FileRequest};
use super::style;

/// Atoms farther than this from their initial position, at the saddle or in the new minimum,
/// are drawn with an event (Å): the movers and the shell that gives way to them.
const REGION_THRESHOLD_ANGSTROM: f64 = 0.15;
/// At most this many of them (the largest displacements first).
const MAX_REGION_ATOMS: usize = 400;
/// Seconds of one pass initial → saddle → final.
const PASS_S: f32 = 3.0;

pub struct ArtPlugin {
    /// An ART run's folder to open at start (`--art`).
    pub open: Option<PathBuf>,
}

impl Plugin for ArtPlugin {
    fn build(&self, app: &mut App) {
        let mut view = ArtView::default();
        if let Some(path) = &self.open {
            view.load(path.clone());
        }
        app.insert_resource(view)
            .add_systems(Startup, setup)
            .add_systems(
                Update,
                (
                    receive_run,
                    apply_art_requests,
                    show_event,
                    animate_event,
                    draw_event_arrows,
                )
                    .chain(),
            )
            .add_systems(EguiPrimaryContextPass, art_window);
    }
}

/// One atom of an event: its species, and its initial, saddle and final positions (Å, the
/// ART run's frame, unwrapped around the initial position).
struct EventAtom {
    species: String,
    initial: Vec3,
    saddle: Vec3,
    last: Vec3,
}

/// A kept saddle as the app shows it.
pub struct EventView {
    pub row: EventRow,
    /// Empty when the event's files (or the run's initial.data) are missing: the event is in
    /// the spectrum and the table but cannot be played.
    atoms: Vec<EventAtom>,
    playable: bool,
    /// Largest |final − initial| (Å).
    max_displacement_angstrom: f32,
}

/// An ART run, read.
pub struct LoadedRun {
    pub source: PathBuf,
    /// The folder's name, as the window shows it (not the machine's path to it).
    pub name: String,
    /// Files an event needs that the folder lacks, relative to it (initial.data,
    /// saddles/NNNN.data, minima/NNNN.data): a folder of the CSVs alone still shows the
    /// spectrum and the table.
    pub missing: Vec<String>,
    pub report: ArtReport,
    pub table: String,
    pub events: Vec<EventView>,
    /// The centre of the run's cell (Å): subtracted like the live box's centre, so an event
    /// sits where it is in the box.
    cell_centre: Vec3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Spectrum,
    Events,
    Table,
}

/// How the events list is ordered (a click on a column's heading).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum EventOrder {
    /// As the run found them.
    #[default]
    Found,
    /// Lowest barrier ΔQ first.
    Barrier,
    /// By motion class, each class lowest ΔQ first.
    Class,
}

/// Which events the list shows: their order, and one motion class or all.
#[derive(Clone, Debug, Default, PartialEq)]
struct EventListing {
    order: EventOrder,
    class: Option<String>,
}

impl EventListing {
    /// Indices into `events` of the events listed, in the listing's order.
    fn indices(&self, events: &[EventRow]) -> Vec<usize> {
        let mut listed: Vec<usize> = (0..events.len())
            .filter(|&i| self.class.as_ref().is_none_or(|c| *c == events[i].class))
            .collect();
        let barrier = |i: &usize| events[*i].delta_q_ev;
        match self.order {
            EventOrder::Found => {}
            EventOrder::Barrier => listed.sort_by(|a, b| barrier(a).total_cmp(&barrier(b))),
            EventOrder::Class => listed.sort_by(|a, b| {
                events[*a]
                    .class
                    .cmp(&events[*b].class)
                    .then(barrier(a).total_cmp(&barrier(b)))
            }),
        }
        listed
    }
}

/// The ART window: what is loaded, which event is shown.
#[derive(Resource)]
pub struct ArtView {
    pub open: bool,
    reading: BackgroundRead<LoadedRun>,
    pub loaded: Option<LoadedRun>,
    pub error: Option<String>,
    /// Index into `loaded.events` of the event in the 3D view.
    pub shown: Option<usize>,
    tab: Tab,
    listing: EventListing,
    /// Bumped by each run read, so a new run's event 0 replaces the old run's.
    generation: u64,
    /// The (generation, event) whose spheres exist, and when its animation started.
    spawned: Option<(u64, Option<usize>)>,
    started_s: f32,
}

impl Default for ArtView {
    fn default() -> Self {
        Self {
            open: false,
            reading: BackgroundRead::default(),
            loaded: None,
            error: None,
            shown: None,
            tab: Tab::Spectrum,
            listing: EventListing::default(),
            generation: 0,
            spawned: None,
            started_s: 0.0,
        }
    }
}

impl ArtView {
    /// Reads the ART run in `dir` on a worker thread.
    pub fn load(&mut self, dir: PathBuf) {
        self.reading.start(dir, read_run);
        self.error = None;
        self.open = true;
    }

    pub fn is_loading(&self) -> bool {
        self.reading.is_running()
    }

    /// For the capture report (null when the window was never opened).
    pub fn summary(&self) -> serde_json::Value {
        if !self.open && self.loaded.is_none() {
            return serde_json::Value::Null;
        }
        let loaded = self.loaded.as_ref();
        serde_json::json!({
            "source": loaded.map(|l| l.source.display().to_string()),
            "events": loaded.map(|l| l.events.len()),
            "explorations": loaded.map(|l| l.report.summary.explorations),
            "mean_delta_q_ev": loaded.and_then(|l| l.report.delta_q_ev.map(|m| m.mean)),
            "shown_event": self.shown_row().map(|r| r.event),
            "shown_atoms": self.shown_event().map(|e| e.atoms.len()),
            "playable_events": loaded.map(|l| l.events.iter().filter(|e| e.playable).count()),
            "missing_files": loaded.map(|l| l.missing.len()),
            "error": self.error,
        })
    }

    fn shown_event(&self) -> Option<&EventView> {
        self.loaded.as_ref()?.events.get(self.shown?)
    }

    fn shown_row(&self) -> Option<&EventRow> {
        self.shown_event().map(|e| &e.row)
    }
}

fn v3(x: [f64; 3]) -> Vec3 {
    Vec3::new(x[0] as f32, x[1] as f32, x[2] as f32)
}

/// The report, and each kept saddle's moved atoms from its LAMMPS data files. The report
/// needs only events.csv and explorations.csv; an event whose data files (or the run's
/// initial.data) are missing is listed in `missing` and kept, unplayable.
fn read_run(dir: &Path) -> Result<LoadedRun, String> {
    let (rows, explorations) = read_run_rows(dir).map_err(|e| e.to_string())?;
    let name = folder_name(dir);
    // The report's source is the name too: its table heads the window's Table tab.
    let report = ArtReport::of_run(Path::new(&name), &rows, &explorations, DEFAULT_BIN_WIDTH_EV);
    let mut missing = Vec::new();
    let mut present = |f: &str| {
        let there = dir.join(f).is_file();
        if !there {
            missing.push(f.to_string());
        }
        there
    };
    let initial = if present("initial.data") {
        Some(
            betaglass::io::read_configuration(&dir.join("initial.data"))
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let files = present(&row.saddle_file) & present(&row.final_file);
        let view = match &initial {
            Some(initial) if files => event_view(dir, initial, row)?,
            _ => EventView {
                row,
                atoms: Vec::new(),
                playable: false,
                max_displacement_angstrom: 0.0,
            },
        };
        events.push(view);
    }
    let cell_centre = initial.as_ref().map_or(Vec3::ZERO, |initial| {
        let cell = &initial.cell;
        v3(cell.lo_angstrom()) + 0.5 * v3(cell.lengths_angstrom())
    });
    Ok(LoadedRun {
        source: dir.to_path_buf(),
        name,
        missing,
        table: report.to_table(),
        report,
        events,
        cell_centre,
    })
}

/// The last component of a folder's path ("art" for docs/art/ or /home/x/runs/art).
fn folder_name(dir: &Path) -> String {
    dir.components()
        .next_back()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != ".")
        .or_else(|| {
            std::path::absolute(dir)
                .ok()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| dir.display().to_string())
}

/// One event's moved atoms, from its saddle and final minimum files.
fn event_view(
    dir: &Path,
    initial: &betaglass::system::System,
    row: EventRow,
) -> Result<EventView, String> {
    let read = |f: &str| betaglass::io::read_configuration(&dir.join(f)).map_err(|e| e.to_string());
    let (saddle, last) = (read(&row.saddle_file)?, read(&row.final_file)?);
    let mut arrows = event_arrows(initial, &saddle, &last, REGION_THRESHOLD_ANGSTROM);
    arrows.truncate(MAX_REGION_ATOMS);
    let max_displacement_angstrom = arrows
        .first()
        .map_or(0.0, |a| a.displacement_angstrom() as f32);
    Ok(EventView {
        atoms: arrows
            .into_iter()
            .map(|a| EventAtom {
                species: a.species,
                initial: v3(a.initial_angstrom),
                saddle: v3(a.saddle_angstrom),
                last: v3(a.final_angstrom),
            })
            .collect(),
        playable: true,
        max_displacement_angstrom,
        row,
    })
}

fn receive_run(mut view: ResMut<ArtView>) {
    match view.reading.poll() {
        Some(Ok(run)) => {
            // An opened run shows its first event at once: what ART found, in the glass.
            view.shown = run.events.iter().position(|e| e.playable);
            view.loaded = Some(run);
            view.generation += 1;
        }
        Some(Err(message)) => view.error = Some(message),
        None => {}
    }
}

#[derive(Resource)]
struct ArtAssets {
    cu_mesh: Handle<Mesh>,
    zr_mesh: Handle<Mesh>,
    /// The movers (an arrow each), bright as the live cluster.
    cu: Handle<AtomMaterial>,
    zr: Handle<AtomMaterial>,
    /// The shell that gives way to them, in the species' plain colours.
    cu_shell: Handle<AtomMaterial>,
    zr_shell: Handle<AtomMaterial>,
}

/// One sphere of the shown event: index into its atoms.
#[derive(Component)]
struct ArtAtom(usize);

#[derive(Component)]
struct ArtArrows;

fn setup(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<AtomMaterial>>,
    mut gizmos: ResMut<Assets<GizmoAsset>>,
) {
    let mut sphere = |r: f32| meshes.add(sphere_impostor(r));
    let material = |rgb: [u8; 3]| AtomMaterial::new(rgb, 1.0);
    commands.insert_resource(ArtAssets {
        cu_mesh: sphere(style::CU_RADIUS_ANGSTROM),
        zr_mesh: sphere(style::ZR_RADIUS_ANGSTROM),
        cu: materials.add(material(style::CLUSTER_CU_RGB)),
        zr: materials.add(material(style::CLUSTER_ZR_RGB)),
        cu_shell: materials.add(material(style::CU_RGB)),
        zr_shell: materials.add(material(style::ZR_RGB)),
    });
    commands.spawn((arrow_gizmo(gizmos.add(GizmoAsset::default())), ArtArrows));
}

/// (Re)spawns the spheres of the shown event, hides the live glass while one is shown, and
/// turns the camera to it.
#[allow(clippy::too_many_arguments)]
fn show_event(
    mut commands: Commands,
    time: Res<Time>,
    assets: Res<ArtAssets>,
    mut view: ResMut<ArtView>,
    mut settings: ResMut<ViewSettings>,
    spheres: Query<Entity, With<ArtAtom>>,
    mut cameras: Query<(&mut OrbitCamera, &mut Transform), Without<ArtAtom>>,
) {
    let key = (view.generation, view.shown);
    if view.spawned == Some(key) {
        return;
    }
    for e in &spheres {
        commands.entity(e).despawn();
    }
    view.spawned = Some(key);
    view.started_s = time.elapsed_secs();
    let shown = view.shown_event().is_some();
    if settings.show_art_event != shown {
        settings.show_art_event = shown;
    }
    let (Some(event), Some(run)) = (view.shown_event(), view.loaded.as_ref()) else {
        return;
    };
    // An event replay of the live sampling and an ART event do not share the view.
    settings.replay = None;
    let threshold = arrow_threshold(event, &settings);
    let (mut centroid, mut movers) = (Vec3::ZERO, 0.0);
    for (k, atom) in event.atoms.iter().enumerate() {
        let mover = (atom.last - atom.initial).length() >= threshold;
        let zr = atom.species == "Zr";
        let (mesh, material) = match (zr, mover) {
            (true, true) => (&assets.zr_mesh, &assets.zr),
            (true, false) => (&assets.zr_mesh, &assets.zr_shell),
            (false, true) => (&assets.cu_mesh, &assets.cu),
            (false, false) => (&assets.cu_mesh, &assets.cu_shell),
        };
        commands.spawn((
            Mesh3d(mesh.clone()),
            MeshMaterial3d(material.clone()),
            Transform::from_translation(atom.initial - run.cell_centre)
                .with_scale(Vec3::splat(if mover { 1.15 } else { 0.7 })),
            // The impostor's quad has a flat bounding box (atom_material.rs).
            bevy::camera::visibility::NoFrustumCulling,
            ArtAtom(k),
        ));
        if mover {
            centroid += atom.initial - run.cell_centre;
            movers += 1.0;
        }
    }
    if movers > 0.0 {
        centroid /= movers;
        for (mut orbit, mut transform) in &mut cameras {
            orbit.focus = centroid;
            orbit.radius = 32.0;
            *transform = orbit.transform();
        }
    }
}

/// Where the event's atoms are `t` seconds into its loop: initial → saddle → final in one
/// pass, then back (smoothstep within each leg, so the saddle is a visible pause).
fn event_phase(t: f32) -> (f32, bool) {
    let x = (t / PASS_S).rem_euclid(2.0);
    let x = if x < 1.0 { x } else { 2.0 - x };
    // Legs: [0, ½] initial → saddle, [½, 1] saddle → final.
    let (leg, second) = if x < 0.5 {
        (2.0 * x, false)
    } else {
        (2.0 * x - 1.0, true)
    };
    (leg * leg * (3.0 - 2.0 * leg), second)
}

fn animate_event(
    time: Res<Time>,
    view: Res<ArtView>,
    mut spheres: Query<(&ArtAtom, &mut Transform)>,
) {
    let (Some(event), Some(run)) = (view.shown_event(), view.loaded.as_ref()) else {
        return;
    };
    let (w, second) = event_phase(time.elapsed_secs() - view.started_s);
    for (ArtAtom(k), mut t) in &mut spheres {
        let Some(a) = event.atoms.get(*k) else {
            continue;
        };
        let p = if second {
            a.saddle.lerp(a.last, w)
        } else {
            a.initial.lerp(a.saddle, w)
        };
        t.translation = p - run.cell_centre;
    }
}

/// Arrows from each mover's initial to its final position (scaled like the live events'
/// arrows), in the colour of the event's class; every atom that moves at least half as far
/// as the largest mover gets one, so a small event still shows its arrows.
fn draw_event_arrows(
    view: Res<ArtView>,
    settings: Res<ViewSettings>,
    mut drawn: Local<Option<(u64, Option<usize>, u64)>>,
    arrows: Single<&Gizmo, With<ArtArrows>>,
    mut assets: ResMut<Assets<GizmoAsset>>,
) {
    let key = (view.generation, view.shown, settings.fingerprint());
    if *drawn == Some(key) {
        return;
    }
    *drawn = Some(key);
    let Some(mut asset) = assets.get_mut(&arrows.handle) else {
        return;
    };
    asset.clear();
    let (Some(event), Some(run)) = (view.shown_event(), view.loaded.as_ref()) else {
        return;
    };
    let color = style::color(style::motion_rgb(&event.row.class));
    let threshold = arrow_threshold(event, &settings);
    for a in &event.atoms {
        let d = a.last - a.initial;
        if d.length() >= threshold && d.length() > 0.0 {
            let start = a.initial - run.cell_centre;
            asset
                .arrow(start, start + d * settings.event_arrow_scale, color)
                .with_tip_length(0.5);
        }
    }
}

/// Atoms that move at least this far (Å) get an arrow: the live events' threshold, or half the
/// largest move when that is smaller, so a small event still shows its movers.
fn arrow_threshold(event: &EventView, settings: &ViewSettings) -> f32 {
    settings
        .event_threshold_angstrom
        .min(0.5 * event.max_displacement_angstrom)
}

fn apply_art_requests(mut requests: MessageReader<ArtRequest>, mut view: ResMut<ArtView>) {
    for request in requests.read() {
        match request {
            ArtRequest::HideEvent => view.shown = None,
            ArtRequest::OpenRun(dir) => view.load(dir.clone()),
        }
    }
}

fn art_window(
    mut contexts: EguiContexts,
    mut view: ResMut<ArtView>,
    mut files: MessageWriter<FileRequest>,
) -> Result {
    if !view.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let mut open = true;
    let mut requests = Vec::new();
    let table = view.tab == Tab::Table && view.loaded.is_some();
    let window = egui::Window::new("ART events (0 K)")
        .open(&mut open)
        // Over the live plots, leaving the 3D view (where the event moves) clear.
        .default_size([430.0, 560.0])
        .default_pos([842.0, 40.0]);
    window_scrolls(window, table).show(&ctx, |ui| requests = art_contents(ui, &mut view));
    view.open = open;
    files.write_batch(requests.into_iter().map(FileRequest));
    Ok(())
}

/// The window's contents; returns the files the spectrum's plot menus asked to save.
fn art_contents(ui: &mut egui::Ui, view: &mut ArtView) -> Vec<FileAction> {
    view.reading.status_ui(ui, view.error.as_deref());
    let Some(run) = &view.loaded else {
        if !view.reading.is_running() && view.error.is_none() {
            ui.label(
                "File → Open ART run (folder)… picks a folder written by betaglass art --output.",
            );
        }
        return Vec::new();
    };
    let s = &run.report.summary;
    ui.label(format!(
        "{}: {} explorations, {} kept saddles, success rate {:.0} %{}",
        run.name,
        s.explorations,
        s.saddles_kept,
        100.0 * s.success_rate,
        run.report
            .delta_q_ev
            .map(|m| format!(", mean ΔQ {:.3} eV", m.mean))
            .unwrap_or_default()
    ));
    if !run.missing.is_empty() {
        missing_files_note(ui, run);
    }
    let mut shown = view.shown;
    if let Some(event) = shown.and_then(|i| run.events.get(i)) {
        ui.label(
            egui::RichText::new(format!(
                "In the view: event {} (ΔQ {:.3} eV, ΔE {:.3} eV, {}), {} atoms going initial - saddle - final and back",
                event.row.event,
                event.row.delta_q_ev,
                event.row.delta_e_ev,
                event.row.class,
                event.atoms.len()
            ))
            .color(style::color32(style::motion_rgb(&event.row.class))),
        );
        if ui.button("Back to the glass (Esc)").clicked() {
            shown = None;
        }
    }
    let mut tab = view.tab;
    ui.horizontal(|ui| {
        ui.selectable_value(&mut tab, Tab::Spectrum, "Spectrum");
        ui.selectable_value(
            &mut tab,
            Tab::Events,
            format!("Events ({})", run.events.len()),
        );
        ui.selectable_value(&mut tab, Tab::Table, "Table");
    });
    ui.separator();
    let mut requests = Vec::new();
    match tab {
        Tab::Spectrum => {
            // The file's three columns are too narrow in a side window: stack them there.
            let mut figure = run.report.figure();
            if ui.available_width() < 700.0 {
                figure.columns = 1;
            }
            requests = draw_figure(ui, &figure);
        }
        Tab::Events => events_table(ui, run, &mut view.listing, &mut shown),
        Tab::Table => table_view(ui, &run.table),
    }
    view.tab = tab;
    view.shown = shown;
    requests
}

/// Which of the run's files are missing, and what that costs: the spectrum and the table
/// are whole, the events without their files cannot be played.
fn missing_files_note(ui: &mut egui::Ui, run: &LoadedRun) {
    let playable = run.events.iter().filter(|e| e.playable).count();
    let shown: Vec<&str> = run.missing.iter().take(3).map(String::as_str).collect();
    let more = run.missing.len().saturating_sub(shown.len());
    let list = if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    };
    ui.colored_label(
        egui::Color32::from_rgb(255, 200, 120),
        format!(
            "{playable} of {} events can be played: {} file(s) missing ({list}). The spectrum \
             and the table need only events.csv and explorations.csv; `betaglass art --output \
             DIR` writes the data files an event is played from.",
            run.events.len(),
            run.missing.len(),
        ),
    );
}

/// The kept saddles, filtered by class and ordered by a click on "event", "ΔQ" or "class";
/// *show* plays any playable one in the view.
fn events_table(
    ui: &mut egui::Ui,
    run: &LoadedRun,
    listing: &mut EventListing,
    shown: &mut Option<usize>,
) {
    let rows: Vec<EventRow> = run.events.iter().map(|e| e.row.clone()).collect();
    let mut classes: Vec<&str> = rows.iter().map(|r| r.class.as_str()).collect();
    classes.sort_unstable();
    classes.dedup();
    ui.horizontal_wrapped(|ui| {
        ui.label("class:");
        ui.selectable_value(&mut listing.class, None, format!("all ({})", rows.len()));
        for c in classes {
            let n = rows.iter().filter(|r| r.class == c).count();
            ui.selectable_value(
                &mut listing.class,
                Some(c.to_string()),
                format!("{c} ({n})"),
            );
        }
    });
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("art_events")
            .striped(true)
            .num_columns(7)
            .show(ui, |ui| {
                for (heading, order) in [
                    ("event", Some(EventOrder::Found)),
                    ("ΔQ (eV)", Some(EventOrder::Barrier)),
                    ("ΔE (eV)", None),
                    ("class", Some(EventOrder::Class)),
                ] {
                    match order {
                        Some(o) => {
                            ui.selectable_value(&mut listing.order, o, heading)
                                .on_hover_text("order the list by this column");
                        }
                        None => {
                            ui.strong(heading);
                        }
                    }
                }
                for h in ["ν* (Hz)", "moved", ""] {
                    ui.strong(h);
                }
                ui.end_row();
                for i in listing.indices(&rows) {
                    let e = &run.events[i];
                    let r = &e.row;
                    ui.label(r.event.to_string());
                    ui.label(format!("{:.3}", r.delta_q_ev));
                    ui.label(format!("{:.3}", r.delta_e_ev));
                    ui.colored_label(style::color32(style::motion_rgb(&r.class)), &r.class);
                    ui.label(r.prefactor_hz.map_or("-".into(), |nu| format!("{nu:.2e}")));
                    ui.label(format!("{:.2} Å", e.max_displacement_angstrom));
                    let mut on = *shown == Some(i);
                    let r = ui.add_enabled(e.playable, egui::Checkbox::new(&mut on, "show"));
                    if r.changed() {
                        *shown = on.then_some(i);
                    }
                    ui.end_row();
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped run's events: by barrier they come lowest ΔQ first; by class, grouped and
    /// each class lowest first; a class filter keeps that class only.
    #[test]
    fn events_are_listed_by_barrier_and_by_class() {
        let run = read_run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/art")).unwrap();
        let rows: Vec<EventRow> = run.events.iter().map(|e| e.row.clone()).collect();
        let q = |i: &usize| rows[*i].delta_q_ev;
        let by_barrier = EventListing {
            order: EventOrder::Barrier,
            class: None,
        }
        .indices(&rows);
        assert_eq!(by_barrier.len(), rows.len());
        assert!(by_barrier.windows(2).all(|w| q(&w[0]) <= q(&w[1])));
        let by_class = EventListing {
            order: EventOrder::Class,
            class: None,
        }
        .indices(&rows);
        assert!(by_class.windows(2).all(|w| {
            let (a, b) = (&rows[w[0]], &rows[w[1]]);
            a.class < b.class || (a.class == b.class && a.delta_q_ev <= b.delta_q_ev)
        }));
        let class = rows[0].class.clone();
        let only = EventListing {
            order: EventOrder::Found,
            class: Some(class.clone()),
        }
        .indices(&rows);
        assert!(!only.is_empty() && only.iter().all(|&i| rows[i].class == class));
        assert_eq!(only.len(), rows.iter().filter(|r| r.class == class).count());
    }

    #[test]
    fn a_folder_is_named_by_its_last_component() {
        assert_eq!(folder_name(Path::new("docs/art")), "art");
        assert_eq!(folder_name(Path::new("docs/art/")), "art");
        assert_eq!(
            folder_name(Path::new("/home/someone/runs/art-200")),
            "art-200"
        );
        assert!(!folder_name(Path::new(".")).is_empty());
    }

    /// docs/art ships the CSVs of the 200-exploration run without its data files: the run
    /// opens, every event is listed, none can be played, and what is missing is named.
    #[test]
    fn the_shipped_art_folder_opens_without_its_data_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/art");
        let run = read_run(&dir).expect("docs/art opens");
        let csv_rows = |f: &str| {
            std::fs::read_to_string(dir.join(f))
                .expect("a shipped CSV")
                .lines()
                .filter(|l| !l.trim().is_empty())
                .count()
                - 1
        };
        assert_eq!(run.events.len(), csv_rows("events.csv"));
        assert_eq!(
            run.report.summary.explorations,
            csv_rows("explorations.csv")
        );
        assert_eq!(run.name, "art");
        // The window shows the folder's name, never the machine's path to it.
        assert!(
            !run.table.contains(env!("CARGO_MANIFEST_DIR")),
            "{}",
            run.table
        );
        // An event plays exactly when its files and the run's initial.data are there, and
        // every file that is not is named.
        let initial = dir.join("initial.data").is_file();
        assert_eq!(run.missing.contains(&"initial.data".to_string()), !initial);
        for e in &run.events {
            let files = [&e.row.saddle_file, &e.row.final_file];
            let there = files.map(|f| dir.join(f).is_file());
            assert_eq!(
                e.playable,
                initial && there.iter().all(|&t| t),
                "event {}",
                e.row.event
            );
            for (f, t) in files.iter().zip(there) {
                assert_eq!(run.missing.contains(*f), !t, "{f}");
            }
        }
    }

    #[test]
    fn an_event_passes_the_saddle_at_half_a_pass_and_returns() {
        assert_eq!(event_phase(0.0), (0.0, false));
        let (w, second) = event_phase(0.5 * PASS_S - 1e-4);
        assert!(w > 0.999 && !second);
        assert!(event_phase(PASS_S - 1e-6).1);
        assert!(event_phase(PASS_S - 1e-6).0 > 0.999);
        // Back from the final minimum: at 1.5 passes it is at the saddle again.
        let (w, second) = event_phase(1.5 * PASS_S + 1e-4);
        assert!(!second && w > 0.999);
    }
}
