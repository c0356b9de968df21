//! The atoms as spheres (one shared mesh and material per role, so Bevy batches them into
//! instanced draws), the cluster highlight, the clip around the cluster, the orbit camera,
//! and picking an atom by clicking it.

use bevy::{
    camera::{CameraOutputMode, Viewport, visibility::RenderLayers},
    core_pipeline::tonemapping::Tonemapping,
    input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit},
    prelude::*,
    render::render_resource::BlendState,
    window::PrimaryWindow,
};
use bevy_egui::{EguiGlobalSettings, PrimaryEguiContext, input::EguiWantsInput};

use super::bridge::Latest;
use super::style;

pub struct AtomsViewPlugin;

impl Plugin for AtomsViewPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ViewSettings>()
            .init_resource::<Selection>()
            .init_resource::<ViewLayout>()
            .init_resource::<AtomEntities>()
            .add_systems(Startup, setup)
            .add_systems(
                Update,
                (
                    camera_input,
                    fit_camera_viewport,
                    pick_atoms,
                    sync_atoms,
                    replay_event,
                )
                    .chain(),
            );
    }
}

/// How the others (non-cluster atoms) are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OthersMode {
    Normal,
    Translucent,
    Hidden,
}

/// Which atoms are cut away so the cluster can be seen inside the glass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClipMode {
    Off,
    /// A slab through the cluster centre, facing the camera.
    Slab,
    /// A sphere around the cluster centre.
    Sphere,
}

/// What the person chose to see (edited by the panels and the keyboard).
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct ViewSettings {
    pub others: OthersMode,
    pub clip: ClipMode,
    /// Slab thickness or sphere diameter (Å).
    pub clip_width_angstrom: f32,
    pub atom_scale: f32,
    pub show_box: bool,
    pub show_displacements: bool,
    /// Arrows for atoms displaced more than this from the reference (Å).
    pub displacement_threshold_angstrom: f32,
    /// Event arrows: atoms displaced more than this between the inherent structures (Å;
    /// quenched structures carry no thermal noise, so small moves are real).
    pub event_threshold_angstrom: f32,
    /// Event arrows are drawn this many times their length, so sub-ångström moves show
    /// outside the spheres (OVITO's "scaling factor").
    pub event_arrow_scale: f32,
    /// Event whose inherent-structure arrows are drawn (index into the events), if any.
    pub event_arrows: Option<usize>,
    /// Event being replayed (its region loops between the two inherent structures).
    pub replay: Option<usize>,
    /// The cluster the panel would start (preview while a cutoff or centre is edited).
    pub preview_ids: Vec<u64>,
    /// An ART event is on show (the ART window draws it): the live glass is hidden.
    pub show_art_event: bool,
}

impl ViewSettings {
    /// A hash of every setting, compared frame to frame without cloning (no allocation).
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.others as u8, self.clip as u8).hash(&mut h);
        self.clip_width_angstrom.to_bits().hash(&mut h);
        self.atom_scale.to_bits().hash(&mut h);
        (self.show_box, self.show_displacements).hash(&mut h);
        self.displacement_threshold_angstrom.to_bits().hash(&mut h);
        self.event_threshold_angstrom.to_bits().hash(&mut h);
        self.event_arrow_scale.to_bits().hash(&mut h);
        (self.event_arrows, self.replay, self.show_art_event).hash(&mut h);
        self.preview_ids.hash(&mut h);
        h.finish()
    }
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            others: OthersMode::Translucent,
            clip: ClipMode::Slab,
            clip_width_angstrom: 10.0,
            atom_scale: 1.0,
            show_box: true,
            show_displacements: true,
            displacement_threshold_angstrom: 2.0,
            event_threshold_angstrom: 0.5,
            event_arrow_scale: 3.0,
            event_arrows: None,
            replay: None,
            preview_ids: Vec::new(),
            show_art_event: false,
        }
    }
}

/// The atom under the pointer and the one last clicked (ids).
#[derive(Resource, Default, Debug)]
pub struct Selection {
    pub hovered: Option<u64>,
    pub picked: Option<u64>,
    /// The camera should centre on the cluster / go back to the whole box.
    pub focus_cluster: bool,
    pub reset_view: bool,
}

/// Sizes of the egui panels in logical pixels, so the 3D view fills what they leave.
#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct ViewLayout {
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
}

