//! Campaign files (`campaigns/*.toml`): many samplings of one configuration, one ΔF each.
//!
//! A campaign is every combination of its temperatures, seeds, centres and cutoffs, each run
//! with the same metadynamics set-up:
//!
//! ```toml
//! name = "…"
//! description = "…"                    # optional
//! [system]
//! file = "relative/to/this/file.extxyz"  # optional; default: the embedded glass
//! [md]
//! timestep_fs = 2.0
//! thermostat_damping_ps = 0.2
//! equilibrate_ps = 10.0
//! [cluster]
//! centres = ["nearest-cu"]             # or "random-cu", or atom ids: [348, 1201]
//! cutoffs_angstrom = [4.0]
//! [metadynamics]
//! height_ev = 0.03
//! sigma_angstrom = 0.175
//! stride_steps = 1000
//! bias_temperature_k = 2700.0          # or "inf" for plain metadynamics
//! sample_every_steps = 100
//! grid_upper_angstrom = 5.25
//! grid_width_angstrom = 0.035
//! [events]
//! jump_angstrom = 0.4
//! dwell_ps = 10.0
//! min_movers = 2                       # a confirmed jump with fewer movers is a precursor
//! mover_threshold_angstrom = 2.0       # a mover is displaced more than this (the paper's)
//! [campaign]
//! temperatures_k = [200, 250, 300]     # required
//! samplings_per_temperature = 50       # required
//! seed = 1                             # sampling i of a temperature gets seed + i
//! [stop]
//! max_steps = 2_000_000                # required
//! profile_window_ps = 20.0             # after the event: stop once the new basin's depth
//! profile_tolerance_ev = 0.05          #   has held within this over this window
//! after_event_ps = 20.0                # LAMMPS decks only: MD after the first plateau change
//! ```
//!
//! `name`, `campaign.temperatures_k`, `campaign.samplings_per_temperature` and
//! `stop.max_steps` are required (they set what the campaign costs); every other key takes
//! the value of [`SamplingSetup::paper`] (centres `["nearest-cu"]`, cutoffs `[4.0]`, seed 1,
//! `after_event_ps` 20, `profile_window_ps` 20, `profile_tolerance_ev` 0.05).
//!
//! As for scene files, the document is walked with its spans, so every error names the file,
//! the 1-based line, the key (`campaign.temperatures_k[2]`) and the value as written; when a
//! file has several problems the first one in the file is reported.

use std::path::{Path, PathBuf};

use toml::de::DeTable;

use crate::io::spanned_toml::{
    EVENTS_KEYS, METADYNAMICS_KEYS, Reader, SYSTEM_KEYS, load, parse_document,
};
use crate::sampling::ProfileStopSettings;
use crate::sampling::setup::{CentreChoice, SamplingSetup};

/// When a sampling of a campaign ends.
///
/// A sampling runs until its first event (precursors do not count), then on until the
/// `profile` estimator's criterion holds ([`ProfileStopSettings`]: the new basin's depth
/// stable within `profile_tolerance_ev` over the last `profile_window_ps`), or a second
/// event is confirmed, or `max_steps` is reached, whichever comes first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StopRule {
    /// Biased MD steps at most: a sampling without an event ends here (`no_event`).
    pub max_steps: u64,
    /// LAMMPS decks only (`betaglass lammps`/`import`, which have no inherent structures to
    /// tell an event from a precursor): MD after the first confirmed plateau change (ps).
    pub after_event_ps: f64,
    /// The stop rule of the `profile` estimator.
    pub profile: ProfileStopSettings,
}

/// A campaign: every combination of temperatures × seeds × centres × cutoffs, sampled with
/// one set-up.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignSpec {
    pub name: String,
    /// A few sentences (may be empty).
    pub description: String,
    /// The configuration, resolved against the campaign file's folder; `None` for the
    /// embedded default glass.
    pub system_file: Option<PathBuf>,
    /// The set-up of every sampling. Its `temperature_k`, `seed`, `centre` and
    /// `cutoff_angstrom` are those of the first job; [`Self::plan`] sets them per job.
    pub template: SamplingSetup,
    pub centres: Vec<CentreChoice>,
    pub cutoffs_angstrom: Vec<f64>,
    pub temperatures_k: Vec<f64>,
    pub samplings_per_temperature: u64,
    /// Sampling `i` of each temperature (and each centre and cutoff) gets seed `seed + i`.
    pub seed: u64,
    pub stop: StopRule,
}

