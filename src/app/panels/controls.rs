//! The controls panel: run, bias, cluster and start, events and precursors, view.

use super::*;

pub(super) fn controls_panel(
    ui: &mut egui::Ui,
    s: &Snapshot,
    bridge: &EngineBridge,
    stats: &FrameStats,
    controls: &mut Controls,
    settings: &mut ViewSettings,
    views: &mut MessageWriter<ViewRequest>,
) {
    ui.heading("betaglass");
    if !controls.scene.description.is_empty() {
        ui.collapsing("About this scene", |ui| {
            ui.label(&controls.scene.description);
        });
    }
    ui.small(&s.configuration_label);
    run_controls(ui, s, bridge);
    readouts(ui, s, stats);
    ui.separator();
    egui::CollapsingHeader::new("Bias: hills")
        .default_open(true)
        .show(ui, |ui| hill_controls(ui, s, bridge, controls));
    egui::CollapsingHeader::new("Cluster and start")
        .default_open(true)
        .show(ui, |ui| cluster_controls(ui, s, bridge, controls, settings));
    egui::CollapsingHeader::new(format!("Events ({})", s.events.len()))
        .id_salt("events")
        .default_open(true)
        .show(ui, |ui| events_list(ui, s, settings));
    egui::CollapsingHeader::new("View")
        .default_open(false)
        .show(ui, |ui| view_controls(ui, settings, views));
    egui::CollapsingHeader::new("Engine")
        .default_open(false)
        .show(ui, |ui| {
            let max = std::thread::available_parallelism().map_or(1, |n| n.get());
            let r = ui
                .add(egui::Slider::new(&mut controls.threads, 1..=max).text("threads"))
                .on_hover_text(
                    "Force threads of the engine. All cores but one keeps the window smooth.",
                );
            if r.drag_stopped() || (r.changed() && !r.dragged()) {
                bridge.send(Command::SetThreads(controls.threads));
            }
        });
}

pub(super) fn run_controls(ui: &mut egui::Ui, s: &Snapshot, bridge: &EngineBridge) {
    match &s.status {
        EngineStatus::Equilibrating {
            done_steps,
            total_steps,
        } => {
            let f = *done_steps as f32 / (*total_steps).max(1) as f32;
            ui.add(egui::ProgressBar::new(f).text(format!(
                "equilibrating: {done_steps}/{total_steps} steps of unbiased MD"
            )));
        }
        EngineStatus::Quenching => {
            ui.add(
                egui::ProgressBar::new(1.0)
                    .animate(true)
                    .text("quenching the starting inherent structure"),
            );
        }
        EngineStatus::Stopped { reason } => {
            ui.colored_label(egui::Color32::LIGHT_RED, format!("stopped: {reason}"));
        }
        EngineStatus::Sampling | EngineStatus::Paused => {
            // How far the current dwell has got towards confirming an event is not known
            // here; show the bias filling instead: hills so far.
            let f = (s.hills.len() as f32 / 1000.0).min(1.0);
            ui.add(egui::ProgressBar::new(f).text(format!(
                "{} hills · {} of biased MD",
                s.hills.len(),
                format_time_ps(s.md_time_ps)
            )))
            .on_hover_text(
                "The bar fills over the first 1000 hills; the sampling runs on until you stop it.",
            );
        }
    }
    ui.horizontal(|ui| {
        let paused = s.status == EngineStatus::Paused;
        if ui
            .button(if paused { "▶ Resume" } else { "⏸ Pause" })
            .on_hover_text("Space")
            .clicked()
        {
            bridge.send(if paused {
                Command::Resume
            } else {
                Command::Pause
            });
        }
        if ui
            .add_enabled(paused, egui::Button::new("Step"))
            .on_hover_text("One sample interval of biased MD (N)")
            .clicked()
        {
            bridge.send(Command::Step);
        }
    });
}

