//! The create page's rules that its schema cannot say: one way to name the fulfillment request
//! and the item, positive IDs and quantities, visible text, unique custom fields, and what each
//! token kind may do. Types, required and unknown fields come from the schema
//! ([`crate::schema`]).
//!
//! Each rule is written once, as a function of the fields it reads. Two callers hand them
//! their fields: the schema walk over a JSON body ([`JsonRules`], object by object, so a body's
//! mistakes are named before its parts'), and [`check`] over a request built in code, which
//! reads the generated type's fields directly. Decision: a request built in code is not turned
//! into a `serde_json::Value` to be checked (building, walking and dropping that tree was most
//! of a call's overhead on a loopback server); the schema's checks a type cannot already hold
//! (visible text, enough items) are read by [`check`] where it knows the field ([`CHECKED`])
//! and come from [`schema::scan`] for any other. With several mistakes in one request built in
//! code, its visible-text mistakes are named after the others.

use crate::schema::{self, Field, Fields, Indexed, Rules};
use crate::{Error, TokenKind, Validate, request, types, validate};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt::Display;

/// The item keys, in the order a second one is reported; [`ITEM_ALIAS`] is mapped before.
pub(crate) const ITEM_KEYS: [&str; 4] =
    ["sku", "orderItemId", "sourceVariantId", "purchaseOrderItemId"];

/// `fulfillmentRequestItemId`, the responses' name of the item's `purchaseOrderItemId`, is
/// accepted for it (the create page documents only the old name).
pub(crate) const ITEM_ALIAS: (&str, &str) = ("fulfillmentRequestItemId", "purchaseOrderItemId");

/// The item fields that hold IDs.
const ITEM_IDS: [&str; 5] =
    ["orderItemId", "sourceVariantId", "purchaseOrderItemId", "inventoryVariantId", "rmaItemId"];

