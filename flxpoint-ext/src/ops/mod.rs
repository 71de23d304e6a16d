//! One module per operation: its builder, its input types, its validation.

pub mod accounting_sync;
pub mod create_shipment;
pub mod fail_request;
pub mod flag_shipments;
pub mod link_orders;
pub mod raw_request;
