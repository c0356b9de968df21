//! The desktop app (feature `gui`): a Bevy window with a 3D atom view and egui panels.
//!
//! This is a module of the *binary* crate, never of the library: `src/main.rs` declares it as
//! `#[cfg(feature = "gui")] mod app;` and calls [`run_app`].
//!
//! For now it is a viewer that proves the GUI stack (Bevy 0.19 + `bevy_egui` 0.42 +
//! `egui_plot` 0.37) and the library behind it: the glass (the embedded default, or the file
//! given on the command line, read by `betaglass::io`) as Cu/Zr spheres, an orbit camera
//! (left-drag to rotate, wheel to zoom), and a side panel with an empty free-energy plot.

use std::path::PathBuf;

use bevy::{
    camera::{CameraOutputMode, Viewport, visibility::RenderLayers},
    input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit},
    prelude::*,
    render::render_resource::BlendState,
    window::PrimaryWindow,
};
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext, egui,
    input::EguiWantsInput,
};

/// Colour of copper atoms (bronze).
const CU_COLOR: Color = Color::srgb(0.80, 0.50, 0.20);
/// Colour of zirconium atoms (green).
const ZR_COLOR: Color = Color::srgb(0.25, 0.70, 0.35);
/// Drawn sphere radii in Å (about half the metallic radii, so neighbours don't overlap).
const CU_RADIUS: f32 = 0.64;
const ZR_RADIUS: f32 = 0.80;

/// Opens the betaglass window and blocks until it is closed.
///
/// `initial_file` is a configuration to show (extended XYZ or LAMMPS data); without it, or if
/// it cannot be read (the panel says why), the embedded default glass is shown.
pub fn run_app(initial_file: Option<PathBuf>) -> anyhow::Result<()> {
    let exit = App::new()
        .insert_resource(ClearColor(Color::srgb(0.08, 0.09, 0.11)))
        .insert_resource(GlobalAmbientLight {
            brightness: 300.0,
            ..default()
        })
        .insert_resource(AppState {
            initial_file,
            description: String::new(),
            side_panel_width: 0.0,
        })
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "betaglass".into(),
                resolution: (1280, 800).into(),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(EguiPlugin::default())
        .add_systems(Startup, setup_scene)
        .add_systems(EguiPrimaryContextPass, ui_system)
        .add_systems(Update, (orbit_camera_input, fit_camera_viewport).chain())
        .run();
    match exit {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => anyhow::bail!("the betaglass window exited with error code {code}"),
    }
}

#[derive(Resource)]
struct AppState {
    initial_file: Option<PathBuf>,
    /// What the 3D view shows, for the panel.
    description: String,
    /// Width of the egui side panel in logical pixels, so the 3D view can avoid it.
    side_panel_width: f32,
}

/// Orbit-camera parameters; the transform is recomputed from them every frame.
#[derive(Component)]
struct OrbitCamera {
    focus: Vec3,
    radius: f32,
    yaw: f32,
    pitch: f32,
}

impl OrbitCamera {
    fn transform(&self) -> Transform {
        let rotation = Quat::from_euler(EulerRot::YXZ, self.yaw, self.pitch, 0.0);
        let position = self.focus + rotation * Vec3::new(0.0, 0.0, self.radius);
        Transform::from_translation(position).looking_at(self.focus, Vec3::Y)
    }
}

/// The configuration to show: atom positions relative to the box centre (Å) and whether each is
/// Zr, plus a description for the panel.
fn glass_atoms(initial_file: Option<&std::path::Path>) -> (Vec<(Vec3, bool)>, f32, String) {
    let (system, label) = match initial_file.map(betaglass::io::read_configuration) {
        Some(Ok(system)) => (
            system,
            initial_file.map_or(String::new(), |p| p.display().to_string()),
        ),
        Some(Err(e)) => (
            betaglass::assets::default_glass(),
            format!("could not read it ({e}); showing the default glass"),
        ),
        None => (
            betaglass::assets::default_glass(),
            "embedded default glass".to_string(),
        ),
    };
    let centre = system.cell.centre_angstrom();
    let edge = system
        .cell
        .lengths_angstrom()
        .iter()
        .cloned()
        .fold(0.0, f64::max) as f32;
    let atoms = system
        .positions_angstrom
        .iter()
        .zip(&system.types)
        .map(|(x, &t)| {
            let p = system.cell.wrap(*x);
            let v = Vec3::new(
                (p[0] - centre[0]) as f32,
                (p[1] - centre[1]) as f32,
                (p[2] - centre[2]) as f32,
            );
            (v, system.species[t].symbol == "Zr")
        })
        .collect();
    let text = format!(
        "{label}: {} atoms, {:.1} Å box, {:.3} g/cm³",
        system.n_atoms(),
        edge,
        system.density_g_per_cm3()
    );
    (atoms, edge, text)
}

