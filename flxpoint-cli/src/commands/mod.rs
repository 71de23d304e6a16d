//! The commands: each one reads its input (flags or a JSON body) into a request, before any
//! client exists, then sends it through flxpoint-ext, whose builders validate it (a refused
//! input is sent nowhere) and whose client applies the rate limit and retries.
//!
//! Output decision: stdout carries the API's answer as JSON: the created shipment for
//! `shipments create`, the list of linked order IDs for `orders link`, and for the operations
//! that answer without a body, `{"status": N}` with the success status the server gave.

mod api;
pub mod bulk;
mod fulfillment_requests;
mod orders;
mod shipments;

use crate::body;
use crate::cli::{
    AccountingSyncArgs, ApiArgs, CreateArgs, FlagArgs, LinkArgs, ProcessingFailedArgs,
};
use crate::error::CliError;
use flxpoint_ext::Client;
use serde_json::Value;

/// A command's answer: the JSON for stdout, and a note for stderr when the answer needs one.
#[derive(Debug)]
pub struct Answer {
    /// What goes to stdout.
    pub json: Value,
    /// What goes to stderr beside it.
    pub note: Option<String>,
    /// Printed before the answer (`api --include`: the status line and headers).
    pub head: Option<String>,
    /// Printed instead of `json`, as is (`api`: an answer that is not JSON).
    pub raw: Option<String>,
}

impl Answer {
    fn json(json: Value) -> Self {
        Self { json, note: None, head: None, raw: None }
    }

    /// The JSON answer with a note for stderr.
    fn with_note(json: Value, note: String) -> Self {
        Self { note: Some(note), ..Self::json(json) }
    }

    /// `{"status": N}`: the answer of an operation without a response body.
    fn status(status: u16) -> Self {
        Self::json(serde_json::json!({ "status": status }))
    }
}

/// A command's input, read and checked for form; nothing sent yet.
#[derive(Debug)]
pub enum Request {
    /// `shipments create`.
    CreateShipment(shipments::Create),
    /// `shipments flag-with-errors`.
    FlagShipments(shipments::Flag),
    /// `fulfillment-requests accounting-sync`.
    SyncAccounting(fulfillment_requests::Accounting),
    /// `fulfillment-requests processing-failed`.
    ProcessingFailed(fulfillment_requests::Fail),
    /// `orders link`.
    LinkOrders(orders::Link),
    /// `api`.
    Api(api::Api),
}

/// Each command's input: its flags, or its JSON body from a file or stdin.
impl Request {
    /// `shipments create`.
    pub fn create_shipment(args: &CreateArgs) -> Result<Self, CliError> {
        Ok(Self::CreateShipment(match &args.body {
            Some(path) => shipments::Create::from_body(body::read(path)?)?,
            None => shipments::Create::from_flags(args)?,
        }))
    }

    /// `shipments flag-with-errors`.
    pub fn flag_shipments(args: &FlagArgs) -> Result<Self, CliError> {
        Ok(Self::FlagShipments(match &args.body {
            Some(path) => shipments::Flag::from_body(body::read(path)?)?,
            None => shipments::Flag::from_flags(args),
        }))
    }

    /// `fulfillment-requests accounting-sync`.
    pub fn sync_accounting(args: &AccountingSyncArgs) -> Result<Self, CliError> {
        Ok(Self::SyncAccounting(match &args.body {
            Some(path) => fulfillment_requests::Accounting::from_body(
                args.fulfillment_request_id,
                body::read(path)?,
            )?,
            None => fulfillment_requests::Accounting::from_flags(args),
        }))
    }

    /// `fulfillment-requests processing-failed`.
    pub fn processing_failed(args: &ProcessingFailedArgs) -> Result<Self, CliError> {
        Ok(Self::ProcessingFailed(match &args.body {
            Some(path) => fulfillment_requests::Fail::from_body(
                args.fulfillment_request_id,
                &body::read(path)?,
            )?,
            None => fulfillment_requests::Fail::from_flags(args)?,
        }))
    }

    /// `orders link`.
    pub fn link_orders(args: &LinkArgs) -> Result<Self, CliError> {
        Ok(Self::LinkOrders(match &args.body {
            Some(path) => orders::Link::from_body(&body::read(path)?)?,
            None => orders::Link::from_flags(args)?,
        }))
    }

    /// `api`.
    pub fn api(args: &ApiArgs) -> Result<Self, CliError> {
        Ok(Self::Api(api::Api::read(args)?))
    }

    /// Sends it; flxpoint-ext validates first, so a refused input sends nothing.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        match self {
            Self::CreateShipment(r) => r.send(client).await,
            Self::FlagShipments(r) => r.send(client).await,
            Self::SyncAccounting(r) => r.send(client).await,
            Self::ProcessingFailed(r) => r.send(client).await,
            Self::LinkOrders(r) => r.send(client).await,
            Self::Api(r) => r.send(client).await,
        }
    }
}
