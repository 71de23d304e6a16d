//! `POST /shipments` (createShipment).

use crate::Response;
use crate::exec::CallSettings;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::{Client, Error, Validate};
use chrono::{DateTime, Utc};
use flxpoint_api::types;

pub(crate) mod rules;

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

/// One line of a shipment: the generated item type's builder, so that every field the spec
/// gives an item can be set ([`ShipmentLine::with`]), and the named setters for the documented
/// ones.
#[derive(Clone, Debug)]
pub struct ShipmentLine {
    fields: types::builder::CreateShipmentItem,
    custom_fields: Vec<CustomField>,
}

/// Two lines are equal when they build the same item.
impl PartialEq for ShipmentLine {
    fn eq(&self, other: &Self) -> bool {
        self.build().map_err(|e| e.to_string()) == other.build().map_err(|e| e.to_string())
    }
}

impl ShipmentLine {
    /// `quantity` units of `item`.
    pub fn new(item: ItemRef, quantity: i64) -> Self {
        let fields = types::CreateShipmentItem::builder().quantity(quantity);
        let fields = match item {
            ItemRef::Sku(sku) => fields.sku(sku),
            ItemRef::SourceVariantId(id) => fields.source_variant_id(id),
            ItemRef::OrderItemId(id) => fields.order_item_id(id),
            // Sent as `purchaseOrderItemId`: it is the only item-level name the create page
            // documents; `fulfillmentRequestItemId` is documented only on responses.
            ItemRef::FulfillmentRequestItemId(id) => fields.purchase_order_item_id(id),
        };
        Self { fields, custom_fields: Vec::new() }
    }

    /// `quantity` units of the item with this SKU.
    pub fn sku(sku: impl Into<String>, quantity: i64) -> Self {
        Self::new(ItemRef::Sku(sku.into()), quantity)
    }

    /// The inventory variant this line corresponds to.
    pub fn inventory_variant_id(self, id: i64) -> Self {
        self.with(|f| f.inventory_variant_id(id))
    }

    /// The RMA item this line corresponds to.
    pub fn rma_item_id(self, id: i64) -> Self {
        self.with(|f| f.rma_item_id(id))
    }

    /// Adds a custom field to this line.
    pub fn custom_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.custom_fields.push(CustomField::new(name, value));
        self
    }

    /// Sets any field of the generated item type, including one the spec gains later:
    /// `line.with(|f| f.rma_item_id(7))`. The rules apply to it when the request is built.
    pub fn with(
        mut self,
        set: impl FnOnce(types::builder::CreateShipmentItem) -> types::builder::CreateShipmentItem,
    ) -> Self {
        self.fields = set(self.fields);
        self
    }

    /// The generated item, unchecked (the request's rules check it); custom fields added with
    /// [`ShipmentLine::custom_field`] follow any set through [`ShipmentLine::with`].
    fn build(&self) -> Result<types::CreateShipmentItem, types::error::ConversionError> {
        self.clone().into_item()
    }

    fn into_item(self) -> Result<types::CreateShipmentItem, types::error::ConversionError> {
        let mut item: types::CreateShipmentItem = self.fields.try_into()?;
        item.custom_fields.extend(self.custom_fields.into_iter().map(|f| Some(f.into_wire())));
        Ok(item)
    }
}

impl CustomField {
    // Default plus fields, not a literal: a field the spec adds later must not break this.
    #[allow(clippy::field_reassign_with_default)]
    fn into_wire(self) -> types::CreateShipmentCustomField {
        let mut field = types::CreateShipmentCustomField::default();
        field.name = Some(self.name);
        field.value = Some(self.value);
        field
    }
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

/// Builder of a `POST /shipments` call; see [`Client::create_shipment`]. It holds the generated
/// request's own builders: named setters for the documented fields, [`CreateShipment::with_shipment`]
/// and [`CreateShipment::with_request`] for any field of the spec.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct CreateShipment {
    client: Client,
    /// Boxed: the builder moves by value through every setter and into `send`'s future, and
    /// the generated request's builders are large (about 700 bytes).
    parts: Box<Parts>,
    options: CallOptions,
}

