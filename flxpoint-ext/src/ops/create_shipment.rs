//! `POST /shipments` (createShipment).

use crate::Response;
use crate::exec::CallState;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::{Client, Error, TokenKind, validate};
use chrono::{DateTime, Utc};
use flxpoint_api::types;
use std::collections::HashSet;

/// Which fulfillment request (purchase order) the shipment belongs to: exactly one way, by type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FulfillmentRequestRef {
    /// By Flxpoint's fulfillment request ID (`fulfillmentRequestId`).
    Id(i64),
    /// By purchase-order number, with the source ID (required with an ACCOUNT token).
    Number {
        /// The purchase-order number, e.g. `ORDER_123-1`.
        number: String,
        /// The source the number belongs to.
        source_id: Option<i64>,
    },
}

impl FulfillmentRequestRef {
    /// By fulfillment request ID.
    pub fn id(id: i64) -> Self {
        Self::Id(id)
    }

    /// By the deprecated name of the same ID.
    #[deprecated(
        note = "`purchaseOrderId` is the old name of `fulfillmentRequestId`: use `FulfillmentRequestRef::id`"
    )]
    pub fn purchase_order_id(id: i64) -> Self {
        Self::Id(id)
    }

    /// By purchase-order number, without a source ID (fine with a SOURCE token).
    pub fn number(number: impl Into<String>) -> Self {
        Self::Number { number: number.into(), source_id: None }
    }

    /// By purchase-order number within a source (needed with an ACCOUNT token).
    pub fn number_in_source(number: impl Into<String>, source_id: i64) -> Self {
        Self::Number { number: number.into(), source_id: Some(source_id) }
    }
}

/// How a shipment item names the fulfillment-request item it ships: exactly one, by type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ItemRef {
    /// By SKU (must match the item's SKU on the fulfillment request).
    Sku(String),
    /// By source variant ID.
    SourceVariantId(i64),
    /// By order item ID.
    OrderItemId(i64),
    /// By fulfillment request item ID.
    FulfillmentRequestItemId(i64),
}

impl ItemRef {
    /// By the deprecated name of the fulfillment request item ID.
    #[deprecated(
        note = "`purchaseOrderItemId` is the old name of the fulfillment request item ID: use `ItemRef::FulfillmentRequestItemId`"
    )]
    pub fn purchase_order_item_id(id: i64) -> Self {
        Self::FulfillmentRequestItemId(id)
    }
}

/// A custom field to save with a shipment or item. The server silently ignores a field with an
/// empty name or value and a repeated name; this client rejects them before sending instead, so
/// no data is lost without the caller knowing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomField {
    /// Name (non-empty, unique within its list).
    pub name: String,
    /// Value (non-empty).
    pub value: String,
}

impl CustomField {
    /// A custom field.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self { name: name.into(), value: value.into() }
    }
}

/// One line of a shipment.
#[derive(Clone, Debug, PartialEq)]
pub struct ShipmentLine {
    item: ItemRef,
    quantity: i64,
    inventory_variant_id: Option<i64>,
    rma_item_id: Option<i64>,
    custom_fields: Vec<CustomField>,
}

impl ShipmentLine {
    /// `quantity` units of `item`.
    pub fn new(item: ItemRef, quantity: i64) -> Self {
        Self {
            item,
            quantity,
            inventory_variant_id: None,
            rma_item_id: None,
            custom_fields: Vec::new(),
        }
    }

    /// `quantity` units of the item with this SKU.
    pub fn sku(sku: impl Into<String>, quantity: i64) -> Self {
        Self::new(ItemRef::Sku(sku.into()), quantity)
    }

    /// The inventory variant this line corresponds to.
    pub fn inventory_variant_id(mut self, id: i64) -> Self {
        self.inventory_variant_id = Some(id);
        self
    }

    /// The RMA item this line corresponds to.
    pub fn rma_item_id(mut self, id: i64) -> Self {
        self.rma_item_id = Some(id);
        self
    }