/// One entity per atom, in the snapshot's id order.
#[derive(Resource, Default)]
pub struct AtomEntities {
    entities: Vec<Entity>,
    roles: Vec<Role>,
    /// The snapshot, settings fingerprint and view direction the roles were computed for.
    drawn: Option<(u64, u64, Vec3)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Cu,
    Zr,
    CuDim,
    ZrDim,
    CuCluster,
    ZrCluster,
    Centre,
    Preview,
    Hidden,
}

#[derive(Resource)]
struct AtomAssets {
    cu_mesh: Handle<Mesh>,
    zr_mesh: Handle<Mesh>,
    materials: Vec<(Role, Handle<StandardMaterial>)>,
}

impl AtomAssets {
    fn material(&self, role: Role) -> Handle<StandardMaterial> {
        self.materials
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, h)| h.clone())
            .unwrap_or_default()
    }
}

/// Orbit-camera parameters; the transform is recomputed from them.
#[derive(Component)]
pub struct OrbitCamera {
    pub focus: Vec3,
    pub radius: f32,
    pub yaw: f32,
    pub pitch: f32,
}

impl OrbitCamera {
    pub fn transform(&self) -> Transform {
        let rotation = Quat::from_euler(EulerRot::YXZ, self.yaw, self.pitch, 0.0);
        let position = self.focus + rotation * Vec3::new(0.0, 0.0, self.radius);
        Transform::from_translation(position).looking_at(self.focus, Vec3::Y)
    }

    fn whole_box(edge: f32) -> Self {
        Self {
            focus: Vec3::ZERO,
            radius: 1.6 * edge.max(10.0),
            yaw: 0.6,
            pitch: -0.35,
        }
    }
}

#[derive(Component)]
struct AtomIndex;

fn material(rgb: [u8; 3], emissive: f32, alpha: f32) -> StandardMaterial {
    let base = style::color(rgb).with_alpha(alpha);
    StandardMaterial {
        base_color: base,
        emissive: LinearRgba::from(style::color(rgb)) * emissive,
        metallic: 0.1,
        perceptual_roughness: 0.6,
        alpha_mode: if alpha < 1.0 {
            AlphaMode::Blend
        } else {
            AlphaMode::Opaque
        },
        ..default()
    }
}

