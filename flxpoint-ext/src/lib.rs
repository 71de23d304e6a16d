//! The Flxpoint REST API client to use.
//!
//! `flxpoint-ext` wraps the generated [`flxpoint_api`] client: every operation is a method on
//! [`Client`] returning a builder with typed, validated inputs (bad input is an
//! [`Error::Validation`] naming the field, and nothing is sent), one typed [`Error`], the
//! documented rate limit (2 requests/second per token) and safe retries built in, and the API
//! token kept secret.
//!
//! From token to first shipment:
//!
//! ```no_run
//! use flxpoint_ext::{Client, FulfillmentRequestRef, ShipmentLine};
//!
//! # async fn run() -> Result<(), flxpoint_ext::Error> {
//! let client = Client::from_env()?; // FLXPOINT_API_TOKEN
//! let created = client
//!     .create_shipment(FulfillmentRequestRef::id(1388412), "1Z63R094545434534534534534")
//!     .carrier("ups")
//!     .line(ShipmentLine::sku("HG12123123", 1))
//!     .send()
//!     .await?;
//! println!("{:?}", created.shipment().and_then(|s| s.id));
//! # Ok(()) }
//! ```
//!
//! The quickstart example (`cargo run -p flxpoint-ext --example quickstart`) walks the whole
//! documented flow against the embedded sandbox.
// docs.rs (a nightly) shows which feature an item needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bulk;
mod client;
mod compat;
mod error;
mod exec;
#[cfg(feature = "import")]
#[cfg_attr(docsrs, doc(cfg(feature = "import")))]
pub mod import;
mod limiter;
mod ops;
mod options;
mod patch;
mod response;
mod retry;
mod token;
mod validate;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES};
pub use compat::{ShipmentExt, ShipmentItemExt};
pub use error::{Error, Processing, ServiceError};
pub use flxpoint_api::types;
pub use ops::accounting_sync::SyncAccounting;
pub use ops::create_shipment::{
    CreateOutcome, CreateShipment, CustomField, FulfillmentRequestRef, ItemRef, ShipmentLine,
};
pub use ops::fail_request::FailFulfillmentRequest;
pub use ops::flag_shipments::{FlagShipmentsWithErrors, ShipmentSyncError};
pub use ops::link_orders::{LinkSelector, LinkUnmanagedOrders};
pub use patch::Patch;
pub use response::Response;
pub use retry::RetryPolicy;
pub use token::{ApiToken, TokenKind};
