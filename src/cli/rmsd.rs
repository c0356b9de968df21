//! `betaglass rmsd`: the RMSD collective variable and its gradient for one configuration
//! against a reference, as Colvars' `rmsd` computes them.

use std::path::PathBuf;

use anyhow::bail;

use betaglass::sampling::{Cluster, ClusterTracker, CollectiveVariable, RmsdCv};

#[derive(clap::Args, Debug)]
pub struct RmsdArgs {
    /// The configuration to measure.
    pub config: PathBuf,
    /// The reference configuration (the same atom ids).
    #[arg(long)]
    pub reference: PathBuf,
    /// The atoms, comma-separated ids (file ids; 1-based order for plain xyz).
    #[arg(long, value_delimiter = ',', required = true)]
    pub atoms: Vec<u64>,
    /// Print `{"rmsd_angstrom": s, "gradient_per_angstrom": [[gx,gy,gz], …]}`.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RmsdArgs) -> anyhow::Result<()> {
    let current = betaglass::io::read_configuration(&args.config)?;
    let reference = betaglass::io::read_configuration(&args.reference)?;
    if args.atoms.len() < 2 {
        bail!("--atoms needs at least 2 ids, got {}", args.atoms.len());
    }
    // Each cluster is made whole around its first atom by minimum image.
    let reference = Cluster::from_ids(&reference, &args.atoms)?;
    let now = Cluster::from_ids(&current, &args.atoms)?;
    let tracker = ClusterTracker::whole_around_first(&now.positions_angstrom(), &current.cell);
    let cv = RmsdCv::new(args.atoms.clone(), &reference.positions_angstrom())?;
    let mut gradient = vec![[0.0; 3]; args.atoms.len()];
    let s = cv.value_and_gradient(tracker.positions_angstrom(), &mut gradient);
    if args.json {
        out!(
            "{}",
            serde_json::to_string(&serde_json::json!({
                "rmsd_angstrom": s,
                "gradient_per_angstrom": gradient,
            }))?
        );
    } else {
        out!("rmsd {s:.12} Å");
        for (id, g) in args.atoms.iter().zip(&gradient) {
            out!("{id:>8} {:>20.12e} {:>20.12e} {:>20.12e}", g[0], g[1], g[2]);
        }
    }
    Ok(())
}
