//! The routes: five API operations behind the pipeline, and the admin routes beside it.

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, patch, post, put};

use super::app::App;
use super::{admin, console, handlers, pipeline, recorder};

/// The whole server.
pub(crate) fn build(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/shipments", post(handlers::create_shipment))
        .route("/shipments/flag-with-errors", put(handlers::flag_with_errors))
        .route(
            "/fulfillment-requests/{fulfillmentRequestId}/accounting-sync",
            patch(handlers::sync_accounting),
        )
        .route(
            "/fulfillment-requests/{fulfillmentRequestId}/processing-failed",
            patch(handlers::processing_failed),
        )
        .route("/orders/link", patch(handlers::link_orders))
        .fallback(pipeline::not_found)
        .method_not_allowed_fallback(pipeline::method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&app), pipeline::api_pipeline))
        // Outermost, so the journal sees what the client sent and the answer it finally got.
        .layer(middleware::from_fn_with_state(Arc::clone(&app), recorder::record));
    let admin = Router::new()
        .route("/state", get(admin::state))
        .route("/reset", post(admin::reset))
        .route("/faults", post(admin::add_faults).delete(admin::clear_faults))
        .route("/requests", get(admin::requests).delete(admin::clear_requests))
        .route("/", get(console::index))
        .route("/console.js", get(console::script))
        .route("/console.css", get(console::style))
        .route("/favicon.svg", get(console::icon))
        .fallback(pipeline::not_found)
        .method_not_allowed_fallback(pipeline::method_not_allowed)
        // Every admin and console answer, the fallbacks' too, only to the developer's own pages.
        .layer(middleware::from_fn(admin::local_only));
    // `/_sandbox` is the nested "/"; `/_sandbox/` (the address to open) needs its own route.
    let console_page = get(console::index).layer(middleware::from_fn(admin::local_only));
    api.nest("/_sandbox", admin).route("/_sandbox/", console_page).with_state(app)
}