/// One sampling of a campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplingJob {
    /// Position in [`CampaignSpec::plan`]: names the sampling's files and its CSV row, and is
    /// what `--resume` matches on.
    pub index: usize,
    pub centre: CentreChoice,
    pub cutoff_angstrom: f64,
    pub temperature_k: f64,
    pub seed: u64,
    /// The complete set-up (temperature, seed, centre and cutoff included).
    pub setup: SamplingSetup,
}

impl CampaignSpec {
    /// Every sampling, in a fixed order: temperatures (as listed) outermost, then the seed
    /// (`seed`, `seed + 1`, …), then centres, then cutoffs (as listed). The index is the
    /// position in this order, so the same file always gives the same numbering.
    pub fn plan(&self) -> Vec<SamplingJob> {
        let mut jobs = Vec::with_capacity(self.job_count());
        for &temperature_k in &self.temperatures_k {
            for i in 0..self.samplings_per_temperature {
                let seed = self.seed.wrapping_add(i);
                for &centre in &self.centres {
                    for &cutoff_angstrom in &self.cutoffs_angstrom {
                        let setup = SamplingSetup {
                            temperature_k,
                            seed,
                            centre,
                            cutoff_angstrom,
                            ..self.template.clone()
                        };
                        jobs.push(SamplingJob {
                            index: jobs.len(),
                            centre,
                            cutoff_angstrom,
                            temperature_k,
                            seed,
                            setup,
                        });
                    }
                }
            }
        }
        jobs
    }

    /// How many samplings [`Self::plan`] holds.
    pub fn job_count(&self) -> usize {
        self.temperatures_k.len()
            * usize::try_from(self.samplings_per_temperature).unwrap_or(usize::MAX)
            * self.centres.len()
            * self.cutoffs_angstrom.len()
    }

