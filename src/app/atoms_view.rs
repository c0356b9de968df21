//! The atoms as sphere impostors (`atom_material`): each opaque atom an entity (one shared
//! mesh and material per role, so Bevy batches them into instanced draws), the translucent
//! glass around the cluster one mesh drawn far to near; the cluster highlight, the clip
//! around the cluster, the orbit camera, and picking an atom by clicking it.

use bevy::{
    camera::{
        CameraOutputMode, Viewport,
        visibility::{NoFrustumCulling, RenderLayers},
    },
    core_pipeline::tonemapping::Tonemapping,
    input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit},
    prelude::*,
    window::PrimaryWindow,
};
use bevy_egui::{EguiContexts, EguiGlobalSettings, PrimaryEguiContext, input::EguiWantsInput};

use super::atom_material::{AtomMaterial, LayerSphere, sphere_impostor, sphere_layer};
use super::bridge::Latest;
use super::state::{ArtRequest, RecordReplayInto, ViewRequest};
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
                    apply_view_requests,
                    camera_input,
                    fit_camera_viewport,
                    pick_atoms,
                    sync_atoms,
                    draw_translucent_layer,
                    replay_event,
                    record_replay,
                    draw_measurement,
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

/// What the glass's colours say (the cluster keeps its highlight either way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ColourBy {
    /// Cu bronze, Zr green.
    #[default]
    Species,
    /// How far each atom is from where it was when the sampling started (Å), on a colour
    /// scale with a colour bar: where the glass around the cluster has moved.
    Displacement,
    /// Each atom's EAM energy above the mean of its species (eV), from −top to +top on the
    /// colour bar: the high-energy, soft sites where the glass relaxes.
    Energy,
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
    /// Displacement arrows for every atom of the box; else only within
    /// [`LOCAL_ARROWS_RADIUS_ANGSTROM`] of the cluster's centre (thermal arrows far from the
    /// cluster are noise to a person watching the cluster).
    pub arrows_everywhere: bool,
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
    pub colour_by: ColourBy,
    /// The energy colour bar runs from −this to +this (eV above the species' mean).
    pub energy_top_ev: f32,
    /// Top of the displacement colour scale (Å).
    pub colour_max_angstrom: f32,
}

impl ViewSettings {
    /// A hash of every setting, compared frame to frame without cloning (no allocation).
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.others as u8, self.clip as u8).hash(&mut h);
        self.clip_width_angstrom.to_bits().hash(&mut h);
        self.atom_scale.to_bits().hash(&mut h);
        (
            self.show_box,
            self.show_displacements,
            self.arrows_everywhere,
        )
            .hash(&mut h);
        self.displacement_threshold_angstrom.to_bits().hash(&mut h);
        self.event_threshold_angstrom.to_bits().hash(&mut h);
        self.event_arrow_scale.to_bits().hash(&mut h);
        (self.event_arrows, self.replay, self.show_art_event).hash(&mut h);
        self.preview_ids.hash(&mut h);
        self.colour_by.hash(&mut h);
        self.colour_max_angstrom.to_bits().hash(&mut h);
        self.energy_top_ev.to_bits().hash(&mut h);
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
            arrows_everywhere: false,
            displacement_threshold_angstrom: 2.0,
            event_threshold_angstrom: 0.5,
            event_arrow_scale: 3.0,
            event_arrows: None,
            replay: None,
            preview_ids: Vec::new(),
            show_art_event: false,
            colour_by: ColourBy::Species,
            energy_top_ev: 0.3,
            colour_max_angstrom: 1.5,
        }
    }
}

/// The atom under the pointer and the one last clicked (ids).
#[derive(Resource, Default, Debug)]
pub struct Selection {
    pub hovered: Option<u64>,
    pub picked: Option<u64>,
    /// Atoms Shift+clicked for the distance tool (the last two; ids).
    pub measured: Vec<u64>,
}

/// The shortest periodic image of the separation `d` in an orthogonal box of edges `lengths`.
pub fn nearest_image(d: Vec3, lengths: Vec3) -> Vec3 {
    d - lengths * (d / lengths).round()
}

/// The minimum-image vector from atom `i` to atom `j` of the snapshot (Å).
pub fn minimum_image(latest: &Latest, i: usize, j: usize) -> Vec3 {
    let a = &latest.snapshot.atoms;
    let d = Vec3::from(a.positions_angstrom[j]) - Vec3::from(a.positions_angstrom[i]);
    nearest_image(d, Vec3::from(a.cell_lengths_angstrom))
}

/// The two measured atoms' indices and the minimum-image vector between them, when both are
/// in the snapshot.
pub fn measurement(latest: &Latest, selection: &Selection) -> Option<(usize, usize, Vec3)> {
    let [a, b] = selection.measured[..] else {
        return None;
    };
    let atoms = &latest.snapshot.atoms;
    let (i, j) = (atoms.index_of(a)?, atoms.index_of(b)?);
    Some((i, j, minimum_image(latest, i, j)))
}

