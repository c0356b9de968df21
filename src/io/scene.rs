//! Scene files (`scenes/*.toml`): a sampling the desktop app (or the CLI) opens by name.
//!
//! A scene names a configuration (or the embedded default glass) and every choice of a
//! [`SamplingSetup`]. Every key but `name` is optional; an absent key takes the value of
//! [`SamplingSetup::paper`] at the scene's temperature (300 K when that is absent too):
//!
//! ```toml
//! name = "…"
//! description = "…"
//! [system]
//! file = "relative/to/this/file.extxyz"
//! [md]
//! temperature_k = 600.0
//! timestep_fs = 2.0
//! thermostat_damping_ps = 0.2
//! seed = 1
//! equilibrate_ps = 1.0
//! threads = 3
//! [cluster]
//! centre = "nearest-cu"          # or "random-cu", or an atom id
//! cutoff_angstrom = 4.0
//! compare_cutoffs_angstrom = [3.3, 4.0, 5.0]
//! [metadynamics]
//! height_ev = 0.03
//! sigma_angstrom = 0.175
//! stride_steps = 100
//! bias_temperature_k = 2700.0    # or "inf" for plain metadynamics
//! sample_every_steps = 100
//! grid_upper_angstrom = 5.25
//! grid_width_angstrom = 0.035
//! [events]
//! jump_angstrom = 0.4
//! dwell_ps = 2.0
//! min_movers = 2                 # a confirmed jump with fewer movers is a precursor
//! mover_threshold_angstrom = 2.0 # a mover is displaced more than this
//! ```
//!
//! The file is walked as a spanned TOML document, so every error names the file, the
//! 1-based line, the key (`md.temperature_k`) and the value as written. When a file has
//! several problems the first one in the file is reported.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::spanned_toml::{
    EVENTS_KEYS, Field, METADYNAMICS_KEYS, Reader, SYSTEM_KEYS, element, load, parse_document,
};
use crate::sampling::setup::SamplingSetup;

/// The temperature of a scene that names none (K): the paper's lowest, and the CLI's default.
pub const DEFAULT_TEMPERATURE_K: f64 = 300.0;

/// A sampling to open: what to simulate and how to sample it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Shown in the app's menu.
    pub name: String,
    /// A few sentences for a student (may be empty).
    pub description: String,
    /// The configuration, resolved against the scene file's folder; `None` for the embedded
    /// default glass. Whether the file exists is checked when it is loaded, not here.
    pub system_file: Option<PathBuf>,
    pub setup: SamplingSetup,
    /// Cluster cutoffs the app offers side by side (Å); empty when the scene has none.
    pub compare_cutoffs_angstrom: Vec<f64>,
    /// Engine threads; `None` for all cores but one.
    pub threads: Option<usize>,
}

/// Why a scene could not be read.
pub use super::spanned_toml::TomlFileError as SceneError;

impl Scene {
    /// Parses a scene. `origin` names the file in messages; a relative `system.file` is
    /// resolved against `base_dir` (the scene file's folder).
    pub fn from_toml_str(text: &str, origin: &str, base_dir: &Path) -> Result<Scene, SceneError> {
        let root = parse_document(text, origin)?;
        let mut reader = Reader::new(origin, text, &[]);
        let scene = reader.scene(root.get_ref(), base_dir);
        // The first problem in the file; one without a line (a missing key) last.
        if let Some(first) = reader.first_problem() {
            return Err(first);
        }
        let scene = scene.ok_or_else(|| SceneError::Missing {
            file: origin.to_string(),
            key: "name",
            why: "the scene's title in the app's menu",
        })?;
        scene.setup.validate().map_err(|e| SceneError::Setup {
            file: origin.to_string(),
            message: e.to_string(),
        })?;
        Ok(scene)
    }

    /// Reads and parses a scene file; errors name `path`.
    pub fn load(path: &Path) -> Result<Scene, SceneError> {
        load(path, Self::from_toml_str)
    }

