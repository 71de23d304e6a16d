//! `PUT /shipments/flag-with-errors` (flagShipmentsWithErrors).

use crate::Response;
use crate::exec::CallSettings;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::schema::{self, Field, Fields, Rules};
use crate::{Client, Error, TokenKind, Validate, request, validate};
use flxpoint_api::types;
use serde_json::{Map, Value};

/// A shipment's channel sync error to record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShipmentSyncError {
    /// The shipment's ID.
    pub shipment_id: i64,
    /// The error met when syncing it to the channel (non-empty).
    pub sync_error: String,
}

impl ShipmentSyncError {
    /// `sync_error` for shipment `shipment_id`.
    pub fn new(shipment_id: i64, sync_error: impl Into<String>) -> Self {
        Self { shipment_id, sync_error: sync_error.into() }
    }
}

/// Builder of a `PUT /shipments/flag-with-errors` call; see [`Client::flag_shipments_with_errors`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct FlagShipmentsWithErrors {
    client: Client,
    body: Vec<types::Shipment>,
    options: CallOptions,
}

impl Client {
    /// Records channel sync errors on shipments.
    ///
    /// Any 2xx answer is success (the page documents 200 with no body) and its body is not read.
    ///
    /// Decision: each entry sends only `id` and `syncError`. The page's body is a whole
    /// `Shipment`, but the operation "saves their errors", and sending other fields of a
    /// shipment the caller may hold stale could overwrite them ("replace shipment data").
    ///
    /// ```no_run
    /// # async fn run(client: flxpoint_ext::Client) -> Result<(), flxpoint_ext::Error> {
    /// use flxpoint_ext::ShipmentSyncError;
    /// client
    ///     .flag_shipments_with_errors([
    ///         ShipmentSyncError::new(10211, "channel rejected: carrier code unknown"),
    ///         ShipmentSyncError::new(10212, "channel timeout"),
    ///     ])
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn flag_shipments_with_errors(
        &self,
        entries: impl IntoIterator<Item = ShipmentSyncError>,
    ) -> FlagShipmentsWithErrors {
        let body = entries.into_iter().map(|e| types::Shipment {
            id: Some(e.shipment_id),
            sync_error: Some(e.sync_error),
            ..Default::default()
        });
        self.flag_shipments_request(body.collect())
    }

    /// A flag-with-errors call for a body made elsewhere (a JSON file, say), checked by the same
    /// rules as one built with [`Client::flag_shipments_with_errors`] when it is sent: each
    /// shipment gives its `id` and `syncError`, and nothing else.
    pub fn flag_shipments_request(&self, body: Vec<types::Shipment>) -> FlagShipmentsWithErrors {
        FlagShipmentsWithErrors { client: self.clone(), body, options: CallOptions::default() }
    }
}

impl FlagShipmentsWithErrors {
    /// Validates and builds the wire body without sending it.
    pub fn to_request(&self) -> Result<Vec<types::Shipment>, Error> {
        self.body.clone().validate(self.client.token_kind())
    }

    crate::options::per_call_options!(());

    /// Retried like any idempotent call: recording the same errors twice leaves the same state.
    /// Any 2xx answer is success (the page documents 200).
    async fn send_inner(self) -> Result<Response<()>, Error> {
        let body = self.to_request()?;
        let options = self.options.check()?;
        let call = self.client.prepare(CallSettings {
            expects_body: false,
            ..CallSettings::new("flagShipmentsWithErrors", RetryClass::Idempotent, options)
        });
        let send = call.api().flag_shipments_with_errors().body(body).send();
        self.client.call_without_body(&call, Box::pin(send)).await
    }
}

/// The page's body is an array of whole shipments; the rules keep it to what the operation
/// records (see [`Client::flag_shipments_with_errors`]): at least one shipment, each named once
/// by a positive `id`, with a visible `syncError`, and no other field.
#[derive(Default)]
struct FlagRules {
    /// The IDs seen so far (a shipment listed twice is refused).
    seen: validate::Once,
}

impl Rules for FlagRules {
    fn check(&self, pattern: &str, at: &str, object: &Map<String, Value>) -> Result<(), Error> {
        if pattern != "[]" {
            return Ok(());
        }
        let required = |key: &str| Error::validation(Field(at, key).to_string(), "is required");
        let id = object.field("id").and_then(Value::as_i64).ok_or_else(|| required("id"))?;
        validate::id(Field(at, "id"), id)?;
        self.seen.check(Field(at, "id"), "shipment", id)?;
        let sync_error = object
            .field("syncError")
            .and_then(Value::as_str)
            .ok_or_else(|| required("syncError"))?;
        validate::non_empty(Field(at, "syncError"), sync_error)?;
        let mut others: Vec<&String> =
            object.keys().filter(|k| !matches!(k.as_str(), "id" | "syncError")).collect();
        others.sort();
        match others.first() {
            Some(other) => Err(Error::validation(
                Field(at, other).to_string(),
                "is not sent: flagging a shipment records only its id and syncError",
            )),
            None => Ok(()),
        }
    }
}

/// The body checked; an empty list is refused after the shipments' own checks pass.
fn check_flags(body: Vec<types::Shipment>) -> Result<Vec<types::Shipment>, Error> {
    if body.is_empty() {
        return Err(Error::validation("body", "needs at least one shipment"));
    }
    Ok(body)
}

impl Validate for Vec<types::Shipment> {
    fn from_json(body: Value, _: Option<TokenKind>) -> Result<Self, Error> {
        let schema = schema::request_body("flagShipmentsWithErrors");
        check_flags(request::read_checked(body, schema, &FlagRules::default())?)
    }

    fn validate(self, _: Option<TokenKind>) -> Result<Self, Error> {
        let schema = schema::request_body("flagShipmentsWithErrors");
        check_flags(request::check_typed(self, schema, &FlagRules::default())?)
    }
}
