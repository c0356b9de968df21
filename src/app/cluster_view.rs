//! Box edges, displacement arrows (from the reference configuration) and the arrows of an
//! event between its inherent structures, as retained gizmos rebuilt only when the
//! snapshot or the settings change.

use bevy::prelude::*;

use super::atoms_view::{
    LOCAL_ARROWS_RADIUS_ANGSTROM, ViewSettings, box_centre, cluster_centre_world, nearest_image,
};
use super::bridge::Latest;
use super::style;

pub struct ClusterViewPlugin;

impl Plugin for ClusterViewPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, setup)
            .add_systems(Update, (draw_box, draw_arrows));
    }
}

#[derive(Component)]
struct BoxEdges;

#[derive(Component)]
struct Arrows;

fn setup(mut commands: Commands, mut gizmos: ResMut<Assets<GizmoAsset>>) {
    commands.spawn((
        Gizmo {
            handle: gizmos.add(GizmoAsset::default()),
            line_config: GizmoLineConfig {
                width: 1.5,
                ..default()
            },
            ..default()
        },
        BoxEdges,
    ));
    commands.spawn((arrow_gizmo(gizmos.add(GizmoAsset::default())), Arrows));
}

/// A retained gizmo for arrows: thick, and drawn slightly in front of the spheres they leave.
pub fn arrow_gizmo(handle: Handle<GizmoAsset>) -> Gizmo {
    Gizmo {
        handle,
        line_config: GizmoLineConfig {
            width: 3.0,
            ..default()
        },
        depth_bias: -0.2,
    }
}

fn draw_box(
    latest: Res<Latest>,
    settings: Res<ViewSettings>,
    mut drawn: Local<Option<([f32; 3], bool)>>,
    edges: Single<&Gizmo, With<BoxEdges>>,
    mut assets: ResMut<Assets<GizmoAsset>>,
) {
    let lengths = latest.snapshot.atoms.cell_lengths_angstrom;
    let key = (lengths, settings.show_box);
    if *drawn == Some(key) {
        return;
    }
    *drawn = Some(key);
    let Some(mut asset) = assets.get_mut(&edges.handle) else {
        return;
    };
    asset.clear();
    if settings.show_box {
        asset.cube(
            Transform::from_scale(Vec3::from(lengths)),
            Color::srgba(0.7, 0.75, 0.85, 0.6),
        );
    }
}

/// Arrows of atoms displaced more than the threshold since the sampling began, and of the
/// chosen event's moved atoms between its two inherent structures (coloured by class).
fn draw_arrows(
    latest: Res<Latest>,
    settings: Res<ViewSettings>,
    mut drawn: Local<Option<(u64, u64)>>,
    arrows: Single<&Gizmo, With<Arrows>>,
    mut assets: ResMut<Assets<GizmoAsset>>,
) {
    let key = (latest.snapshot.serial, settings.fingerprint());
    if drawn.as_ref() == Some(&key) {
        return;
    }
    *drawn = Some(key);
    let Some(mut asset) = assets.get_mut(&arrows.handle) else {
        return;
    };
    asset.clear();
    let origin = box_centre(&latest);
    let frame = &latest.snapshot.atoms;
    // An ART event on show draws its own arrows (the ART window's), not the live glass's.
    if settings.show_art_event {
        return;
    }
    if settings.show_displacements && settings.replay.is_none() {
        let threshold2 = settings.displacement_threshold_angstrom.powi(2);
        let color = style::color(style::DISPLACEMENT_RGB);
        let lengths = Vec3::from(frame.cell_lengths_angstrom);
        let centre = cluster_centre_world(&latest).filter(|_| !settings.arrows_everywhere);
        let near_cluster = |p: Vec3| {
            centre.is_none_or(|c| {
                nearest_image(p - c, lengths).length() <= LOCAL_ARROWS_RADIUS_ANGSTROM
            })
        };
        for (x, d) in frame
            .positions_angstrom
            .iter()
            .zip(&frame.displacements_angstrom)
        {
            let d = Vec3::from(*d);
            let end = Vec3::from(*x) - origin;
            if d.length_squared() >= threshold2 && near_cluster(end) {
                asset.arrow(end - d, end, color).with_tip_length(0.5);
            }
        }
    }
    let event = settings
        .replay
        .or(settings.event_arrows)
        .and_then(|i| latest.snapshot.events.get(i));
    if let Some(event) = event {
        let color = style::color(style::motion_rgb(event.motion.class_name()));
        let threshold2 = settings.event_threshold_angstrom.powi(2);
        for (_, before, after) in &event.region {
            let (a, b) = (Vec3::from(*before) - origin, Vec3::from(*after) - origin);
            if (b - a).length_squared() >= threshold2 {
                let tip = a + (b - a) * settings.event_arrow_scale;
                asset.arrow(a, tip, color).with_tip_length(0.5);
            }
        }
    }
}
