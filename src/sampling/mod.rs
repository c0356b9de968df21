//! Metadynamics of a cluster: the cluster, the RMSD collective variable, biases (well-tempered
//! metadynamics, restraint, wall), the free-energy profile and barrier, β-event detection and
//! the classification of the motion. No Bevy: the app, the CLI and the campaigns drive
//! [`MetadynamicsRun`].

pub mod bias;
pub mod biased_cv;
pub mod cluster;
pub mod cv;
pub mod event;
pub mod fes;
pub mod motion;
pub mod run;
pub mod setup;

pub use bias::{
    Bias, BiasError, CvBias, CvGrid, GridLookup, HarmonicRestraint, Hill, HillSettings,
    Metadynamics, UpperWall,
};
pub use biased_cv::{CV_BIAS_FIX_NAME, ClusterTracker, CvBiasFix, CvSample};
pub use cluster::{Cluster, ClusterError, ClusterMember};
pub use cv::{CollectiveVariable, CvError, RmsdCv};
pub use event::{Event, EventSettings, Precursor};
pub use fes::{
    Barrier, BarrierReading, BarrierSettings, Estimator, FilledDepth, FreeEnergyProfile,
    ProfileStopSettings, ProfileWatch,
};
pub use motion::{MotionKind, MotionSettings, MovedAtom};
pub use run::{Advance, MetadynamicsRun, MetadynamicsSettings, MetadynamicsState, SamplingError};
pub use setup::{CentreChoice, SamplingSetup, StartProgress, start_sampling};
