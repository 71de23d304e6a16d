//! `flxpoint api METHOD PATH` through the real binary: any endpoint, with the same token,
//! redaction (checked on every run by `common::run`) and exit codes as the typed commands.

mod common;

use common::{Fixture, run};
use serde_json::json;

fn shipment_body(tracking: &str) -> String {
    json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": tracking,
        "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}})
    .to_string()
}

#[test]
fn a_post_with_a_body_prints_the_answer_and_a_repeat_is_exit_1() {
    let f = Fixture::new();
    let created =
        f.run_stdin(&["api", "POST", "/shipments", "--body", "-"], &shipment_body("API-1"));
    created.assert_ok();
    assert_eq!(created.json()["trackingNumber"], "API-1");
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(f.shipment(id)["trackingNumber"], "API-1");

    // The same tracking number again: the service says no (409), exit 1, the error on stderr.
    let again = f.run_stdin(&["api", "post", "/shipments", "--body", "-"], &shipment_body("API-1"));
    assert_eq!(again.code, 1, "{again:#?}");
    assert_eq!(again.stdout, "");
    assert_eq!(again.error()["status"], 409, "{again:#?}");
}

#[test]
fn fields_are_the_query_of_a_get_and_a_query_in_the_path_is_read_too() {
    let f = Fixture::new();
    f.create_shipment("API-Q1");
    f.create_shipment("API-Q2");
    // The sandbox's own journal is a GET endpoint on the same origin.
    let run = f.run(&["api", "GET", "/_sandbox/requests?limit=1", "-f", "path=/shipments"]);
    run.assert_ok();
    let entries = run.json()["requests"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1, "{run:#?}");
    // Both parameters arrived: the journal was filtered by path and cut to one entry.
    assert_eq!(entries[0]["path"], "/shipments");
    let other = f.run(&["api", "GET", "/_sandbox/requests", "-f", "path=/orders/link"]);
    assert_eq!(other.json()["requests"], json!([]), "{other:#?}");
}

#[test]
fn include_prints_the_status_and_headers_and_fields_make_a_patch_body() {
    let f = Fixture::new();
    // A typed operation's path: the same wire as `fulfillment-requests processing-failed`.
    let run = f.run(&[
        "api",
        "PATCH",
        "/fulfillment-requests/1388412/processing-failed?error=from%20api",
        "-i",
    ]);
    run.assert_ok();
    assert!(run.stdout.starts_with("HTTP 20"), "{run:#?}");
    let last = f.sandbox.requests().pop().unwrap();
    assert_eq!(last.query.as_deref(), Some("error=from+api"));

    // -F typed fields become the JSON body of a PATCH.
    let run = f.run(&[
        "api",
        "PATCH",
        "/fulfillment-requests/1388412/accounting-sync",
        "-F",
        "accountingSynced=true",
        "-f",
        "externalAccountingId=A-1",
    ]);
    run.assert_ok();
    let last = f.sandbox.requests().pop().unwrap();
    assert_eq!(
        last.body.unwrap(),
        json!({"accountingSynced": true, "externalAccountingId": "A-1"})
    );
}

#[test]
fn bad_input_is_exit_2_naming_the_field_and_nothing_is_sent() {
    let f = Fixture::new();
    for (args, field) in [
        (&["api", "GET", "shipments"][..], "path"),
        (&["api", "GET", "//evil.example/x"], "path"),
        (&["api", "GET", "/a/../b"], "path"),
        (&["api", "GET", "/a#b"], "path"),
        (&["api", "G(E)T", "/shipments"], "method"),
        (&["api", "GET", "/shipments", "-H", "no colon"], "header"),
        (&["api", "GET", "/shipments", "-H", "X-API-TOKEN: other"], "header(\"X-API-TOKEN\")"),
    ] {
        let run = f.run(args);
        assert_eq!(run.code, 2, "{run:#?}");
        assert_eq!(run.error()["field"], field, "{run:#?}");
    }
    assert_eq!(f.sandbox.request_count(), 0);
}

#[test]
fn the_embedded_sandbox_answers_without_any_setting() {
    let run = run(
        &["--sandbox", "api", "POST", "/shipments", "--body", "-"],
        Some(&shipment_body("API-S")),
        &[],
    );
    run.assert_ok();
    assert_eq!(run.json()["trackingNumber"], "API-S");
}

#[test]
fn an_answer_that_is_not_json_is_printed_as_is() {
    let f = Fixture::new();
    // The sandbox console's stylesheet: a 200 that is text, not JSON.
    let run = f.run(&["api", "GET", "/_sandbox/console.css"]);
    run.assert_ok();
    let css = include_str!("../../tests/src/sandbox/console/console.css");
    assert_eq!(run.stdout.trim_end(), css.trim_end());
}
