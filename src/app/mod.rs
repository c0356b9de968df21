//! The desktop app (feature `gui`): watch β-events happen while well-tempered metadynamics
//! runs on a background thread, pick cluster centres, choose σ, read ΔF.
//!
//! A module of the *binary* crate, never of the library. One Bevy plugin per concern:
//! - [`bridge`]: the engine thread ([`betaglass::live::Engine`]) as a resource, and the newest
//!   snapshot pulled once per frame (never waited for);
//! - [`atoms_view`]: the atoms as instanced spheres, the cluster highlight, the slab clip,
//!   the orbit camera and picking by click;
//! - [`cluster_view`]: box edges, displacement arrows and event replay;
//! - [`panels`]: the egui controls, readouts, menus and help overlay; [`plots`]: the live
//!   egui_plot plots;
//! - [`files`]: file dialogs (rfd, on their own threads), exports and scenes;
//! - [`deck`]: the LAMMPS + Colvars deck behind the running sampling, shown and saved;
//! - [`results`]: a campaign's figures (Figs. 2–5) and table, as `betaglass stats` makes them;
//! - [`art`]: an ART nouveau run's 0 K spectrum and its events, shown moving over their saddles;
//! - [`timeline`]: the sampling's recent frames (one per CV sample) to scrub and play back,
//!   linked to s(t);
//! - [`capture`]: `--frames N --screenshot PNG --report JSON` for headless checks;
//! - [`state`]: the UI state several plugins read (frame statistics, panel rectangles, the
//!   scene list) and the messages they talk through (file requests, notices, chosen
//!   configurations and scenes), so that no plugin reaches into another's resources.

mod art;
mod atom_material;
mod atoms_view;
mod bridge;
mod capture;
mod cluster_view;
mod deck;
mod files;
mod panels;
mod plot_kit;
mod plots;
mod reader;
mod results;
mod state;
mod style;
mod timeline;

use std::path::PathBuf;

use bevy::asset::AssetEventSystems;
use bevy::prelude::*;
use bevy_egui::{EguiPlugin, EguiPostUpdateSet};

use betaglass::io::scene::Scene;

/// What the command line asks of the app.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// A configuration to open instead of the scene's (or the embedded default glass).
    pub file: Option<PathBuf>,
    /// A scene file; None: the built-in teaching scene.
    pub scene: Option<PathBuf>,
    /// Run this many frames, then save `screenshot`, write `report` and quit.
    pub frames: Option<u64>,
    pub screenshot: Option<PathBuf>,
    pub report: Option<PathBuf>,
    /// After `frames`, wait for the first event before the screenshot.
    pub until_event: bool,
    /// A campaign folder or samplings CSV to show in the results window at start.
    pub results: Option<PathBuf>,
    /// An ART run's folder to show in the ART window (and its first event in the view).
    pub art: Option<PathBuf>,
}

/// The display the window would open on, or why there is none: winit panics without one
/// (exit 101 and a backtrace), so the app checks first and says what to do instead.
fn require_display() -> anyhow::Result<()> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if cfg!(target_os = "linux") && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        anyhow::bail!(
            "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set): run the app on a \
             desktop, or headless under a virtual screen with `xvfb-run -a betaglass …` (needs \
             the xvfb and mesa-vulkan-drivers packages); the subcommands (`betaglass md`, \
             `metad`, `campaign`, `art`, …) need no display, and `cargo install --path . \
             --no-default-features` builds them without the app"
        );
    }
    Ok(())
}

/// Bevy panics (with a backtrace) when wgpu finds no GPU adapter, which on Linux means no
/// Vulkan driver: turn that one panic into a line that names the packages, and exit 1.
fn explain_a_missing_vulkan_driver() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if payload.contains("Unable to find a GPU") {
            eprintln!(
                "error: no Vulkan driver found, so the app cannot draw: install one (Debian/Ubuntu: \
                 `apt-get install mesa-vulkan-drivers libvulkan1`, Mesa's software renderer \
                 included; or your GPU vendor's driver); the subcommands (`betaglass md`, \
                 `metad`, `campaign`, `art`, …) need no GPU"
            );
            std::process::exit(1);
        }
        previous(info);
    }));
}

/// Opens the betaglass window and blocks until it is closed.
pub fn run_app(options: AppOptions) -> anyhow::Result<()> {
    require_display()?;
    explain_a_missing_vulkan_driver();
    let scene = match &options.scene {
        Some(path) => Scene::load(path)?,
        None => Scene::teaching(),
    };
    let file = options.file.clone().or_else(|| scene.system_file.clone());
    let exit = App::new()
        .insert_resource(ClearColor(style::BACKGROUND))
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "betaglass — β-relaxation in a Cu50Zr50 glass".into(),
                resolution: (1280, 800).into(),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(EguiPlugin::default())
        // Glyphs on time. A glyph egui meets for the first time (a digit at a new sub-pixel
        // offset, a size not used before) is written into its font atlas image by
        // bevy_egui's texture update; the render world learns of the change from the
        // image's asset event. Unordered, that update may run after this frame's asset events
        // were sent: the frame is drawn with the new text but the old atlas, and the new
        // glyphs are blank ("T 4 9 K"), which at the start of a session, with numbers changing
        // every frame, is most frames. Before the asset events, the atlas and the text that
        // uses it reach the GPU together.
        .configure_sets(
            PostUpdate,
            EguiPostUpdateSet::PostProcessOutput.before(AssetEventSystems),
        )
        .add_plugins((
            bridge::BridgePlugin {
                scene: scene.clone(),
                file,
            },
            atom_material::AtomMaterialPlugin,
            atoms_view::AtomsViewPlugin,
            cluster_view::ClusterViewPlugin,
            panels::PanelsPlugin { scene },
            plots::PlotsPlugin,
            files::FilesPlugin,
            deck::DeckPlugin,
            state::StatePlugin,
            results::ResultsPlugin {
                open: options.results.clone(),
            },
            art::ArtPlugin {
                open: options.art.clone(),
            },
            capture::CapturePlugin {
                frames: options.frames,
                screenshot: options.screenshot,
                report: options.report,
                until_event: options.until_event,
            },
        ))
        .run();
    match exit {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => anyhow::bail!("the betaglass window exited with error code {code}"),
    }
}
