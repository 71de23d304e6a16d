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
//! Around that pipeline, every API request is written into the request journal
//! ([`Sandbox::requests`], [`Sandbox::assert_received`], `GET /_sandbox/requests`), and
//! `/_sandbox/` serves a console showing the state and the journal in a browser.

mod admin;
mod app;
mod auth;
mod console;
mod error;
mod expect;
mod fault_responses;
mod faults;
mod handlers;
mod input;
mod journal;
mod journal_filter;
mod pipeline;
mod rate_limit;
mod recorder;
mod router;
mod schema;
pub mod seed;
mod server;
mod shipment;
mod state;

pub use expect::RequestMatcher;
pub use faults::{FAULT_STATUSES, Fault};
pub use journal::{CallerKind, MAX_JOURNAL_LIMIT, RecordedCaller, RecordedRequest};
pub use seed::{Seed, SeedError};
pub use server::{DEFAULT_JOURNAL_LIMIT, Sandbox, SandboxConfig};