pub(super) fn hill_controls(
    ui: &mut egui::Ui,
    s: &Snapshot,
    bridge: &EngineBridge,
    controls: &mut Controls,
) {
    let p = &mut controls.pending;
    ui.add(egui::Slider::new(&mut p.temperature_k, 100.0..=1200.0).text("T (K)"))
        .on_hover_text("Temperature of the thermostat, of the boosted clock and of F(s). Applies at the next start.");
    ui.add(
        egui::Slider::new(&mut p.hills.height_ev, 0.002..=0.03)
            .logarithmic(true)
            .text("w₀ (eV)"),
    )
    .on_hover_text("Initial hill height. Small hills fill the basin gently (slower, smoother F); large ones push hard.");
    ui.add(egui::Slider::new(&mut p.hills.sigma_angstrom, 0.05..=0.5).text("σ (Å)"))
        .on_hover_text("Gaussian width of each hill along s. Narrow hills resolve F(s) finely but need many more of them.");
    let hill_width = 2.0 * p.hills.sigma_angstrom / p.grid_width_angstrom;
    ui.small(format!(
        "Colvars: width {} Å, hillWidth {:.2} (σ = hillWidth·width/2; full width 2σ = {:.3} Å)",
        p.grid_width_angstrom,
        hill_width,
        2.0 * p.hills.sigma_angstrom
    ));
    let mut plain = !p.hills.bias_temperature_k.is_finite();
    ui.horizontal(|ui| {
        ui.add_enabled(
            !plain,
            egui::Slider::new(&mut p.hills.bias_temperature_k, 300.0..=10000.0)
                .logarithmic(true)
                .text("ΔT (K)"),
        )
        .on_hover_text("Bias temperature of well-tempered metadynamics: hills shrink as exp(−V/kΔT), so the bias converges; F = −(T+ΔT)/ΔT·V.");
        if ui.checkbox(&mut plain, "plain").on_hover_text("Plain metadynamics: hills never shrink (ΔT = ∞).").changed() {
            p.hills.bias_temperature_k = if plain { f64::INFINITY } else { 2700.0 };
        }
    });
    ui.add(
        egui::Slider::new(&mut p.hills.stride_steps, 10..=5000)
            .logarithmic(true)
            .text("stride τ (steps)"),
    )
    .on_hover_text("MD steps between hills. The paper uses 1000 (2 ps); teaching uses 100.");
    if ui
        .button("Apply hills now (keep the bias)")
        .on_hover_text("w₀, σ, τ and ΔT from the next hill on; the hills already down stay.")
        .clicked()
    {
        bridge.send(Command::SetHills(p.hills));
    }
    let running = &s.setup.hills;
    ui.small(format!(
        "running: w₀ {} eV, σ {} Å, τ {} steps, ΔT {} K",
        running.height_ev, running.sigma_angstrom, running.stride_steps, running.bias_temperature_k
    ));
}

