//! `CreateShipmentRequest`: type check, then the page's body rules (all 400s).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Number, Value};

use crate::sandbox::error::ApiError;
use crate::sandbox::schema::{self, Kind, Read};

const CUSTOM_FIELD: Kind = Kind::Object(&[("name", Kind::Str), ("value", Kind::Str)]);
const CUSTOM_FIELDS: Kind = Kind::ArrayOf(&CUSTOM_FIELD);
const ITEM: Kind = Kind::Object(&[
    ("sku", Kind::Str),
    ("quantity", Kind::Int),
    ("sourceVariantId", Kind::Int),
    ("inventoryVariantId", Kind::Int),
    ("orderItemId", Kind::Int),
    ("purchaseOrderItemId", Kind::Int),
    ("fulfillmentRequestItemId", Kind::Int),
    ("rmaItemId", Kind::Int),
    // The spec's only nullable in this body: entries of an item's custom fields.
    ("customFields", Kind::ArrayOf(&Kind::Nullable(&CUSTOM_FIELD))),
]);
const SHIPMENT: Kind = Kind::Object(&[
    ("note", Kind::Str),
    ("trackingUrl", Kind::Str),
    ("trackingNumber", Kind::Str),
    ("carrier", Kind::Str),
    ("method", Kind::Str),
    ("shippedAt", Kind::DateTime),
    ("shippingCost", Kind::Num),
    ("suppressed", Kind::Bool),
    ("shipmentItems", Kind::ArrayOf(&ITEM)),
    ("customFields", CUSTOM_FIELDS),
]);
const BODY: Kind = Kind::Object(&[
    ("fulfillmentRequestId", Kind::Int),
    ("purchaseOrderId", Kind::Int),
    ("purchaseOrderNumber", Kind::Str),
    ("sourceId", Kind::Int),
    ("allowDuplicateTrackingNumbers", Kind::Bool),
    ("shipment", SHIPMENT),
]);

/// How the body names the fulfillment request.
#[derive(Debug, PartialEq)]
pub(super) enum Target {
    /// By id (`fulfillmentRequestId` or its deprecated alias `purchaseOrderId`); a
    /// `purchaseOrderNumber` sent alongside must name the same request.
    Id { id: i64, number: Option<String> },
    /// By `purchaseOrderNumber` (within a source).
    Number(String),
}

/// A body that passed every rule not needing the stored data.
#[derive(Debug)]
pub(super) struct CreateShipment {
    pub(super) target: Target,
    pub(super) source_id: Option<i64>,
    pub(super) allow_duplicates: bool,
    pub(super) tracking_number: String,
    pub(super) note: Option<String>,
    pub(super) tracking_url: Option<String>,
    pub(super) carrier: Option<String>,
    pub(super) method: Option<String>,
    pub(super) shipped_at: Option<String>,
    pub(super) shipping_cost: Option<Number>,
    pub(super) suppressed: bool,
    pub(super) custom_fields: Vec<(String, String)>,
    pub(super) items: Vec<ItemRequest>,
}

/// One `shipmentItems[]` entry.
#[derive(Debug)]
pub(super) struct ItemRequest {
    pub(super) quantity: i64,
    pub(super) sku: Option<String>,
    pub(super) source_variant_id: Option<i64>,
    pub(super) order_item_id: Option<i64>,
    pub(super) fulfillment_request_item_id: Option<i64>,
    pub(super) inventory_variant_id: Option<i64>,
    pub(super) rma_item_id: Option<i64>,
    pub(super) custom_fields: Vec<(String, String)>,
}

