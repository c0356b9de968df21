//! The menu bar: File, Scenes, View, Help.

use super::*;

/// The menu bar; returns the built-in scene when it was chosen (opened by the caller, as a
/// scene from a file is).
pub(super) fn menu_bar(
    ui: &mut egui::Ui,
    controls: &mut Controls,
    files: &mut MessageWriter<FileRequest>,
    scene_files: &SceneFiles,
    views: &mut MessageWriter<ViewRequest>,
    results_open: &mut bool,
    art_open: &mut bool,
) -> Option<Scene> {
    let mut built_in = None;
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            let items = [
                ("Open configuration…", FileAction::OpenConfiguration),
                ("Save configuration…", FileAction::SaveConfiguration),
                (
                    "Export sampling (Colvars files, events)…",
                    FileAction::ExportSampling,
                ),
                ("Save sampling state…", FileAction::SaveRestart),
                ("Resume sampling state…", FileAction::ResumeRestart),
                ("Export plots as CSV…", FileAction::ExportCsv),
                ("Export plots as PNG…", FileAction::ExportPlotsPng),
                ("Screenshot…", FileAction::Screenshot),
                ("Save the 3D view as PNG…", FileAction::SaveViewPng),
                (
                    "Record the event replay (PNG frames)…",
                    FileAction::RecordReplay,
                ),
                (
                    "Open campaign results (folder)…",
                    FileAction::OpenCampaignFolder,
                ),
                ("Open samplings CSV…", FileAction::OpenSamplingsCsv),
                ("Open ART run (folder)…", FileAction::OpenArtRun),
            ];
            for (label, action) in items {
                if ui.button(label).clicked() {
                    files.write(FileRequest(action));
                    ui.close();
                }
            }
            ui.separator();
            if ui.button("Quit").clicked() {
                files.write(FileRequest(FileAction::Quit));
            }
        });
        ui.menu_button("Scenes", |ui| {
            for (name, path) in &scene_files.0 {
                if ui.button(name.as_str()).clicked() {
                    files.write(FileRequest(FileAction::LoadScene(path.clone())));
                    ui.close();
                }
            }
            if ui.button("Built-in teaching scene").clicked() {
                built_in = Some(Scene::teaching());
                ui.close();
            }
            ui.separator();
            if ui.button("Open scene file…").clicked() {
                files.write(FileRequest(FileAction::OpenScene));
                ui.close();
            }
        });
        ui.menu_button("View", |ui| {
            if ui.button("Focus on cluster (F)").clicked() {
                views.write(ViewRequest::FocusCluster);
                ui.close();
            }
            if ui.button("Reset view (R)").clicked() {
                views.write(ViewRequest::FitBox);
                ui.close();
            }
            ui.checkbox(results_open, "Campaign results window");
            ui.checkbox(art_open, "ART events window");
        });
        ui.menu_button("Help", |ui| {
            if ui.button("Keys and what you are seeing (H)").clicked() {
                controls.show_help = true;
                ui.close();
            }
        });
        ui.separator();
        ui.label(egui::RichText::new(&controls.scene.name).strong());
    });
    built_in
}
