//! Workspace tests and the flxpoint sandbox server.
//!
//! [`sandbox`] is a stateful in-memory fake of the five documented Flxpoint endpoints, run by
//! tests, examples and benchmarks (and by the `flxpoint-sandbox` binary).

#![warn(missing_docs)]

pub mod sandbox;
