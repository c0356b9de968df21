//! `betaglass cluster`: the atoms of a cluster (centre + all within a cutoff), and the
//! partial-RDF landmarks that make sensible cutoffs (the paper's Fig. 2).

use std::path::PathBuf;

use betaglass::analysis::rdf::{RdfLandmarks, partial_rdfs};
use betaglass::sampling::Cluster;

#[derive(clap::Args, Debug)]
pub struct ClusterArgs {
    /// Configuration (default: the embedded glass).
    pub file: Option<PathBuf>,
    /// Id of the centre atom.
    #[arg(long, alias = "center")]
    pub centre: u64,
    /// Cutoff (Å).
    #[arg(long, default_value_t = 4.0)]
    pub cutoff: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Landmarks {
    pair: String,
    #[serde(flatten)]
    landmarks: RdfLandmarks,
}

pub fn run(args: ClusterArgs) -> anyhow::Result<()> {
    let system = super::load_system(args.file.as_deref())?;
    let cluster = Cluster::around(&system, args.centre, args.cutoff)?;
    let centre_type = system.types[system
        .ids
        .iter()
        .position(|&i| i == args.centre)
        .expect("the cluster found the centre")];
    let landmarks: Vec<Landmarks> = partial_rdfs(&system, 8.0, 0.02)
        .iter()
        .filter(|g| g.species.0 == centre_type || g.species.1 == centre_type)
        .map(|g| Landmarks {
            pair: format!(
                "{}-{}",
                system.species[g.species.0].symbol, system.species[g.species.1].symbol
            ),
            landmarks: g.landmarks(),
        })
        .collect();
    if args.json {
        out!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "centre_id": args.centre,
                "cutoff_angstrom": args.cutoff,
                "members": cluster.members,
                "rdf_landmarks_angstrom": landmarks,
            }))?
        );
        return Ok(());
    }
    out!(
        "cluster of atom {} within {} Å: {} atoms (centre + {})",
        args.centre,
        args.cutoff,
        cluster.len(),
        cluster.len() - 1
    );
    out!("{:>8} {:>8} {:>12}", "id", "species", "distance_A");
    for m in &cluster.members {
        out!("{:>8} {:>8} {:>12.4}", m.id, m.species, m.distance_angstrom);
    }
    out!("partial-RDF landmarks around the centre's species (Å):");
    let show = |x: Option<f64>| x.map_or("-".to_string(), |r| format!("{r:.3}"));
    out!(
        "{:>8} {:>12} {:>12} {:>12} {:>12}",
        "pair",
        "1st peak",
        "1st min",
        "2nd peak",
        "2nd min"
    );
    for l in &landmarks {
        let m = &l.landmarks;
        out!(
            "{:>8} {:>12} {:>12} {:>12} {:>12}",
            l.pair,
            show(m.first_peak_angstrom),
            show(m.first_minimum_angstrom),
            show(m.second_peak_angstrom),
            show(m.second_minimum_angstrom)
        );
    }
    Ok(())
}