fn setup_scene(
    mut commands: Commands,
    mut state: ResMut<AppState>,
    mut egui_settings: ResMut<EguiGlobalSettings>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    // The egui context gets its own camera (below) so the 3D camera's viewport can shrink
    // to the area beside the side panel without clipping the UI.
    egui_settings.auto_create_primary_context = false;

    let cu_mesh = meshes.add(
        Sphere::new(CU_RADIUS)
            .mesh()
            .ico(2)
            .expect("valid ico sphere"),
    );
    let zr_mesh = meshes.add(
        Sphere::new(ZR_RADIUS)
            .mesh()
            .ico(2)
            .expect("valid ico sphere"),
    );
    let cu_material = materials.add(StandardMaterial {
        base_color: CU_COLOR,
        metallic: 0.3,
        perceptual_roughness: 0.45,
        ..default()
    });
    let zr_material = materials.add(StandardMaterial {
        base_color: ZR_COLOR,
        metallic: 0.2,
        perceptual_roughness: 0.5,
        ..default()
    });
    let (atoms, edge, description) = glass_atoms(state.initial_file.as_deref());
    state.description = description;
    for (position, is_zr) in atoms {
        let (mesh, material) = if is_zr {
            (zr_mesh.clone(), zr_material.clone())
        } else {
            (cu_mesh.clone(), cu_material.clone())
        };
        commands.spawn((
            Mesh3d(mesh),
            MeshMaterial3d(material),
            Transform::from_translation(position),
        ));
    }

    commands.spawn((
        DirectionalLight {
            illuminance: 8_000.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(4.0, 8.0, 6.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));

    let orbit = OrbitCamera {
        focus: Vec3::ZERO,
        radius: 2.4 * edge,
        yaw: 0.6,
        pitch: -0.35,
    };
    commands.spawn((Camera3d::default(), orbit.transform(), orbit));

    // The egui camera: draws only the UI, on top of the 3D view.
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

fn ui_system(mut contexts: EguiContexts, mut state: ResMut<AppState>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "betaglass_root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );

    let description = state.description.clone();
    let width = egui::Panel::left("betaglass_side_panel")
        .resizable(true)
        .default_size(340.0)
        .show(&mut root, |ui| {
            ui.heading("betaglass");
            ui.label("betaglass — engine ready; the interactive app arrives with the app issue");
            ui.separator();
            ui.label(&description);
            ui.label("Cu bronze, Zr green");
            ui.small("Left-drag: rotate · wheel: zoom");
            ui.separator();
            ui.strong("Free energy F(s)");
            egui_plot::Plot::new("free_energy_plot")
                .height(220.0)
                .x_axis_label("s")
                .y_axis_label("F(s) / eV")
                .show(ui, |_plot_ui| {});
            ui.allocate_space(ui.available_size());
        })
        .response
        .rect
        .width();
    state.side_panel_width = width;
    Ok(())
}

/// Left-drag rotates, the wheel zooms.
///
/// Only gestures that start over the 3D view count. The panels are drawn into a background
/// `Ui`, which egui's "is the pointer over egui" test does not see, so the side panel is
/// excluded by its width as well as by [`EguiWantsInput`].
#[expect(clippy::too_many_arguments, reason = "a Bevy system's parameters")]
fn orbit_camera_input(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    egui_input: Res<EguiWantsInput>,
    state: Res<AppState>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut dragging: Local<bool>,
    mut cameras: Query<(&mut OrbitCamera, &mut Transform)>,
) {
    let over_view = !egui_input.wants_any_pointer_input()
        && window
            .cursor_position()
            .is_some_and(|p| p.x > state.side_panel_width);
    if buttons.just_pressed(MouseButton::Left) && over_view {
        *dragging = true;
    }
    if !buttons.pressed(MouseButton::Left) {
        *dragging = false;
    }
    for (mut orbit, mut transform) in &mut cameras {
        if *dragging && motion.delta != Vec2::ZERO {
            orbit.yaw -= motion.delta.x * 0.005;
            orbit.pitch = (orbit.pitch - motion.delta.y * 0.005).clamp(-1.54, 1.54);
        }
        if over_view && scroll.delta.y != 0.0 {
            let lines = match scroll.unit {
                MouseScrollUnit::Line => scroll.delta.y,
                MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
            };
            orbit.radius = (orbit.radius * 0.9_f32.powf(lines)).clamp(2.0, 500.0);
        }
        *transform = orbit.transform();
    }
}

/// Restricts the 3D camera to the part of the window right of the side panel.
fn fit_camera_viewport(
    state: Res<AppState>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut cameras: Query<&mut Camera, With<OrbitCamera>>,
) {
    let left = (state.side_panel_width * window.scale_factor()).round() as u32;
    let size = UVec2::new(window.physical_width(), window.physical_height());
    let wanted = (left < size.x && size.y > 0)
        .then(|| (UVec2::new(left, 0), UVec2::new(size.x - left, size.y)));
    for mut camera in &mut cameras {
        let current = camera
            .viewport
            .as_ref()
            .map(|v| (v.physical_position, v.physical_size));
        if current != wanted {
            camera.viewport = wanted.map(|(physical_position, physical_size)| Viewport {
                physical_position,
                physical_size,
                ..default()
            });
        }
    }
}