/// The distance tool's line between its two atoms (from the first, by minimum image).
fn draw_measurement(mut gizmos: Gizmos, latest: Res<Latest>, selection: Res<Selection>) {
    if let Some((i, _, d)) = measurement(&latest, &selection) {
        let a = world_position(&latest, i);
        gizmos.line(a, a + d, Color::WHITE);
    }
}

/// The view settings' side of [`ViewRequest`]s (the camera's side is in [`camera_input`]).
fn apply_view_requests(
    mut requests: MessageReader<ViewRequest>,
    latest: Res<Latest>,
    mut settings: ResMut<ViewSettings>,
    mut selection: ResMut<Selection>,
    mut art: MessageWriter<ArtRequest>,
) {
    for request in requests.read() {
        match request {
            ViewRequest::CycleClip => {
                settings.clip = match settings.clip {
                    ClipMode::Off => ClipMode::Slab,
                    ClipMode::Slab => ClipMode::Sphere,
                    ClipMode::Sphere => ClipMode::Off,
                };
            }
            ViewRequest::ToggleDisplacements => {
                settings.show_displacements = !settings.show_displacements;
            }
            ViewRequest::ToggleLatestReplay => {
                settings.replay = match settings.replay {
                    Some(_) => None,
                    None => latest.snapshot.events.len().checked_sub(1),
                };
                // A live replay and an ART event do not share the view.
                if settings.replay.is_some() {
                    art.write(ArtRequest::HideEvent);
                }
            }
            ViewRequest::StopReplay => settings.replay = None,
            ViewRequest::ClearMeasurement => selection.measured.clear(),
            ViewRequest::FocusCluster | ViewRequest::FitBox => {}
        }
    }
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
    /// Atom k is drawn in the translucent layer (its entity is hidden, yet it can be picked).
    layered: Vec<bool>,
    /// The translucent layer's spheres, far to near.
    translucent: Vec<LayerSphere>,
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
    /// A glass atom coloured by its displacement: colour-map bin, translucent or not.
    Displaced {
        bin: u8,
        dim: bool,
    },
}

impl Role {
    /// The role's colour and opacity (`None` for a hidden atom).
    fn colour(self) -> Option<([u8; 3], f32)> {
        Some(match self {
            Role::Cu => (style::CU_RGB, 1.0),
            Role::Zr => (style::ZR_RGB, 1.0),
            Role::CuDim => (style::CU_RGB, 0.10),
            Role::ZrDim => (style::ZR_RGB, 0.10),
            Role::CuCluster => (style::CLUSTER_CU_RGB, 1.0),
            Role::ZrCluster => (style::CLUSTER_ZR_RGB, 1.0),
            Role::Centre => (style::CENTRE_RGB, 1.0),
            Role::Preview => (style::PREVIEW_RGB, 1.0),
            Role::Displaced { bin, dim } => (
                style::COLOUR_MAP_RGB[bin as usize],
                if dim { 0.25 } else { 1.0 },
            ),
            Role::Hidden => return None,
        })
    }

    /// Drawn in the translucent layer rather than as its entity.
    fn translucent(self) -> bool {
        self.colour().is_some_and(|(_, alpha)| alpha < 1.0)
    }
}

/// The translucent atoms, all in one mesh (`atom_material::sphere_layer`), drawn far to near.
#[derive(Resource)]
struct TranslucentLayer {
    mesh: Handle<Mesh>,
}

#[derive(Resource)]
struct AtomAssets {
    cu_mesh: Handle<Mesh>,
    zr_mesh: Handle<Mesh>,
    materials: Vec<(Role, Handle<AtomMaterial>)>,
}

impl AtomAssets {
    fn material(&self, role: Role) -> Handle<AtomMaterial> {
        self.materials
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, h)| h.clone())
            .unwrap_or_default()
    }

    /// The sphere of an atom of species Zr (`zr`) or Cu.
    fn mesh(&self, zr: bool) -> Handle<Mesh> {
        if zr {
            self.zr_mesh.clone()
        } else {
            self.cu_mesh.clone()
        }
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

    /// The whole box of edge `edge` (Å) in a view of width/height `aspect`, from the default
    /// direction ("R"): far enough that the box's circumscribed sphere fits the narrower of the
    /// two fields of view, with a margin of a tenth.
    pub fn fitting_box(edge: f32, aspect: f32) -> Self {
        let half_vertical = 0.5 * VERTICAL_FOV_RAD;
        let half_horizontal = (half_vertical.tan() * aspect.max(0.05)).atan();
        let half_narrow = half_vertical.min(half_horizontal);
        let sphere = 0.5 * 3f32.sqrt() * edge.max(10.0);
        Self {
            radius: 1.1 * sphere / half_narrow.sin(),
            ..Self::whole_box(edge)
        }
    }
}

