//! The create page's rules that its schema cannot say, on the body as JSON: one way to name the
//! fulfillment request and the item, positive IDs and quantities, visible text, unique custom
//! fields, and what each token kind may do. Types, required and unknown fields come from the
//! schema ([`crate::schema`]).

use crate::schema::{self, Field, Fields, Rules};
use crate::{Error, TokenKind, Validate, request, types, validate};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// The item keys, in the order a second one is reported; [`ITEM_ALIAS`] is mapped before.
pub(crate) const ITEM_KEYS: [&str; 4] =
    ["sku", "orderItemId", "sourceVariantId", "purchaseOrderItemId"];

/// `fulfillmentRequestItemId`, the responses' name of the item's `purchaseOrderItemId`, is
/// accepted for it (the create page documents only the old name).
pub(crate) const ITEM_ALIAS: (&str, &str) = ("fulfillmentRequestItemId", "purchaseOrderItemId");

/// The item fields that hold IDs.
const ITEM_IDS: [&str; 5] =
    ["orderItemId", "sourceVariantId", "purchaseOrderItemId", "inventoryVariantId", "rmaItemId"];

struct CreateRules {
    token_kind: Option<TokenKind>,
}

/// Moves the deprecated name `old` to `new` (both may be given if equal).
fn alias(
    object: &mut Map<String, Value>,
    at: &str,
    old: &str,
    new: &str,
    differs: impl FnOnce(&Value, &Value) -> String,
) -> Result<bool, Error> {
    // A mistyped value stays where it is, so that its type error names the field given.
    let Some(value) = object.field(old).filter(|v| v.is_i64()).cloned() else { return Ok(false) };
    match object.field(new) {
        Some(current) if *current != value => {
            return Err(Error::validation(Field(at, old).to_string(), differs(&value, current)));
        }
        _ => {}
    }
    object.remove(old);
    object.insert(new.to_owned(), value);
    Ok(true)
}

/// Every string field of `object` not otherwise checked must show something: a blank or
/// invisible-only `carrier` means nothing to the server (and a field added to the spec
/// tomorrow is held to the same rule).
fn visible_text(object: &Map<String, Value>, at: &str, except: &[&str]) -> Result<(), Error> {
    for (key, value) in object {
        if let Some(text) = value.as_str().filter(|_| !except.contains(&key.as_str())) {
            validate::non_empty(Field(at, key), text)?;
        }
    }
    Ok(())
}

/// `customFields` names appear once: the server silently drops a repeat.
fn unique_custom_fields(object: &Map<String, Value>, at: &str) -> Result<(), Error> {
    let Some(fields) = object.field("customFields").and_then(Value::as_array) else {
        return Ok(());
    };
    let mut seen = HashSet::new();
    for (i, name) in fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| Some((i, f.as_object()?.field("name")?.as_str()?)))
    {
        if !seen.insert(name) {
            return Err(Error::validation(
                format!("{at}.customFields[{i}].name"),
                format!("repeats {name:?}; the server would drop it"),
            ));
        }
    }
    Ok(())
}

impl CreateRules {
    fn body(&self, object: &Map<String, Value>) -> Result<(), Error> {
        let id = object.field("fulfillmentRequestId").and_then(Value::as_i64);
        let number = object.field("purchaseOrderNumber").and_then(Value::as_str);
        let source_id = object.field("sourceId").and_then(Value::as_i64);
        match (id, number, source_id) {
            (Some(_), Some(_), _) => {
                return Err(Error::validation(
                    "purchaseOrderNumber",
                    "names the fulfillment request a second way (besides fulfillmentRequestId): give one",
                ));
            }
            (Some(_), None, Some(_)) => {
                return Err(Error::validation("sourceId", "goes with purchaseOrderNumber only"));
            }
            (None, None, _) => {
                return Err(Error::validation(
                    "fulfillmentRequestId",
                    "is required (or purchaseOrderNumber)",
                ));
            }
            _ => {}
        }
        if let Some(id) = id {
            validate::id("fulfillmentRequestId", id)?;
        }
        if let Some(number) = number {
            validate::identifier("purchaseOrderNumber", number)?;
        }
        if let Some(source_id) = source_id {
            validate::id("sourceId", source_id)?;
        }
        match (self.token_kind, number, source_id) {
            (Some(TokenKind::Account), Some(_), None) => Err(Error::validation(
                "sourceId",
                "is required with purchaseOrderNumber when using an ACCOUNT token",
            )),
            (Some(TokenKind::Source { source_id: own }), Some(_), Some(given)) if own != given => {
                Err(Error::validation(
                    "sourceId",
                    format!("{given} is not the SOURCE token's source ({own})"),
                ))
            }
            _ => Ok(()),
        }
    }