pub(super) fn cluster_controls(
    ui: &mut egui::Ui,
    s: &Snapshot,
    bridge: &EngineBridge,
    controls: &mut Controls,
    settings: &ViewSettings,
) {
    let compare = controls.scene.compare_cutoffs_angstrom.clone();
    let p = &mut controls.pending;
    ui.horizontal(|ui| {
        ui.label("centre").on_hover_text(
            "The atom the cluster is built around. Click an atom in the view to pick it.",
        );
        let mut id = match p.centre {
            CentreChoice::Atom(id) => id,
            _ => s.centre_id.unwrap_or(1),
        };
        if ui
            .add(egui::DragValue::new(&mut id).range(1..=u64::MAX))
            .changed()
        {
            p.centre = CentreChoice::Atom(id);
        }
        if ui
            .button("nearest Cu")
            .on_hover_text("The Cu atom nearest the box centre")
            .clicked()
        {
            p.centre = CentreChoice::NearestCuToBoxCentre;
        }
        if ui
            .button("random Cu")
            .on_hover_text("A Cu atom drawn with the seed")
            .clicked()
        {
            p.centre = CentreChoice::RandomCu;
        }
    });
    ui.small(match p.centre {
        CentreChoice::Atom(id) => format!("atom {id}"),
        CentreChoice::NearestCuToBoxCentre => "the Cu atom nearest the box centre".into(),
        CentreChoice::RandomCu => format!("a random Cu atom (seed {})", p.seed),
    });
    ui.add(egui::Slider::new(&mut p.cutoff_angstrom, 2.5..=6.0).text("cutoff r_c (Å)"))
        .on_hover_text("Atoms within r_c of the centre form the cluster. 4.0 Å (the first minimum of g(r)) gives the centre and its ~12 nearest neighbours.");
    let count = if settings.preview_ids.is_empty() {
        s.cluster_ids.len()
    } else {
        settings.preview_ids.len()
    };
    ui.small(format!(
        "{count} atoms{}",
        if settings.preview_ids.is_empty() {
            " (running)"
        } else {
            " (preview, sky blue)"
        }
    ));
    for (pair, l) in s.rdf_landmarks.iter().filter(|(p, _)| p.starts_with("Cu")) {
        let f = |x: Option<f64>| x.map_or("—".into(), |v| format!("{v:.2}"));
        ui.small(format!(
            "g {pair}: 1st peak {} Å, 1st min {} Å, 2nd peak {} Å",
            f(l.first_peak_angstrom),
            f(l.first_minimum_angstrom),
            f(l.second_peak_angstrom)
        ))
        .on_hover_text(
            "RDF landmarks: a cutoff at the first minimum takes exactly the first shell.",
        );
    }
    if !compare.is_empty() {
        ui.horizontal(|ui| {
            ui.label("compare:");
            for c in compare {
                if ui.button(format!("{c} Å")).clicked() {
                    p.cutoff_angstrom = c;
                }
            }
        });
    }
    ui.horizontal(|ui| {
        ui.add(egui::DragValue::new(&mut p.seed).prefix("seed "));
        ui.add(
            egui::DragValue::new(&mut p.equilibrate_ps)
                .range(0.0..=100.0)
                .speed(0.1)
                .suffix(" ps equil."),
        );
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::DragValue::new(&mut p.event_jump_angstrom)
                .range(0.05..=3.0)
                .speed(0.01)
                .prefix("jump ")
                .suffix(" Å"),
        )
        .on_hover_text("An event is proposed when the plateau of s moves by this much…");
        ui.add(
            egui::DragValue::new(&mut p.event_dwell_ps)
                .range(0.1..=100.0)
                .speed(0.1)
                .prefix("dwell ")
                .suffix(" ps"),
        )
        .on_hover_text("…and stays there this long.");
    });
    ui.checkbox(&mut controls.from_current, "from the current configuration")
        .on_hover_text(
            "Start from the atoms as they are now (after events), not from the opened file.",
        );
    let valid = controls.pending.validate();
    let r = ui.add_enabled(valid.is_ok(), egui::Button::new("↻ Start sampling (Enter)"));
    if let Err(e) = &valid {
        ui.colored_label(egui::Color32::LIGHT_RED, e.to_string());
    }
    if r.on_hover_text("A new sampling with these settings: the bias starts from zero.")
        .clicked()
    {
        start_pending(controls, bridge);
    }
}

pub(super) fn events_list(ui: &mut egui::Ui, s: &Snapshot, settings: &mut ViewSettings) {
    precursors_list(ui, s);
    if s.events.is_empty() {
        ui.small(
            "No event yet. Watch s(t): an event is a jump of its plateau that stays, \
             with at least two atoms moved more than 2 Å.",
        );
        return;
    }
    for (i, e) in s.events.iter().enumerate() {
        let rgb = crate::app::style::motion_rgb(e.motion.class_name());
        ui.horizontal(|ui| {
            let class = match e.motion.class_name() {
                "none" => "no atom hopped > 2 Å",
                c => c,
            };
            ui.colored_label(
                crate::app::style::color32(rgb),
                format!("#{} {class}", e.number),
            );
            ui.label(format!("at {}", format_time_ps(e.crossing_md_time_ps)));
        })
        .response
        .on_hover_text(format!(
            "{}\ninherent-structure RMSD {:.2} Å, energy change {:+.3} eV",
            ascii_arrows(&e.motion.describe()),
            e.inherent_rmsd_angstrom,
            e.inherent_energy_change_ev,
        ));
        ui.small(format!(
            "s {:.2} -> {:.2} Å · filled depth {}",
            e.basin_before_angstrom,
            e.basin_after_angstrom,
            e.filled_depth_ev
                .map_or("n/a".into(), |b| format!("{b:.3} eV"))
        ));
        ui.horizontal(|ui| {
            let mut arrows = settings.event_arrows == Some(i);
            if ui.checkbox(&mut arrows, "arrows").changed() {
                settings.event_arrows = arrows.then_some(i);
            }
            let replaying = settings.replay == Some(i);
            if ui
                .selectable_label(replaying, "replay")
                .on_hover_text(
                    "Loop the motion between the inherent structures before and after (Esc stops)",
                )
                .clicked()
            {
                settings.replay = if replaying { None } else { Some(i) };
            }
        });
    }
    ui.add(egui::Slider::new(&mut settings.event_threshold_angstrom, 0.1..=3.0).text("event arrows over (Å)"))
        .on_hover_text("Arrows for atoms that moved more than this between the inherent structures before and after the event.");
    ui.add(egui::Slider::new(&mut settings.event_arrow_scale, 1.0..=10.0).text("arrow length ×"))
        .on_hover_text("Event arrows drawn this many times their length, so sub-ångström moves stick out of the spheres.");
}