/// A path and a key: `shipment.shipmentItems[2]` and `quantity`, formatted only when a check
/// fails.
#[derive(Clone, Copy)]
struct Key<P>(P, &'static str);

impl<P: Display> Display for Key<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

// The rules, each a function of the fields it reads.

/// The deprecated `purchaseOrderId` may be given beside `fulfillmentRequestId` only if equal.
fn deprecated_id<N: Display + PartialEq<i64>>(old: i64, new: Option<N>) -> Result<(), Error> {
    match new {
        Some(new) if new != old => Err(Error::validation(
            "purchaseOrderId",
            format!(
                "is the deprecated name of fulfillmentRequestId and differs from it ({old} vs {new})"
            ),
        )),
        _ => Ok(()),
    }
}

/// The body: one way to name the fulfillment request, positive IDs, and what each token kind
/// may do.
fn body(
    id: Option<i64>,
    number: Option<&str>,
    source_id: Option<i64>,
    token_kind: Option<TokenKind>,
) -> Result<(), Error> {
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
    match (token_kind, number, source_id) {
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

/// The shipment's tracking number is an identifier.
fn tracking_number(tracking: &str) -> Result<(), Error> {
    validate::identifier("shipment.trackingNumber", tracking).map(drop)
}

/// The shipping cost is finite and not negative (JSON has no infinity or NaN: serialized, they
/// would become `null`, read as "absent").
fn shipping_cost(cost: Option<f64>) -> Result<(), Error> {
    if cost.is_some_and(|cost| !(cost >= 0.0 && cost.is_finite())) {
        return Err(Error::validation(
            "shipment.shippingCost",
            "must be a finite, non-negative number",
        ));
    }
    Ok(())
}

/// An item at `at`: a positive quantity, exactly one way to name the fulfillment-request item
/// (`ways`, set or not, in [`ITEM_KEYS`]'s order), an SKU that is an identifier, positive IDs
/// (in [`ITEM_IDS`]'s order).
fn item(
    at: impl Display + Copy,
    quantity: Option<i64>,
    ways: [bool; 4],
    sku: Option<&str>,
    ids: [Option<i64>; 5],
) -> Result<(), Error> {
    if let Some(quantity) = quantity {
        validate::positive(Key(at, "quantity"), quantity)?;
    }
    let mut given = ITEM_KEYS.iter().zip(ways).filter_map(|(key, set)| set.then_some(*key));
    let Some(first) = given.next() else {
        return Err(Error::validation(
            at.to_string(),
            "needs one of sku, orderItemId, sourceVariantId, fulfillmentRequestItemId",
        ));
    };
    if let Some(second) = given.next() {
        return Err(Error::validation(
            format!("{at}.{second}"),
            format!("names the item a second way (after {first}): give exactly one"),
        ));
    }
    if let Some(sku) = sku {
        validate::identifier(Key(at, "sku"), sku)?;
    }
    for (key, id) in ITEM_IDS.into_iter().zip(ids) {
        if let Some(id) = id {
            validate::id(Key(at, key), id)?;
        }
    }
    Ok(())
}

/// The custom fields' names (by index) of the object at `at` appear once: the server silently
/// drops a repeat.
fn unique_names<'a>(
    at: impl Display,
    names: impl Iterator<Item = (usize, &'a str)>,
) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for (i, name) in names {
        if !seen.insert(name) {
            return Err(Error::validation(
                format!("{at}.customFields[{i}].name"),
                format!("repeats {name:?}; the server would drop it"),
            ));
        }
    }
    Ok(())
}

/// A custom field at `at`: a name that is an identifier, and a visible value.
fn custom_field(
    at: impl Display + Copy,
    name: Option<&str>,
    value: Option<&str>,
) -> Result<(), Error> {
    let required = |key| Error::validation(Key(at, key).to_string(), "is required");
    validate::identifier(Key(at, "name"), name.ok_or_else(|| required("name"))?)?;
    validate::non_empty(Key(at, "value"), value.ok_or_else(|| required("value"))?)?;
    Ok(())
}

// The rules over a request built in code.

/// The texts and item counts of the create schema that [`check`] and [`Validate::validate`]
/// read themselves, by path pattern ([`schema::Node::scanned`]). While the schema has no other,
/// a request built in code is not serialized by [`schema::scan`] (most of the check's cost); a
/// text field the spec gains is scanned again, with no code change.
const CHECKED: [&str; 12] = [
    "purchaseOrderNumber",
    "shipment.carrier",
    "shipment.customFields[].name",
    "shipment.customFields[].value",
    "shipment.method",
    "shipment.note",
    "shipment.shipmentItems",
    "shipment.shipmentItems[].customFields[].name",
    "shipment.shipmentItems[].customFields[].value",
    "shipment.shipmentItems[].sku",
    "shipment.trackingNumber",
    "shipment.trackingUrl",
];

/// Whether [`CHECKED`] holds everything `schema` would have scanned.
fn checked_covers(schema: &schema::Node) -> bool {
    schema.scanned().iter().all(|pattern| CHECKED.contains(pattern))
}

/// Whether a request built in code with `items` items goes to [`schema::scan`] after [`check`]:
/// when `schema` has a text or an item count the check does not read (`covered` false), and
/// when the items are fewer than the schema's largest `minItems`, which the scan names as the
/// JSON walk does (whatever that minimum is).
fn needs_scan(items: usize, schema: &schema::Node, covered: bool) -> bool {
    !covered || (items as u64) < schema.most_items()
}

/// The rules over the generated request, in the order the schema walk names a JSON body's
/// mistakes: the body's, the shipment's, its custom fields', its items'; then the optional
/// texts. Any other text and the number of items come after, from [`schema::scan`].
fn check(
    request: &types::CreateShipmentRequest,
    token_kind: Option<TokenKind>,
) -> Result<(), Error> {
    let number = request.purchase_order_number.as_deref();
    body(request.fulfillment_request_id, number, request.source_id, token_kind)?;
    let shipment = &request.shipment;
    tracking_number(&shipment.tracking_number)?;
    shipping_cost(shipment.shipping_cost)?;
    let fields = shipment.custom_fields.iter().enumerate();
    unique_names("shipment", fields.clone().filter_map(|(i, f)| Some((i, f.name.as_deref()?))))?;
    for (i, field) in fields {
        custom_field(
            Indexed(Key("shipment", "customFields"), i),
            field.name.as_deref(),
            field.value.as_deref(),
        )?;
    }
    for (i, line) in shipment.shipment_items.iter().enumerate() {
        let at = Indexed("shipment.shipmentItems", i);
        let ways = [
            line.sku.is_some(),
            line.order_item_id.is_some(),
            line.source_variant_id.is_some(),
            line.purchase_order_item_id.is_some(),
        ];
        let ids = [
            line.order_item_id,
            line.source_variant_id,
            line.purchase_order_item_id,
            line.inventory_variant_id,
            line.rma_item_id,
        ];
        item(at, Some(line.quantity), ways, line.sku.as_deref(), ids)?;
        // A `null` in the list is no field (the schema allows it); the others keep their index.
        let fields =
            line.custom_fields.iter().enumerate().filter_map(|(i, f)| Some((i, f.as_ref()?)));
        unique_names(at, fields.clone().filter_map(|(i, f)| Some((i, f.name.as_deref()?))))?;
        for (j, field) in fields {
            custom_field(
                Indexed(Key(at, "customFields"), j),
                field.name.as_deref(),
                field.value.as_deref(),
            )?;
        }
    }
    // The optional texts, last and in the order the scan writes them (the generated type's).
    let texts = [
        ("carrier", &shipment.carrier),
        ("method", &shipment.method),
        ("note", &shipment.note),
        ("trackingUrl", &shipment.tracking_url),
    ];
    for (key, text) in texts {
        if let Some(text) = text {
            validate::non_empty(Key("shipment", key), text)?;
        }
    }
    Ok(())
}

// The rules over a JSON body, object by object in the schema walk.

struct JsonRules {
    token_kind: Option<TokenKind>,
}

/// Moves the deprecated name `old` to `new`; `differs` says why both cannot be kept.
fn alias(
    object: &mut Map<String, Value>,
    old: &str,
    new: &str,
    differs: impl FnOnce(i64, Option<&Value>) -> Result<(), Error>,
) -> Result<bool, Error> {
    // A mistyped value stays where it is, so that its type error names the field given.
    let Some(value) = object.field(old).and_then(Value::as_i64) else { return Ok(false) };
    differs(value, object.field(new))?;
    object.remove(old);
    object.insert(new.to_owned(), value.into());
    Ok(true)
}

/// Every string field of `object` not otherwise checked must show something: a blank or
/// invisible-only `carrier` means nothing to the server (and a field added to the spec
/// tomorrow is held to the same rule).
fn visible_text(object: &Map<String, Value>, at: &str, except: &str) -> Result<(), Error> {
    for (key, value) in object {
        if let Some(text) = value.as_str().filter(|_| key != except) {
            validate::non_empty(Field(at, key), text)?;
        }
    }
    Ok(())
}

/// The custom fields' names in a JSON object, by index.
fn names(object: &Map<String, Value>) -> impl Iterator<Item = (usize, &str)> {
    let fields = object.field("customFields").and_then(Value::as_array).into_iter().flatten();
    fields.enumerate().filter_map(|(i, f)| Some((i, f.as_object()?.field("name")?.as_str()?)))
}

impl Rules for JsonRules {
    fn normalize(
        &self,
        pattern: &str,
        at: &str,
        object: &mut Map<String, Value>,
    ) -> Result<bool, Error> {
        match pattern {
            "" => alias(object, "purchaseOrderId", "fulfillmentRequestId", |old, new| {
                deprecated_id(old, new)
            }),
            "shipment.shipmentItems[]" => {
                let (old, new) = ITEM_ALIAS;
                alias(object, old, new, |value, current| match current {
                    Some(current) if *current != value => Err(Error::validation(
                        Field(at, old).to_string(),
                        "names the item a second way (after purchaseOrderItemId): give exactly one",
                    )),
                    _ => Ok(()),
                })
            }
            _ => Ok(false),
        }
    }

    fn check(&self, pattern: &str, at: &str, object: &Map<String, Value>) -> Result<(), Error> {
        let text = |key| object.field(key).and_then(Value::as_str);
        let int = |key| object.field(key).and_then(Value::as_i64);
        match pattern {
            "" => body(
                int("fulfillmentRequestId"),
                text("purchaseOrderNumber"),
                int("sourceId"),
                self.token_kind,
            ),
            "shipment" => {
                if let Some(tracking) = text("trackingNumber") {
                    tracking_number(tracking)?;
                }
                visible_text(object, at, "trackingNumber")?;
                shipping_cost(object.field("shippingCost").and_then(Value::as_f64))?;
                unique_names(at, names(object))
            }
            "shipment.shipmentItems[]" => {
                item(
                    at,
                    int("quantity"),
                    ITEM_KEYS.map(|key| object.has(key)),
                    text("sku"),
                    ITEM_IDS.map(int),
                )?;
                visible_text(object, at, "sku")?;
                unique_names(at, names(object))
            }
            "shipment.customFields[]" | "shipment.shipmentItems[].customFields[]" => {
                custom_field(at, text("name"), text("value"))
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
        let request = request::read_checked(body, schema, &JsonRules { token_kind })?;
        token_may_create(token_kind)?;
        Ok(request)
    }

    fn validate(mut self, token_kind: Option<TokenKind>) -> Result<Self, Error> {
        if let Some(old) = self.purchase_order_id.take() {
            deprecated_id(old, self.fulfillment_request_id)?;
            self.fulfillment_request_id = Some(old);
        }
        check(&self, token_kind)?;
        static COVERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        let schema = schema::request_body("createShipment");
        let covered = *COVERED.get_or_init(|| checked_covers(schema));
        if needs_scan(self.shipment.shipment_items.len(), schema, covered) {
            schema::scan(&self, schema)?;
        }
        token_may_create(token_kind)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each pattern [`check`] claims is one the create schema scans: a renamed field cannot
    /// leave a claim behind that nothing checks.
    #[test]
    fn every_checked_pattern_is_one_the_schema_scans() {
        let scanned = schema::request_body("createShipment").scanned();
        let stale: Vec<&str> = CHECKED.into_iter().filter(|p| !scanned.contains(p)).collect();
        assert_eq!(stale, Vec::<&str>::new());
    }

    /// A text the check does not know (one the spec gains) turns the scan back on.
    #[test]
    fn a_text_the_check_does_not_know_is_scanned() {
        let document: Value = serde_json::from_str(flxpoint_api::OPENAPI_JSON).unwrap();
        let schemas = &document["components"]["schemas"];
        let mut request = schemas["CreateShipmentRequest"].clone();
        assert!(checked_covers(&schema::Node::compile_for_test(&request, schemas)));
        request["properties"]["shipment"]["properties"]["insuranceNote"] =
            json!({"type": "string"});
        assert!(!checked_covers(&schema::Node::compile_for_test(&request, schemas)));
    }

    /// Too few items go to the scan whatever the schema's minimum: a spec that asked for two
    /// would still be checked, with the type's texts all covered.
    #[test]
    fn fewer_items_than_the_schema_asks_are_scanned() {
        let document: Value = serde_json::from_str(flxpoint_api::OPENAPI_JSON).unwrap();
        let schemas = &document["components"]["schemas"];
        let mut request = schemas["CreateShipmentRequest"].clone();
        let live = schema::Node::compile_for_test(&request, schemas);
        assert_eq!((needs_scan(0, &live, true), needs_scan(1, &live, true)), (true, false));
        request["properties"]["shipment"]["properties"]["shipmentItems"]["minItems"] = json!(2);
        let two = schema::Node::compile_for_test(&request, schemas);
        assert!(checked_covers(&two));
        assert_eq!((needs_scan(1, &two, true), needs_scan(2, &two, true)), (true, false));
        assert!(needs_scan(5, &two, false));
    }
}
