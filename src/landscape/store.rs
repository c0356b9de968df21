//! events.csv and explorations.csv of an ART run.
