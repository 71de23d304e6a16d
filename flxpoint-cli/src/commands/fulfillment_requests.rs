//! `fulfillment-requests accounting-sync` (PATCH /fulfillment-requests/{id}/accounting-sync)
//! and `fulfillment-requests processing-failed` (PATCH …/{id}/processing-failed).

use super::Answer;
use crate::body::{self, Object};
use crate::cli::{AccountingSyncArgs, ProcessingFailedArgs};
use crate::error::CliError;
use flxpoint_ext::{Client, Patch};
use serde_json::Value;

/// The input of `accounting-sync`: each field unchanged, cleared or set.
#[derive(Debug)]
pub struct Accounting {
    id: i64,
    accounting_synced: Patch<bool>,
    external_accounting_id: Patch<String>,
    accounting_error: Patch<String>,
    items: Vec<(i64, Patch<String>)>,
}

/// A field from a setter flag and a `--clear-…` flag (clap lets only one be given).
fn patch<T>(set: Option<T>, clear: bool) -> Patch<T> {
    match (set, clear) {
        (Some(v), _) => Patch::Set(v),
        (None, true) => Patch::Clear,
        (None, false) => Patch::Unchanged,
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

impl Accounting {
    /// From the flags; `--item` entries first, then `--clear-item` ones.
    pub fn from_flags(args: &AccountingSyncArgs) -> Self {
        let set = args.items.iter().map(|(id, v)| (*id, Patch::Set(v.clone())));
        let cleared = args.clear_items.iter().map(|id| (*id, Patch::Clear));
        Self {
            id: args.fulfillment_request_id,
            accounting_synced: patch(args.accounting_synced, args.clear_accounting_synced),
            external_accounting_id: patch(
                args.external_accounting_id.clone(),
                args.clear_external_accounting_id,
            ),
            accounting_error: patch(args.accounting_error.clone(), args.clear_accounting_error),
            items: set.chain(cleared).collect(),
        }
    }

    /// From the PATCH body as the API takes it: an absent field is unchanged, `null` clears.
    pub fn from_body(id: i64, value: &Value) -> Result<Self, CliError> {
        let mut o = Object::new("", value)?;
        let accounting_synced =
            o.patch("accountingSynced", "must be true, false or null", Value::as_bool)?;
        let external_accounting_id =
            o.patch("externalAccountingId", "must be a string or null", text)?;
        let accounting_error = o.patch("accountingError", "must be a string or null", text)?;
        let items = match o.raw("items").filter(|v| !v.is_null()) {
            None => Vec::new(),
            Some(list) => body::elements("items", list)?
                .map(|(path, item)| {
                    let mut i = Object::new(&path, item)?;
                    let id = i.required_integer("id")?;
                    let external =
                        i.patch("externalAccountingItemId", "must be a string or null", text)?;
                    i.finish()?;
                    Ok((id, external))
                })
                .collect::<Result<_, CliError>>()?,
        };
        o.finish()?;
        Ok(Self { id, accounting_synced, external_accounting_id, accounting_error, items })
    }

    /// Sends it; the answer is `{"status": N}`.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let mut b = client
            .sync_accounting(self.id)
            .accounting_synced(self.accounting_synced)
            .external_accounting_id(self.external_accounting_id)
            .accounting_error(self.accounting_error);
        for (id, external) in self.items {
            b = b.item(id, external);
        }
        Ok(Answer::status(b.send_with_response().await?.status))
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
