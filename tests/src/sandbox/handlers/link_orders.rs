//! `PATCH /orders/link?orderId=<id>` or `?orderItemId=<id>` (linkUnmanagedOrders).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use crate::sandbox::app::App;
use crate::sandbox::error::ApiError;
use crate::sandbox::input;
use crate::sandbox::seed::Order;

/// What one call links.
enum Selector {
    /// Every unmanaged item of this order.
    Order(i64),
    /// This item.
    Item(i64),
    /// A parameter this sandbox does not define: links nothing.
    Other,
}

/// Links unmanaged items; 200 with the ids of orders that had at least one item linked now.
pub(crate) async fn link_orders(
    State(app): State<Arc<App>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let selector = selector(input::query_pairs(query)?)?;
    let mut data = app.state();
    let linked: Vec<i64> = data
        .orders
        .iter_mut()
        .filter_map(|order| link(order, &selector).then_some(order.id))
        .collect();
    Ok(Json(linked).into_response())
}

/// The page: exactly one of "the defined GET parameters", otherwise 400.
/// Decision: the defined ones are `orderId` and `orderItemId`; any other name (or a repeat)
/// also counts as a parameter for that rule, and an unknown name alone links nothing (200 []).
fn selector(pairs: Vec<(String, String)>) -> Result<Selector, ApiError> {
    let mut pairs = pairs.into_iter();
    let (Some((name, value)), None) = (pairs.next(), pairs.next()) else {
        return Err(ApiError::bad_request(
            "pass exactly one query parameter: orderId or orderItemId",
        ));
    };
    let int = |value: &str| {
        value
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request(format!("{name} must be an integer, got {value:?}")))
    };
    match name.as_str() {
        "orderId" => Ok(Selector::Order(int(&value)?)),
        "orderItemId" => Ok(Selector::Item(int(&value)?)),
        _ => Ok(Selector::Other),
    }
}

/// Links the selected unmanaged items of `order`; whether any changed.
fn link(order: &mut Order, selector: &Selector) -> bool {
    let mut changed = false;
    for item in &mut order.items {
        let selected = match selector {
            Selector::Order(id) => order.id == *id,
            Selector::Item(id) => item.id == *id,
            Selector::Other => false,
        };
        if selected && !item.linked {
            item.linked = true;
            changed = true;
        }
    }
    changed
}
