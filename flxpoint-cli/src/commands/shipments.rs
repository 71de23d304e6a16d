//! `shipments create` (POST /shipments) and `shipments flag-with-errors`
//! (PUT /shipments/flag-with-errors).

use super::Answer;
use crate::body::{self, Object};
use crate::cli::{CreateArgs, FlagArgs};
use crate::error::CliError;
use crate::parse::LineParts;
use flxpoint_ext::{
    Client, CreateOutcome, FulfillmentRequestRef, ItemRef, ShipmentLine, ShipmentSyncError,
};
use serde_json::{Value, json};

/// The input of `shipments create`, in flxpoint-ext's terms.
#[derive(Debug)]
pub struct Create {
    target: FulfillmentRequestRef,
    tracking_number: String,
    lines: Vec<ShipmentLine>,
    carrier: Option<String>,
    method: Option<String>,
    note: Option<String>,
    tracking_url: Option<String>,
    /// Parsed when the builder is made (it takes chrono's type), still before sending.
    shipped_at: Option<String>,
    shipping_cost: Option<f64>,
    suppressed: Option<bool>,
    custom_fields: Vec<(String, String)>,
    allow_duplicate_tracking_numbers: bool,
}

impl Create {
    /// From the flags (clap made sure a target and a tracking number are there).
    pub fn from_flags(args: &CreateArgs) -> Result<Self, CliError> {
        let target = match (args.fulfillment_request_id, &args.purchase_order_number) {
            (Some(id), _) => FulfillmentRequestRef::id(id),
            (None, Some(number)) => match args.source_id {
                Some(source_id) => FulfillmentRequestRef::number_in_source(number, source_id),
                None => FulfillmentRequestRef::number(number),
            },
            (None, None) => {
                return Err(CliError::invalid(
                    "fulfillmentRequestId",
                    "is required (--fulfillment-request-id or --purchase-order-number)",
                ));
            }
        };
        let tracking_number = args.tracking_number.clone().ok_or_else(|| {
            CliError::invalid("shipment.trackingNumber", "is required (--tracking-number)")
        })?;
        Ok(Self {
            target,
            tracking_number,
            lines: args.items.clone(),
            carrier: args.carrier.clone(),
            method: args.method.clone(),
            note: args.note.clone(),
            tracking_url: args.tracking_url.clone(),
            shipped_at: args.shipped_at.clone(),
            shipping_cost: args.shipping_cost,
            suppressed: args.suppressed.then_some(true),
            custom_fields: args.custom_fields.clone(),
            allow_duplicate_tracking_numbers: args.allow_duplicate_tracking_numbers,
        })
    }

    /// From the API's JSON body. `purchaseOrderId` is accepted as the deprecated name of
    /// `fulfillmentRequestId` (both may be given if equal), and `purchaseOrderItemId` as that of
    /// an item's `fulfillmentRequestItemId`, as flxpoint-ext accepts them.
    pub fn from_body(value: &Value) -> Result<Self, CliError> {
        let mut top = Object::new("", value)?;
        let id = top.integer("fulfillmentRequestId")?;
        let old_id = top.integer("purchaseOrderId")?;
        let number = top.string("purchaseOrderNumber")?;
        let source_id = top.integer("sourceId")?;
        let allow_duplicate_tracking_numbers =
            top.boolean("allowDuplicateTrackingNumbers")?.unwrap_or(false);
        let shipment = top.required("shipment")?;
        top.finish()?;

        let id = match (id, old_id) {
            (Some(id), Some(old)) if id != old => {
                return Err(CliError::invalid(
                    "purchaseOrderId",
                    format!(
                        "is the deprecated name of fulfillmentRequestId and differs from it ({old} vs {id})"
                    ),
                ));
            }
            (id, old) => id.or(old),
        };
        let target = match (id, number, source_id) {
            (Some(id), None, None) => FulfillmentRequestRef::id(id),
            (Some(_), Some(_), _) => {
                return Err(CliError::invalid(
                    "purchaseOrderNumber",
                    "names the fulfillment request a second way (besides fulfillmentRequestId): give one",
                ));
            }
            (Some(_), None, Some(_)) => {
                return Err(CliError::invalid("sourceId", "goes with purchaseOrderNumber only"));
            }
            (None, Some(number), Some(source_id)) => {
                FulfillmentRequestRef::number_in_source(number, source_id)
            }
            (None, Some(number), None) => FulfillmentRequestRef::number(number),
            (None, None, _) => {
                return Err(CliError::invalid(
                    "fulfillmentRequestId",
                    "is required (or purchaseOrderNumber)",
                ));
            }
        };

        let mut s = Object::new("shipment", shipment)?;
        let tracking_number = s.required_string("trackingNumber")?;
        let lines = match s.raw("shipmentItems").filter(|v| !v.is_null()) {
            // None: flxpoint-ext refuses a shipment without lines, naming the field.
            None => Vec::new(),
            Some(items) => body::elements(&s.path("shipmentItems"), items)?
                .map(|(path, item)| line(&path, item))
                .collect::<Result<_, _>>()?,
        };
        let custom_fields = custom_fields(&mut s)?;
        let create = Self {
            target,
            tracking_number,
            lines,
            carrier: s.string("carrier")?,
            method: s.string("method")?,
            note: s.string("note")?,
            tracking_url: s.string("trackingUrl")?,
            shipped_at: s.string("shippedAt")?,
            shipping_cost: s.number("shippingCost")?,
            suppressed: s.boolean("suppressed")?,
            custom_fields,
            allow_duplicate_tracking_numbers,
        };
        s.finish()?;
        Ok(create)
    }