    /// Checks a campaign built in code as the parser checks a file: non-empty lists without
    /// repeats, seeds that fit, a stop rule, and a valid set-up for every temperature and
    /// cutoff. (Whether a centre atom exists is known only with the configuration: a bad one
    /// makes its samplings `failed`.)
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("the campaign needs a name".into());
        }
        let distinct = |what: &str, xs: &[f64]| -> Result<(), String> {
            if xs.is_empty() {
                return Err(format!("the campaign lists no {what}"));
            }
            for (i, x) in xs.iter().enumerate() {
                if xs[..i].contains(x) {
                    return Err(format!("{what}: {x} is listed twice"));
                }
            }
            Ok(())
        };
        distinct("temperatures", &self.temperatures_k)?;
        distinct("cutoffs", &self.cutoffs_angstrom)?;
        if self.centres.is_empty() {
            return Err("the campaign lists no centres".into());
        }
        for (i, c) in self.centres.iter().enumerate() {
            if self.centres[..i].contains(c) {
                return Err(format!("centres: {} is listed twice", centre_label(c)));
            }
            if *c == CentreChoice::Atom(0) {
                return Err("centres: atom ids start at 1".into());
            }
        }
        if self.samplings_per_temperature == 0 {
            return Err("samplings per temperature must be at least 1".into());
        }
        if self
            .seed
            .checked_add(self.samplings_per_temperature - 1)
            .is_none()
        {
            return Err(format!(
                "seeds {} + 0..{} do not fit a 64-bit seed",
                self.seed, self.samplings_per_temperature
            ));
        }
        if self.stop.max_steps == 0 {
            return Err("stop.max_steps must be at least 1".into());
        }
        self.stop
            .profile
            .validate()
            .map_err(|e| format!("stop: {e}"))?;
        if !(self.stop.after_event_ps.is_finite() && self.stop.after_event_ps >= 0.0) {
            return Err(format!(
                "stop.after_event_ps must be ≥ 0, got {}",
                self.stop.after_event_ps
            ));
        }
        for &t in &self.temperatures_k {
            for &cutoff in &self.cutoffs_angstrom {
                let setup = SamplingSetup {
                    temperature_k: t,
                    cutoff_angstrom: cutoff,
                    ..self.template.clone()
                };
                setup
                    .validate()
                    .map_err(|e| format!("at {t} K with a {cutoff} Å cutoff: {e}"))?;
            }
        }
        Ok(())
    }

    /// Parses a campaign. `origin` names the file in messages; a relative `system.file` is
    /// resolved against `base_dir` (the campaign file's folder).
    pub fn from_toml_str(
        text: &str,
        origin: &str,
        base_dir: &Path,
    ) -> Result<CampaignSpec, CampaignSpecError> {
        let root = parse_document(text, origin)?;
        let mut reader = Reader::new(origin, text, SCENE_KEY_HINTS);
        let spec = reader.campaign(root.get_ref(), base_dir);
        // The first problem in the file; then the first missing key.
        if let Some(first) = reader.first_problem() {
            return Err(first);
        }
        // Every required key was present and valid, or an error was noted above.
        let spec = spec.ok_or_else(|| CampaignSpecError::Setup {
            file: origin.to_string(),
            message: "the campaign is incomplete".into(),
        })?;
        spec.validate()
            .map_err(|message| CampaignSpecError::Setup {
                file: origin.to_string(),
                message,
            })?;
        Ok(spec)
    }

    /// Reads and parses a campaign file; errors name `path`.
    pub fn load(path: &Path) -> Result<CampaignSpec, CampaignSpecError> {
        load(path, Self::from_toml_str)
    }

    /// The campaign as a complete campaign file, every key spelt out and the system file as
    /// an absolute path, so the text parses (from any folder) back to this campaign. This is
    /// the copy a campaign's output folder keeps.
    pub fn to_toml(&self) -> String {
        use std::fmt::Write;
        let string = |s: &str| toml::Value::String(s.to_string()).to_string();
        let number = |x: f64| format!("{x:?}");
        let list = |xs: &[f64]| {
            let items: Vec<String> = xs.iter().map(|&x| number(x)).collect();
            format!("[{}]", items.join(", "))
        };
        let t = &self.template;
        let mut s = String::new();
        let _ = writeln!(s, "name = {}", string(&self.name));
        let _ = writeln!(s, "description = {}", string(&self.description));
        let _ = writeln!(s, "\n[system]");
        match &self.system_file {
            Some(p) => {
                let p = std::path::absolute(p).unwrap_or_else(|_| p.clone());
                let _ = writeln!(s, "file = {}", string(&p.to_string_lossy()));
            }
            None => {
                let _ = writeln!(s, "# no file: the embedded default glass");
            }
        }
        let _ = writeln!(s, "\n[md]");
        let _ = writeln!(s, "timestep_fs = {}", number(t.timestep_fs));
        let _ = writeln!(
            s,
            "thermostat_damping_ps = {}",
            number(t.thermostat_damping_ps)
        );
        let _ = writeln!(s, "equilibrate_ps = {}", number(t.equilibrate_ps));
        let _ = writeln!(s, "\n[cluster]");
        let centres: Vec<String> = self
            .centres
            .iter()
            .map(|c| match c {
                CentreChoice::Atom(id) => id.to_string(),
                other => string(&centre_label(other)),
            })
            .collect();
        let _ = writeln!(s, "centres = [{}]", centres.join(", "));
        let _ = writeln!(s, "cutoffs_angstrom = {}", list(&self.cutoffs_angstrom));
        let _ = writeln!(s, "\n[metadynamics]");
        let _ = writeln!(s, "height_ev = {}", number(t.hills.height_ev));
        let _ = writeln!(s, "sigma_angstrom = {}", number(t.hills.sigma_angstrom));
        let _ = writeln!(s, "stride_steps = {}", t.hills.stride_steps);
        let _ = writeln!(
            s,
            "bias_temperature_k = {}",
            number(t.hills.bias_temperature_k)
        );
        let _ = writeln!(s, "sample_every_steps = {}", t.sample_every_steps);
        let _ = writeln!(s, "grid_upper_angstrom = {}", number(t.grid_upper_angstrom));
        let _ = writeln!(s, "grid_width_angstrom = {}", number(t.grid_width_angstrom));
        let _ = writeln!(s, "\n[events]");
        let _ = writeln!(s, "jump_angstrom = {}", number(t.event_jump_angstrom));
        let _ = writeln!(s, "dwell_ps = {}", number(t.event_dwell_ps));
        let _ = writeln!(s, "min_movers = {}", t.event_min_movers);
        let _ = writeln!(
            s,
            "mover_threshold_angstrom = {}",
            number(t.event_mover_threshold_angstrom)
        );
        let _ = writeln!(s, "\n[campaign]");
        let _ = writeln!(s, "temperatures_k = {}", list(&self.temperatures_k));
        let _ = writeln!(
            s,
            "samplings_per_temperature = {}",
            self.samplings_per_temperature
        );
        let _ = writeln!(s, "seed = {}", self.seed);
        let _ = writeln!(s, "\n[stop]");
        let _ = writeln!(s, "max_steps = {}", self.stop.max_steps);
        let _ = writeln!(s, "after_event_ps = {}", number(self.stop.after_event_ps));
        let _ = writeln!(
            s,
            "profile_window_ps = {}",
            number(self.stop.profile.window_ps)
        );
        let _ = writeln!(
            s,
            "profile_tolerance_ev = {}",
            number(self.stop.profile.tolerance_ev)
        );
        s
    }
}