/// The request a [`CreateShipment`] builds.
#[derive(Clone, Debug)]
struct Parts {
    request: types::builder::CreateShipmentRequest,
    shipment: types::builder::CreateShipmentRequestShipment,
    lines: Vec<ShipmentLine>,
    custom_fields: Vec<CustomField>,
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
        // Always written (it is the server's default too): a retried create relies on the
        // server refusing a repeated tracking number, so it is pinned, not assumed.
        let request =
            types::CreateShipmentRequest::builder().allow_duplicate_tracking_numbers(false);
        let request = match target {
            // New name only: `purchaseOrderId` is the deprecated name of the same value.
            FulfillmentRequestRef::Id(id) => request.fulfillment_request_id(id),
            FulfillmentRequestRef::Number { number, source_id } => {
                request.purchase_order_number(number).source_id(source_id)
            }
        };
        let shipment = types::CreateShipmentRequestShipment::builder()
            .tracking_number(tracking_number.into())
            .shipment_items(Vec::new());
        self.create_shipment_with(request, shipment)
    }

    /// A `POST /shipments` call for a request made elsewhere (a JSON body, a file), checked by
    /// the same rules as one built with [`Client::create_shipment`] when it is sent.
    pub fn create_shipment_request(&self, request: types::CreateShipmentRequest) -> CreateShipment {
        let shipment = request.shipment.clone().into();
        self.create_shipment_with(request.into(), shipment)
    }

    fn create_shipment_with(
        &self,
        request: types::builder::CreateShipmentRequest,
        shipment: types::builder::CreateShipmentRequestShipment,
    ) -> CreateShipment {
        let parts = Parts { request, shipment, lines: Vec::new(), custom_fields: Vec::new() };
        CreateShipment {
            client: self.clone(),
            parts: Box::new(parts),
            options: CallOptions::default(),
        }
    }
}

impl CreateShipment {
    /// Adds a line (at least one is required).
    pub fn line(mut self, line: ShipmentLine) -> Self {
        self.parts.lines.push(line);
        self
    }

    /// Adds several lines.
    pub fn lines(mut self, lines: impl IntoIterator<Item = ShipmentLine>) -> Self {
        self.parts.lines.extend(lines);
        self
    }

    /// The carrier, e.g. `ups`.
    pub fn carrier(self, carrier: impl Into<String>) -> Self {
        self.with_shipment(|s| s.carrier(carrier.into()))
    }

    /// The delivery method, e.g. `ups_ground`.
    pub fn method(self, method: impl Into<String>) -> Self {
        self.with_shipment(|s| s.method(method.into()))
    }

    /// A note.
    pub fn note(self, note: impl Into<String>) -> Self {
        self.with_shipment(|s| s.note(note.into()))
    }

    /// A URL to track the shipment.
    pub fn tracking_url(self, url: impl Into<String>) -> Self {
        self.with_shipment(|s| s.tracking_url(url.into()))
    }

    /// When it was shipped.
    pub fn shipped_at(self, at: DateTime<Utc>) -> Self {
        self.with_shipment(|s| s.shipped_at(at))
    }

    /// The cost of delivering (finite, not negative).
    pub fn shipping_cost(self, cost: f64) -> Self {
        self.with_shipment(|s| s.shipping_cost(cost))
    }

    /// When true, the shipment is not synced back to the channel.
    pub fn suppressed(self, suppressed: bool) -> Self {
        self.with_shipment(|s| s.suppressed(suppressed))
    }

