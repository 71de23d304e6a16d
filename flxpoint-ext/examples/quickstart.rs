//! Quickstart: what the client offers and what it sends, with no account and no network.
//!
//! `cargo run -p flxpoint-ext --example quickstart`
//!
//! It lists the operations of the embedded API description, builds the help center's
//! "Create Shipment" example 1 through the validated builder and prints the exact JSON body, and
//! shows a bad input refused before anything is sent. (The walk through the whole flow against
//! the embedded sandbox comes with the sandbox server; see the README.)

use flxpoint_ext::{Client, Error, FulfillmentRequestRef, Patch, ShipmentLine, TokenKind};

const SPEC: &str = include_str!("../../openapi/openapi.yaml");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec: serde_json::Value = serde_yaml_ng::from_str(SPEC)?;
    println!(
        "Flxpoint API {} — operations offered by flxpoint-ext:",
        spec["info"]["version"].as_str().unwrap_or("?")
    );
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            println!(
                "  {:<34} {:<6} {}",
                op["operationId"].as_str().unwrap_or("?"),
                method.to_uppercase(),
                path
            );
        }
    }

    // A client needs only a token; nothing is sent until `.send().await`.
    let client =
        Client::builder("demo-token").token_kind(TokenKind::Source { source_id: 100 }).build()?;
    println!("\nclient: {client:?}");

    let shipment = client
        .create_shipment(FulfillmentRequestRef::id(1388412), "1Z63R094545434534534534534")
        .carrier("ups")
        .method("ups_ground")
        .line(ShipmentLine::sku("HG12123123", 1));
    println!(
        "\nPOST /shipments would send:\n{}",
        serde_json::to_string_pretty(&shipment.to_request()?)?
    );

    let sync = client
        .sync_accounting(1388412)
        .accounting_synced(Patch::Set(true))
        .external_accounting_id(Patch::Set("TEST-221".into()))
        .accounting_error(Patch::Clear)
        .item(12312, Patch::Set("TEST-221-A".into()));
    println!(
        "\nPATCH /fulfillment-requests/1388412/accounting-sync would send (null clears):\n{}",
        serde_json::to_string_pretty(&sync.to_request()?)?
    );

    let bad = client
        .create_shipment(FulfillmentRequestRef::id(1388412), "1Z999")
        .line(ShipmentLine::sku("HG12123123", 0));
    match bad.to_request() {
        Err(e @ Error::Validation { .. }) => println!("\nrefused before sending: {e}"),
        other => return Err(format!("expected a validation error, got {other:?}").into()),
    }
    Ok(())
}