    /// Adds a custom field to this line.
    pub fn custom_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.custom_fields.push(CustomField::new(name, value));
        self
    }

    fn to_wire(&self, at: &str) -> Result<types::CreateShipmentItem, Error> {
        validate::positive(&format!("{at}.quantity"), self.quantity)?;
        let optional_id = |name: &str, id: Option<i64>| {
            id.map(|id| validate::id(&format!("{at}.{name}"), id)).transpose()
        };
        let mut item = types::CreateShipmentItem {
            quantity: self.quantity,
            inventory_variant_id: optional_id("inventoryVariantId", self.inventory_variant_id)?,
            rma_item_id: optional_id("rmaItemId", self.rma_item_id)?,
            custom_fields: custom_fields(&format!("{at}.customFields"), &self.custom_fields)?
                .into_iter()
                .map(|(name, value)| {
                    Some(types::CreateShipmentCustomField { name: Some(name), value: Some(value) })
                })
                .collect(),
            sku: None,
            source_variant_id: None,
            order_item_id: None,
            purchase_order_item_id: None,
        };
        match &self.item {
            ItemRef::Sku(sku) => item.sku = Some(validate::identifier(&format!("{at}.sku"), sku)?),
            ItemRef::SourceVariantId(id) => {
                item.source_variant_id = Some(validate::id(&format!("{at}.sourceVariantId"), *id)?)
            }
            ItemRef::OrderItemId(id) => {
                item.order_item_id = Some(validate::id(&format!("{at}.orderItemId"), *id)?)
            }
            // Sent as `purchaseOrderItemId`: it is the only item-level name the create page
            // documents; `fulfillmentRequestItemId` is documented only on responses.
            ItemRef::FulfillmentRequestItemId(id) => {
                item.purchase_order_item_id =
                    Some(validate::id(&format!("{at}.purchaseOrderItemId"), *id)?)
            }
        }
        Ok(item)
    }
}

fn custom_fields(at: &str, fields: &[CustomField]) -> Result<Vec<(String, String)>, Error> {
    let mut seen = HashSet::new();
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = validate::identifier(&format!("{at}[{i}].name"), &f.name)?;
            let value = validate::non_empty(&format!("{at}[{i}].value"), &f.value)?;
            if !seen.insert(name.clone()) {
                return Err(Error::validation(
                    format!("{at}[{i}].name"),
                    format!("repeats {name:?}; the server would drop it"),
                ));
            }
            Ok((name, value))
        })
        .collect()
}

/// What a `create_shipment` call is known to have achieved.
///
/// Only [`CreateOutcome::Created`] means "this call created the shipment". When an attempt's
/// answer is lost (a 502–504, a timeout, a dropped connection) the call is retried, and the
/// server refuses the repeat with 409 if a shipment with this tracking number exists on the
/// fulfillment request. That 409 cannot say *who* created it: the lost attempt, or someone
/// before this call. That case is [`CreateOutcome::AlreadyExists`], never `Created`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CreateOutcome {
    /// Created by this call; the stored shipment as the server returned it.
    Created(Box<types::Shipment>),
    /// A shipment with this tracking number exists on this fulfillment request, but this call
    /// cannot prove it created it: an earlier attempt's answer was lost and the retry was
    /// refused with 409. It may be that attempt's shipment, or one that was there before.
    /// (A 409 on the first attempt, with nothing lost, stays [`Error::Conflict`].)
    AlreadyExists {
        /// Attempts made.
        attempts: u32,
    },
}

impl CreateOutcome {
    /// The shipment, when this call created it (the server returned it).
    pub fn shipment(&self) -> Option<&types::Shipment> {
        match self {
            Self::Created(s) => Some(s),
            Self::AlreadyExists { .. } => None,
        }
    }

    /// Whether this call is known to have created the shipment.
    pub fn is_created(&self) -> bool {
        matches!(self, Self::Created(_))
    }
}