/// The 3D camera's vertical field of view (rad): Bevy's `PerspectiveProjection` default, which
/// the app keeps.
const VERTICAL_FOV_RAD: f32 = std::f32::consts::FRAC_PI_4;

/// Radius around the cluster's centre within which displacement arrows are drawn unless
/// *everywhere* is ticked (Å): the cluster and two neighbour shells.
pub const LOCAL_ARROWS_RADIUS_ANGSTROM: f32 = 10.0;

#[derive(Component)]
pub struct AtomIndex;

fn setup(
    mut commands: Commands,
    mut egui_settings: ResMut<EguiGlobalSettings>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<AtomMaterial>>,
) {
    // The egui context gets its own full-window camera (below), so the 3D camera's viewport
    // can shrink to the area the panels leave without moving the UI. Both cameras draw into
    // one main texture (Bevy shares it between cameras of one window with the same format,
    // usages and MSAA: hence `Msaa::Off` here too, which also spares egui 4× multisampling):
    // the 3D camera clears it and draws the atoms, egui draws over them, and only egui's camera
    // copies the texture to the window. Under a software rasteriser each full-window pass
    // counts (README, Speed → The app); CI's screenshot check sees both layers.
    egui_settings.auto_create_primary_context = false;
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        Msaa::Off,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: None,
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::None,
            ..default()
        },
    ));
    let plain = [
        Role::Cu,
        Role::Zr,
        Role::CuDim,
        Role::ZrDim,
        Role::CuCluster,
        Role::ZrCluster,
        Role::Centre,
        Role::Preview,
    ];
    let displaced = (0..style::COLOUR_MAP_BINS as u8)
        .flat_map(|bin| [false, true].map(|dim| Role::Displaced { bin, dim }));
    let roles: Vec<_> = plain
        .into_iter()
        .chain(displaced)
        .filter_map(|role| {
            let (rgb, alpha) = role.colour()?;
            Some((role, AtomMaterial::new(rgb, alpha)))
        })
        .collect();
    let layer = meshes.add(sphere_layer(&[]));
    commands.spawn((
        Mesh3d(layer.clone()),
        MeshMaterial3d(materials.add(AtomMaterial::layer())),
        Transform::IDENTITY,
        // Its bounding box is that of the spheres when the layer was first built.
        NoFrustumCulling,
    ));
    commands.insert_resource(TranslucentLayer { mesh: layer });
    commands.insert_resource(AtomAssets {
        cu_mesh: meshes.add(sphere_impostor(style::CU_RADIUS_ANGSTROM)),
        zr_mesh: meshes.add(sphere_impostor(style::ZR_RADIUS_ANGSTROM)),
        materials: roles
            .into_iter()
            .map(|(r, m)| (r, materials.add(m)))
            .collect(),
    });
    // Opens closer than "reset view": the cluster, not the box, is what to look at.
    let orbit = OrbitCamera {
        radius: 1.2 * 41.6,
        ..OrbitCamera::whole_box(41.6)
    };
    // No tone mapping: the colours on screen are the colours chosen (and checked by CI). No
    // multisampling: it would quadruple a software rasteriser's work for smoother rims.
    commands.spawn((
        Camera3d::default(),
        Camera {
            output_mode: CameraOutputMode::Skip,
            ..default()
        },
        Tonemapping::None,
        Msaa::Off,
        // There are no lights (the atoms' shader lights itself): one light cluster is the
        // cheapest clustering Bevy offers (`ClusterConfig::None` fails in Bevy 0.19.1 with a
        // zero-sized dummy texture).
        bevy::light::cluster::ClusterConfig::Single,
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
            &mut MeshMaterial3d<AtomMaterial>,
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
        atoms.layered.clear();
        for k in 0..frame.len() {
            let zr = frame.species_of(k) == "Zr";
            let role = if zr { Role::Zr } else { Role::Cu };
            let e = commands
                .spawn((
                    Mesh3d(assets.mesh(zr)),
                    MeshMaterial3d(assets.material(role)),
                    Transform::from_translation(world_position(&latest, k)),
                    Visibility::Visible,
                    // The impostor's quad has a flat bounding box (atom_material.rs); the
                    // atoms are nearly all in view anyway.
                    NoFrustumCulling,
                    AtomIndex,
                ))
                .id();
            atoms.entities.push(e);
            atoms.roles.push(role);
            atoms.layered.push(false);
        }
        // Drawn next frame, once the entities exist.
        atoms.drawn = None;
        return;
    }
    let centre = cluster_centre_world(&latest).unwrap_or(Vec3::ZERO);
    let half = 0.5 * settings.clip_width_angstrom;
    // A replay or an ART event shows its own atoms only.
    let replaying = settings.replay.is_some() || settings.show_art_event;
    let mut translucent = std::mem::take(&mut atoms.translucent);
    translucent.clear();
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
        let layered = !replaying && role.translucent();
        if let (true, Some((rgb, alpha))) = (layered, role.colour()) {
            translucent.push(LayerSphere {
                centre: p,
                radius_angstrom: transform.scale.x * species_radius_angstrom(frame.species_of(k)),
                color: style::color(rgb).with_alpha(alpha).to_linear(),
            });
        }
        atoms.layered[k] = layered;
        let visible = if role == Role::Hidden || replaying || layered {
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
    // Far to near along the line of sight, the order translucent spheres blend in.
    translucent.sort_by(|a, b| {
        let depth = |s: &LayerSphere| s.centre.dot(view_dir);
        depth(b).total_cmp(&depth(a))
    });
    atoms.translucent = translucent;
    atoms.drawn = Some(key);
}

/// Rebuilds the translucent layer's mesh after [`sync_atoms`] changed its spheres.
fn draw_translucent_layer(
    atoms: Res<AtomEntities>,
    layer: Res<TranslucentLayer>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    if atoms.is_changed() {
        let _ = meshes.insert(&layer.mesh, sphere_layer(&atoms.translucent));
    }
}

/// Size of a role's spheres relative to the species radius: the cluster a little larger,
/// dimmed atoms smaller, so the cluster is not lost behind the glass around it.
fn role_scale(role: Role) -> f32 {
    match role {
        Role::Centre => 1.3,
        Role::CuCluster | Role::ZrCluster | Role::Preview => 1.15,
        Role::CuDim | Role::ZrDim | Role::Displaced { dim: true, .. } => 0.7,
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
    let coloured = match settings.colour_by {
        ColourBy::Species => None,
        ColourBy::Displacement => Some(style::colour_bin(
            s.atoms.displacement_length_angstrom(k),
            settings.colour_max_angstrom,
        )),
        // Until the engine's first energies arrive the glass keeps its species colours.
        ColourBy::Energy => s.atoms.excess_energies_ev.get(k).map(|&e| {
            let top = settings.energy_top_ev;
            style::colour_bin(e + top, 2.0 * top)
        }),
    };
    if let Some(bin) = coloured.filter(|_| !clipped) {
        let bin = bin as u8;
        return match settings.others {
            OthersMode::Hidden => Role::Hidden,
            OthersMode::Normal => Role::Displaced { bin, dim: false },
            OthersMode::Translucent => Role::Displaced { bin, dim: true },
        };
    }
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
/// A replay being recorded: one loop of the replay as `frames` PNGs of the 3D view, the
/// motion stepped by frame rather than by the clock (so a slow renderer still gives every
/// frame of the loop).
#[derive(Resource, Debug)]
pub struct ReplayRecording {
    dir: std::path::PathBuf,
    frame: u32,
    frames: u32,
}

impl ReplayRecording {
    /// Frames of one loop (there and back): 2 s at 30 frames/s.
    pub const FRAMES: u32 = 60;

    pub fn new(dir: std::path::PathBuf) -> Self {
        Self {
            dir,
            frame: 0,
            frames: Self::FRAMES,
        }
    }

    /// Where in the loop the frame being recorded is (0..2, as the clock's phase).
    fn phase(&self) -> f32 {
        2.0 * self.frame as f32 / self.frames as f32
    }
}

/// Saves the 3D view of this frame of the recording (drawn by [`replay_event`] at the
/// recording's phase), starts the latest event's replay if none runs, and ends the
/// recording after its last frame (or when the replay is stopped).
fn record_replay(
    mut commands: Commands,
    mut requests: MessageReader<RecordReplayInto>,
    recording: Option<ResMut<ReplayRecording>>,
    latest: Res<Latest>,
    mut settings: ResMut<ViewSettings>,
    layout: Res<ViewLayout>,
    window: Single<&Window, With<PrimaryWindow>>,
) {
    if let Some(RecordReplayInto(dir)) = requests.read().last() {
        commands.insert_resource(ReplayRecording::new(dir.clone()));
        return;
    }
    let Some(mut recording) = recording else {
        return;
    };
    // The replay starts this frame and is drawn from the next, the first recorded.
    if settings.replay.is_none() && recording.frame == 0 {
        settings.replay = latest.snapshot.events.len().checked_sub(1);
        if settings.replay.is_some() {
            return;
        }
    }
    if settings.replay.is_none() || recording.frame >= recording.frames {
        info!(
            "recorded {} frames of the event replay into {}",
            recording.frame,
            recording.dir.display()
        );
        commands.remove_resource::<ReplayRecording>();
        return;
    }
    let scale = window.scale_factor();
    let px = |v: f32| (v * scale).max(0.0) as u32;
    let crop = URect::new(
        px(layout.left),
        px(layout.top),
        px(window.width() - layout.right),
        px(window.height() - layout.bottom),
    );
    let path = recording
        .dir
        .join(format!("frame_{:04}.png", recording.frame));
    super::files::save_screenshot(&mut commands, path, Some(crop), None);
    recording.frame += 1;
}

fn replay_event(
    time: Res<Time>,
    latest: Res<Latest>,
    settings: Res<ViewSettings>,
    atoms: Res<AtomEntities>,
    recording: Option<Res<ReplayRecording>>,
    mut spheres: Query<(&mut Transform, &mut Visibility), With<AtomIndex>>,
) {
    let Some(event) = settings
        .replay
        .and_then(|i| latest.snapshot.events.get(i).cloned())
    else {
        return;
    };
    let phase = recording.map_or((time.elapsed_secs() / 1.5).rem_euclid(2.0), |r| r.phase());
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
    mut requests: MessageReader<ViewRequest>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut dragging: Local<Option<MouseButton>>,
    mut cameras: Query<(&mut OrbitCamera, &mut Transform)>,
) {
    let (mut fit_box, mut focus_cluster) = (false, false);
    for request in requests.read() {
        fit_box |= *request == ViewRequest::FitBox;
        focus_cluster |= *request == ViewRequest::FocusCluster;
    }
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
        if fit_box {
            let view_w = window.width() - layout.left - layout.right;
            let view_h = window.height() - layout.top - layout.bottom;
            *orbit = OrbitCamera::fitting_box(edge, view_w / view_h.max(1.0));
        }
        // A new cluster: turn the camera towards it (the zoom stays the person's).
        if latest.new_sampling
            && let Some(c) = cluster_centre_world(&latest)
        {
            orbit.focus = c;
        }
        if focus_cluster && let Some(c) = cluster_centre_world(&latest) {
            orbit.focus = c;
            orbit.radius = 28.0;
        }
        if before != (orbit.focus, orbit.radius, orbit.yaw, orbit.pitch) {
            *transform = orbit.transform();
        }
    }
}

/// The rectangle the panels leave for the 3D view, in physical pixels: (origin, size) in the
/// window, or None (the whole window) when the panels leave less than 16 px either way.
pub fn view_viewport(layout: &ViewLayout, window_px: UVec2, scale: f32) -> Option<(UVec2, UVec2)> {
    let px = |v: f32| (v * scale).round().max(0.0) as u32;
    let (l, r, t, b) = (
        px(layout.left),
        px(layout.right),
        px(layout.top),
        px(layout.bottom),
    );
    (l + r + 16 < window_px.x && t + b + 16 < window_px.y).then(|| {
        (
            UVec2::new(l, t),
            UVec2::new(window_px.x - l - r, window_px.y - t - b),
        )
    })
}

/// The 3D camera draws in the rectangle the panels leave.
fn fit_camera_viewport(
    layout: Res<ViewLayout>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut cameras: Query<&mut Camera, With<OrbitCamera>>,
) {
    let size = UVec2::new(window.physical_width(), window.physical_height());
    let wanted = view_viewport(&layout, size, window.scale_factor());
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

/// A drawn atom sphere, as picking sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PickSphere {
    pub id: u64,
    pub centre: Vec3,
    pub radius_angstrom: f32,
}

/// The atom under a pointer at `cursor`: the first sphere the camera's ray through it enters.
///
/// `cursor` is in logical window pixels, as `Window::cursor_position` gives it, *not* relative
/// to the 3D view: `Camera::viewport_to_world` subtracts the viewport's origin itself (Bevy
/// 0.19), so subtracting the panels' sizes here as well would aim the ray a panel's width off.
pub fn pick_atom(
    camera: &Camera,
    camera_transform: &GlobalTransform,
    cursor: Vec2,
    spheres: impl IntoIterator<Item = PickSphere>,
) -> Option<u64> {
    let ray = camera.viewport_to_world(camera_transform, cursor).ok()?;
    let mut best: Option<(f32, u64)> = None;
    for s in spheres {
        let oc = s.centre - ray.origin;
        let along = oc.dot(*ray.direction);
        if along < 0.0 {
            continue;
        }
        let r2 = s.radius_angstrom * s.radius_angstrom;
        let d2 = oc.length_squared() - along * along;
        if d2 <= r2 {
            let t = along - (r2 - d2).sqrt();
            if best.is_none_or(|(bt, _)| t < bt) {
                best = Some((t, s.id));
            }
        }
    }
    best.map(|(_, id)| id)
}

/// The spheres as drawn this frame: each visible atom entity's position and scaled radius
/// (the cluster's atoms are drawn larger, dimmed ones smaller; a replay moves its atoms).
pub fn drawn_spheres<'a>(
    latest: &'a Latest,
    atoms: &'a AtomEntities,
    spheres: &'a Query<(&Transform, &Visibility), With<AtomIndex>>,
) -> impl Iterator<Item = PickSphere> + 'a {
    let frame = &latest.snapshot.atoms;
    (0..frame.len().min(atoms.entities.len())).filter_map(move |k| {
        let (t, v) = spheres.get(atoms.entities[k]).ok()?;
        let drawn = *v != Visibility::Hidden || atoms.layered.get(k) == Some(&true);
        drawn.then(|| PickSphere {
            id: frame.ids[k],
            centre: t.translation,
            radius_angstrom: t.scale.x * species_radius_angstrom(frame.species_of(k)),
        })
    })
}