    /// Builds the flxpoint-ext request and sends it. The answer is the created shipment; a
    /// shipment that already exists after a lost answer is reported as such (exit 0, with a
    /// note), never as created by this call.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let mut b = client
            .create_shipment(self.target, self.tracking_number)
            .lines(self.lines)
            .allow_duplicate_tracking_numbers(self.allow_duplicate_tracking_numbers);
        for (name, value) in self.custom_fields {
            b = b.custom_field(name, value);
        }
        if let Some(v) = self.carrier {
            b = b.carrier(v);
        }
        if let Some(v) = self.method {
            b = b.method(v);
        }
        if let Some(v) = self.note {
            b = b.note(v);
        }
        if let Some(v) = self.tracking_url {
            b = b.tracking_url(v);
        }
        if let Some(v) = self.shipping_cost {
            b = b.shipping_cost(v);
        }
        if let Some(v) = self.suppressed {
            b = b.suppressed(v);
        }
        if let Some(text) = self.shipped_at {
            // Read by the builder's own date type (chrono's, through serde): RFC 3339.
            let at = serde_json::from_value(Value::String(text.clone())).map_err(|_| {
                CliError::invalid(
                    "shipment.shippedAt",
                    format!(
                        "must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z, got {text:?}"
                    ),
                )
            })?;
            b = b.shipped_at(at);
        }
        let response = b.send_with_response().await?;
        Ok(match response.value {
            CreateOutcome::Created(shipment) => Answer::json(
                serde_json::to_value(&shipment)
                    .map_err(|e| CliError::Runtime(format!("cannot print the shipment: {e}")))?,
            ),
            CreateOutcome::AlreadyExists { attempts } => Answer {
                json: json!({"status": response.status, "alreadyExists": true, "attempts": attempts}),
                note: Some(
                    "a shipment with this tracking number exists on the fulfillment request, but \
                     an earlier attempt's answer was lost, so this run cannot tell whether it \
                     created it"
                        .into(),
                ),
            },
            other => {
                Answer::json(json!({"status": response.status, "outcome": format!("{other:?}")}))
            }
        })
    }
}

/// One element of `shipment.shipmentItems`.
fn line(path: &str, value: &Value) -> Result<ShipmentLine, CliError> {
    let mut o = Object::new(path, value)?;
    let mut parts = LineParts::default();
    if let Some(sku) = o.string("sku")? {
        parts
            .item(ItemRef::Sku(sku), "sku")
            .map_err(|rule| CliError::invalid(o.path("sku"), rule))?;
    }
    for key in LineParts::ID_KEYS {
        if let Some(id) = o.integer(key)? {
            let item = LineParts::id_ref(key, id)
                .ok_or_else(|| CliError::invalid(o.path(key), "is not an item key"))?;
            parts.item(item, key).map_err(|rule| CliError::invalid(o.path(key), rule))?;
        }
    }
    parts.quantity = o.integer("quantity")?;
    parts.inventory_variant_id = o.integer("inventoryVariantId")?;
    parts.rma_item_id = o.integer("rmaItemId")?;
    parts.custom_fields = custom_fields(&mut o)?;
    o.finish()?;
    parts.finish().map_err(|(key, rule)| match key {
        "item" => CliError::invalid(path, rule),
        key => CliError::invalid(format!("{path}.{key}"), rule),
    })
}

/// The `customFields` of a shipment or item: `[{"name": ..., "value": ...}]`.
fn custom_fields(o: &mut Object<'_>) -> Result<Vec<(String, String)>, CliError> {
    let path = o.path("customFields");
    match o.raw("customFields").filter(|v| !v.is_null()) {
        None => Ok(Vec::new()),
        Some(list) => body::elements(&path, list)?
            .map(|(path, field)| {
                let mut f = Object::new(&path, field)?;
                let pair = (f.required_string("name")?, f.required_string("value")?);
                f.finish()?;
                Ok(pair)
            })
            .collect(),
    }
}

/// The input of `shipments flag-with-errors`.
#[derive(Debug)]
pub struct Flag {
    entries: Vec<ShipmentSyncError>,
}

impl Flag {
    /// From `--shipment ID=MESSAGE` flags.
    pub fn from_flags(args: &FlagArgs) -> Self {
        let entries =
            args.shipments.iter().map(|(id, msg)| ShipmentSyncError::new(*id, msg)).collect();
        Self { entries }
    }

    /// From the JSON body: `[{"id": N, "syncError": "..."}, ...]`. Only these two fields are
    /// sent (flxpoint-ext's decision, so stale shipment data cannot overwrite newer), so any
    /// other field is refused rather than dropped.
    pub fn from_body(value: &Value) -> Result<Self, CliError> {
        if !value.is_array() {
            return Err(CliError::invalid(
                "body",
                "must be an array of {\"id\": N, \"syncError\": \"...\"}",
            ));
        }
        let entries = body::elements("", value)?
            .map(|(path, entry)| {
                let mut o = Object::new(&path, entry)?;
                let entry = ShipmentSyncError::new(
                    o.required_integer("id")?,
                    o.required_string("syncError")?,
                );
                o.finish()?;
                Ok(entry)
            })
            .collect::<Result<_, CliError>>()?;
        Ok(Self { entries })
    }

    /// Sends it; the answer is `{"status": N}`.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let response = client.flag_shipments_with_errors(self.entries).send_with_response().await?;
        Ok(Answer::status(response.status))
    }
}
