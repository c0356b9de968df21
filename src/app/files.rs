//! Files: dialogs (rfd, each on its own thread so a frame never waits for a person), what is
//! done with the chosen path, scenes, CSV export of the plots and screenshots.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use betaglass::io::scene::Scene;
use betaglass::live::{Command, Snapshot};

use super::bridge::{EngineBridge, Latest};
use super::state::{
    ArtRequest, ConfigurationChosen, FileAction, FileRequest, Notice, PanelRects, RecordReplayInto,
    ResultsChosen, SceneChosen, SceneFiles,
};

pub struct FilesPlugin;

impl Plugin for FilesPlugin {
    fn build(&self, app: &mut App) {
        let (tx, rx) = channel();
        app.insert_resource(FileDialogs {
            results_tx: tx,
            results: Mutex::new(rx),
            prompt: None,
        })
        .insert_resource(SceneFiles(find_scenes()))
        .add_systems(Update, (open_dialogs, act_on_paths).chain())
        .add_systems(EguiPrimaryContextPass, path_prompt_window);
    }
}

#[derive(Resource)]
pub struct FileDialogs {
    results_tx: Sender<(FileAction, DialogOutcome)>,
    /// A Mutex only to make the receiver `Sync` for a resource; one system locks it.
    results: Mutex<Receiver<(FileAction, DialogOutcome)>>,
    /// The in-app path field, open when no native dialog could be shown.
    prompt: Option<PathPrompt>,
}

/// How a file dialog ended.
#[derive(Clone, Debug)]
enum DialogOutcome {
    Chosen(PathBuf),
    Cancelled,
    /// No dialog could be shown (no desktop portal, no zenity): the in-app field asks instead.
    Unavailable(String),
}

/// The in-app path field: what it is for, what is typed, and why it is shown.
#[derive(Clone, Debug)]
struct PathPrompt {
    action: FileAction,
    text: String,
    why: String,
    /// The field has had the keyboard once (it takes it when the prompt opens).
    focused: bool,
}

/// A dialog that ends sooner than this without a path did not open: nobody cancels that fast.
/// (rfd returns `None` both for a cancel and when neither a desktop portal nor zenity can be
/// reached, logging the error only.)
const DIALOG_FAILED_WITHIN: Duration = Duration::from_millis(300);

/// Why no native dialog can be shown here, if that is known before trying one: rfd needs the
/// desktop portal on a D-Bus session bus, or zenity.
fn native_dialog_unavailable() -> Option<String> {
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    let zenity = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("zenity").is_file()));
    (!bus && !zenity).then(|| {
        "no file dialog can open here (no D-Bus session bus for the desktop portal, no zenity)"
            .to_string()
    })
}