/// A centre as campaign files and `samplings.csv` write it: `nearest-cu`, `random-cu` or
/// the atom id.
pub fn centre_label(centre: &CentreChoice) -> String {
    match centre {
        CentreChoice::NearestCuToBoxCentre => "nearest-cu".into(),
        CentreChoice::RandomCu => "random-cu".into(),
        CentreChoice::Atom(id) => id.to_string(),
    }
}

/// The inverse of [`centre_label`].
pub fn parse_centre_label(text: &str) -> Option<CentreChoice> {
    match text.trim() {
        "nearest-cu" => Some(CentreChoice::NearestCuToBoxCentre),
        "random-cu" => Some(CentreChoice::RandomCu),
        s => s
            .parse::<u64>()
            .ok()
            .filter(|&id| id > 0)
            .map(CentreChoice::Atom),
    }
}

/// Why a campaign file could not be read.
pub use crate::io::spanned_toml::TomlFileError as CampaignSpecError;

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "system",
    "md",
    "cluster",
    "metadynamics",
    "events",
    "campaign",
    "stop",
];
const MD_KEYS: &[&str] = &["timestep_fs", "thermostat_damping_ps", "equilibrate_ps"];
const CLUSTER_KEYS: &[&str] = &["centres", "cutoffs_angstrom"];
const CAMPAIGN_KEYS: &[&str] = &["temperatures_k", "samplings_per_temperature", "seed"];
const STOP_KEYS: &[&str] = &[
    "max_steps",
    "after_event_ps",
    "profile_window_ps",
    "profile_tolerance_ev",
];

/// Scene-file keys someone may carry over, and where a campaign wants them.
const SCENE_KEY_HINTS: &[(&str, &str)] = &[
    (
        "md.temperature_k",
        "a campaign lists its temperatures in [campaign] temperatures_k",
    ),
    (
        "md.seed",
        "a campaign's seeds come from [campaign] seed (sampling i gets seed + i)",
    ),
    ("md.threads", "threads are chosen on the command line"),
    (
        "cluster.centre",
        "a campaign lists its centres in [cluster] centres",
    ),
    (
        "cluster.cutoff_angstrom",
        "a campaign lists its cutoffs in [cluster] cutoffs_angstrom",
    ),
    (
        "cluster.compare_cutoffs_angstrom",
        "a campaign lists its cutoffs in [cluster] cutoffs_angstrom",
    ),
];

