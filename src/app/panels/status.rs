//! The status bar and the read-outs: what was measured, each with its unit and tooltip.

use super::*;

pub(super) fn status_bar(
    ui: &mut egui::Ui,
    s: &Snapshot,
    controls: &Controls,
    stats: &FrameStats,
    selection: &Selection,
) {
    ui.horizontal(|ui| {
        ui.label(s.status.label());
        ui.separator();
        ui.label(format!(
            "{:.0} steps/s · {:.1} frames/s · {} engine thread(s)",
            s.steps_per_s, stats.fps, s.threads
        ));
        ui.separator();
        if let Some(id) = selection.hovered
            && let Some(k) = s.atoms.index_of(id)
        {
            let moved = s.atoms.displacement_length_angstrom(k);
            ui.label(format!(
                "atom {id} ({}) moved {moved:.2} Å{}",
                s.atoms.species_of(k),
                if s.cluster_ids.contains(&id) {
                    " · in the cluster"
                } else {
                    ""
                }
            ));
            ui.separator();
        }
        ui.label(&controls.notice);
    });
}

/// A label and a value in a two-column grid, with a tooltip for students.
pub(super) fn readout(ui: &mut egui::Ui, name: &str, value: String, tip: &str) {
    ui.label(name).on_hover_text(tip);
    ui.monospace(value).on_hover_text(tip);
    ui.end_row();
}

pub(super) fn readouts(ui: &mut egui::Ui, s: &Snapshot, stats: &FrameStats) {
    let last = s.trace.last();
    let barrier = barrier_readout(s);
    egui::Grid::new("readouts").num_columns(2).show(ui, |ui| {
        readout(ui, "MD time", format_time_ps(s.md_time_ps),
            "Simulated time of the biased run: what the atoms actually lived through.");
        readout(ui, "boosted time", format_time_ps(s.boosted_time_ps),
            "Σ Δt·exp(V/kT): the time the same escapes would take without the bias. \
             Metadynamics buys this factor by pushing the cluster.");
        readout(ui, "s (CV)", last.map_or("—".into(), |c| format!("{:.3} Å", c.s_angstrom)),
            "The collective variable: RMSD of the cluster from its starting shape, after the best rotation (Å).");
        readout(ui, "bias V(s)", last.map_or("—".into(), |c| format!("{:.3} eV", c.metadynamics_ev)),
            "The metadynamics bias at the current s: the hills piled up so far.");
        readout(ui, "ΔF", barrier,
            "Free-energy barrier F(s‡) − F(initial minimum), read off F(s) = −(T+ΔT)/ΔT·V(s), with the estimator that read it: \
             'profile' (the paper's) once F(s) shows the first event's two basins, before that 'final' \
             (the first well beyond the starting basin on the profile now: a diagnostic). s‡ is the saddle it used, marked on the F(s) plot.");
        readout(ui, "events", events_readout(s),
            "β-events: a confirmed jump of s whose two inherent structures have at least min_movers atoms displaced more than the mover \
             threshold (2 Å, the paper's). Smaller confirmed rearrangements are precursors: listed apart, the sampling goes on.");
        readout(ui, "T", s.thermo.map_or("—".into(), |t| format!("{:.0} K", t.temperature_k)),
            "Instantaneous kinetic temperature (the thermostat holds its average at the set T).");
        readout(ui, "steps/s", format!("{:.0}", s.steps_per_s),
            "MD steps per second of the engine thread.");
        readout(ui, "frames/s", format!("{:.1}", stats.fps), "Frames per second of this window, by the wall clock.");
    });
}

/// The one ΔF read-out: the value, the estimator that read it and the saddle it used.
pub(super) fn barrier_readout(s: &Snapshot) -> String {
    match &s.barrier {
        Barrier::Determined(b) => format!(
            "{:.3} eV ({}, s‡ {:.2} Å)",
            b.barrier_ev,
            s.barrier_estimator.as_str(),
            b.saddle_angstrom
        ),
        Barrier::NotYetDetermined { .. } => "not yet (one basin)".into(),
    }
}

/// "1", or "1 (+2 precursors)".
pub(super) fn events_readout(s: &Snapshot) -> String {
    match s.precursors.len() {
        0 => s.events.len().to_string(),
        1 => format!("{} (+1 precursor)", s.events.len()),
        n => format!("{} (+{n} precursors)", s.events.len()),
    }
}
