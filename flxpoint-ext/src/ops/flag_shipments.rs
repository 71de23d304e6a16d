//! `PUT /shipments/flag-with-errors` (flagShipmentsWithErrors).

use crate::Response;
use crate::exec::CallSettings;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::{Client, Error, validate};
use flxpoint_api::types;
use std::collections::HashSet;

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
    entries: Vec<ShipmentSyncError>,
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
        FlagShipmentsWithErrors {
            client: self.clone(),
            entries: entries.into_iter().collect(),
            options: CallOptions::default(),
        }
    }
}

impl FlagShipmentsWithErrors {
    /// Validates and builds the wire body without sending it.
    pub fn to_request(&self) -> Result<Vec<types::Shipment>, Error> {
        if self.entries.is_empty() {
            return Err(Error::validation("body", "needs at least one shipment"));
        }
        let mut seen = HashSet::new();
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let id = validate::id(format_args!("[{i}].id"), e.shipment_id)?;
                if !seen.insert(id) {
                    return Err(Error::validation(
                        format!("[{i}].id"),
                        format!("shipment {id} is listed twice"),
                    ));
                }
                let sync_error =
                    validate::non_empty(format_args!("[{i}].syncError"), &e.sync_error)?;
                Ok(types::Shipment {
                    id: Some(id),
                    sync_error: Some(sync_error.to_owned()),
                    ..Default::default()
                })
            })
            .collect()
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
        self.client.call_without_body(&call, send).await
    }
}
