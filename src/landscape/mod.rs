//! The potential-energy landscape at 0 K: ART nouveau (activation–relaxation technique) saddle
//! searches, their verification, and the harmonic (Vineyard) prefactor of the events found.
//!
//! Everything here works on an [`EnergySurface`]: a function of a flat coordinate vector that
//! returns the energy and the forces (−gradient). The glass ([`GlassSurface`]) and analytic 2D
//! test surfaces ([`MullerBrown`]) are both surfaces, so the same ART code is proven on a
//! surface with known saddles and then run on the glass.

pub mod artn;
pub mod explore;
pub mod lanczos;
pub mod relax;
pub mod report;
pub mod saddle_check;
pub mod store;
pub mod surface;
pub mod vineyard;

pub use artn::{ArtEvent, ArtSettings, Exploration, FailureKind, SaddleSearch};
pub use lanczos::{Eigenpair, LanczosSettings};
pub use relax::{FireRelaxSettings, Minimum};
pub use saddle_check::SaddleCheck;
pub use surface::{EnergySurface, GlassSurface, LocalGlassSurface, MullerBrown, SurfaceError};
