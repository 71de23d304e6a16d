//! A stored shipment and its JSON (the page's `Shipment` schema; `None` fields are omitted).

use serde_json::{Map, Number, Value};

/// A shipment created through `POST /shipments`.
#[derive(Clone, Debug)]
pub(crate) struct Shipment {
    pub(crate) id: i64,
    pub(crate) note: Option<String>,
    pub(crate) tracking_url: Option<String>,
    pub(crate) tracking_number: String,
    pub(crate) carrier: Option<String>,
    pub(crate) method: Option<String>,
    pub(crate) shipped_at: Option<String>,
    pub(crate) inserted_at: String,
    pub(crate) updated_at: String,
    pub(crate) shipping_cost: Option<Number>,
    pub(crate) order_id: i64,
    pub(crate) fulfillment_request_id: i64,
    pub(crate) source_id: i64,
    pub(crate) account_id: i64,
    pub(crate) partial: bool,
    pub(crate) suppressed: bool,
    pub(crate) synced_to_channel: bool,
    pub(crate) sync_error: Option<String>,
    pub(crate) accounting_synced: bool,
    pub(crate) custom_fields: Vec<CustomField>,
    pub(crate) items: Vec<ShipmentItem>,
}

/// A line of a shipment, matched to one fulfillment request item.
#[derive(Clone, Debug)]
pub(crate) struct ShipmentItem {
    pub(crate) id: i64,
    pub(crate) sku: String,
    pub(crate) quantity: i64,
    pub(crate) inventory_variant_id: Option<i64>,
    pub(crate) partial: bool,
    pub(crate) order_item_id: i64,
    pub(crate) fulfillment_request_item_id: i64,
    pub(crate) rma_item_id: Option<i64>,
    pub(crate) custom_fields: Vec<CustomField>,
}

/// A saved custom field.
#[derive(Clone, Debug)]
pub(crate) struct CustomField {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) value: String,
}

/// Builds a JSON object, leaving out `None` values.
struct Fields(Map<String, Value>);

impl Fields {
    fn put(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    fn opt<T: Into<Value>>(self, key: &str, value: Option<T>) -> Self {
        match value {
            Some(value) => self.put(key, value),
            None => self,
        }
    }
}

impl Shipment {
    /// The response JSON, in the page's field order; absent values are omitted.
    pub(crate) fn to_json(&self) -> Value {
        let fields = Fields(Map::new())
            .put("id", self.id)
            .opt("note", self.note.clone())
            .opt("trackingUrl", self.tracking_url.clone())
            .put("trackingNumber", self.tracking_number.clone())
            .opt("carrier", self.carrier.clone())
            .opt("method", self.method.clone())
            .opt("shippedAt", self.shipped_at.clone())
            .put("insertedAt", self.inserted_at.clone())
            .opt("shippingCost", self.shipping_cost.clone())
            .put("orderId", self.order_id)
            .put("purchaseOrderId", self.fulfillment_request_id)
            .put("fulfillmentRequestId", self.fulfillment_request_id)
            .put("sourceId", self.source_id)
            .put("accountId", self.account_id)
            .put("partial", self.partial)
            .put("suppressed", self.suppressed)
            .put("syncedToChannel", self.synced_to_channel)
            .opt("syncError", self.sync_error.clone())
            .put(
                "shipmentItems",
                self.items.iter().map(|item| item.to_json(self.id)).collect::<Vec<_>>(),
            )
            .put("customFields", custom_fields_json(&self.custom_fields))
            .put("updatedAt", self.updated_at.clone())
            .put("accountingSynced", self.accounting_synced);
        Value::Object(fields.0)
    }
}

impl ShipmentItem {
    fn to_json(&self, shipment_id: i64) -> Value {
        let fields = Fields(Map::new())
            .put("id", self.id)
            .put("sku", self.sku.clone())
            .put("quantity", self.quantity)
            .put("shipmentId", shipment_id)
            .opt("inventoryVariantId", self.inventory_variant_id)
            .put("partial", self.partial)
            .put("orderItemId", self.order_item_id)
            .put("purchaseOrderItemId", self.fulfillment_request_item_id)
            .put("fulfillmentRequestItemId", self.fulfillment_request_item_id)
            .put("committedStockReleasedQuantity", 0)
            .opt("rmaItemId", self.rma_item_id)
            .put("customFields", custom_fields_json(&self.custom_fields));
        Value::Object(fields.0)
    }
}

fn custom_fields_json(fields: &[CustomField]) -> Value {
    fields
        .iter()
        .map(|field| {
            let object = Fields(Map::new())
                .put("id", field.id)
                .put("name", field.name.clone())
                .put("value", field.value.clone());
            Value::Object(object.0)
        })
        .collect()
}
