//! `fulfillment-requests accounting-sync` (PATCH /fulfillment-requests/{id}/accounting-sync)
//! and `fulfillment-requests processing-failed` (PATCH …/{id}/processing-failed).

use super::Answer;
use crate::body::Object;
use crate::cli::{AccountingSyncArgs, ProcessingFailedArgs};
use crate::error::CliError;
use flxpoint_ext::types::{FulfillmentAccountingSyncItem, FulfillmentAccountingSyncRequest};
use flxpoint_ext::{Client, Patch, Validate};
use serde_json::Value;

/// The input of `accounting-sync`: the generated request body (each field absent, `null` or a
/// value), from the flags or read from `--body` (checked by flxpoint-ext's [`Validate`] against
/// the spec's schema).
#[derive(Debug)]
pub struct Accounting {
    id: i64,
    request: FulfillmentAccountingSyncRequest,
}

/// A field from a setter flag and a `--clear-…` flag (clap lets only one be given).
fn patch<T>(set: Option<T>, clear: bool) -> Patch<T> {
    match (set, clear) {
        (Some(v), _) => Patch::Set(v),
        (None, true) => Patch::Clear,
        (None, false) => Patch::Unchanged,
    }
}

impl Accounting {
    /// From the flags; `--item` entries first, then `--clear-item` ones (checked when sent).
    // `..Default::default()` sets nothing today; it keeps a field added later from breaking this.
    #[allow(clippy::needless_update)]
    pub fn from_flags(args: &AccountingSyncArgs) -> Self {
        let set = args.items.iter().map(|(id, v)| (*id, Patch::Set(v.clone())));
        let cleared = args.clear_items.iter().map(|id| (*id, Patch::Clear));
        let items = set.chain(cleared).map(|(id, external)| FulfillmentAccountingSyncItem {
            id,
            external_accounting_item_id: external.into_wire(),
            ..Default::default()
        });
        let request = FulfillmentAccountingSyncRequest {
            accounting_synced: patch(args.accounting_synced, args.clear_accounting_synced)
                .into_wire(),
            external_accounting_id: patch(
                args.external_accounting_id.clone(),
                args.clear_external_accounting_id,
            )
            .into_wire(),
            accounting_error: patch(args.accounting_error.clone(), args.clear_accounting_error)
                .into_wire(),
            items: items.collect(),
            ..Default::default()
        };
        Self { id: args.fulfillment_request_id, request }
    }

    /// From the JSON body: `null` clears a field, an absent one is left unchanged.
    pub fn from_body(id: i64, value: Value) -> Result<Self, CliError> {
        Ok(Self { id, request: FulfillmentAccountingSyncRequest::from_json(value, None)? })
    }

    /// Sends it; the answer is `{"status": N}`.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let call = client.sync_accounting_request(self.id, self.request);
        Ok(Answer::status(call.send_with_response().await?.status))
    }
}

/// The input of `processing-failed`.
#[derive(Debug)]
pub struct Fail {
    id: i64,
    reason: String,
}

impl Fail {
    /// From `ID --reason TEXT`.
    pub fn from_flags(args: &ProcessingFailedArgs) -> Result<Self, CliError> {
        let reason = args
            .reason
            .clone()
            .ok_or_else(|| CliError::invalid("error", "is required (--reason)"))?;
        Ok(Self { id: args.fulfillment_request_id, reason })
    }

    /// From `{"error": "..."}`: the query parameter, by its name on the wire.
    pub fn from_body(id: i64, value: &Value) -> Result<Self, CliError> {
        let mut o = Object::new("", value)?;
        let reason = o.required_string("error")?;
        o.finish()?;
        Ok(Self { id, reason })
    }

    /// Sends it; the answer is `{"status": N}`.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let response =
            client.fail_fulfillment_request(self.id, self.reason).send_with_response().await?;
        Ok(Answer::status(response.status))
    }
}