    /// Adds a custom field to the shipment.
    pub fn custom_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.custom_fields.push(CustomField::new(name, value));
        self
    }

    /// Allow this tracking number more than once on the fulfillment request (default false).
    /// With `true`, a failed attempt that may have reached the server is never retried, since
    /// the server could not refuse the repeat.
    pub fn allow_duplicate_tracking_numbers(self, allow: bool) -> Self {
        self.with_request(|r| r.allow_duplicate_tracking_numbers(allow))
    }

    /// Sets any field of the generated `shipment` object, including one the spec gains later:
    /// `.with_shipment(|s| s.carrier("ups".to_owned()))`. Lines and custom fields added with
    /// [`CreateShipment::line`] and [`CreateShipment::custom_field`] follow those set here.
    pub fn with_shipment(
        mut self,
        set: impl FnOnce(
            types::builder::CreateShipmentRequestShipment,
        ) -> types::builder::CreateShipmentRequestShipment,
    ) -> Self {
        self.parts.shipment = set(self.parts.shipment);
        self
    }

    /// Sets any top-level field of the generated request (the `shipment` object is set by
    /// [`CreateShipment::with_shipment`]).
    pub fn with_request(
        mut self,
        set: impl FnOnce(types::builder::CreateShipmentRequest) -> types::builder::CreateShipmentRequest,
    ) -> Self {
        self.parts.request = set(self.parts.request);
        self
    }

    /// Validates and builds the wire body without sending it: the generated request, checked by
    /// [`Validate::validate`] for the client's token kind.
    pub fn to_request(&self) -> Result<types::CreateShipmentRequest, Error> {
        let Parts { request, shipment, lines, custom_fields } = (*self.parts).clone();
        build_request(&self.client, request, shipment, lines, custom_fields)
    }

    crate::options::per_call_options!(CreateOutcome);

    /// A 409 answering a retry whose earlier attempt may have reached the server is
    /// [`CreateOutcome::AlreadyExists`], not an error (and not `Created`).
    async fn send_inner(self) -> Result<Response<CreateOutcome>, Error> {
        let Self { client, parts, options } = self;
        let Parts { request, shipment, lines, custom_fields } = *parts;
        let body = build_request(&client, request, shipment, lines, custom_fields)?;
        let options = options.check()?;
        // With duplicates refused, a repeat is answered 409 and cannot create a second shipment.
        let class = if body.allow_duplicate_tracking_numbers {
            RetryClass::NotProcessedOnly
        } else {
            RetryClass::Idempotent
        };
        let call = client.prepare(CallSettings::new("createShipment", class, options));
        let (result, state) =
            client.call(&call, Box::pin(call.api().create_shipment().body(body).send())).await;
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

/// The generated request from a builder's parts (taken, not cloned: `send` runs this on every
/// call), checked by [`Validate::validate`] for the client's token kind.
fn build_request(
    client: &Client,
    request: types::builder::CreateShipmentRequest,
    shipment: types::builder::CreateShipmentRequestShipment,
    lines: Vec<ShipmentLine>,
    custom_fields: Vec<CustomField>,
) -> Result<types::CreateShipmentRequest, Error> {
    let unbuildable = |at: &dyn std::fmt::Display, e: types::error::ConversionError| {
        Error::validation(at.to_string(), e.to_string())
    };
    let mut shipment: types::CreateShipmentRequestShipment =
        shipment.try_into().map_err(|e| unbuildable(&"shipment", e))?;
    let first = shipment.shipment_items.len();
    for (i, line) in lines.into_iter().enumerate() {
        // The path is formatted only for an error: this runs on every call.
        let at = crate::schema::Indexed("shipment.shipmentItems", first + i);
        shipment.shipment_items.push(line.into_item().map_err(|e| unbuildable(&at, e))?);
    }
    shipment.custom_fields.extend(custom_fields.into_iter().map(CustomField::into_wire));
    let request: types::CreateShipmentRequest =
        request.shipment(shipment).try_into().map_err(|e| unbuildable(&"body", e))?;
    request.validate(client.token_kind())
}