/// Builder of a `POST /shipments` call; see [`Client::create_shipment`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct CreateShipment {
    client: Client,
    target: FulfillmentRequestRef,
    tracking_number: String,
    lines: Vec<ShipmentLine>,
    carrier: Option<String>,
    method: Option<String>,
    note: Option<String>,
    tracking_url: Option<String>,
    shipped_at: Option<DateTime<Utc>>,
    shipping_cost: Option<f64>,
    suppressed: Option<bool>,
    custom_fields: Vec<CustomField>,
    allow_duplicate_tracking_numbers: bool,
    options: CallOptions,
}

impl Client {
    /// Creates a shipment on `target` with `tracking_number`; add at least one line with
    /// [`CreateShipment::line`], then `.send()`.
    ///
    /// ```no_run
    /// # async fn run(client: flxpoint_ext::Client) -> Result<(), flxpoint_ext::Error> {
    /// use flxpoint_ext::{FulfillmentRequestRef, ShipmentLine};
    /// let created = client
    ///     .create_shipment(FulfillmentRequestRef::id(1388412), "1Z63R0945454")
    ///     .carrier("ups")
    ///     .method("ups_ground")
    ///     .line(ShipmentLine::sku("HG12123123", 1))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn create_shipment(
        &self,
        target: FulfillmentRequestRef,
        tracking_number: impl Into<String>,
    ) -> CreateShipment {
        CreateShipment {
            client: self.clone(),
            target,
            tracking_number: tracking_number.into(),
            lines: Vec::new(),
            carrier: None,
            method: None,
            note: None,
            tracking_url: None,
            shipped_at: None,
            shipping_cost: None,
            suppressed: None,
            custom_fields: Vec::new(),
            allow_duplicate_tracking_numbers: false,
            options: CallOptions::default(),
        }
    }
}

impl CreateShipment {
    /// Adds a line (at least one is required).
    pub fn line(mut self, line: ShipmentLine) -> Self {
        self.lines.push(line);
        self
    }

    /// Adds several lines.
    pub fn lines(mut self, lines: impl IntoIterator<Item = ShipmentLine>) -> Self {
        self.lines.extend(lines);
        self
    }

