//! `flxpoint-sandbox`: a stateful in-memory fake of the five documented Flxpoint endpoints.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use flxpoint_sandbox::sandbox::{Fault, Sandbox, SandboxConfig, seed};
//!
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let url = format!("{}/orders/link?orderId=3001", sandbox.base_url());
//! // send PATCH `url` with `X-API-TOKEN: seed::ACCOUNT_TOKEN` from any HTTP client …
//! sandbox.inject(Fault::status(503).times(2));
//! assert!(sandbox.state()["shipments"].as_array().is_some());
//! sandbox.shutdown().await;
//! # let _ = (url, seed::ACCOUNT_TOKEN);
//! # Ok(())
//! # }
//! ```
//!
//! Every API request passes one pipeline, in this order: counted → fault queue → per-token
//! rate limit → `X-API-TOKEN` auth → handler → faults that act after the handler. Errors are
//! always `{"status", "error", "message"}` JSON; the decisions are listed in `tests/README.md`.

mod admin;
mod app;
mod auth;
mod error;
mod fault_responses;
mod faults;
mod handlers;
mod input;
mod pipeline;
mod rate_limit;
mod router;
mod schema;
pub mod seed;
mod server;
mod shipment;
mod state;

pub use faults::{FAULT_STATUSES, Fault};
pub use seed::{Seed, SeedError};
pub use server::{Sandbox, SandboxConfig};
