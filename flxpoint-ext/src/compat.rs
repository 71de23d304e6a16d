//! Deprecation aliases on response types: accessors that prefer the new names and fall back to
//! the old (`fulfillmentRequestId` ← `purchaseOrderId`, `fulfillmentRequestItemId` ←
//! `purchaseOrderItemId`), so code works with servers that send either.

use flxpoint_api::types::{Shipment, ShipmentItem};

/// Accessors for [`Shipment`].
pub trait ShipmentExt {
    /// The fulfillment request ID (`fulfillmentRequestId`, else the old `purchaseOrderId`).
    fn fulfillment_request_id(&self) -> Option<i64>;

    /// The old name of [`ShipmentExt::fulfillment_request_id`].
    #[deprecated(
        note = "`purchaseOrderId` is renamed `fulfillmentRequestId`: use `fulfillment_request_id()`"
    )]
    fn purchase_order_id(&self) -> Option<i64> {
        self.fulfillment_request_id()
    }
}

impl ShipmentExt for Shipment {
    fn fulfillment_request_id(&self) -> Option<i64> {
        self.fulfillment_request_id.or(self.purchase_order_id)
    }
}

/// Accessors for [`ShipmentItem`].
pub trait ShipmentItemExt {
    /// The fulfillment request item ID (`fulfillmentRequestItemId`, else the old
    /// `purchaseOrderItemId`).
    fn fulfillment_request_item_id(&self) -> Option<i64>;

    /// The old name of [`ShipmentItemExt::fulfillment_request_item_id`].
    #[deprecated(
        note = "`purchaseOrderItemId` is renamed `fulfillmentRequestItemId`: use `fulfillment_request_item_id()`"
    )]
    fn purchase_order_item_id(&self) -> Option<i64> {
        self.fulfillment_request_item_id()
    }
}

impl ShipmentItemExt for ShipmentItem {
    fn fulfillment_request_item_id(&self) -> Option<i64> {
        self.fulfillment_request_item_id.or(self.purchase_order_item_id)
    }
}
