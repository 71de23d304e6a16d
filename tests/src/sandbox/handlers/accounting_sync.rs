//! `PATCH /fulfillment-requests/{fulfillmentRequestId}/accounting-sync`
//! (syncFulfillmentRequestAccounting): tri-state fields, all or nothing.

use std::sync::Arc;

use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::sandbox::app::App;
use crate::sandbox::auth::Caller;
use crate::sandbox::error::ApiError;
use crate::sandbox::input;
use crate::sandbox::schema::{self, Kind, Read, Tri};

// `null` (= clear) only where the spec says nullable; `items` itself is not.
const ITEM: Kind =
    Kind::Object(&[("id", Kind::Int), ("externalAccountingItemId", Kind::Nullable(&Kind::Str))]);
const BODY: Kind = Kind::Object(&[
    ("accountingSynced", Kind::Nullable(&Kind::Bool)),
    ("externalAccountingId", Kind::Nullable(&Kind::Str)),
    ("accountingError", Kind::Nullable(&Kind::Str)),
    ("items", Kind::ArrayOf(&ITEM)),
]);

/// The changes a body asks for.
struct AccountingPatch {
    synced: Tri<bool>,
    external_id: Tri<String>,
    error: Tri<String>,
    items: Vec<(i64, Tri<String>)>,
}

/// Applies the patch to the fulfillment request and its items; 204 with no body.
pub(crate) async fn sync_accounting(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = input::path_id(path)?;
    let patch = parse(&input::json_body(&headers, body)?)?;
    let mut data = app.state();
    let fr = data
        .visible_request_mut(caller, id)
        .ok_or_else(|| ApiError::not_found(format!("fulfillment request {id} not found")))?;
    let mut item_indexes = Vec::with_capacity(patch.items.len());
    for (position, (item_id, _)) in patch.items.iter().enumerate() {
        // Decision: an item of another request is a bad body (400), not a missing resource.
        let index = fr.items.iter().position(|item| item.id == *item_id).ok_or_else(|| {
            ApiError::bad_request(format!(
                "items[{position}].id {item_id} is not an item of fulfillment request {id}"
            ))
        })?;
        item_indexes.push(index);
    }
    patch.synced.apply(&mut fr.accounting_synced);
    patch.external_id.apply(&mut fr.external_accounting_id);
    patch.error.apply(&mut fr.accounting_error);
    for ((_, change), index) in patch.items.into_iter().zip(item_indexes) {
        change.apply(&mut fr.items[index].external_accounting_item_id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn parse(body: &Value) -> Result<AccountingPatch, ApiError> {
    schema::check(body, &BODY, "")?;
    let Some(body) = body.as_object() else {
        return Err(ApiError::bad_request("body must be an object"));
    };
    // `"items": null` was refused by the type check (not nullable in the spec).
    let items = body
        .array("items")
        .iter()
        .enumerate()
        .map(|(index, item)| parse_item(item, index))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AccountingPatch {
        synced: Tri::read(body, "accountingSynced", Value::as_bool),
        external_id: Tri::read(body, "externalAccountingId", string),
        error: Tri::read(body, "accountingError", string),
        items,
    })
}

fn parse_item(item: &Value, index: usize) -> Result<(i64, Tri<String>), ApiError> {
    let item: &Map<String, Value> = item
        .as_object()
        .ok_or_else(|| ApiError::bad_request(format!("items[{index}] must be an object")))?;
    let id = item
        .int("id")
        .ok_or_else(|| ApiError::bad_request(format!("items[{index}].id is required")))?;
    Ok((id, Tri::read(item, "externalAccountingItemId", string)))
}

fn string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}
