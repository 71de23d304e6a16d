//! `PUT /shipments/flag-with-errors` (flagShipmentsWithErrors).

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::sandbox::app::App;
use crate::sandbox::auth::Caller;
use crate::sandbox::error::ApiError;
use crate::sandbox::input;
use crate::sandbox::schema::{self, Kind, Read};

// Nullability as in the spec: custom field values, and entries of an item's list.
const CUSTOM_FIELD: Kind = Kind::Object(&[
    ("id", Kind::Nullable(&Kind::Int)),
    ("name", Kind::Nullable(&Kind::Str)),
    ("value", Kind::Nullable(&Kind::Str)),
]);
const CUSTOM_FIELDS: Kind = Kind::ArrayOf(&CUSTOM_FIELD);
const SHIPMENT_ITEM: Kind = Kind::Object(&[
    ("id", Kind::Int),
    ("sku", Kind::Str),
    ("quantity", Kind::Int),
    ("shipmentId", Kind::Int),
    ("inventoryVariantId", Kind::Int),
    ("partial", Kind::Bool),
    ("orderItemId", Kind::Int),
    ("purchaseOrderItemId", Kind::Int),
    ("fulfillmentRequestItemId", Kind::Int),
    ("committedStockReleasedQuantity", Kind::Int),
    ("rmaItemId", Kind::Int),
    ("customFields", Kind::ArrayOf(&Kind::Nullable(&CUSTOM_FIELD))),
]);
/// The page's `Shipment` schema; every field optional.
const SHIPMENT: Kind = Kind::Object(&[
    ("id", Kind::Int),
    ("note", Kind::Str),
    ("trackingUrl", Kind::Str),
    ("trackingNumber", Kind::Str),
    ("carrier", Kind::Str),
    ("method", Kind::Str),
    ("shippedAt", Kind::DateTime),
    ("insertedAt", Kind::DateTime),
    ("shippingCost", Kind::Num),
    ("orderId", Kind::Int),
    ("purchaseOrderId", Kind::Int),
    ("fulfillmentRequestId", Kind::Int),
    ("rmaId", Kind::Int),
    ("sourceId", Kind::Int),
    ("accountId", Kind::Int),
    ("partial", Kind::Bool),
    ("suppressed", Kind::Bool),
    ("syncedToChannel", Kind::Bool),
    ("syncError", Kind::Str),
    ("crossDockPurchaseOrderId", Kind::Int),
    ("shipmentItems", Kind::ArrayOf(&SHIPMENT_ITEM)),
    ("customFields", CUSTOM_FIELDS),
    ("updatedAt", Kind::DateTime),
    ("accountingSynced", Kind::Bool),
]);
const BODY: Kind = Kind::ArrayOf(&SHIPMENT);

/// Stores `syncError` on each listed shipment (all or nothing) and answers 200 with no body.
pub(crate) async fn flag_with_errors(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = input::json_body(&headers, body)?;
    schema::check(&body, &BODY, "")?;
    let Some(entries) = body.as_array() else {
        return Err(ApiError::bad_request("body must be an array of shipments"));
    };
    if entries.is_empty() {
        return Err(ApiError::bad_request("body must list at least one shipment"));
    }
    let flags = entries
        .iter()
        .enumerate()
        .map(|(index, entry)| flag(entry, index))
        .collect::<Result<Vec<_>, _>>()?;
    let now = super::now();
    let mut data = app.state();
    let mut targets = Vec::with_capacity(flags.len());
    for (id, error) in flags {
        let index = data
            .visible_shipment_index(caller, id)
            .ok_or_else(|| ApiError::not_found(format!("shipment {id} not found")))?;
        targets.push((index, error));
    }
    for (index, error) in targets {
        let shipment = &mut data.shipments[index];
        shipment.sync_error = Some(error);
        shipment.synced_to_channel = false;
        shipment.updated_at.clone_from(&now);
    }
    Ok(StatusCode::OK.into_response())
}

/// `(id, syncError)` of one entry.
/// Decision: both are required and `syncError` must not be empty — the operation "saves their
/// errors"; it is not a way to clear them or to overwrite other shipment fields.
fn flag(entry: &serde_json::Value, index: usize) -> Result<(i64, String), ApiError> {
    let Some(entry) = entry.as_object() else {
        return Err(ApiError::bad_request(format!("[{index}] must be a shipment object")));
    };
    let id = entry
        .int("id")
        .ok_or_else(|| ApiError::bad_request(format!("[{index}].id is required")))?;
    match entry.string("syncError") {
        Some(error) if !error.is_empty() => Ok((id, error)),
        Some(_) => Err(ApiError::bad_request(format!("[{index}].syncError must not be empty"))),
        None => Err(ApiError::bad_request(format!("[{index}].syncError is required"))),
    }
}