fn species_radius_angstrom(species: &str) -> f32 {
    if species == "Zr" {
        style::ZR_RADIUS_ANGSTROM
    } else {
        style::CU_RADIUS_ANGSTROM
    }
}

/// A click (press and release without a drag) on an atom picks it; the pointer hovering
/// an atom names it in the status bar. Ray–sphere tests against the drawn atoms.
#[allow(clippy::too_many_arguments)]
fn pick_atoms(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    egui_input: Res<EguiWantsInput>,
    layout: Res<ViewLayout>,
    latest: Res<Latest>,
    atoms: Res<AtomEntities>,
    window: Single<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform), With<OrbitCamera>>,
    spheres: Query<(&Transform, &Visibility), With<AtomIndex>>,
    mut selection: ResMut<Selection>,
    mut press: Local<Option<Vec2>>,
    mut last_cursor: Local<Option<Vec2>>,
    mut contexts: EguiContexts,
) {
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    let over_window = contexts
        .ctx_mut()
        .is_ok_and(|ctx| egui_window_at(ctx, cursor));
    let in_view = cursor.x > layout.left
        && cursor.x < window.width() - layout.right
        && cursor.y > layout.top
        && cursor.y < window.height() - layout.bottom
        && !egui_input.wants_any_pointer_input()
        && !over_window;
    if buttons.just_pressed(MouseButton::Left) && in_view {
        *press = Some(cursor);
    }
    let clicked = buttons.just_released(MouseButton::Left)
        && press.take().is_some_and(|p| p.distance(cursor) < 4.0);
    // Hover is re-tested when the pointer or the atoms moved.
    let moved = *last_cursor != Some(cursor) || latest.changed;
    *last_cursor = Some(cursor);
    if !in_view {
        selection.hovered = None;
        return;
    }
    if !(clicked || moved) {
        return;
    }
    let Ok((camera, camera_transform)) = cameras.single() else {
        return;
    };
    let hit = pick_atom(
        camera,
        camera_transform,
        cursor,
        drawn_spheres(&latest, &atoms, &spheres),
    );
    selection.hovered = hit;
    let Some(id) = hit.filter(|_| clicked) else {
        return;
    };
    // Shift+click measures (a third atom starts a new pair); a plain click picks a centre. At
    // a frame a second, Shift may be pressed and let go within the frame of the click.
    let shift = [KeyCode::ShiftLeft, KeyCode::ShiftRight];
    if keys.any_pressed(shift) || keys.any_just_released(shift) {
        if selection.measured.len() >= 2 {
            selection.measured.clear();
        }
        selection.measured.push(id);
        // Also on the terminal: a record of the session (and what CI's drive reads).
        if let Some((i, j, d)) = measurement(&latest, &selection) {
            let ids = &latest.snapshot.atoms.ids;
            info!("distance {} – {}: {:.3} Å", ids[i], ids[j], d.length());
        }
    } else {
        selection.picked = Some(id);
    }
}