    /// The carrier, e.g. `ups`.
    pub fn carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }

    /// The delivery method, e.g. `ups_ground`.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// A note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// A URL to track the shipment.
    pub fn tracking_url(mut self, url: impl Into<String>) -> Self {
        self.tracking_url = Some(url.into());
        self
    }

    /// When it was shipped.
    pub fn shipped_at(mut self, at: DateTime<Utc>) -> Self {
        self.shipped_at = Some(at);
        self
    }

    /// The cost of delivering (finite, not negative).
    pub fn shipping_cost(mut self, cost: f64) -> Self {
        self.shipping_cost = Some(cost);
        self
    }

    /// When true, the shipment is not synced back to the channel.
    pub fn suppressed(mut self, suppressed: bool) -> Self {
        self.suppressed = Some(suppressed);
        self
    }

    /// Adds a custom field to the shipment.
    pub fn custom_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.custom_fields.push(CustomField::new(name, value));
        self
    }

    /// Allow this tracking number more than once on the fulfillment request (default false).
    /// With `true`, a failed attempt that may have reached the server is never retried, since
    /// the server could not refuse the repeat.
    pub fn allow_duplicate_tracking_numbers(mut self, allow: bool) -> Self {
        self.allow_duplicate_tracking_numbers = allow;
        self
    }

    /// Validates and builds the wire body without sending it.
    pub fn to_request(&self) -> Result<types::CreateShipmentRequest, Error> {
        let mut request = types::CreateShipmentRequest {
            // Always written (it is the server's default too): a retried create relies on the
            // server refusing a repeated tracking number, so it is pinned, not assumed.
            allow_duplicate_tracking_numbers: self.allow_duplicate_tracking_numbers,
            shipment: self.shipment()?,
            fulfillment_request_id: None,
            purchase_order_id: None,
            purchase_order_number: None,
            source_id: None,
        };
        match (&self.target, self.client.token_kind()) {
            (FulfillmentRequestRef::Id(id), _) => {
                // New name only: `purchaseOrderId` is the deprecated name of the same value.
                request.fulfillment_request_id = Some(validate::id("fulfillmentRequestId", *id)?)
            }
            (FulfillmentRequestRef::Number { number, source_id }, kind) => {
                request.purchase_order_number =
                    Some(validate::identifier("purchaseOrderNumber", number)?);
                request.source_id = source_id.map(|s| validate::id("sourceId", s)).transpose()?;
                match (kind, source_id) {
                    (Some(TokenKind::Account), None) => {
                        return Err(Error::validation(
                            "sourceId",
                            "is required with purchaseOrderNumber when using an ACCOUNT token",
                        ));
                    }
                    (Some(TokenKind::Source { source_id: own }), Some(given)) if own != *given => {
                        return Err(Error::validation(
                            "sourceId",
                            format!("{given} is not the SOURCE token's source ({own})"),
                        ));
                    }
                    _ => {}
                }
            }
        }
        if self.client.token_kind() == Some(TokenKind::Channel) {
            return Err(Error::validation(
                "X-API-TOKEN",
                "a CHANNEL token cannot create shipments (only source or account tokens)",
            ));
        }
        Ok(request)
    }

    fn shipment(&self) -> Result<types::CreateShipmentRequestShipment, Error> {
        let tracking_number =
            validate::identifier("shipment.trackingNumber", &self.tracking_number)?;
        if self.lines.is_empty() {
            return Err(Error::validation("shipment.shipmentItems", "needs at least one item"));
        }
        if self.shipping_cost.is_some_and(|cost| !(cost.is_finite() && cost >= 0.0)) {
            return Err(Error::validation(
                "shipment.shippingCost",
                "must be a finite, non-negative number",
            ));
        }
        let shipment_items = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| l.to_wire(&format!("shipment.shipmentItems[{i}]")))
            .collect::<Result<_, _>>()?;
        let custom_fields = custom_fields("shipment.customFields", &self.custom_fields)?
            .into_iter()
            .map(|(name, value)| types::CreateShipmentCustomField {
                name: Some(name),
                value: Some(value),
            })
            .collect();
        Ok(types::CreateShipmentRequestShipment {
            tracking_number,
            shipment_items,
            carrier: self.carrier.clone(),
            method: self.method.clone(),
            note: self.note.clone(),
            tracking_url: self.tracking_url.clone(),
            shipped_at: self.shipped_at,
            shipping_cost: self.shipping_cost,
            suppressed: self.suppressed,
            custom_fields,
        })
    }

    crate::options::per_call_options!(CreateOutcome);

    /// A 409 answering a retry whose earlier attempt may have reached the server is
    /// [`CreateOutcome::AlreadyExists`], not an error (and not `Created`).
    async fn send_inner(self) -> Result<Response<CreateOutcome>, Error> {
        let body = self.to_request()?;
        let options = self.options.check()?;
        // With duplicates refused, a repeat is answered 409 and cannot create a second shipment.
        let class = if body.allow_duplicate_tracking_numbers {
            RetryClass::NotProcessedOnly
        } else {
            RetryClass::Idempotent
        };
        let api = self.client.api();
        let (result, state) = self
            .client
            .call(
                "createShipment",
                CallState::new(class).with_options(options),
                api.create_shipment().body(body).send(),
            )
            .await;
        match result {
            Ok(response) => Ok(response.map(|shipment| CreateOutcome::Created(Box::new(shipment)))),
            Err(Error::Conflict(mut e)) if state.ambiguous_earlier_attempt => Ok(Response {
                status: e.status,
                headers: std::mem::take(&mut e.headers),
                attempts: e.attempts,
                elapsed: e.elapsed,
                value: CreateOutcome::AlreadyExists { attempts: state.attempts },
            }),
            Err(e) => Err(e),
        }
    }
}