/// `scenes/*.toml` beside the working directory, else the source tree's.
fn find_scenes() -> Vec<(String, PathBuf)> {
    let dirs = [
        PathBuf::from("scenes"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes"),
    ];
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut found: Vec<(String, PathBuf)> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| {
                let name = Scene::load(&p).map_or_else(
                    |_| {
                        p.file_name()
                            .unwrap_or_default()
                            .to_string_lossy()
                            .into_owned()
                    },
                    |s| s.name,
                );
                (name, p)
            })
            .collect();
        found.sort();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// Starts a dialog thread for each request (or acts at once when no dialog is needed), or
/// opens the in-app path field where no dialog can be shown.
fn open_dialogs(mut requests: MessageReader<FileRequest>, dialogs: Res<FileDialogs>) {
    for FileRequest(action) in requests.read().cloned() {
        let tx = dialogs.results_tx.clone();
        match action {
            FileAction::LoadScene(ref p) => {
                let _ = tx.send((action.clone(), DialogOutcome::Chosen(p.clone())));
            }
            FileAction::Quit => {
                let _ = tx.send((action, DialogOutcome::Cancelled));
            }
            _ => match native_dialog_unavailable() {
                Some(why) => {
                    let _ = tx.send((action, DialogOutcome::Unavailable(why)));
                }
                None => {
                    std::thread::spawn(move || {
                        let asked = Instant::now();
                        let outcome = match ask(&action) {
                            Some(p) => DialogOutcome::Chosen(p),
                            None if asked.elapsed() < DIALOG_FAILED_WITHIN => {
                                DialogOutcome::Unavailable(
                                    "the file dialog did not open (see the log)".into(),
                                )
                            }
                            None => DialogOutcome::Cancelled,
                        };
                        let _ = tx.send((action, outcome));
                    });
                }
            },
        }
    }
}

/// What the path field asks for.
fn prompt_title(action: &FileAction) -> &'static str {
    match action {
        FileAction::OpenConfiguration => "Open a configuration (.extxyz, .xyz, LAMMPS .data)",
        FileAction::SaveConfiguration => "Save the configuration as (.extxyz or .data)",
        FileAction::ExportSampling => "Export the sampling to the prefix",
        FileAction::SaveRestart => "Save the sampling state as (.json)",
        FileAction::ResumeRestart => "Resume the sampling state in (.json)",
        FileAction::ExportCsv => "Export the plots as CSV to the prefix",
        FileAction::ExportPlotsPng => "Save the plots as (.png)",
        FileAction::SavePlotCsv(_) => "Save the plot's data as (.csv)",
        FileAction::SavePlotPng { .. } => "Save the plot as (.png)",
        FileAction::Screenshot => "Save a screenshot as (.png)",
        FileAction::SaveViewPng => "Save the 3D view as (.png)",
        FileAction::RecordReplay => "Record the event replay's frames into the folder",
        FileAction::OpenScene => "Open the scene (.toml)",
        FileAction::OpenCampaignFolder => "Open the campaign folder",
        FileAction::OpenSamplingsCsv => "Open the samplings CSV",
        FileAction::OpenArtRun => "Open the ART run's folder",
        FileAction::LoadScene(_) | FileAction::Quit => "",
    }
}

/// A path typed in the field, checked before it is used: what must exist exists, and what is
/// written goes into a folder that exists.
fn check_typed_path(action: &FileAction, text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text.trim());
    if text.trim().is_empty() {
        return Err("type a path".into());
    }
    let reads = matches!(
        action,
        FileAction::OpenConfiguration
            | FileAction::ResumeRestart
            | FileAction::OpenScene
            | FileAction::OpenCampaignFolder
            | FileAction::OpenSamplingsCsv
            | FileAction::OpenArtRun
            | FileAction::RecordReplay
    );
    if reads && !path.exists() {
        return Err(format!("{}: no such file or folder", path.display()));
    }
    if !reads {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(dir) = parent.filter(|d| !d.is_dir()) {
            return Err(format!("{}: no such folder", dir.display()));
        }
    }
    Ok(path)
}

