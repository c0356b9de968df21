//! What is drawn over the 3D view: the colour legend (species, or the displacement colour
//! bar), the distance tool's read-out, and the label of the atom under the pointer.

use super::*;
use crate::app::atoms_view::{ColourBy, measurement};
use crate::app::style;

/// The legend in the view's lower-left corner, the measurement above it, and the hovered
/// atom's label beside the pointer.
pub(super) fn view_overlay(
    ctx: &egui::Context,
    view: egui::Rect,
    latest: &Latest,
    settings: &ViewSettings,
    selection: &Selection,
) {
    if !view.is_positive() || settings.show_art_event {
        return;
    }
    egui::Area::new("view_legend".into())
        .fixed_pos(view.left_bottom() + egui::vec2(8.0, -8.0))
        .pivot(egui::Align2::LEFT_BOTTOM)
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                measurement_line(ui, latest, selection);
                legend(ui, settings);
            });
        });
    hover_label(ctx, view, latest, selection);
}

fn swatch(ui: &mut egui::Ui, rgb: [u8; 3], text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter()
        .circle_filled(rect.center(), 5.0, style::color32(rgb));
    ui.small(text);
}

fn legend(ui: &mut egui::Ui, settings: &ViewSettings) {
    match settings.colour_by {
        ColourBy::Species => {
            ui.horizontal(|ui| {
                swatch(ui, style::CU_RGB, "Cu");
                swatch(ui, style::ZR_RGB, "Zr");
                swatch(ui, style::CLUSTER_CU_RGB, "cluster Cu");
                swatch(ui, style::CLUSTER_ZR_RGB, "cluster Zr");
                swatch(ui, style::CENTRE_RGB, "centre");
            });
        }
        ColourBy::Displacement => {
            ui.small("displacement since the sampling started");
            ui.horizontal(|ui| {
                ui.small("0 Å");
                for rgb in style::COLOUR_MAP_RGB {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(16.0, 10.0), egui::Sense::hover());
                    ui.painter().rect_filled(rect, 0.0, style::color32(rgb));
                }
                ui.small(format!("≥ {:.2} Å", settings.colour_max_angstrom));
            });
        }
    }
}

/// "atoms A – B: d Å" once two atoms are Shift+clicked; how to measure otherwise.
fn measurement_line(ui: &mut egui::Ui, latest: &Latest, selection: &Selection) {
    let atoms = &latest.snapshot.atoms;
    match measurement(latest, selection) {
        Some((i, j, d)) => {
            ui.label(format!(
                "distance {} ({}) – {} ({}): {:.3} Å",
                atoms.ids[i],
                atoms.species_of(i),
                atoms.ids[j],
                atoms.species_of(j),
                d.length()
            ));
            ui.small("minimum image · Shift+click a third atom for a new pair · Esc clears");
        }
        None if selection.measured.len() == 1 => {
            ui.small(format!(
                "distance from atom {}: Shift+click a second atom",
                selection.measured[0]
            ));
        }
        None => {
            ui.small("Shift+click two atoms to measure their distance");
        }
    }
}

/// The hovered atom's id, species, whether it is in the cluster, and how far it has moved,
/// beside the pointer.
fn hover_label(ctx: &egui::Context, view: egui::Rect, latest: &Latest, selection: &Selection) {
    let s = &latest.snapshot;
    let (Some(id), Some(pointer)) = (selection.hovered, ctx.pointer_hover_pos()) else {
        return;
    };
    let Some(k) = s.atoms.index_of(id).filter(|_| view.contains(pointer)) else {
        return;
    };
    let moved = s.atoms.displacement_length_angstrom(k);
    let role = if s.centre_id == Some(id) {
        " · cluster centre"
    } else if s.cluster_ids.contains(&id) {
        " · in the cluster"
    } else {
        ""
    };
    egui::Area::new("hover_label".into())
        .fixed_pos(pointer + egui::vec2(14.0, 10.0))
        .order(egui::Order::Tooltip)
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.small(format!(
                    "atom {id} {}{role} · moved {moved:.2} Å",
                    s.atoms.species_of(k)
                ));
            });
        });
}