/// The campaign's own reading, on the reader every TOML file of the project shares.
impl Reader<'_> {
    /// The whole campaign; `None` when a required key is absent or bad (every problem is
    /// noted in the reader).
    fn campaign(&mut self, root: &DeTable<'_>, base_dir: &Path) -> Option<CampaignSpec> {
        let top = self.section(root, "", TOP_KEYS);
        let system = self.subsection(&top, "system", SYSTEM_KEYS);
        let md = self.subsection(&top, "md", MD_KEYS);
        let cluster = self.subsection(&top, "cluster", CLUSTER_KEYS);
        let metad = self.subsection(&top, "metadynamics", METADYNAMICS_KEYS);
        let events = self.subsection(&top, "events", EVENTS_KEYS);
        let campaign = self.subsection(&top, "campaign", CAMPAIGN_KEYS);
        let stop = self.subsection(&top, "stop", STOP_KEYS);

        let name = self
            .required(&top, "name", "name", "the campaign's title")
            .and_then(|f| {
                let s = self.string(&f)?.trim().to_string();
                if s.is_empty() {
                    self.invalid(&f, "the name must not be empty");
                    None
                } else {
                    Some(s)
                }
            });
        let description = self.description(&top);
        let system_file = self.system_file(&system, base_dir);

        let temperatures_k = self
            .required(
                &campaign,
                "temperatures_k",
                "campaign.temperatures_k",
                "the temperatures to sample, in K",
            )
            .and_then(|f| {
                self.distinct_list(&f, "an array of temperatures in K", |r, e| {
                    r.positive(e, false)
                })
            });
        let samplings_per_temperature = self
            .required(
                &campaign,
                "samplings_per_temperature",
                "campaign.samplings_per_temperature",
                "how many samplings (seeds) per temperature",
            )
            .and_then(|f| self.count(&f, 1));
        let seed = match campaign.get("seed") {
            Some(f) => self.count(&f, 0),
            None => Some(1),
        };
        let max_steps = self
            .required(
                &stop,
                "max_steps",
                "stop.max_steps",
                "biased MD steps at most per sampling",
            )
            .and_then(|f| self.count(&f, 1));
        let after_event_ps = match stop.get("after_event_ps") {
            Some(f) => self.positive(&f, true),
            None => Some(DEFAULT_AFTER_EVENT_PS),
        };
        let mut profile = ProfileStopSettings::default();
        self.set_positive(&stop, "profile_window_ps", &mut profile.window_ps);
        self.set_positive(&stop, "profile_tolerance_ev", &mut profile.tolerance_ev);

        let centres = match cluster.get("centres") {
            Some(f) => self.distinct_list(&f, "an array of centres", |r, e| r.centre(e)),
            None => Some(vec![CentreChoice::NearestCuToBoxCentre]),
        };
        let cutoffs_angstrom = match cluster.get("cutoffs_angstrom") {
            Some(f) => {
                self.distinct_list(&f, "an array of cutoffs in Å", |r, e| r.positive(e, false))
            }
            None => Some(vec![SamplingSetup::paper(1.0).cutoff_angstrom]),
        };

        let mut template = SamplingSetup::paper(1.0);
        self.set_positive(&md, "timestep_fs", &mut template.timestep_fs);
        self.set_positive(
            &md,
            "thermostat_damping_ps",
            &mut template.thermostat_damping_ps,
        );
        if let Some(ps) = md
            .get("equilibrate_ps")
            .and_then(|f| self.positive(&f, true))
        {
            template.equilibrate_ps = ps;
        }
        self.metadynamics(&metad, &mut template);
        self.events(&events, &mut template);

        let (temperatures_k, centres, cutoffs_angstrom) =
            (temperatures_k?, centres?, cutoffs_angstrom?);
        let seed = seed?;
        template.temperature_k = temperatures_k[0];
        template.seed = seed;
        template.centre = centres[0];
        template.cutoff_angstrom = cutoffs_angstrom[0];
        Some(CampaignSpec {
            name: name?,
            description,
            system_file,
            template,
            centres,
            cutoffs_angstrom,
            temperatures_k,
            samplings_per_temperature: samplings_per_temperature?,
            seed,
            stop: StopRule {
                max_steps: max_steps?,
                after_event_ps: after_event_ps?,
                profile,
            },
        })
    }
}