/// The in-app path field: shown when no native dialog could be, with the reason and any error
/// in the typed path; OK acts on the path as a dialog's choice would.
fn path_prompt_window(mut contexts: EguiContexts, mut dialogs: ResMut<FileDialogs>) -> Result {
    let Some(prompt) = dialogs.prompt.as_mut() else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?.clone();
    let mut close = false;
    let mut chosen = None;
    egui::Window::new(prompt_title(&prompt.action))
        .collapsible(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(&ctx, |ui| {
            ui.colored_label(egui::Color32::LIGHT_YELLOW, &prompt.why);
            ui.label("Type the path instead (relative to the folder the app was started in):");
            let field = ui.add(
                egui::TextEdit::singleline(&mut prompt.text)
                    .desired_width(420.0)
                    .hint_text("path"),
            );
            if !prompt.focused {
                field.request_focus();
                prompt.focused = true;
            }
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let checked = check_typed_path(&prompt.action, &prompt.text);
            if let Err(e) = &checked {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
            ui.horizontal(|ui| {
                let ok = ui.add_enabled(checked.is_ok(), egui::Button::new("OK"));
                if (ok.clicked() || entered)
                    && let Ok(p) = checked
                {
                    chosen = Some(p);
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
    if let Some(path) = chosen {
        let action = prompt.action.clone();
        let _ = dialogs
            .results_tx
            .send((action, DialogOutcome::Chosen(path)));
        close = true;
    }
    if close {
        dialogs.prompt = None;
    }
    Ok(())
}

/// The dialog for `action` (blocking: runs on its own thread).
fn ask(action: &FileAction) -> Option<PathBuf> {
    let configs = ["extxyz", "xyz", "data", "lmp"];
    let d = rfd::FileDialog::new();
    match action {
        FileAction::OpenConfiguration => d
            .set_title("Open a configuration (extended XYZ or LAMMPS data)")
            .add_filter("configuration", &configs)
            .pick_file(),
        FileAction::SaveConfiguration => d
            .set_title("Save the configuration (.extxyz or .data)")
            .add_filter("configuration", &configs)
            .set_file_name("betaglass.extxyz")
            .save_file(),
        FileAction::ExportSampling => d
            .set_title("Export the sampling: files are named PREFIX.colvars.traj, …")
            .set_file_name("sampling")
            .save_file(),
        FileAction::SaveRestart => d
            .set_title("Save the sampling state")
            .add_filter("restart", &["json"])
            .set_file_name("sampling.restart.json")
            .save_file(),
        FileAction::ResumeRestart => d
            .set_title("Resume a sampling state")
            .add_filter("restart", &["json"])
            .pick_file(),
        FileAction::ExportCsv => d
            .set_title("Export the plots as CSV: PREFIX.trace.csv, PREFIX.fes.csv, …")
            .set_file_name("plots")
            .save_file(),
        FileAction::ExportPlotsPng => d
            .set_title("Save the plots as PNG")
            .add_filter("PNG", &["png"])
            .set_file_name("plots.png")
            .save_file(),
        FileAction::SavePlotCsv(data) => d
            .set_title(format!("Save the data of \"{}\" as CSV", data.title))
            .add_filter("CSV", &["csv"])
            .set_file_name(format!("{}.csv", data.file_stem()))
            .save_file(),
        FileAction::SavePlotPng { title, .. } => d
            .set_title("Save the plot as PNG")
            .add_filter("PNG", &["png"])
            .set_file_name(format!("{title}.png"))
            .save_file(),
        FileAction::Screenshot => d
            .set_title("Save a screenshot")
            .add_filter("PNG", &["png"])
            .set_file_name("betaglass.png")
            .save_file(),
        FileAction::SaveViewPng => d
            .set_title("Save the 3D view")
            .add_filter("PNG", &["png"])
            .set_file_name("view.png")
            .save_file(),
        FileAction::RecordReplay => d
            .set_title("Record the event replay: frame_0000.png … into this folder")
            .pick_folder(),
        FileAction::OpenScene => d
            .set_title("Open a scene")
            .add_filter("scene", &["toml"])
            .pick_file(),
        FileAction::OpenCampaignFolder => d
            .set_title("Open a campaign folder (betaglass campaign --output DIR)")
            .pick_folder(),
        FileAction::OpenSamplingsCsv => d
            .set_title("Open a samplings CSV (temperature_k, delta_f_ev, …)")
            .add_filter("CSV", &["csv"])
            .pick_file(),
        FileAction::OpenArtRun => d
            .set_title("Open an ART run's folder (betaglass art --output DIR)")
            .pick_folder(),
        FileAction::LoadScene(_) | FileAction::Quit => None,
    }
}

/// Where a chosen path goes when another plugin reads it: the results window, the ART
/// window, the 3D view's replay recording.
#[derive(bevy::ecs::system::SystemParam)]
struct WindowsToOpen<'w> {
    results: MessageWriter<'w, ResultsChosen>,
    art: MessageWriter<'w, ArtRequest>,
    record: MessageWriter<'w, RecordReplayInto>,
}

#[allow(clippy::too_many_arguments)]
fn act_on_paths(
    mut commands: Commands,
    mut dialogs: ResMut<FileDialogs>,
    bridge: Res<EngineBridge>,
    latest: Res<Latest>,
    rects: Res<PanelRects>,
    window: Single<&Window>,
    mut notices: MessageWriter<Notice>,
    mut configurations: MessageWriter<ConfigurationChosen>,
    mut scenes: MessageWriter<SceneChosen>,
    mut opened: WindowsToOpen,
    mut exit: MessageWriter<AppExit>,
) {
    let received: Vec<_> = match dialogs.results.try_lock() {
        Ok(results) => results.try_iter().collect(),
        Err(_) => return,
    };
    for (action, outcome) in received {
        if matches!(action, FileAction::Quit) {
            exit.write(AppExit::Success);
            continue;
        }
        let path = match outcome {
            DialogOutcome::Chosen(p) => p,
            DialogOutcome::Cancelled => continue,
            DialogOutcome::Unavailable(why) => {
                notices.write(Notice(format!("{why}: type the path in the window")));
                dialogs.prompt = Some(PathPrompt {
                    action,
                    text: String::new(),
                    why,
                    focused: false,
                });
                continue;
            }
        };
        match action {
            FileAction::OpenConfiguration => {
                configurations.write(ConfigurationChosen(path));
            }
            FileAction::SaveConfiguration => bridge.send(Command::SaveConfiguration(path)),
            FileAction::ExportSampling => bridge.send(Command::ExportSampling(prefix_of(&path))),
            FileAction::SaveRestart => bridge.send(Command::SaveRestart(path)),
            FileAction::ResumeRestart => bridge.send(Command::ResumeFrom(path)),
            FileAction::ExportCsv => {
                let snapshot = latest.snapshot.clone();
                let prefix = prefix_of(&path);
                notices.write(Notice(format!("writing {prefix}.*.csv")));
                std::thread::spawn(move || {
                    if let Err(e) = write_csv(&prefix, &snapshot) {
                        error!("CSV export to {prefix}: {e}");
                    }
                });
            }
            FileAction::ExportPlotsPng => {
                let crop = physical_rect(rects.plots, window.scale_factor());
                save_screenshot(&mut commands, path.clone(), Some(crop), None);
                notices.write(Notice(format!("saved the plots to {}", path.display())));
            }
            FileAction::SavePlotPng { rect, .. } => {
                let crop = physical_rect(rect, window.scale_factor());
                save_screenshot(&mut commands, path.clone(), Some(crop), None);
                notices.write(Notice(format!("saved the plot to {}", path.display())));
            }
            FileAction::SavePlotCsv(data) => {
                let text = match std::fs::write(&path, data.to_csv()) {
                    Ok(()) => format!("saved the plot's data to {}", path.display()),
                    Err(e) => format!("error: cannot write {}: {e}", path.display()),
                };
                notices.write(Notice(text));
            }
            FileAction::Screenshot => {
                save_screenshot(&mut commands, path.clone(), None, None);
                notices.write(Notice(format!("saved a screenshot to {}", path.display())));
            }
            FileAction::SaveViewPng => {
                let crop = physical_rect(rects.view, window.scale_factor());
                save_screenshot(&mut commands, path.clone(), Some(crop), None);
                notices.write(Notice(format!("saved the 3D view to {}", path.display())));
            }
            FileAction::RecordReplay => {
                let text = if latest.snapshot.events.is_empty() {
                    "no event to record yet: recording starts with an event's replay".to_string()
                } else {
                    opened.record.write(RecordReplayInto(path.clone()));
                    format!(
                        "recording the replay of the latest event into {}",
                        path.display()
                    )
                };
                notices.write(Notice(text));
            }
            FileAction::OpenScene | FileAction::LoadScene(_) => match Scene::load(&path) {
                Ok(scene) => {
                    scenes.write(SceneChosen(scene));
                }
                Err(e) => {
                    notices.write(Notice(format!("error: {e}")));
                }
            },
            FileAction::OpenCampaignFolder | FileAction::OpenSamplingsCsv => {
                notices.write(Notice(format!(
                    "reading campaign results from {}",
                    path.display()
                )));
                opened.results.write(ResultsChosen(path));
            }
            FileAction::OpenArtRun => {
                notices.write(Notice(format!("reading the ART run in {}", path.display())));
                opened.art.write(ArtRequest::OpenRun(path));
            }
            FileAction::Quit => {}
        }
    }
}

/// `rect` (logical pixels) in the window's physical pixels, for cropping a screenshot.
fn physical_rect(rect: egui::Rect, scale: f32) -> URect {
    URect::new(
        (rect.min.x * scale).max(0.0) as u32,
        (rect.min.y * scale).max(0.0) as u32,
        (rect.max.x * scale).max(0.0) as u32,
        (rect.max.y * scale).max(0.0) as u32,
    )
}

/// The path without a known extension, as a prefix for several files.
fn prefix_of(path: &Path) -> String {
    let s = path.display().to_string();
    for ext in [".csv", ".traj", ".json", ".txt"] {
        if let Some(p) = s.strip_suffix(ext) {
            return p.to_string();
        }
    }
    s
}

/// The plotted data as CSV files: PREFIX.trace.csv, .fes.csv, .hills.csv, .thermo.csv,
/// .barrier.csv.
pub fn write_csv(prefix: &str, s: &Snapshot) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut trace = String::from("biased_step,md_time_ps,boosted_time_ps,s_angstrom,bias_ev\n");
    for c in s.trace.iter() {
        let _ = writeln!(
            trace,
            "{},{},{},{},{}",
            c.biased_step, c.md_time_ps, c.boosted_time_ps, c.s_angstrom, c.metadynamics_ev
        );
    }
    let mut fes = String::from("s_angstrom,bias_ev,free_energy_ev\n");
    for ((x, v), f) in s
        .grid_s_angstrom
        .iter()
        .zip(s.bias_ev.iter())
        .zip(s.free_energy_ev.iter())
    {
        let _ = writeln!(fes, "{x},{v},{f}");
    }
    let mut hills = String::from("md_time_ps,height_ev\n");
    for (t, w) in s.hills.iter() {
        let _ = writeln!(hills, "{t},{w}");
    }
    let mut thermo = String::from("md_time_ps,temperature_k,potential_energy_ev,total_energy_ev\n");
    for p in s.thermo_history.iter() {
        let _ = writeln!(
            thermo,
            "{},{},{},{}",
            p.md_time_ps, p.temperature_k, p.potential_energy_ev, p.total_energy_ev
        );
    }
    let mut barrier = String::from("md_time_ps,barrier_ev\n");
    for (t, b) in s.barrier_history.iter() {
        let _ = writeln!(
            barrier,
            "{t},{}",
            b.map_or(String::new(), |b| b.to_string())
        );
    }
    for (suffix, text) in [
        (".trace.csv", trace),
        (".fes.csv", fes),
        (".hills.csv", hills),
        (".thermo.csv", thermo),
        (".barrier.csv", barrier),
    ] {
        std::fs::write(format!("{prefix}{suffix}"), text)?;
    }
    Ok(())
}

/// Captures the window (or the `crop` of it, in physical pixels) to a PNG at `path`; sets
/// `done` once the file is written (or failed).
pub fn save_screenshot(
    commands: &mut Commands,
    path: PathBuf,
    crop: Option<URect>,
    done: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
) {
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>| {
            match captured.image.clone().try_into_dynamic() {
                Ok(image) => {
                    let image = match crop {
                        Some(r) => image.crop_imm(r.min.x, r.min.y, r.width(), r.height()),
                        None => image,
                    };
                    // RGB only: the alpha channel of the swap chain is not opacity.
                    match image.to_rgb8().save(&path) {
                        Ok(()) => info!("saved {}", path.display()),
                        Err(e) => error!("cannot save {}: {e}", path.display()),
                    }
                }
                Err(e) => error!("cannot convert the screenshot: {e:?}"),
            }
            if let Some(done) = &done {
                done.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        },
    );
}