/// Whether an egui window, menu or popup lies at `cursor`, by the rectangles egui laid them
/// out in. `EguiWantsInput` alone is not enough: it is egui's verdict on the last frame's
/// pointer, and at a frame or two a second a pointer moved onto a window and clicked there
/// arrives in one frame with that verdict still "over the view" (a click on a window's button
/// picked the atom behind it).
fn egui_window_at(ctx: &bevy_egui::egui::Context, cursor: Vec2) -> bool {
    ctx.layer_id_at(bevy_egui::egui::pos2(cursor.x, cursor.y))
        .is_some_and(|layer| layer.order != bevy_egui::egui::Order::Background)
}

/// How picking fared on atoms projected to pixels with the camera (the `--report`'s
/// `pick_check`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct PickProbe {
    /// Atoms whose centre is in the view and not covered on screen by a nearer sphere.
    pub tried: usize,
    /// Those that picking at their centre's pixel gave back.
    pub agreed: usize,
    /// The first few that did not: (id, pixel, what was picked).
    pub wrong: Vec<(u64, [f32; 2], Option<u64>)>,
}

/// Projects each of `ids` to a pixel with `camera` (`Camera::world_to_viewport`: window
/// pixels, the panels included), picks there with [`pick_atom`], and counts the atoms that come
/// back. An atom is tried only where it can be seen: its centre inside the view, and no nearer
/// sphere's disc on screen (with a pixel to spare) over that pixel, a test in screen space,
/// independent of the ray that picking casts.
pub fn probe_picking(
    camera: &Camera,
    camera_transform: &GlobalTransform,
    spheres: &[PickSphere],
    ids: &[u64],
) -> PickProbe {
    let Some(view) = camera.logical_viewport_rect() else {
        return PickProbe::default();
    };
    let right = camera_transform.right().as_vec3();
    let screen: Vec<Option<(Vec2, f32, f32)>> = spheres
        .iter()
        .map(|s| {
            let p = camera
                .world_to_viewport_with_depth(camera_transform, s.centre)
                .ok()?;
            let rim = camera
                .world_to_viewport(camera_transform, s.centre + right * s.radius_angstrom)
                .ok()?;
            Some((p.truncate(), p.z, rim.distance(p.truncate())))
        })
        .collect();
    let mut probe = PickProbe::default();
    for &id in ids {
        let Some(k) = spheres.iter().position(|s| s.id == id) else {
            continue;
        };
        let Some((pixel, depth, _)) = screen[k] else {
            continue;
        };
        let covered = screen.iter().enumerate().any(|(j, other)| {
            other.is_some_and(|(q, d, r)| j != k && d < depth && q.distance(pixel) < 1.15 * r + 1.0)
        });
        if covered || !view.contains(pixel) {
            continue;
        }
        probe.tried += 1;
        let picked = pick_atom(camera, camera_transform, pixel, spheres.iter().copied());
        if picked == Some(id) {
            probe.agreed += 1;
        } else if probe.wrong.len() < 5 {
            probe.wrong.push((id, pixel.to_array(), picked));
        }
    }
    probe
}