/// MD after the first event when a campaign names none (ps): the paper's dwell and then some.
pub const DEFAULT_AFTER_EVENT_PS: f64 = 20.0;

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "name = \"x\"\n[campaign]\ntemperatures_k = [300]\n\
                           samplings_per_temperature = 2\n[stop]\nmax_steps = 100\n";

    fn parse(text: &str) -> Result<CampaignSpec, CampaignSpecError> {
        CampaignSpec::from_toml_str(text, "test.toml", Path::new("/base"))
    }

    fn assert_error(text: &str, line: usize, key: &str) -> CampaignSpecError {
        let e = parse(text).unwrap_err();
        let shown = e.to_string();
        assert_eq!(e.line(), Some(line), "{shown}");
        assert_eq!(e.key(), Some(key), "{shown}");
        assert!(shown.starts_with(&format!("test.toml:{line}: ")), "{shown}");
        assert!(shown.contains(&format!("`{key}`")), "{shown}");
        e
    }

    #[test]
    fn absent_keys_take_the_paper_values() {
        let spec = parse(MINIMAL).unwrap();
        assert_eq!(spec.template, SamplingSetup::paper(300.0));
        assert_eq!(spec.centres, vec![CentreChoice::NearestCuToBoxCentre]);
        assert_eq!(spec.cutoffs_angstrom, vec![4.0]);
        assert_eq!(spec.seed, 1);
        assert_eq!(spec.stop.after_event_ps, DEFAULT_AFTER_EVENT_PS);
        let plan = spec.plan();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[1].seed, 2);
        assert_eq!(plan[1].setup.seed, 2);
    }

    #[test]
    fn missing_required_keys_are_named() {
        let e = parse("name = \"x\"\n[stop]\nmax_steps = 5\n").unwrap_err();
        assert!(
            matches!(
                e,
                CampaignSpecError::Missing {
                    key: "campaign.temperatures_k",
                    ..
                }
            ),
            "{e}"
        );
        let e = parse(&MINIMAL.replace("max_steps = 100\n", "")).unwrap_err();
        assert_eq!(e.key(), Some("stop.max_steps"), "{e}");
        let e = parse(&MINIMAL.replace("name = \"x\"\n", "")).unwrap_err();
        assert_eq!(e.key(), Some("name"), "{e}");
    }

    #[test]
    fn list_errors_name_the_element_and_its_line() {
        let text = MINIMAL.replace(
            "temperatures_k = [300]",
            "temperatures_k = [\n  300,\n  -5,\n]",
        );
        let e = assert_error(&text, 5, "campaign.temperatures_k[1]");
        assert!(e.to_string().contains("= -5: must be positive"), "{e}");
        let text = MINIMAL.replace("temperatures_k = [300]", "temperatures_k = [300, 300.0]");
        let e = assert_error(&text, 3, "campaign.temperatures_k[1]");
        assert!(e.to_string().contains("listed twice"), "{e}");
        assert_error(
            &MINIMAL.replace("temperatures_k = [300]", "temperatures_k = []"),
            3,
            "campaign.temperatures_k",
        );
        assert_error(
            &format!("{MINIMAL}[cluster]\ncentres = [\"nearest-cu\", \"nearest-zr\"]\n"),
            8,
            "cluster.centres[1]",
        );
        assert_error(
            &format!("{MINIMAL}[cluster]\ncentres = [0]\n"),
            8,
            "cluster.centres[0]",
        );
        assert_error(
            &format!("{MINIMAL}[cluster]\ncutoffs_angstrom = 4.0\n"),
            8,
            "cluster.cutoffs_angstrom",
        );
    }

    #[test]
    fn scene_keys_get_a_hint() {
        let e = assert_error(
            &format!("{MINIMAL}[md]\ntemperature_k = 300\n"),
            8,
            "md.temperature_k",
        );
        assert!(e.to_string().contains("[campaign] temperatures_k"), "{e}");
    }

    #[test]
    fn other_values_are_checked() {
        assert_error(
            &format!("{MINIMAL}[metadynamics]\nstride_steps = 0\n"),
            8,
            "metadynamics.stride_steps",
        );
        let e = assert_error(
            &format!("{MINIMAL}[events]\nmin_movers = 0\n"),
            8,
            "events.min_movers",
        );
        assert!(e.to_string().contains("at least 1"), "{e}");
        let e = assert_error(
            &format!("{MINIMAL}[events]\nmover_threshold_angstrom = -2.0\n"),
            8,
            "events.mover_threshold_angstrom",
        );
        assert!(e.to_string().contains("must be positive"), "{e}");
        assert_error(
            &format!("{MINIMAL}[events]\nmin_movers = 1.5\n"),
            8,
            "events.min_movers",
        );
        assert_error(
            &MINIMAL.replace("max_steps = 100", "max_steps = 0"),
            6,
            "stop.max_steps",
        );
        assert_error(
            &format!("{MINIMAL}after_event_ps = -1\n"),
            7,
            "stop.after_event_ps",
        );
        for bad in ["0", "-0.05", "nan"] {
            let e = assert_error(
                &format!("{MINIMAL}profile_tolerance_ev = {bad}\n"),
                7,
                "stop.profile_tolerance_ev",
            );
            assert!(e.to_string().contains(bad), "{e}");
        }
        assert_error(
            &format!("{MINIMAL}profile_window_ps = -20\n"),
            7,
            "stop.profile_window_ps",
        );
        assert_error(
            &MINIMAL.replace(
                "samplings_per_temperature = 2",
                "samplings_per_temperature = 2.5",
            ),
            4,
            "campaign.samplings_per_temperature",
        );
        let e = parse(&format!(
            "{MINIMAL}[metadynamics]\ngrid_upper_angstrom = 0.25\n"
        ))
        .unwrap_err();
        assert!(matches!(e, CampaignSpecError::Setup { .. }), "{e}");
        let e = parse(&format!("{MINIMAL}[campaign]\n")).unwrap_err();
        assert!(
            matches!(
                e,
                CampaignSpecError::File(crate::io::FileError::Parse { .. })
            ),
            "{e}"
        );
    }

    #[test]
    fn underscored_integers_and_inf_are_read() {
        let spec = parse(&format!(
            "{}[metadynamics]\nbias_temperature_k = \"inf\"\n",
            MINIMAL.replace("max_steps = 100", "max_steps = 2_000_000")
        ))
        .unwrap();
        assert_eq!(spec.stop.max_steps, 2_000_000);
        assert_eq!(spec.template.hills.bias_temperature_k, f64::INFINITY);
    }

    #[test]
    fn to_toml_round_trips() {
        let text = "name = \"a \\\"quoted\\\" name\"\ndescription = \"two\\nlines\"\n\
                    [system]\nfile = \"glass dir/a.extxyz\"\n\
                    [md]\ntimestep_fs = 1.5\nequilibrate_ps = 0\n\
                    [cluster]\ncentres = [\"nearest-cu\", 348, \"random-cu\"]\n\
                    cutoffs_angstrom = [3.3, 4.0]\n\
                    [metadynamics]\nheight_ev = 1e-3\nbias_temperature_k = inf\n\
                    stride_steps = 10\n\
                    [events]\nmin_movers = 3\nmover_threshold_angstrom = 1.5\n\
                    [campaign]\ntemperatures_k = [200, 250.5]\nsamplings_per_temperature = 3\n\
                    seed = 7\n[stop]\nmax_steps = 1000\nafter_event_ps = 0.1\n\
                    profile_window_ps = 12.5\nprofile_tolerance_ev = 0.02\n";
        let spec = parse(text).unwrap();
        let again = CampaignSpec::from_toml_str(&spec.to_toml(), "copy.toml", Path::new("/else"))
            .unwrap_or_else(|e| panic!("{e}\n{}", spec.to_toml()));
        assert_eq!(again, spec);
        assert_eq!(
            (
                spec.template.event_min_movers,
                spec.template.event_mover_threshold_angstrom
            ),
            (3, 1.5)
        );
        assert_eq!(
            spec.stop.profile,
            ProfileStopSettings {
                window_ps: 12.5,
                tolerance_ev: 0.02
            }
        );
        assert_eq!(again.plan(), spec.plan());
        assert_eq!(spec.job_count(), 2 * 3 * 3 * 2);
    }

    #[test]
    fn centre_labels_round_trip() {
        for c in [
            CentreChoice::NearestCuToBoxCentre,
            CentreChoice::RandomCu,
            CentreChoice::Atom(348),
        ] {
            assert_eq!(parse_centre_label(&centre_label(&c)), Some(c));
        }
        assert_eq!(parse_centre_label("0"), None);
        assert_eq!(parse_centre_label("x"), None);
    }

    mod garbled {
        use super::*;
        use crate::io::test_support::mutate;
        use proptest::prelude::*;

        proptest! {
            // A hand-edited campaign file: an error naming the file, never a panic.
            #[test]
            fn garbled_campaigns_never_panic(
                edits in prop::collection::vec(
                    (any::<usize>(), any::<u8>(),
                     prop::sample::select(vec![' ', '\n', '"', '=', '[', ']', '0', '5', '-',
                         '.', 'x', ',', '#', '{', '}', '\\', 'é', '\t'])),
                    0..12)
            ) {
                let text = mutate(include_str!("../../campaigns/mini.toml"), &edits);
                if let Err(e) = parse(&text) {
                    prop_assert!(e.to_string().contains("test.toml"), "{}", e);
                }
            }

            #[test]
            fn random_text_never_panics(text in "\\PC{0,300}") {
                let _ = parse(&text);
                let _ = parse(&format!("{MINIMAL}{text}"));
            }
        }
    }
}