/// egui's default fonts have no arrows: write them as ASCII.
/// The precursors, apart from the events: what moved, when, s before and after.
pub(super) fn precursors_list(ui: &mut egui::Ui, s: &Snapshot) {
    if s.precursors.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("Precursors ({})", s.precursors.len()))
        .id_salt("precursors")
        .show(ui, |ui| {
            ui.small(
                "Confirmed rearrangements with fewer movers than an event: \
                 not the paper's β-event; the bias keeps filling and the sampling goes on.",
            );
            for p in s.precursors.iter() {
                ui.small(format!(
                    "p{} at {} · s {:.2} -> {:.2} Å · {}",
                    p.number,
                    format_time_ps(p.crossing.md_time_ps),
                    p.s_before_angstrom,
                    p.s_after_angstrom,
                    p.label()
                ))
                .on_hover_text(format!(
                    "{} atom(s) moved more than the mover threshold; inherent-structure RMSD {:.2} Å",
                    p.movers, p.inherent_rmsd_angstrom
                ));
            }
        });
}

pub(super) fn ascii_arrows(text: &str) -> String {
    text.replace('→', "->").replace('↔', "<->")
}

pub(super) fn view_controls(
    ui: &mut egui::Ui,
    settings: &mut ViewSettings,
    views: &mut MessageWriter<ViewRequest>,
) {
    egui::ComboBox::from_label("other atoms")
        .selected_text(format!("{:?}", settings.others))
        .show_ui(ui, |ui| {
            for m in [
                OthersMode::Translucent,
                OthersMode::Normal,
                OthersMode::Hidden,
            ] {
                ui.selectable_value(&mut settings.others, m, format!("{m:?}"));
            }
        });
    egui::ComboBox::from_label("clip around the cluster (C)")
        .selected_text(format!("{:?}", settings.clip))
        .show_ui(ui, |ui| {
            for m in [ClipMode::Slab, ClipMode::Sphere, ClipMode::Off] {
                ui.selectable_value(&mut settings.clip, m, format!("{m:?}"));
            }
        });
    ui.add(egui::Slider::new(&mut settings.clip_width_angstrom, 4.0..=45.0).text("clip width (Å)"));
    ui.horizontal(|ui| {
        ui.label("colour by");
        ui.selectable_value(&mut settings.colour_by, ColourBy::Species, "species");
        ui.selectable_value(&mut settings.colour_by, ColourBy::Displacement, "displacement")
            .on_hover_text("How far each atom of the glass is from where it was when the sampling started; the colour bar is in the view's corner.");
    });
    if settings.colour_by == ColourBy::Displacement {
        ui.add(
            egui::Slider::new(&mut settings.colour_max_angstrom, 0.2..=4.0)
                .text("colour scale top (Å)"),
        );
    }
    ui.add(egui::Slider::new(&mut settings.atom_scale, 0.3..=1.6).text("atom size"));
    ui.checkbox(&mut settings.show_box, "box edges");
    ui.checkbox(&mut settings.show_displacements, "displacement arrows (A)")
        .on_hover_text(
            "White arrows: atoms moved farther than the threshold since the sampling began.",
        );
    ui.checkbox(&mut settings.arrows_everywhere, "arrows in the whole box")
        .on_hover_text(
            "Off: only within 10 Å of the cluster's centre (far from it they are thermal noise).",
        );
    ui.add(
        egui::Slider::new(&mut settings.displacement_threshold_angstrom, 0.5..=4.0)
            .text("arrow threshold (Å)"),
    );
    ui.horizontal(|ui| {
        if ui.button("Focus cluster (F)").clicked() {
            views.write(ViewRequest::FocusCluster);
        }
        if ui.button("Reset view (R)").clicked() {
            views.write(ViewRequest::FitBox);
        }
    });
}
