//! `PATCH /fulfillment-requests/{id}/accounting-sync` (syncFulfillmentRequestAccounting).

use crate::Response;
use crate::exec::CallSettings;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::schema::{self, Field, Fields, Rules};
use crate::{Client, Error, Patch, TokenKind, Validate, request, validate};
use flxpoint_api::types::{FulfillmentAccountingSyncItem, FulfillmentAccountingSyncRequest};
use serde_json::{Map, Value};

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

    /// An accounting-sync call for a body made elsewhere (a JSON file, say), checked by the same
    /// rules as one built with [`Client::sync_accounting`] when it is sent.
    pub fn sync_accounting_request(
        &self,
        fulfillment_request_id: i64,
        request: FulfillmentAccountingSyncRequest,
    ) -> SyncAccounting {
        let items = request.items.into_iter();
        SyncAccounting {
            accounting_synced: Patch::from_wire(request.accounting_synced),
            external_accounting_id: Patch::from_wire(request.external_accounting_id),
            accounting_error: Patch::from_wire(request.accounting_error),
            items: items.map(|i| (i.id, Patch::from_wire(i.external_accounting_item_id))).collect(),
            ..self.sync_accounting(fulfillment_request_id)
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
    // `..Default::default()` sets nothing today; it keeps a field added later from breaking this.
    #[allow(clippy::needless_update)]
    pub fn to_request(&self) -> Result<FulfillmentAccountingSyncRequest, Error> {
        validate::id("fulfillmentRequestId", self.fulfillment_request_id)?;
        let items = self.items.iter().map(|(id, external)| FulfillmentAccountingSyncItem {
            id: *id,
            external_accounting_item_id: external.clone().into_wire(),
            ..Default::default()
        });
        let request = FulfillmentAccountingSyncRequest {
            accounting_synced: self.accounting_synced.clone().into_wire(),
            external_accounting_id: self.external_accounting_id.clone().into_wire(),
            accounting_error: self.accounting_error.clone().into_wire(),
            items: items.collect(),
            ..Default::default()
        };
        request.validate(self.client.token_kind())
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
        self.client.call_without_body(&call, Box::pin(send)).await
    }
}

/// The page's rules that the schema cannot say: the body changes at least one thing, text is
/// visible, an item changes something and is listed once, IDs are positive. Each object is
/// checked after its own fields' types and names, the body before its items (as every body is:
/// a typo in an item's field name is named as such, not as a field left unchanged).
#[derive(Default)]
struct AccountingRules {
    /// The item IDs seen so far.
    seen: validate::Once,
}

impl Rules for AccountingRules {
    fn check(&self, pattern: &str, at: &str, object: &Map<String, Value>) -> Result<(), Error> {
        match pattern {
            "" => {
                let fields = ["accountingSynced", "externalAccountingId", "accountingError"];
                let no_items =
                    object.field("items").and_then(Value::as_array).is_none_or(Vec::is_empty);
                if no_items && !fields.iter().any(|f| object.has(f)) {
                    return Err(Error::validation(
                        "body",
                        "changes nothing: set or clear at least one field or item",
                    ));
                }
                for key in ["externalAccountingId", "accountingError"] {
                    if let Some(v) = object.field(key).and_then(Value::as_str) {
                        validate::non_empty(key, v)?;
                    }
                }
                Ok(())
            }
            "items[]" => {
                if let Some(id) = object.field("id").and_then(Value::as_i64) {
                    validate::id(Field(at, "id"), id)?;
                    self.seen.check(Field(at, "id"), "item", id)?;
                }
                match object.field("externalAccountingItemId") {
                    None => Err(Error::validation(
                        Field(at, "externalAccountingItemId").to_string(),
                        "is unchanged, so the item changes nothing: set or clear it",
                    )),
                    Some(Value::String(v)) => {
                        validate::non_empty(Field(at, "externalAccountingItemId"), v).map(drop)
                    }
                    Some(_) => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

impl Validate for FulfillmentAccountingSyncRequest {
    fn from_json(body: Value, _: Option<TokenKind>) -> Result<Self, Error> {
        let schema = schema::request_body("syncFulfillmentRequestAccounting");
        request::read_checked(body, schema, &AccountingRules::default())
    }

    fn validate(self, _: Option<TokenKind>) -> Result<Self, Error> {
        let schema = schema::request_body("syncFulfillmentRequestAccounting");
        request::check_typed(self, schema, &AccountingRules::default())
    }
}