impl CreateShipment {
    /// Checks types and the body rules; each failure is a 400 naming the field.
    pub(super) fn parse(body: &Value) -> Result<CreateShipment, ApiError> {
        schema::check(body, &BODY, "")?;
        let body = object(body, "body")?;
        let target = target(body)?;
        let Some(shipment) = body.field("shipment") else {
            return Err(ApiError::bad_request("shipment is required"));
        };
        let shipment = object(shipment, "shipment")?;
        let tracking_number = shipment.string("trackingNumber").unwrap_or_default();
        if tracking_number.trim().is_empty() {
            return Err(ApiError::bad_request(
                "shipment.trackingNumber is required and must not be empty",
            ));
        }
        let raw_items = shipment.array("shipmentItems");
        if raw_items.is_empty() {
            return Err(ApiError::bad_request(
                "shipment.shipmentItems must hold at least one item",
            ));
        }
        let items = raw_items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                ItemRequest::parse(item, &format!("shipment.shipmentItems[{index}]"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CreateShipment {
            target,
            source_id: body.int("sourceId"),
            allow_duplicates: body.boolean("allowDuplicateTrackingNumbers").unwrap_or(false),
            tracking_number,
            note: shipment.string("note"),
            tracking_url: shipment.string("trackingUrl"),
            carrier: shipment.string("carrier"),
            method: shipment.string("method"),
            shipped_at: shipment.string("shippedAt").and_then(|text| utc(&text)),
            shipping_cost: shipment.number("shippingCost"),
            suppressed: shipment.boolean("suppressed").unwrap_or(false),
            custom_fields: custom_fields(shipment.array("customFields")),
            items,
        })
    }
}

impl ItemRequest {
    fn parse(item: &Value, path: &str) -> Result<ItemRequest, ApiError> {
        let item = object(item, path)?;
        let quantity = item
            .int("quantity")
            .ok_or_else(|| ApiError::bad_request(format!("{path}.quantity is required")))?;
        if quantity <= 0 {
            return Err(ApiError::bad_request(format!(
                "{path}.quantity must be greater than 0, got {quantity}"
            )));
        }
        let sku = item.string("sku");
        if sku.as_deref() == Some("") {
            return Err(ApiError::bad_request(format!("{path}.sku must not be empty")));
        }
        // Decision: `fulfillmentRequestItemId` is an alias of `purchaseOrderItemId`; both must agree.
        let fulfillment_request_item_id = alias(
            item.int("purchaseOrderItemId"),
            item.int("fulfillmentRequestItemId"),
            &format!("{path}.purchaseOrderItemId and {path}.fulfillmentRequestItemId"),
        )?;
        let source_variant_id = item.int("sourceVariantId");
        let order_item_id = item.int("orderItemId");
        if sku.is_none()
            && source_variant_id.is_none()
            && order_item_id.is_none()
            && fulfillment_request_item_id.is_none()
        {
            return Err(ApiError::bad_request(format!(
                "{path} needs one of sku, sourceVariantId, orderItemId, purchaseOrderItemId"
            )));
        }
        Ok(ItemRequest {
            quantity,
            sku,
            source_variant_id,
            order_item_id,
            fulfillment_request_item_id,
            inventory_variant_id: item.int("inventoryVariantId"),
            rma_item_id: item.int("rmaItemId"),
            custom_fields: custom_fields(item.array("customFields")),
        })
    }
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ApiError> {
    value.as_object().ok_or_else(|| ApiError::bad_request(format!("{path} must be an object")))
}

fn target(body: &Map<String, Value>) -> Result<Target, ApiError> {
    // Decision: `purchaseOrderId` is the deprecated name of `fulfillmentRequestId`; both must agree.
    let id = alias(
        body.int("fulfillmentRequestId"),
        body.int("purchaseOrderId"),
        "fulfillmentRequestId and purchaseOrderId",
    )?;
    let number = body.string("purchaseOrderNumber");
    if number.as_deref() == Some("") {
        return Err(ApiError::bad_request("purchaseOrderNumber must not be empty"));
    }
    match (id, number) {
        (Some(id), number) => Ok(Target::Id { id, number }),
        (None, Some(number)) => Ok(Target::Number(number)),
        (None, None) => Err(ApiError::bad_request(
            "one of fulfillmentRequestId, purchaseOrderId, purchaseOrderNumber is required",
        )),
    }
}

/// Two names of one value: either, or both equal.
fn alias(first: Option<i64>, second: Option<i64>, names: &str) -> Result<Option<i64>, ApiError> {
    match (first, second) {
        (Some(a), Some(b)) if a != b => Err(ApiError::bad_request(format!(
            "{names} name the same thing but differ ({a} vs {b})"
        ))),
        (a, b) => Ok(a.or(b)),
    }
}

/// Custom fields to save: `null` entries and empty names/values dropped, first of a name kept
/// (the page: "will be ignored (won't be saved)", "duplicates will also be ignored").
fn custom_fields(entries: &[Value]) -> Vec<(String, String)> {
    let mut kept: Vec<(String, String)> = Vec::new();
    for entry in entries.iter().filter_map(Value::as_object) {
        let (Some(name), Some(value)) = (entry.string("name"), entry.string("value")) else {
            continue;
        };
        if name.is_empty() || value.is_empty() || kept.iter().any(|(seen, _)| *seen == name) {
            continue;
        }
        kept.push((name, value));
    }
    kept
}

/// A checked RFC 3339 date-time, stored in UTC with `Z`.
fn utc(text: &str) -> Option<String> {
    let parsed = DateTime::parse_from_rfc3339(text).ok()?;
    Some(parsed.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn custom_fields_drop_nulls_empties_and_repeats() {
        let fields = custom_fields(&[
            json!(null),
            json!({"name": "a", "value": "1"}),
            json!({"name": "", "value": "2"}),
            json!({"name": "b", "value": ""}),
            json!({"name": "a", "value": "3"}),
            json!({"name": "c"}),
            json!({"name": "d", "value": "4"}),
        ]);
        assert_eq!(fields, vec![("a".into(), "1".into()), ("d".into(), "4".into())]);
    }

    #[test]
    fn aliases_must_agree() {
        assert_eq!(alias(Some(1), Some(1), "x").unwrap(), Some(1));
        assert_eq!(alias(None, Some(2), "x").unwrap(), Some(2));
        assert!(alias(Some(1), Some(2), "x").is_err());
    }

    #[test]
    fn shipped_at_is_normalised_to_utc() {
        assert_eq!(utc("2026-04-20T02:00:00+02:00").as_deref(), Some("2026-04-20T00:00:00Z"));
    }
}