    /// The built-in default: `scenes/teaching.toml`, compiled into the program.
    pub fn teaching() -> Scene {
        Self::from_toml_str(
            TEACHING_TOML,
            "scenes/teaching.toml (built in)",
            Path::new(""),
        )
        .expect("the built-in teaching scene parses (guarded by a test)")
    }
}

const TEACHING_TOML: &str = include_str!("../../scenes/teaching.toml");

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "system",
    "md",
    "cluster",
    "metadynamics",
    "events",
];
const MD_KEYS: &[&str] = &[
    "temperature_k",
    "timestep_fs",
    "thermostat_damping_ps",
    "seed",
    "equilibrate_ps",
    "threads",
];
const CLUSTER_KEYS: &[&str] = &["centre", "cutoff_angstrom", "compare_cutoffs_angstrom"];

/// The scene's own reading, on the reader every TOML file of the project shares.
impl Reader<'_> {
    /// The whole scene; `None` only when `name` is absent (every other problem is noted in
    /// the reader).
    fn scene(&mut self, root: &DeTable<'_>, base_dir: &Path) -> Option<Scene> {
        let top = self.section(root, "", TOP_KEYS);
        let system = self.subsection(&top, "system", SYSTEM_KEYS);
        let md = self.subsection(&top, "md", MD_KEYS);
        let cluster = self.subsection(&top, "cluster", CLUSTER_KEYS);
        let metad = self.subsection(&top, "metadynamics", METADYNAMICS_KEYS);
        let events = self.subsection(&top, "events", EVENTS_KEYS);

        let name_field = top.get("name");
        let name = name_field.as_ref().and_then(|f| {
            let s = self.string(f)?;
            let s = s.trim().to_string();
            if s.is_empty() {
                self.invalid(
                    f,
                    "the name must not be empty: the app lists it in its menu",
                );
                None
            } else {
                Some(s)
            }
        });
        let description = self.description(&top);

        let system_file = self.system_file(&system, base_dir);

        let temperature_k = md
            .get("temperature_k")
            .and_then(|f| self.positive(&f, false))
            .unwrap_or(DEFAULT_TEMPERATURE_K);
        let mut setup = SamplingSetup::paper(temperature_k);
        self.set_positive(&md, "timestep_fs", &mut setup.timestep_fs);
        self.set_positive(
            &md,
            "thermostat_damping_ps",
            &mut setup.thermostat_damping_ps,
        );
        if let Some(seed) = md.get("seed").and_then(|f| self.count(&f, 0)) {
            setup.seed = seed;
        }
        if let Some(ps) = md
            .get("equilibrate_ps")
            .and_then(|f| self.positive(&f, true))
        {
            setup.equilibrate_ps = ps;
        }
        let threads = md.get("threads").and_then(|f| {
            let n = self.count(&f, 1)?;
            let n = usize::try_from(n).ok();
            if n.is_none() {
                self.invalid(&f, "too large");
            }
            n
        });

        if let Some(centre) = cluster.get("centre").and_then(|f| self.centre(&f)) {
            setup.centre = centre;
        }
        self.set_positive(&cluster, "cutoff_angstrom", &mut setup.cutoff_angstrom);
        let compare_cutoffs_angstrom = cluster
            .get("compare_cutoffs_angstrom")
            .map(|f| self.cutoff_list(&f))
            .unwrap_or_default();

        self.metadynamics(&metad, &mut setup);
        self.events(&events, &mut setup);

        Some(Scene {
            name: name.or_else(|| name_field.is_some().then(String::new))?,
            description,
            system_file,
            setup,
            compare_cutoffs_angstrom,
            threads,
        })
    }

    /// An array of positive cutoffs; each bad element is reported on its own line.
    fn cutoff_list(&mut self, field: &Field<'_, '_>) -> Vec<f64> {
        let DeValue::Array(items) = field.value else {
            self.wrong_type(field, "an array of cutoffs in Å");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(x) = self.positive(&element(field, i, item), false) {
                out.push(x);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::mutate;
    use crate::sampling::setup::CentreChoice;
    use proptest::prelude::*;

    fn scenes_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes")
    }

    fn parse(text: &str) -> Result<Scene, SceneError> {
        Scene::from_toml_str(text, "test-scene.toml", Path::new("/base"))
    }

    /// Asserts that `text` fails on `line` about `key`, and that the message says so.
    fn assert_error(text: &str, line: usize, key: &str) -> SceneError {
        let e = parse(text).unwrap_err();
        let shown = e.to_string();
        assert_eq!(e.line(), Some(line), "{shown}");
        assert_eq!(e.key(), Some(key), "{shown}");
        assert_eq!(e.file(), "test-scene.toml");
        assert!(
            shown.starts_with(&format!("test-scene.toml:{line}: ")),
            "{shown}"
        );
        assert!(shown.contains(&format!("`{key}`")), "{shown}");
        e
    }

    #[test]
    fn every_shipped_scene_parses() {
        let mut n = 0;
        for entry in std::fs::read_dir(scenes_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let scene = Scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
                assert!(!scene.name.is_empty());
                assert!(!scene.description.is_empty(), "{}", path.display());
                n += 1;
            }
        }
        assert!(n >= 3, "{n} scenes");
    }

    #[test]
    fn teaching_scene_is_the_teaching_setup() {
        let scene = Scene::teaching();
        assert_eq!(scene.setup, SamplingSetup::teaching());
        assert_eq!(scene.name, "Teaching: a β-event in a minute or two");
        assert_eq!(scene.system_file, None);
        assert!(scene.compare_cutoffs_angstrom.is_empty());
        let from_disk = Scene::load(&scenes_dir().join("teaching.toml")).unwrap();
        assert_eq!(from_disk, scene);
    }

    #[test]
    fn paper_scene_is_the_paper_setup() {
        let scene = Scene::load(&scenes_dir().join("paper-300k.toml")).unwrap();
        assert_eq!(scene.setup, SamplingSetup::paper(300.0));
        assert_eq!(scene.system_file, None);
    }

    #[test]
    fn cluster_size_scene_compares_three_cutoffs() {
        let scene = Scene::load(&scenes_dir().join("cluster-size.toml")).unwrap();
        assert_eq!(scene.compare_cutoffs_angstrom, vec![3.3, 4.0, 5.0]);
        assert_eq!(scene.setup, SamplingSetup::teaching());
    }

    #[test]
    fn absent_keys_take_the_paper_values() {
        let scene = parse("name = \"x\"\n").unwrap();
        assert_eq!(scene.setup, SamplingSetup::paper(DEFAULT_TEMPERATURE_K));
        assert_eq!(scene.description, "");
        assert_eq!(scene.threads, None);
        let scene = parse("name = \"x\"\n[md]\ntemperature_k = 700\nthreads = 3\n").unwrap();
        assert_eq!(scene.setup, SamplingSetup::paper(700.0));
        assert_eq!(scene.threads, Some(3));
    }

    #[test]
    fn system_file_is_resolved_against_the_scene_folder() {
        let scene = parse("name = \"x\"\n[system]\nfile = \"glass/a.extxyz\"\n").unwrap();
        assert_eq!(
            scene.system_file,
            Some(PathBuf::from("/base/glass/a.extxyz"))
        );
        let scene = parse("name = \"x\"\n[system]\nfile = \"/abs/b.data\"\n").unwrap();
        assert_eq!(scene.system_file, Some(PathBuf::from("/abs/b.data")));
        // A missing file is the loader's business, not the parser's.
        let scene = Scene::load(&scenes_dir().join("teaching.toml")).unwrap();
        assert!(scene.system_file.is_none());
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = assert_error(
            "name = \"x\"\n\n[md]\ntemprature_k = 600.0\n",
            4,
            "md.temprature_k",
        );
        assert!(matches!(e, SceneError::UnknownKey { .. }), "{e}");
        assert!(e.to_string().contains("unknown key"), "{e}");
        let e = assert_error(
            "name = \"x\"\n[metadynamic]\nheight_ev = 0.1\n",
            2,
            "metadynamic",
        );
        assert!(matches!(e, SceneError::UnknownKey { .. }), "{e}");
        // A dotted key at the top level.
        assert_error("name = \"x\"\nmd.seed = 2\nmd.sed = 3\n", 3, "md.sed");
    }

    #[test]
    fn type_error_names_file_line_and_key() {
        let e = assert_error(
            "name = \"x\"\n[md]\nseed = 4\ntemperature_k = \"hot\"\n",
            4,
            "md.temperature_k",
        );
        assert!(matches!(e, SceneError::WrongType { .. }), "{e}");
        assert!(e.to_string().contains("\"hot\""), "{e}");
        let e = assert_error(
            "name = \"x\"\n[metadynamics]\nstride_steps = 100.0\n",
            3,
            "metadynamics.stride_steps",
        );
        assert!(matches!(e, SceneError::WrongType { .. }), "{e}");
        assert_error("name = \"x\"\nmd = 5\n", 2, "md");
        assert_error("name = 3\n", 1, "name");
    }

    #[test]
    fn negative_temperature_is_refused_with_its_value() {
        let e = assert_error(
            "name = \"x\"\n[md]\n\ntemperature_k = -5\n",
            4,
            "md.temperature_k",
        );
        assert!(matches!(e, SceneError::Invalid { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("`md.temperature_k` = -5: must be positive"),
            "{e}"
        );
    }

    #[test]
    fn bad_centre_string_is_refused() {
        let e = assert_error(
            "name = \"x\"\n[cluster]\ncutoff_angstrom = 4.0\ncentre = \"nearest-zr\"\n",
            4,
            "cluster.centre",
        );
        assert!(e.to_string().contains("\"nearest-zr\""), "{e}");
        assert_error("name = \"x\"\n[cluster]\ncentre = 0\n", 3, "cluster.centre");
        assert_error(
            "name = \"x\"\n[cluster]\ncentre = 2.5\n",
            3,
            "cluster.centre",
        );
    }

    #[test]
    fn zero_stride_is_refused() {
        let e = assert_error(
            "name = \"x\"\n[metadynamics]\nheight_ev = 0.03\nstride_steps = 0\n",
            4,
            "metadynamics.stride_steps",
        );
        assert!(e.to_string().contains("= 0: must be at least 1"), "{e}");
    }

    #[test]
    fn other_invalid_values_are_refused() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "[metadynamics]\nsigma_angstrom = 0.0\n",
                3,
                "metadynamics.sigma_angstrom",
            ),
            (
                "[metadynamics]\nheight_ev = -0.01\n",
                3,
                "metadynamics.height_ev",
            ),
            (
                "[metadynamics]\nheight_ev = nan\n",
                3,
                "metadynamics.height_ev",
            ),
            (
                "[metadynamics]\nbias_temperature_k = 0\n",
                3,
                "metadynamics.bias_temperature_k",
            ),
            (
                "[metadynamics]\nbias_temperature_k = \"hot\"\n",
                3,
                "metadynamics.bias_temperature_k",
            ),
            (
                "[metadynamics]\nsample_every_steps = 0\n",
                3,
                "metadynamics.sample_every_steps",
            ),
            (
                "[cluster]\ncutoff_angstrom = 0\n",
                3,
                "cluster.cutoff_angstrom",
            ),
            (
                "[cluster]\ncompare_cutoffs_angstrom = [\n  3.3,\n  -4.0,\n]\n",
                5,
                "cluster.compare_cutoffs_angstrom[1]",
            ),
            ("[md]\nthreads = 0\n", 3, "md.threads"),
            ("[md]\nseed = -1\n", 3, "md.seed"),
            ("[md]\nequilibrate_ps = -1.0\n", 3, "md.equilibrate_ps"),
            ("[md]\ntimestep_fs = inf\n", 3, "md.timestep_fs"),
            ("[events]\ndwell_ps = 0\n", 3, "events.dwell_ps"),
            ("[events]\nmin_movers = 0\n", 3, "events.min_movers"),
            (
                "[events]\nmover_threshold_angstrom = -2\n",
                3,
                "events.mover_threshold_angstrom",
            ),
            ("[system]\nfile = \"\"\n", 3, "system.file"),
        ];
        for (body, line, key) in cases {
            assert_error(&format!("name = \"x\"\n{body}"), *line, key);
        }
        // Zero equilibration is fine.
        let s = parse("name = \"x\"\n[md]\nequilibrate_ps = 0\n").unwrap();
        assert_eq!(s.setup.equilibrate_ps, 0.0);
    }

    #[test]
    fn the_first_problem_in_the_file_is_reported() {
        let text = "name = \"x\"\n[md]\ntimestep_fs = -1\n[cluster]\ncentre = \"x\"\n\
                    [events]\ndwell_ps = 0\n";
        assert_error(text, 3, "md.timestep_fs");
    }

    #[test]
    fn inf_bias_temperature_is_plain_metadynamics() {
        let s = parse("name = \"x\"\n[metadynamics]\nbias_temperature_k = \"inf\"\n").unwrap();
        assert_eq!(s.setup.hills.bias_temperature_k, f64::INFINITY);
        let s = parse("name = \"x\"\n[metadynamics]\nbias_temperature_k = inf\n").unwrap();
        assert_eq!(s.setup.hills.bias_temperature_k, f64::INFINITY);
    }

    #[test]
    fn centre_choices() {
        let s = parse("name = \"x\"\n[cluster]\ncentre = 348\n").unwrap();
        assert_eq!(s.setup.centre, CentreChoice::Atom(348));
        let s = parse("name = \"x\"\n[cluster]\ncentre = \"random-cu\"\n").unwrap();
        assert_eq!(s.setup.centre, CentreChoice::RandomCu);
        let s = parse("name = \"x\"\n[cluster]\ncentre = \"nearest-cu\"\n").unwrap();
        assert_eq!(s.setup.centre, CentreChoice::NearestCuToBoxCentre);
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let e = parse("name = \"x\"\n[md]\ntemperature_k = = 3\n").unwrap_err();
        assert!(
            matches!(e, SceneError::File(crate::io::FileError::Parse { .. })),
            "{e}"
        );
        assert_eq!(e.line(), Some(3), "{e}");
        assert!(e.to_string().starts_with("test-scene.toml:3: "), "{e}");
        let e = parse("name = \"x\"\nname = \"y\"\n").unwrap_err();
        assert_eq!(e.line(), Some(2), "{e}");
    }

    #[test]
    fn missing_name_and_inconsistent_setups_name_the_file() {
        let e = parse("[md]\ntemperature_k = 600.0\n").unwrap_err();
        assert!(matches!(e, SceneError::Missing { key: "name", .. }), "{e}");
        assert!(e.to_string().contains("test-scene.toml"), "{e}");
        assert_error("name = \"  \"\n", 1, "name");
        // Each value is positive, but the wall (0.25 Å below the grid's end) would be at 0.
        let e = parse("name = \"x\"\n[metadynamics]\ngrid_upper_angstrom = 0.25\n").unwrap_err();
        assert!(matches!(e, SceneError::Setup { .. }), "{e}");
        assert!(e.to_string().starts_with("test-scene.toml: "), "{e}");
    }

    #[test]
    fn io_errors_name_the_file() {
        let e = Scene::load(Path::new("/nonexistent-dir/none.toml")).unwrap_err();
        assert!(matches!(
            e,
            SceneError::File(crate::io::FileError::Io { .. })
        ));
        assert!(e.to_string().contains("/nonexistent-dir/none.toml"), "{e}");
    }

    proptest! {
        #[test]
        fn garbled_scenes_never_panic(
            edits in prop::collection::vec(
                (any::<usize>(), any::<u8>(),
                 prop::sample::select(vec![' ', '\n', '"', '=', '[', ']', '0', '5', '-', '.',
                     'x', ',', '#', '{', '}', '\\', 'é', '\t', '\''])),
                0..12)
        ) {
            let text = mutate(include_str!("../../scenes/cluster-size.toml"), &edits);
            if let Err(e) = parse(&text) {
                prop_assert!(e.to_string().contains("test-scene.toml"), "{}", e);
            }
        }

        #[test]
        fn never_panics_on_random_text(text in "\\PC{0,300}") {
            let _ = parse(&text);
            let _ = parse(&format!("name = \"x\"\n[md]\n{text}"));
        }
    }
}