#[cfg(test)]
mod tests {
    use bevy::camera::{CameraProjection, ComputedCameraValues, RenderTargetInfo};

    use super::*;

    /// The app's 3D camera for a window of `window_px` physical pixels at `scale`, with the
    /// panels of `layout` around the view: the viewport from [`view_viewport`], the
    /// projection and target as Bevy's `camera_system` sets them, the orbit's transform.
    fn app_camera(
        window_px: UVec2,
        scale: f32,
        layout: &ViewLayout,
        orbit: &OrbitCamera,
    ) -> (Camera, GlobalTransform) {
        let viewport = view_viewport(layout, window_px, scale).map(|(position, size)| Viewport {
            physical_position: position,
            physical_size: size,
            ..default()
        });
        let size = viewport.as_ref().map_or(window_px, |v| v.physical_size);
        let mut projection = PerspectiveProjection::default();
        projection.update(size.x as f32 / scale, size.y as f32 / scale);
        let camera = Camera {
            viewport,
            computed: ComputedCameraValues {
                clip_from_view: projection.get_clip_from_view(),
                target_info: Some(RenderTargetInfo {
                    physical_size: window_px,
                    scale_factor: scale,
                }),
                ..default()
            },
            ..default()
        };
        (camera, GlobalTransform::from(orbit.transform()))
    }

