//! Finding the fulfillment request and its items a create request names (400/404).

use crate::sandbox::auth::Caller;
use crate::sandbox::error::ApiError;
use crate::sandbox::seed::{FulfillmentRequest, FulfillmentRequestItem};
use crate::sandbox::state::State;

use super::request::{CreateShipment, ItemRequest, Target};

/// The index (in `state.fulfillment_requests`) of the request the body names.
pub(super) fn fulfillment_request(
    state: &State,
    caller: Caller,
    request: &CreateShipment,
) -> Result<usize, ApiError> {
    if let (Caller::Source(own), Some(named)) = (caller, request.source_id)
        && own != named
    {
        // The page: a SOURCE token naming another source gets a 400.
        return Err(ApiError::bad_request(format!(
            "sourceId {named} does not match the source of the token ({own})"
        )));
    }
    if let Some(named) = request.source_id
        && !state.has_source(named)
    {
        return Err(ApiError::not_found(format!("source {named} not found")));
    }
    let source = match caller {
        Caller::Source(own) => Some(own),
        Caller::Account | Caller::Channel => request.source_id,
    };
    let in_scope = |fr: &FulfillmentRequest| {
        caller.sees_source(fr.source_id) && source.is_none_or(|source| fr.source_id == source)
    };
    let requests = &state.fulfillment_requests;
    match &request.target {
        Target::Id { id, number } => {
            let index =
                requests.iter().position(|fr| fr.id == *id && in_scope(fr)).ok_or_else(|| {
                    ApiError::not_found(format!("fulfillment request {id} not found"))
                })?;
            match number {
                Some(number) if *number != requests[index].number => {
                    Err(ApiError::bad_request(format!(
                        "purchaseOrderNumber {number:?} is not the number of fulfillment request {id}"
                    )))
                }
                _ => Ok(index),
            }
        }
        Target::Number(number) => {
            let Some(source) = source else {
                // The page: ACCOUNT tokens must add `sourceId` to `purchaseOrderNumber`.
                return Err(ApiError::bad_request(
                    "sourceId is required with purchaseOrderNumber when using an account token",
                ));
            };
            requests.iter().position(|fr| fr.number == *number && in_scope(fr)).ok_or_else(|| {
                ApiError::not_found(format!(
                    "fulfillment request with purchaseOrderNumber {number:?} not found in source {source}"
                ))
            })
        }
    }
}

/// For each shipment item, the index of the request item matching every identifier it gives.
pub(super) fn items(
    fr: &FulfillmentRequest,
    wanted: &[ItemRequest],
) -> Result<Vec<usize>, ApiError> {
    wanted
        .iter()
        .enumerate()
        .map(|(index, want)| {
            fr.items.iter().position(|item| matches(item, want)).ok_or_else(|| {
                ApiError::not_found(format!(
                    "shipment.shipmentItems[{index}] matches no item of fulfillment request {}",
                    fr.id
                ))
            })
        })
        .collect()
}

/// Decision: every identifier given must match the same item (they cannot contradict each other).
fn matches(item: &FulfillmentRequestItem, want: &ItemRequest) -> bool {
    want.fulfillment_request_item_id.is_none_or(|id| id == item.id)
        && want.source_variant_id.is_none_or(|id| id == item.source_variant_id)
        && want.order_item_id.is_none_or(|id| id == item.order_item_id)
        && want.sku.as_deref().is_none_or(|sku| sku == item.sku)
}
