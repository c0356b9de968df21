//! betaglass: the science library. Molecular dynamics of Cu–Zr metallic glass with an EAM potential,
//! read and written in the formats LAMMPS and ASE use. No Bevy, no egui: this compiles and runs headless.

pub mod analysis;
pub mod assets;
pub mod calculator;
pub mod campaign;
pub mod dynamics;
pub mod fix;
pub mod io;
pub mod landscape;
pub mod live;
pub mod neighbor;
pub mod potential;
pub mod preparation;
pub mod sampling;
pub mod simulation;
pub mod system;
