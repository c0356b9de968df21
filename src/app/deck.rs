//! The LAMMPS + Colvars deck behind the running sampling, shown in a window and saved to a
//! folder: what a researcher runs to check the sampling with LAMMPS (`fix nvt` + `fix
//! colvars`), the same deck `betaglass export-lammps` writes for each sampling of a campaign.
//!
//! The engine builds the deck when a sampling starts ([`betaglass::live::Snapshot::deck`]);
//! the window only shows its text, and *Save* asks the engine to write it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use betaglass::io::lammps_deck::{COLVARS_CONFIG, DATA_FILE, LAMMPS_INPUT, SamplingDeck};

use super::bridge::Latest;
use super::state::{FileAction, FileRequest};

pub struct DeckPlugin;

impl Plugin for DeckPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<DeckView>()
            .add_systems(EguiPrimaryContextPass, deck_window);
    }
}

/// Which file of the deck the window shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeckFile {
    #[default]
    Input,
    Colvars,
    Data,
}

#[derive(Resource, Default)]
pub struct DeckView {
    pub open: bool,
    pub file: DeckFile,
}

/// Lines of start.data shown (the whole file is ~4000 lines; it is written in full).
const DATA_PREVIEW_LINES: usize = 40;

/// The text of `file` in `deck`, as the window shows it.
pub fn deck_text(deck: &SamplingDeck, file: DeckFile) -> String {
    match file {
        DeckFile::Input => deck.lammps_input.clone(),
        DeckFile::Colvars => deck.colvars_config.clone(),
        DeckFile::Data => {
            let text = String::from_utf8_lossy(&deck.start_data);
            let total = text.lines().count();
            let mut head: Vec<&str> = text.lines().take(DATA_PREVIEW_LINES).collect();
            if total > DATA_PREVIEW_LINES {
                head.push("");
                let more = format!(
                    "… {} more lines (every atom; written in full by Save)",
                    total - DATA_PREVIEW_LINES
                );
                return head.join("\n") + &more;
            }
            head.join("\n")
        }
    }
}

fn deck_window(
    mut contexts: EguiContexts,
    mut view: ResMut<DeckView>,
    latest: Res<Latest>,
    mut files: MessageWriter<FileRequest>,
) -> Result {
    if !view.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let mut open = view.open;
    egui::Window::new("LAMMPS + Colvars deck of this sampling")
        .open(&mut open)
        .default_size([620.0, 520.0])
        .show(&ctx, |ui| {
            let deck = match &latest.live.deck {
                Ok(deck) => deck.clone(),
                Err(why) => {
                    ui.label(format!("No deck: {why}."));
                    return;
                }
            };
            ui.label(
                "The sampling as LAMMPS runs it: the configuration it started from (start.data, \
                 image flags keep the cluster whole), velocities at T from the seed, Nosé–Hoover \
                 NVT, the unbiased equilibration, then well-tempered metadynamics on the \
                 cluster's RMSD (fix colvars). LAMMPS draws its own velocities, so it samples the \
                 same process, not the same trajectory (for step-for-step equality see `betaglass \
                 metad --keep-velocities --colvars` in the README).",
            );
            ui.horizontal(|ui| {
                ui.selectable_value(&mut view.file, DeckFile::Input, LAMMPS_INPUT);
                ui.selectable_value(&mut view.file, DeckFile::Colvars, COLVARS_CONFIG);
                ui.selectable_value(&mut view.file, DeckFile::Data, DATA_FILE);
                ui.separator();
                if ui
                    .button("Save the deck to a folder…")
                    .on_hover_text("in.lammps, metad.colvars, start.data and the potential")
                    .clicked()
                {
                    files.write(FileRequest(FileAction::SaveLammpsDeck));
                }
                if ui
                    .button("Copy")
                    .on_hover_text("this file's text, to the clipboard")
                    .clicked()
                {
                    ui.ctx().copy_text(deck_text(&deck, view.file));
                }
            });
            ui.separator();
            let mut text = deck_text(&deck, view.file);
            egui::ScrollArea::both().show(ui, |ui| {
                ui.add(
                    egui::TextEdit::multiline(&mut text)
                        .font(egui::TextStyle::Monospace)
                        .code_editor()
                        .desired_width(f32::INFINITY)
                        .interactive(false),
                );
            });
        });
    view.open = open;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use betaglass::sampling::SamplingSetup;

    /// The deck of the embedded glass's teaching sampling, as the engine builds it.
    fn deck() -> SamplingDeck {
        let system = betaglass::assets::default_glass();
        let setup = SamplingSetup::teaching();
        let ids = setup.cluster(&system).unwrap().ids();
        SamplingDeck::new(&system, &setup, &ids, 1000, "test", "CuZr_mm.eam.fs").unwrap()
    }

    #[test]
    fn the_window_shows_each_file_and_a_head_of_the_data() {
        let d = deck();
        let input = deck_text(&d, DeckFile::Input);
        assert!(
            input.contains("pair_coeff * * CuZr_mm.eam.fs Cu Zr"),
            "{input}"
        );
        assert!(input.contains("fix cv all colvars metad.colvars"));
        let colvars = deck_text(&d, DeckFile::Colvars);
        assert!(colvars.contains("wellTempered on"));
        let data = deck_text(&d, DeckFile::Data);
        assert_eq!(data.lines().count(), DATA_PREVIEW_LINES + 1);
        assert!(data.contains("more lines (every atom"));
    }
}
