//! Data shipped inside the binary: the default glass.

use crate::system::System;

/// The default Cu50Zr50 glass: 4000 atoms, made by `betaglass prepare` (see README).
const DEFAULT_GLASS_XYZ: &str = include_str!("../assets/glass_cu50zr50_4000.xyz");

/// The embedded default glass, with its 300 K velocities.
pub fn default_glass() -> System {
    crate::io::read_xyz(DEFAULT_GLASS_XYZ, "assets/glass_cu50zr50_4000.xyz")
        .expect("the embedded glass parses (checked by tests)")
}
