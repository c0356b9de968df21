//! The potential-energy landscape at 0 K: ART nouveau (activation–relaxation technique) saddle
//! searches, their verification, and the harmonic (Vineyard) prefactor of the events found.
//!
//! Everything here works on an [`EnergySurface`]: a function of a flat coordinate vector that
//! returns the energy and the forces (−gradient). The glass ([`GlassSurface`]) and analytic 2D
//! test surfaces ([`MullerBrown`]) are both surfaces, so the same ART code is proven on a
//! surface with known saddles and then run on the glass.

/// `eprintln!` prefixed with the exploration this thread is running (`BETAGLASS_ART_TRACE`
/// lines of parallel explorations interleave on stderr).
macro_rules! art_eprintln {
    ($($arg:tt)*) => {
        eprintln!("[{}] {}", $crate::landscape::trace_label(), format_args!($($arg)*))
    };
}

thread_local! {
    static TRACE_LABEL: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Names the exploration this thread runs in its trace lines.
pub(crate) fn set_trace_label(index: Option<u64>) {
    TRACE_LABEL.with(|l| l.set(index));
}

/// The trace lines' prefix: `e<index>` of the exploration this thread runs, or `-`.
pub(crate) fn trace_label() -> String {
    TRACE_LABEL.with(|l| match l.get() {
        Some(i) => format!("e{i}"),
        None => "-".to_string(),
    })
}

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
