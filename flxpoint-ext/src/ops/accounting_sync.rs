//! `PATCH /fulfillment-requests/{id}/accounting-sync` (syncFulfillmentRequestAccounting).

use crate::Response;
use crate::exec::CallSettings;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::{Client, Error, Patch, validate};
use flxpoint_api::types::{FulfillmentAccountingSyncItem, FulfillmentAccountingSyncRequest};
use std::collections::HashSet;

/// Builder of an accounting-sync call; see [`Client::sync_accounting`]. Every field starts
/// [`Patch::Unchanged`] and is sent exactly as set: absent, `null`, or a value.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct SyncAccounting {
    client: Client,
    fulfillment_request_id: i64,
    accounting_synced: Patch<bool>,
    external_accounting_id: Patch<String>,
    accounting_error: Patch<String>,
    items: Vec<(i64, Patch<String>)>,
    options: CallOptions,
}

impl Client {
    /// Records the fulfillment request's state in an external accounting system.
    ///
    /// Any 2xx answer is success (the page documents 204) and its body is not read.
    ///
    /// ```no_run
    /// # async fn run(client: flxpoint_ext::Client) -> Result<(), flxpoint_ext::Error> {
    /// use flxpoint_ext::Patch;
    /// client
    ///     .sync_accounting(1388412)
    ///     .accounting_synced(Patch::Set(true))
    ///     .external_accounting_id(Patch::Set("TEST-221".into()))
    ///     .accounting_error(Patch::Clear)
    ///     .item(12312, Patch::Set("TEST-221-A".into()))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn sync_accounting(&self, fulfillment_request_id: i64) -> SyncAccounting {
        SyncAccounting {
            client: self.clone(),
            fulfillment_request_id,
            accounting_synced: Patch::Unchanged,
            external_accounting_id: Patch::Unchanged,
            accounting_error: Patch::Unchanged,
            items: Vec::new(),
            options: CallOptions::default(),
        }
    }
}

impl SyncAccounting {
    /// Whether it was synced to the external system.
    pub fn accounting_synced(mut self, value: Patch<bool>) -> Self {
        self.accounting_synced = value;
        self
    }

    /// Its identifier in the external system.
    pub fn external_accounting_id(mut self, value: Patch<String>) -> Self {
        self.external_accounting_id = value;
        self
    }

    /// The error met while syncing it.
    pub fn accounting_error(mut self, value: Patch<String>) -> Self {
        self.accounting_error = value;
        self
    }

    /// An item of the fulfillment request and its identifier in the external system.
    pub fn item(mut self, item_id: i64, external_accounting_item_id: Patch<String>) -> Self {
        self.items.push((item_id, external_accounting_item_id));
        self
    }

    /// Validates and builds the wire body without sending it.
    pub fn to_request(&self) -> Result<FulfillmentAccountingSyncRequest, Error> {
        validate::id("fulfillmentRequestId", self.fulfillment_request_id)?;
        let mut seen = HashSet::new();
        let items = self
            .items
            .iter()
            .enumerate()
            .map(|(i, (id, external))| {
                let id = validate::id(format_args!("items[{i}].id"), *id)?;
                if !seen.insert(id) {
                    return Err(Error::validation(
                        format!("items[{i}].id"),
                        format!("item {id} is listed twice"),
                    ));
                }
                match external {
                    Patch::Unchanged => {
                        return Err(Error::validation(
                            format!("items[{i}].externalAccountingItemId"),
                            "is unchanged, so the item changes nothing: set or clear it",
                        ));
                    }
                    Patch::Set(v) => {
                        validate::non_empty(
                            format_args!("items[{i}].externalAccountingItemId"),
                            v,
                        )?;
                    }
                    Patch::Clear => {}
                }
                Ok(FulfillmentAccountingSyncItem {
                    id,
                    external_accounting_item_id: external.clone().into_wire(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let nothing = self.accounting_synced.is_unchanged()
            && self.external_accounting_id.is_unchanged()
            && self.accounting_error.is_unchanged()
            && items.is_empty();
        if nothing {
            return Err(Error::validation(
                "body",
                "changes nothing: set or clear at least one field or item",
            ));
        }
        if let Patch::Set(v) = &self.external_accounting_id {
            validate::non_empty("externalAccountingId", v)?;
        }
        if let Patch::Set(v) = &self.accounting_error {
            validate::non_empty("accountingError", v)?;
        }
        Ok(FulfillmentAccountingSyncRequest {
            accounting_synced: self.accounting_synced.clone().into_wire(),
            external_accounting_id: self.external_accounting_id.clone().into_wire(),
            accounting_error: self.accounting_error.clone().into_wire(),
            items,
        })
    }

    crate::options::per_call_options!(());

    /// Retried like any idempotent call: setting the same values twice leaves the same state.
    /// Any 2xx answer is success (the page documents 204).
    async fn send_inner(self) -> Result<Response<()>, Error> {
        let body = self.to_request()?;
        let options = self.options.check()?;
        let call = self.client.prepare(CallSettings {
            expects_body: false,
            ..CallSettings::new("syncFulfillmentRequestAccounting", RetryClass::Idempotent, options)
        });
        let send = call
            .api()
            .sync_fulfillment_request_accounting()
            .fulfillment_request_id(self.fulfillment_request_id)
            .body(body)
            .send();
        self.client.call_without_body(&call, send).await
    }
}