    fn shipment(object: &Map<String, Value>, at: &str) -> Result<(), Error> {
        if let Some(tracking) = object.field("trackingNumber").and_then(Value::as_str) {
            validate::identifier(Field(at, "trackingNumber"), tracking)?;
        }
        visible_text(object, at, &["trackingNumber"])?;
        if object.field("shippingCost").and_then(Value::as_f64).is_some_and(|c| c < 0.0) {
            return Err(Error::validation(
                Field(at, "shippingCost").to_string(),
                "must be a finite, non-negative number",
            ));
        }
        unique_custom_fields(object, at)
    }

    fn item(object: &Map<String, Value>, at: &str) -> Result<(), Error> {
        if let Some(quantity) = object.field("quantity").and_then(Value::as_i64) {
            validate::positive(Field(at, "quantity"), quantity)?;
        }
        let mut given = ITEM_KEYS.iter().filter(|key| object.has(key));
        let Some(first) = given.next() else {
            return Err(Error::validation(
                at,
                "needs one of sku, orderItemId, sourceVariantId, fulfillmentRequestItemId",
            ));
        };
        if let Some(second) = given.next() {
            return Err(Error::validation(
                Field(at, second).to_string(),
                format!("names the item a second way (after {first}): give exactly one"),
            ));
        }
        if let Some(sku) = object.field("sku").and_then(Value::as_str) {
            validate::identifier(Field(at, "sku"), sku)?;
        }
        for key in ITEM_IDS {
            if let Some(id) = object.field(key).and_then(Value::as_i64) {
                validate::id(Field(at, key), id)?;
            }
        }
        visible_text(object, at, &["sku"])?;
        unique_custom_fields(object, at)
    }

    fn custom_field(object: &Map<String, Value>, at: &str) -> Result<(), Error> {
        let text = |key: &str| {
            object
                .get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| Error::validation(Field(at, key).to_string(), "is required"))
        };
        validate::identifier(Field(at, "name"), text("name")?)?;
        validate::non_empty(Field(at, "value"), text("value")?)?;
        Ok(())
    }
}

impl Rules for CreateRules {
    fn normalize(
        &self,
        pattern: &str,
        at: &str,
        object: &mut Map<String, Value>,
    ) -> Result<bool, Error> {
        match pattern {
            "" => alias(object, at, "purchaseOrderId", "fulfillmentRequestId", |old, new| {
                format!(
                    "is the deprecated name of fulfillmentRequestId and differs from it ({old} vs {new})"
                )
            }),
            "shipment.shipmentItems[]" => {
                let (old, new) = ITEM_ALIAS;
                alias(object, at, old, new, |_, _| {
                    "names the item a second way (after purchaseOrderItemId): give exactly one"
                        .into()
                })
            }
            _ => Ok(false),
        }
    }

    fn check(&self, pattern: &str, at: &str, object: &Map<String, Value>) -> Result<(), Error> {
        match pattern {
            "" => self.body(object),
            "shipment" => Self::shipment(object, at),
            "shipment.shipmentItems[]" => Self::item(object, at),
            "shipment.customFields[]" | "shipment.shipmentItems[].customFields[]" => {
                Self::custom_field(object, at)
            }
            _ => Ok(()),
        }
    }
}

/// Shipments cannot be created with a CHANNEL token (checked after the body, as the server does).
fn token_may_create(token_kind: Option<TokenKind>) -> Result<(), Error> {
    if token_kind == Some(TokenKind::Channel) {
        return Err(Error::validation(
            "X-API-TOKEN",
            "a CHANNEL token cannot create shipments (only source or account tokens)",
        ));
    }
    Ok(())
}

impl Validate for types::CreateShipmentRequest {
    fn from_json(body: Value, token_kind: Option<TokenKind>) -> Result<Self, Error> {
        let schema = schema::request_body("createShipment");
        let request = request::read_checked(body, schema, &CreateRules { token_kind })?;
        token_may_create(token_kind)?;
        Ok(request)
    }

    fn validate(self, token_kind: Option<TokenKind>) -> Result<Self, Error> {
        // JSON has no infinity or NaN: serialized, they would become `null`, read as "absent".
        if self.shipment.shipping_cost.is_some_and(|cost| !cost.is_finite()) {
            return Err(Error::validation(
                "shipment.shippingCost",
                "must be a finite, non-negative number",
            ));
        }
        let schema = schema::request_body("createShipment");
        let request = request::check_typed(self, schema, &CreateRules { token_kind })?;
        token_may_create(token_kind)?;
        Ok(request)
    }
}