    /// A 7 × 5 grid of atoms 4 Å apart across the orbit's focus plane, and a few behind it.
    fn grid(orbit: &OrbitCamera) -> Vec<PickSphere> {
        let t = orbit.transform();
        let (right, up, back) = (t.right().as_vec3(), t.up().as_vec3(), t.back().as_vec3());
        let mut spheres = Vec::new();
        for i in -3..=3 {
            for j in -2..=2 {
                let centre = orbit.focus + 4.0 * (i as f32 * right + j as f32 * up);
                let id = spheres.len() as u64 + 1;
                spheres.push(PickSphere {
                    id,
                    centre,
                    radius_angstrom: if id.is_multiple_of(2) { 0.8 } else { 0.64 },
                });
            }
        }
        // Behind the plane, hidden by the grid's atoms: picking must give the front ones.
        for n in 0..3 {
            let front = spheres[n * 5];
            spheres.push(PickSphere {
                id: 100 + n as u64,
                centre: front.centre - 6.0 * back,
                radius_angstrom: 0.8,
            });
        }
        spheres
    }

    fn layouts() -> [(UVec2, f32, ViewLayout); 4] {
        let panels = ViewLayout {
            left: 330.0,
            right: 440.0,
            top: 24.0,
            bottom: 22.0,
        };
        [
            // The window as it opens, the side panels as the app lays them out.
            (UVec2::new(1280, 800), 1.0, panels),
            // After a resize, with a panel dragged wider.
            (
                UVec2::new(1600, 1000),
                1.0,
                ViewLayout {
                    left: 520.0,
                    ..panels
                },
            ),
            // A HiDPI screen (egui points × 1.5 = physical pixels).
            (UVec2::new(2400, 1500), 1.5, panels),
            // No panels.
            (UVec2::new(1024, 768), 1.0, ViewLayout::default()),
        ]
    }