fn setup(
    mut commands: Commands,
    mut egui_settings: ResMut<EguiGlobalSettings>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    // The egui context gets its own full-window camera (below), so the 3D camera's viewport
    // can shrink to the area the panels leave without moving the UI.
    egui_settings.auto_create_primary_context = false;
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
    let sphere = |r: f32| Sphere::new(r).mesh().ico(2).expect("a valid ico sphere");
    let roles = [
        (Role::Cu, material(style::CU_RGB, 0.0, 1.0)),
        (Role::Zr, material(style::ZR_RGB, 0.0, 1.0)),
        (Role::CuDim, material(style::CU_RGB, 0.0, 0.10)),
        (Role::ZrDim, material(style::ZR_RGB, 0.0, 0.10)),
        (Role::CuCluster, material(style::CLUSTER_CU_RGB, 0.35, 1.0)),
        (Role::ZrCluster, material(style::CLUSTER_ZR_RGB, 0.35, 1.0)),
        (Role::Centre, material(style::CENTRE_RGB, 0.45, 1.0)),
        (Role::Preview, material(style::PREVIEW_RGB, 0.3, 1.0)),
    ];
    commands.insert_resource(AtomAssets {
        cu_mesh: meshes.add(sphere(style::CU_RADIUS_ANGSTROM)),
        zr_mesh: meshes.add(sphere(style::ZR_RADIUS_ANGSTROM)),
        materials: roles
            .into_iter()
            .map(|(r, m)| (r, materials.add(m)))
            .collect(),
    });
    commands.spawn((
        DirectionalLight {
            illuminance: 9_000.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(4.0, 8.0, 6.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    // Opens closer than "reset view": the cluster, not the box, is what to look at.
    let orbit = OrbitCamera {
        radius: 1.2 * 41.6,
        ..OrbitCamera::whole_box(41.6)
    };
    // No tone mapping: the colours on screen are the colours chosen (and checked by CI).
    commands.spawn((
        Camera3d::default(),
        Tonemapping::None,
        orbit.transform(),
        orbit,
    ));
}

/// The box centre of a snapshot, the origin of the 3D view.
pub fn box_centre(latest: &Latest) -> Vec3 {
    let a = &latest.snapshot.atoms;
    Vec3::from(a.cell_lo_angstrom) + 0.5 * Vec3::from(a.cell_lengths_angstrom)
}

/// World position of atom `k` of the snapshot.
pub fn world_position(latest: &Latest, k: usize) -> Vec3 {
    Vec3::from(latest.snapshot.atoms.positions_angstrom[k]) - box_centre(latest)
}

/// World position of the cluster's centre atom, if there is a cluster.
pub fn cluster_centre_world(latest: &Latest) -> Option<Vec3> {
    let id = latest.snapshot.centre_id?;
    let k = latest.snapshot.atoms.index_of(id)?;
    Some(world_position(latest, k))
}

/// Spawns, moves and recolours the atom spheres when the snapshot, the settings or the
/// camera (for a camera-facing slab) changed; otherwise touches nothing.
fn sync_atoms(
    mut commands: Commands,
    latest: Res<Latest>,
    settings: Res<ViewSettings>,
    assets: Res<AtomAssets>,
    mut atoms: ResMut<AtomEntities>,
    cameras: Query<&Transform, (With<OrbitCamera>, Without<AtomIndex>)>,
    mut spheres: Query<
        (
            &mut Transform,
            &mut MeshMaterial3d<StandardMaterial>,
            &mut Visibility,
        ),
        With<AtomIndex>,
    >,
) {
    let frame = &latest.snapshot.atoms;
    let view_dir = cameras
        .single()
        .map(|t| t.forward().as_vec3())
        .unwrap_or(Vec3::NEG_Z);
    let key = (latest.snapshot.serial, settings.fingerprint(), view_dir);
    if atoms.drawn.as_ref() == Some(&key) {
        return;
    }
    if atoms.entities.len() != frame.len() {
        for e in atoms.entities.drain(..) {
            commands.entity(e).despawn();
        }
        atoms.roles.clear();
        for k in 0..frame.len() {
            let zr = frame.species_of(k) == "Zr";
            let mesh = if zr {
                assets.zr_mesh.clone()
            } else {
                assets.cu_mesh.clone()
            };
            let role = if zr { Role::Zr } else { Role::Cu };
            let e = commands
                .spawn((
                    Mesh3d(mesh),
                    MeshMaterial3d(assets.material(role)),
                    Transform::from_translation(world_position(&latest, k)),
                    Visibility::Visible,
                    AtomIndex,
                ))
                .id();
            atoms.entities.push(e);
            atoms.roles.push(role);
        }
        // Drawn next frame, once the entities exist.
        atoms.drawn = None;
        return;
    }
    let centre = cluster_centre_world(&latest).unwrap_or(Vec3::ZERO);
    let half = 0.5 * settings.clip_width_angstrom;
    // A replay or an ART event shows its own atoms only.
    let replaying = settings.replay.is_some() || settings.show_art_event;
    for k in 0..frame.len() {
        let Ok((mut transform, mut mat, mut vis)) = spheres.get_mut(atoms.entities[k]) else {
            continue;
        };
        let p = world_position(&latest, k);
        let role = role_of(&latest, &settings, k, p, centre, half, view_dir);
        if !replaying {
            transform.translation = p;
            transform.scale = Vec3::splat(settings.atom_scale * role_scale(role));
        }
        let visible = if role == Role::Hidden || replaying {
            Visibility::Hidden
        } else {
            Visibility::Visible
        };
        if *vis != visible {
            *vis = visible;
        }
        if role != Role::Hidden && atoms.roles[k] != role {
            mat.0 = assets.material(role);
            atoms.roles[k] = role;
        }
    }
    atoms.drawn = Some(key);
}

/// Size of a role's spheres relative to the species radius: the cluster a little larger,
/// dimmed atoms smaller, so the cluster is not lost behind the glass around it.
fn role_scale(role: Role) -> f32 {
    match role {
        Role::Centre => 1.3,
        Role::CuCluster | Role::ZrCluster | Role::Preview => 1.15,
        Role::CuDim | Role::ZrDim => 0.7,
        _ => 1.0,
    }
}

#[allow(clippy::too_many_arguments)]
fn role_of(
    latest: &Latest,
    settings: &ViewSettings,
    k: usize,
    p: Vec3,
    centre: Vec3,
    half_clip: f32,
    view_dir: Vec3,
) -> Role {
    let s = &latest.snapshot;
    let id = s.atoms.ids[k];
    let zr = s.atoms.species_of(k) == "Zr";
    if s.centre_id == Some(id) {
        return Role::Centre;
    }
    // The cluster being chosen shows over the running one.
    if settings.preview_ids.contains(&id) {
        return Role::Preview;
    }
    if s.cluster_ids.contains(&id) {
        return if zr { Role::ZrCluster } else { Role::CuCluster };
    }
    let clipped = match settings.clip {
        ClipMode::Off => false,
        ClipMode::Slab => (p - centre).dot(view_dir).abs() > half_clip,
        ClipMode::Sphere => (p - centre).length() > half_clip,
    };
    match (clipped, settings.others, zr) {
        (true, _, _) | (_, OthersMode::Hidden, _) => Role::Hidden,
        (false, OthersMode::Normal, false) => Role::Cu,
        (false, OthersMode::Normal, true) => Role::Zr,
        (false, OthersMode::Translucent, false) => Role::CuDim,
        (false, OthersMode::Translucent, true) => Role::ZrDim,
    }
}

/// Event replay: the region's atoms loop between the two inherent structures (ping-pong,
/// 3 s a cycle); every other atom is hidden by `sync_atoms`.
fn replay_event(
    time: Res<Time>,
    latest: Res<Latest>,
    settings: Res<ViewSettings>,
    atoms: Res<AtomEntities>,
    mut spheres: Query<(&mut Transform, &mut Visibility), With<AtomIndex>>,
) {
    let Some(event) = settings
        .replay
        .and_then(|i| latest.snapshot.events.get(i).cloned())
    else {
        return;
    };
    let phase = (time.elapsed_secs() / 1.5).rem_euclid(2.0);
    let x = if phase < 1.0 { phase } else { 2.0 - phase };
    let w = x * x * (3.0 - 2.0 * x);
    let origin = box_centre(&latest);
    for (id, before, after) in &event.region {
        let Some(k) = latest.snapshot.atoms.index_of(*id) else {
            continue;
        };
        let Some(&e) = atoms.entities.get(k) else {
            continue;
        };
        if let Ok((mut t, mut vis)) = spheres.get_mut(e) {
            t.translation = Vec3::from(*before).lerp(Vec3::from(*after), w) - origin;
            if *vis != Visibility::Visible {
                *vis = Visibility::Visible;
            }
        }
    }
}

/// Left-drag rotates, right- or middle-drag pans, the wheel zooms; F / R requests from the
/// keyboard or the panel focus the cluster or reset the view.
#[allow(clippy::too_many_arguments)]
fn camera_input(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    egui_input: Res<EguiWantsInput>,
    layout: Res<ViewLayout>,
    latest: Res<Latest>,
    mut selection: ResMut<Selection>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut dragging: Local<Option<MouseButton>>,
    mut cameras: Query<(&mut OrbitCamera, &mut Transform)>,
) {
    let over_view = !egui_input.wants_any_pointer_input()
        && window.cursor_position().is_some_and(|p| {
            p.x > layout.left
                && p.x < window.width() - layout.right
                && p.y > layout.top
                && p.y < window.height() - layout.bottom
        });
    for b in [MouseButton::Left, MouseButton::Right, MouseButton::Middle] {
        if buttons.just_pressed(b) && over_view {
            *dragging = Some(b);
        }
    }
    if dragging.is_some_and(|b| !buttons.pressed(b)) {
        *dragging = None;
    }
    let edge = latest
        .snapshot
        .atoms
        .cell_lengths_angstrom
        .iter()
        .cloned()
        .fold(10.0, f32::max);
    for (mut orbit, mut transform) in &mut cameras {
        let before = (orbit.focus, orbit.radius, orbit.yaw, orbit.pitch);
        match *dragging {
            Some(MouseButton::Left) if motion.delta != Vec2::ZERO => {
                orbit.yaw -= motion.delta.x * 0.005;
                orbit.pitch = (orbit.pitch - motion.delta.y * 0.005).clamp(-1.54, 1.54);
            }
            Some(MouseButton::Right | MouseButton::Middle) if motion.delta != Vec2::ZERO => {
                let scale = orbit.radius * 0.0015;
                let (right, up) = (transform.right().as_vec3(), transform.up().as_vec3());
                orbit.focus += (-motion.delta.x * right + motion.delta.y * up) * scale;
            }
            _ => {}
        }
        if over_view && scroll.delta.y != 0.0 {
            let lines = match scroll.unit {
                MouseScrollUnit::Line => scroll.delta.y,
                MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
            };
            orbit.radius = (orbit.radius * 0.9_f32.powf(lines)).clamp(2.0, 500.0);
        }
        if selection.reset_view {
            *orbit = OrbitCamera::whole_box(edge);
        }
        // A new cluster: turn the camera towards it (the zoom stays the person's).
        if latest.new_sampling
            && let Some(c) = cluster_centre_world(&latest)
        {
            orbit.focus = c;
        }
        if selection.focus_cluster
            && let Some(c) = cluster_centre_world(&latest)
        {
            orbit.focus = c;
            orbit.radius = 28.0;
        }
        if before != (orbit.focus, orbit.radius, orbit.yaw, orbit.pitch) {
            *transform = orbit.transform();
        }
    }
    selection.reset_view = false;
    selection.focus_cluster = false;
}

/// The 3D camera draws in the rectangle the panels leave.
fn fit_camera_viewport(
    layout: Res<ViewLayout>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut cameras: Query<&mut Camera, With<OrbitCamera>>,
) {
    let scale = window.scale_factor();
    let size = UVec2::new(window.physical_width(), window.physical_height());
    let px = |v: f32| (v * scale).round().max(0.0) as u32;
    let (l, r, t, b) = (
        px(layout.left),
        px(layout.right),
        px(layout.top),
        px(layout.bottom),
    );
    let wanted = (l + r + 16 < size.x && t + b + 16 < size.y)
        .then(|| (UVec2::new(l, t), UVec2::new(size.x - l - r, size.y - t - b)));
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

/// A click (press and release without a drag) on an atom picks it; the pointer hovering
/// an atom names it in the status bar. Ray–sphere tests against the drawn atoms.
#[allow(clippy::too_many_arguments)]
fn pick_atoms(
    buttons: Res<ButtonInput<MouseButton>>,
    egui_input: Res<EguiWantsInput>,
    layout: Res<ViewLayout>,
    latest: Res<Latest>,
    settings: Res<ViewSettings>,
    atoms: Res<AtomEntities>,
    window: Single<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform), With<OrbitCamera>>,
    visibility: Query<&Visibility, With<AtomIndex>>,
    mut selection: ResMut<Selection>,
    mut press: Local<Option<Vec2>>,
    mut last_cursor: Local<Option<Vec2>>,
) {
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    let in_view = cursor.x > layout.left
        && cursor.x < window.width() - layout.right
        && cursor.y > layout.top
        && cursor.y < window.height() - layout.bottom
        && !egui_input.wants_any_pointer_input();
    if buttons.just_pressed(MouseButton::Left) && in_view {
        *press = Some(cursor);
    }
    let clicked = buttons.just_released(MouseButton::Left)
        && press.take().is_some_and(|p| p.distance(cursor) < 4.0);
    let moved = *last_cursor != Some(cursor);
    *last_cursor = Some(cursor);
    if !(clicked || moved) || !in_view {
        return;
    }
    let Ok((camera, camera_transform)) = cameras.single() else {
        return;
    };
    let viewport_pos = cursor - Vec2::new(layout.left, layout.top);
    let Ok(ray) = camera.viewport_to_world(camera_transform, viewport_pos) else {
        return;
    };
    let frame = &latest.snapshot.atoms;
    let mut best: Option<(f32, u64)> = None;
    for k in 0..frame.len().min(atoms.entities.len()) {
        if visibility
            .get(atoms.entities[k])
            .is_ok_and(|v| *v == Visibility::Hidden)
        {
            continue;
        }
        let radius = settings.atom_scale
            * if frame.species_of(k) == "Zr" {
                style::ZR_RADIUS_ANGSTROM
            } else {
                style::CU_RADIUS_ANGSTROM
            };
        let c = world_position(&latest, k);
        let oc = c - ray.origin;
        let along = oc.dot(*ray.direction);
        if along < 0.0 {
            continue;
        }
        let d2 = oc.length_squared() - along * along;
        if d2 <= radius * radius {
            let t = along - (radius * radius - d2).sqrt();
            if best.is_none_or(|(bt, _)| t < bt) {
                best = Some((t, frame.ids[k]));
            }
        }
    }
    let hit = best.map(|(_, id)| id);
    selection.hovered = hit;
    if clicked && hit.is_some() {
        selection.picked = hit;
    }
}
