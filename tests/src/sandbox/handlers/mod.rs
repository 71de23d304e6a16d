//! One module per documented operation.

mod accounting_sync;
mod create_shipment;
mod flag_errors;
mod link_orders;
mod processing_failed;

pub(crate) use accounting_sync::sync_accounting;
pub(crate) use create_shipment::create_shipment;
pub(crate) use flag_errors::flag_with_errors;
pub(crate) use link_orders::link_orders;
pub(crate) use processing_failed::processing_failed;

use chrono::{SecondsFormat, Utc};

/// The current time as RFC 3339 UTC with `Z` (`insertedAt`, `updatedAt`).
fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}
