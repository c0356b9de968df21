//! Colours and sizes shared by the 3D view, the plots and the screenshot report (the CI
//! check looks for these exact base colours).

use bevy::prelude::Color;
use bevy_egui::egui::Color32;

pub const BACKGROUND: Color = Color::srgb(0.08, 0.09, 0.11);
/// Copper: bronze, as the paper's figures.
pub const CU_RGB: [u8; 3] = [205, 128, 51];
/// Zirconium: green.
pub const ZR_RGB: [u8; 3] = [64, 179, 89];
/// Cluster atoms: Cu gold, Zr lime; bright so they stand out of the dimmed glass.
pub const CLUSTER_CU_RGB: [u8; 3] = [255, 204, 51];
pub const CLUSTER_ZR_RGB: [u8; 3] = [140, 255, 110];
/// The centre atom: magenta, a hue nothing else uses.
pub const CENTRE_RGB: [u8; 3] = [255, 51, 230];
/// The cluster a new cutoff or centre would select, before it is applied: sky blue.
pub const PREVIEW_RGB: [u8; 3] = [90, 200, 255];
/// s(t) in the plots.
pub const TRACE_RGB: [u8; 3] = [80, 170, 255];
pub const BIAS_RGB: [u8; 3] = [255, 150, 60];
pub const FREE_ENERGY_RGB: [u8; 3] = [120, 230, 140];
pub const EVENT_RGB: [u8; 3] = [255, 80, 80];
/// Displacement arrows from the reference configuration.
pub const DISPLACEMENT_RGB: [u8; 3] = [255, 255, 255];

/// Drawn sphere radii in Å (about half the metallic radii, so neighbours don't overlap).
pub const CU_RADIUS_ANGSTROM: f32 = 0.64;
pub const ZR_RADIUS_ANGSTROM: f32 = 0.80;

pub fn color(rgb: [u8; 3]) -> Color {
    Color::srgb_u8(rgb[0], rgb[1], rgb[2])
}

pub fn color32(rgb: [u8; 3]) -> Color32 {
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

/// Bins of the displacement colour map (one shared material per bin keeps the spheres
/// batched).
pub const COLOUR_MAP_BINS: usize = 8;

/// Viridis (matplotlib's perceptually uniform map, readable in grey and by colour-blind
/// viewers) sampled at the centres of `COLOUR_MAP_BINS` bins, low to high.
pub const COLOUR_MAP_RGB: [[u8; 3]; COLOUR_MAP_BINS] = [
    [70, 16, 105],
    [71, 47, 125],
    [59, 82, 139],
    [44, 113, 142],
    [33, 145, 140],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
];

/// The colour-map bin of `value` on a scale from 0 to `max` (the top bin holds everything
/// beyond `max`).
pub fn colour_bin(value: f32, max: f32) -> usize {
    if !(value > 0.0 && max > 0.0) {
        return 0;
    }
    ((value / max * COLOUR_MAP_BINS as f32) as usize).min(COLOUR_MAP_BINS - 1)
}

/// Arrow colour of an event's motion class (as in the event list and the legend).
pub fn motion_rgb(class: &str) -> [u8; 3] {
    match class {
        "loop" => [255, 140, 0],
        "pair exchange" => [0, 230, 230],
        "string" => [200, 120, 255],
        _ => [200, 200, 200],
    }
}