    #[test]
    fn reset_view_fits_every_corner_of_the_box_in_the_view() {
        let edge = 41.6;
        for (window_px, scale, layout) in layouts() {
            let window = window_px.as_vec2() / scale;
            let (w, h) = (
                window.x - layout.left - layout.right,
                window.y - layout.top - layout.bottom,
            );
            let orbit = OrbitCamera::fitting_box(edge, w / h);
            let (camera, transform) = app_camera(window_px, scale, &layout, &orbit);
            let view = camera.logical_viewport_rect().expect("a viewport");
            for corner in 0..8 {
                let sign = |bit: u32| if corner & bit == 0 { -0.5 } else { 0.5 };
                let p = edge * Vec3::new(sign(1), sign(2), sign(4));
                let px = camera.world_to_viewport(&transform, p).expect("in front");
                assert!(
                    view.contains(px),
                    "corner {p} at {px}, view {view:?} (window {window_px}, aspect {})",
                    w / h
                );
            }
            // Not absurdly far: the box's circumscribed sphere spans most of the narrow side.
            let old = OrbitCamera::whole_box(edge);
            assert!(orbit.radius < 4.0 * old.radius, "radius {}", orbit.radius);
        }
    }

    #[test]
    fn the_view_is_the_window_less_the_panels_and_the_focus_is_its_centre() {
        let orbit = OrbitCamera::whole_box(41.6);
        for (window_px, scale, layout) in layouts() {
            let (camera, transform) = app_camera(window_px, scale, &layout, &orbit);
            let view = camera.logical_viewport_rect().expect("a viewport");
            let window = window_px.as_vec2() / scale;
            let expected = Rect::new(
                layout.left,
                layout.top,
                window.x - layout.right,
                window.y - layout.bottom,
            );
            assert!(
                (view.min - expected.min).abs().max_element() < 1.0
                    && (view.max - expected.max).abs().max_element() < 1.0,
                "view {view:?}, expected {expected:?}"
            );
            // The camera looks at the focus: it is drawn at the middle of the view, not of
            // the window.
            let focus = camera
                .world_to_viewport(&transform, orbit.focus)
                .expect("the focus is in front of the camera");
            assert!(
                focus.distance(expected.center()) < 1.0,
                "focus at {focus}, view centre {}",
                expected.center()
            );
        }
    }

    #[test]
    fn picking_at_an_atoms_projected_pixel_gives_that_atom() {
        let orbit = OrbitCamera {
            focus: Vec3::new(1.0, -2.0, 3.0),
            radius: 40.0,
            yaw: 0.6,
            pitch: -0.35,
        };
        let spheres = grid(&orbit);
        let front: Vec<u64> = spheres
            .iter()
            .map(|s| s.id)
            .filter(|&id| id < 100)
            .collect();
        for (window_px, scale, layout) in layouts() {
            let (camera, transform) = app_camera(window_px, scale, &layout, &orbit);
            for s in spheres.iter().filter(|s| s.id < 100) {
                let pixel = camera.world_to_viewport(&transform, s.centre).unwrap();
                let picked = pick_atom(&camera, &transform, pixel, spheres.iter().copied());
                assert_eq!(
                    picked,
                    Some(s.id),
                    "window {window_px} at scale {scale}, atom {} at {pixel}",
                    s.id
                );
            }
            // Half-way between two grid atoms (4 Å apart, radii < 1 Å) there is nothing.
            let (a, b) = (spheres[0].centre, spheres[5].centre);
            let gap = camera.world_to_viewport(&transform, 0.5 * (a + b)).unwrap();
            assert_eq!(
                pick_atom(&camera, &transform, gap, spheres.iter().copied()),
                None
            );
            // The probe of the `--report` agrees: every front atom in the view is tried and
            // given back; those whose centre falls outside the view are not tried.
            let view = camera.logical_viewport_rect().unwrap();
            let in_view = front
                .iter()
                .filter(|&&id| {
                    let c = spheres[id as usize - 1].centre;
                    view.contains(camera.world_to_viewport(&transform, c).unwrap())
                })
                .count();
            let ids: Vec<u64> = spheres.iter().map(|s| s.id).collect();
            let probe = probe_picking(&camera, &transform, &spheres, &ids);
            assert!(in_view >= 20, "{in_view} grid atoms in the view");
            // (A hidden atom off the axis can show beside its front atom in perspective: it
            // is tried too, and must come back as well.)
            assert!(
                probe.tried >= in_view && probe.tried <= in_view + 3,
                "{probe:?}"
            );
            assert_eq!(probe.agreed, probe.tried, "{probe:?}");
        }
    }

    #[test]
    fn a_cursor_taken_relative_to_the_view_picks_the_wrong_atom() {
        // The bug this module had: the panels' offset subtracted before viewport_to_world,
        // which subtracts the viewport's origin again. The probe must see that.
        let orbit = OrbitCamera::whole_box(20.0);
        let spheres = grid(&orbit);
        let (window_px, scale, layout) = layouts()[0];
        let (camera, transform) = app_camera(window_px, scale, &layout, &orbit);
        let s = spheres[17];
        let pixel = camera.world_to_viewport(&transform, s.centre).unwrap();
        let shifted = pixel - Vec2::new(layout.left, layout.top);
        assert_ne!(
            pick_atom(&camera, &transform, shifted, spheres.iter().copied()),
            Some(s.id)
        );
    }
}
