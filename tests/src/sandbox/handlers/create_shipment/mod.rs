//! `POST /shipments` (createShipment).

mod lookup;
mod request;

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::sandbox::app::App;
use crate::sandbox::auth::Caller;
use crate::sandbox::error::ApiError;
use crate::sandbox::input;
use crate::sandbox::seed::{ACCOUNT_ID, FulfillmentRequest, STATUS_CANCELLED};
use crate::sandbox::shipment::{CustomField, Shipment, ShipmentItem};
use crate::sandbox::state::State as Data;

use request::CreateShipment;

/// Validates, finds the fulfillment request, refuses cancelled requests and repeated tracking
/// numbers, then stores the shipment and answers 201 with it.
pub(crate) async fn create_shipment(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if caller == Caller::Channel {
        // The page: "A source token or account token may be used."
        return Err(ApiError::unauthorized("a channel token cannot create shipments"));
    }
    let request = CreateShipment::parse(&input::json_body(&headers, body)?)?;
    app.counters.note_create(&request.tracking_number);
    let now = super::now();
    let mut data = app.state();
    let index = lookup::fulfillment_request(&data, caller, &request)?;
    let fr = data.fulfillment_requests[index].clone();
    let matched = lookup::items(&fr, &request.items)?;
    if fr.processing_status == STATUS_CANCELLED {
        // Decision: 412 (Precondition Failed) — a cancelled request cannot take a shipment.
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!("fulfillment request {} is Cancelled and cannot take a shipment", fr.id),
        ));
    }
    let repeated = data.shipments.iter().any(|shipment| {
        shipment.fulfillment_request_id == fr.id
            && shipment.tracking_number == request.tracking_number
    });
    if repeated && !request.allow_duplicates {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "shipment.trackingNumber {:?} is already used on fulfillment request {} \
                 (set allowDuplicateTrackingNumbers to allow it)",
                request.tracking_number, fr.id
            ),
        ));
    }
    let shipment = build(&mut data, &fr, &request, &matched, now);
    let body = shipment.to_json();
    data.shipments.push(shipment);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The shipment to store; `partial` compares everything shipped so far with what was requested.
fn build(
    data: &mut Data,
    fr: &FulfillmentRequest,
    request: &CreateShipment,
    matched: &[usize],
    now: String,
) -> Shipment {
    // Saturating sums: quantities are any positive i64, and overflow must not panic.
    let mut shipped: Vec<i64> = fr
        .items
        .iter()
        .map(|item| {
            let earlier = data.shipments.iter().filter(|s| s.fulfillment_request_id == fr.id);
            let lines = earlier.flat_map(|s| &s.items);
            let lines = lines.filter(|line| line.fulfillment_request_item_id == item.id);
            lines.fold(0_i64, |sum, line| sum.saturating_add(line.quantity))
        })
        .collect();
    for (line, &index) in request.items.iter().zip(matched) {
        shipped[index] = shipped[index].saturating_add(line.quantity);
    }
    let short = |index: usize| shipped[index] < fr.items[index].quantity;
    let id = data.new_shipment_id();
    let items = request
        .items
        .iter()
        .zip(matched)
        .map(|(line, &index)| {
            let item = &fr.items[index];
            ShipmentItem {
                id: data.new_shipment_item_id(),
                sku: item.sku.clone(),
                quantity: line.quantity,
                inventory_variant_id: line.inventory_variant_id,
                partial: short(index),
                order_item_id: item.order_item_id,
                fulfillment_request_item_id: item.id,
                rma_item_id: line.rma_item_id,
                custom_fields: saved_fields(data, &line.custom_fields),
            }
        })
        .collect();
    Shipment {
        id,
        note: request.note.clone(),
        tracking_url: request.tracking_url.clone(),
        tracking_number: request.tracking_number.clone(),
        carrier: request.carrier.clone(),
        method: request.method.clone(),
        shipped_at: request.shipped_at.clone(),
        inserted_at: now.clone(),
        updated_at: now,
        shipping_cost: request.shipping_cost.clone(),
        order_id: fr.order_id,
        fulfillment_request_id: fr.id,
        source_id: fr.source_id,
        account_id: ACCOUNT_ID,
        partial: (0..fr.items.len()).any(short),
        suppressed: request.suppressed,
        synced_to_channel: false,
        sync_error: None,
        accounting_synced: false,
        custom_fields: saved_fields(data, &request.custom_fields),
        items,
    }
}

fn saved_fields(data: &mut Data, fields: &[(String, String)]) -> Vec<CustomField> {
    fields
        .iter()
        .map(|(name, value)| CustomField {
            id: data.new_custom_field_id(),
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use axum::http::header;
    use serde_json::{Value, json};

    use super::*;
    use crate::sandbox::server::SandboxConfig;

    /// Calls the handler directly (the pipeline is not under test here).
    async fn create(app: &Arc<App>, caller: Caller, body: &Value) -> (StatusCode, String) {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let body = Ok(Bytes::from(body.to_string()));
        let response =
            match create_shipment(State(Arc::clone(app)), Extension(caller), headers, body).await {
                Ok(response) => response,
                Err(error) => error.into_response(),
            };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn set_status(app: &App, id: i64, status: &str) {
        let mut data = app.state();
        let fr = data.fulfillment_requests.iter_mut().find(|fr| fr.id == id).unwrap();
        fr.processing_status = status.to_owned();
    }

    /// Decision: a cancelled request refuses a shipment with 412, checked before the 409. Over
    /// HTTP no request can hold a shipment and be Cancelled (nothing cancels a request), so the
    /// state is arranged here: ship on 5004 while it is Processing, then cancel it.
    #[tokio::test]
    async fn a_cancelled_request_answers_412_before_the_409() {
        let app = Arc::new(App::new(SandboxConfig::default()).unwrap());
        let body = json!({"fulfillmentRequestId": 5004, "shipment": {"trackingNumber": "DUP",
            "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
        set_status(&app, 5004, "Processing");
        assert_eq!(create(&app, Caller::Account, &body).await.0, StatusCode::CREATED);
        let (status, text) = create(&app, Caller::Account, &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "while Processing, a repeat is a 409: {text}");

        set_status(&app, 5004, STATUS_CANCELLED);
        let (status, text) = create(&app, Caller::Account, &body).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{text}");
        assert!(text.contains("fulfillment request 5004 is Cancelled"), "{text}");
        assert_eq!(app.state().shipments.len(), 1);
    }
}
