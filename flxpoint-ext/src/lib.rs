#![doc = include_str!("../README.md")]
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
mod request;
mod response;
mod retry;
mod schema;
mod timer;
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
pub use ops::raw_request::RawRequest;
pub use patch::Patch;
pub use request::Validate;
/// The HTTP method of a [`Client::request`].
pub use reqwest::Method;
pub use response::Response;
pub use retry::RetryPolicy;
pub use token::{ApiToken, TokenKind};
