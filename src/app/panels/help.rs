//! The help overlay: the keys, and what the person is seeing.

use super::*;

/// Keys and what they do, for the help overlay.
pub(super) const KEYS: &[(&str, &str)] = &[
    ("Space", "pause / resume the simulation"),
    ("N", "one sample interval of MD (while paused)"),
    ("Left-drag", "rotate the view"),
    ("Right- or middle-drag", "pan"),
    ("Wheel", "zoom"),
    ("Click an atom", "pick it as the next cluster centre"),
    (
        "Shift+click two atoms",
        "measure their distance (minimum image)",
    ),
    (
        "Right-click a plot",
        "reset its view, copy or save its data (CSV), save it (PNG)",
    ),
    ("Enter", "start a sampling with the panel's settings"),
    ("F", "focus the camera on the cluster"),
    ("R", "reset the view to the whole box"),
    ("C", "cycle the clip: slab, sphere, off"),
    ("A", "displacement arrows on / off"),
    ("E", "replay the latest event / stop"),
    ("Ctrl+S", "save a screenshot"),
    (
        "← / →, End",
        "timeline: one frame back / forward, back to live (or click on s(t))",
    ),
    ("H or F1", "this help"),
    (
        "Esc",
        "stop an event replay, leave an ART event, clear the distance, close this help",
    ),
];

pub(super) fn help_window(ctx: &egui::Context, controls: &mut Controls) {
    let mut open = true;
    egui::Window::new("Keys, and what you are seeing")
        .open(&mut open)
        .collapsible(false)
        .default_width(460.0)
        .show(ctx, |ui| {
            egui::Grid::new("keys").num_columns(2).striped(true).show(ui, |ui| {
                for (k, what) in KEYS {
                    ui.strong(*k);
                    ui.label(*what);
                    ui.end_row();
                }
            });
            ui.separator();
            ui.label(
                "Bronze spheres are Cu, green Zr. The gold/lime atoms are the cluster being pushed, \
                 the magenta one its centre. Metadynamics adds a small Gaussian hill to the bias \
                 V(s) at the cluster's current s every τ steps, so the cluster is pushed out of \
                 the shapes it has already visited. When it escapes its basin — a β-event — \
                 s(t) jumps to a new plateau and stays; the event's arrows show which atoms \
                 took which sites (a loop, a pair exchange or a string). F(s) is the mirror image \
                 of the bias, scaled by (T+ΔT)/ΔT; ΔF is read from it.",
            );
        });
    if !open {
        controls.show_help = false;
    }
}
