//! The mutable data of a sandbox: the seed's records plus the shipments created since.

use serde_json::{Value, json};

use super::auth::Caller;
use super::seed::{FulfillmentRequest, Order, Seed, Source};
use super::shipment::Shipment;

/// Sources, fulfillment requests, orders and shipments, with the id sequences for new records.
pub(crate) struct State {
    pub(crate) sources: Vec<Source>,
    pub(crate) fulfillment_requests: Vec<FulfillmentRequest>,
    pub(crate) orders: Vec<Order>,
    pub(crate) shipments: Vec<Shipment>,
    next_shipment_id: i64,
    next_shipment_item_id: i64,
    next_custom_field_id: i64,
}

impl State {
    /// A fresh state holding the seed and no shipments.
    pub(crate) fn from_seed(seed: &Seed) -> State {
        State {
            sources: seed.sources.clone(),
            fulfillment_requests: seed.fulfillment_requests.clone(),
            orders: seed.orders.clone(),
            shipments: Vec::new(),
            next_shipment_id: 1,
            next_shipment_item_id: 1,
            next_custom_field_id: 1,
        }
    }

    /// Whether a source with this id exists.
    pub(crate) fn has_source(&self, id: i64) -> bool {
        self.sources.iter().any(|source| source.id == id)
    }

    /// The fulfillment request `id` if the caller may see it (otherwise absent, i.e. 404).
    pub(crate) fn visible_request_mut(
        &mut self,
        caller: Caller,
        id: i64,
    ) -> Option<&mut FulfillmentRequest> {
        self.fulfillment_requests
            .iter_mut()
            .find(|request| request.id == id && caller.sees_source(request.source_id))
    }

    /// The index of the shipment `id` if the caller may see it.
    pub(crate) fn visible_shipment_index(&self, caller: Caller, id: i64) -> Option<usize> {
        self.shipments
            .iter()
            .position(|shipment| shipment.id == id && caller.sees_source(shipment.source_id))
    }

    /// Next shipment id.
    pub(crate) fn new_shipment_id(&mut self) -> i64 {
        next(&mut self.next_shipment_id)
    }

    /// Next shipment item id.
    pub(crate) fn new_shipment_item_id(&mut self) -> i64 {
        next(&mut self.next_shipment_item_id)
    }

    /// Next custom field id.
    pub(crate) fn new_custom_field_id(&mut self) -> i64 {
        next(&mut self.next_custom_field_id)
    }

    /// The data part of `GET /_sandbox/state`; unlike API responses it keeps `null` fields.
    pub(crate) fn dump(&self) -> Value {
        json!({
            "sources": self.sources,
            "fulfillmentRequests": self.fulfillment_requests,
            "orders": self.orders,
            "shipments": self.shipments.iter().map(Shipment::to_json).collect::<Vec<_>>(),
        })
    }
}

fn next(counter: &mut i64) -> i64 {
    let id = *counter;
    *counter += 1;
    id
}
