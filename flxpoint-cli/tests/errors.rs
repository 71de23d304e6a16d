//! Failures through the real binary: bad input is refused before sending (exit 2, the field
//! named, the sandbox sees no request), the service's refusals and transport failures are exit
//! 1, and the token is never printed (checked on every run by `common::run`). Also the settings
//! (`--token-file`, `--sandbox` with no environment) and every help page.

mod common;

use common::{Fixture, TOKEN, file, run};
use flxpoint_sandbox::sandbox::Fault;
use serde_json::json;

/// A case: the arguments, what stdin holds, and the field the error must name.
struct Case {
    args: Vec<&'static str>,
    stdin: Option<String>,
    field: &'static str,
}

/// A case with flags only.
fn flags(args: &[&'static str], field: &'static str) -> Case {
    Case { args: args.to_vec(), stdin: None, field }
}

/// A case with a JSON body on stdin (`--body -` is added).
fn body(args: &[&'static str], body: impl ToString, field: &'static str) -> Case {
    let mut args = args.to_vec();
    args.extend(["--body", "-"]);
    Case { args, stdin: Some(body.to_string()), field }
}

/// `shipments create` on 1388412 with these flags.
fn create(tail: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec!["shipments", "create", "--fulfillment-request-id", "1388412"];
    args.extend_from_slice(tail);
    args
}

#[test]
fn bad_input_names_the_field_exits_2_and_sends_nothing() {
    const CREATE: &[&str] = &["shipments", "create"];
    const FLAG: &[&str] = &["shipments", "flag-with-errors"];
    const SYNC: &[&str] = &["fulfillment-requests", "accounting-sync", "1388412"];
    let item = |fields: serde_json::Value| json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T", "shipmentItems": [fields]}});
    let cases = [
        flags(
            &create(&["--tracking-number", "T", "--item", "sku=A,quantity=0"]),
            "shipment.shipmentItems[0].quantity",
        ),
        flags(&create(&["--tracking-number", "T"]), "shipment.shipmentItems"),
        flags(
            &create(&["--tracking-number", " ", "--item", "sku=A,quantity=1"]),
            "shipment.trackingNumber",
        ),
        flags(
            &create(&[
                "--tracking-number",
                "T",
                "--item",
                "sku=A,quantity=1",
                "--shipping-cost=-1",
            ]),
            "shipment.shippingCost",
        ),
        flags(
            &create(&[
                "--tracking-number",
                "T",
                "--item",
                "sku=A,quantity=1",
                "--shipped-at",
                "yesterday",
            ]),
            "shipment.shippedAt",
        ),
        flags(
            &create(&["--tracking-number", "T", "--item", "orderItemId=0,quantity=1"]),
            "shipment.shipmentItems[0].orderItemId",
        ),
        flags(
            &create(&[
                "--tracking-number",
                "T",
                "--item",
                "sku=A,quantity=1",
                "--custom-field",
                "lot=",
            ]),
            "shipment.customFields[0].value",
        ),
        flags(
            &[
                "--token-kind",
                "account",
                "shipments",
                "create",
                "--purchase-order-number",
                "ORDER_123-1",
                "--tracking-number",
                "T",
                "--item",
                "sku=A,quantity=1",
            ],
            "sourceId",
        ),
        body(
            CREATE,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": 5}}),
            "shipment.trackingNumber",
        ),
        body(
            CREATE,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumbr": "T"}}),
            "shipment.trackingNumber",
        ),
        body(
            CREATE,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T", "colour": "red"}}),
            "shipment.colour",
        ),
        body(CREATE, json!({"shipment": {"trackingNumber": "T"}}), "fulfillmentRequestId"),
        body(
            CREATE,
            json!({"fulfillmentRequestId": 1, "purchaseOrderId": 2, "shipment": {}}),
            "purchaseOrderId",
        ),
        body(
            CREATE,
            item(json!({"sku": "A", "orderItemId": 7001, "quantity": 1})),
            "shipment.shipmentItems[0].orderItemId",
        ),
        body(
            CREATE,
            item(json!({"sku": "A", "quantity": 1.5})),
            "shipment.shipmentItems[0].quantity",
        ),
        body(CREATE, item(json!({"quantity": 1})), "shipment.shipmentItems[0]"),
        body(
            CREATE,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T",
                "shipmentItems": [{"sku": "A", "quantity": 1}],
                "customFields": [{"name": "lot", "value": "1"}, {"name": "lot", "value": "2"}]}}),
            "shipment.customFields[1].name",
        ),
        body(CREATE, "{not json", "body"),
        body(CREATE, "", "body"),
        body(FLAG, json!([{"id": 5, "syncError": ""}]), "[0].syncError"),
        body(FLAG, json!([{"id": 5, "syncError": "x", "carrier": "ups"}]), "[0].carrier"),
        body(FLAG, json!({"id": 5}), "body"),
        body(FLAG, json!([]), "body"),
        body(SYNC, json!({"items": [{"id": 1884921}]}), "items[0].externalAccountingItemId"),
        body(SYNC, json!({"accountingSynced": "yes"}), "accountingSynced"),
        body(SYNC, json!({}), "body"),
        // Unknown fields are named against the spec's schema, in an item too.
        body(SYNC, json!({"accountingSync": true}), "accountingSync"),
        body(
            SYNC,
            json!({"items": [{"id": 1884921, "externalAccountingItemID": "A"}]}),
            "items[0].externalAccountingItemID",
        ),
        body(FLAG, json!([{"id": 5, "syncError": "x", "colour": "red"}]), "[0].colour"),
        body(
            &["fulfillment-requests", "processing-failed", "1388412"],
            json!({"reason": "x"}),
            "error",
        ),
        body(&["orders", "link"], json!({"orderId": 1, "orderItemId": 2}), "body"),
        body(&["orders", "link"], json!({"orderId": true}), "orderId"),
        flags(&["shipments", "flag-with-errors", "--shipment", "0=lost"], "[0].id"),
        flags(
            &["shipments", "flag-with-errors", "--shipment", "7=x", "--shipment", "7=y"],
            "[1].id",
        ),
        flags(SYNC, "body"),
        flags(
            &["fulfillment-requests", "accounting-sync", "0", "--accounting-synced", "true"],
            "fulfillmentRequestId",
        ),
        flags(
            &["fulfillment-requests", "accounting-sync", "1388412", "--item", "1884921="],
            "items[0].externalAccountingItemId",
        ),
        flags(&["fulfillment-requests", "processing-failed", "1388412", "--reason", ""], "error"),
        flags(&["orders", "link", "--by", "orderId=abc"], "orderId"),
        flags(&["orders", "link", "--order-id", "0"], "orderId"),
    ];

    let f = Fixture::new();
    for case in cases {
        let run = f.run_with(&case.args, case.stdin.as_deref(), &[]);
        assert_eq!(run.code, 2, "{run:#?}");
        let error = run.error();
        assert_eq!(error["error"], "validation", "{run:#?}");
        assert_eq!(error["field"], case.field, "{run:#?}");
        assert!(error["message"].as_str().is_some_and(|m| m.contains(case.field)), "{run:#?}");
        assert_eq!(run.stdout, "", "{run:#?}");
        assert_eq!(f.sandbox.request_count(), 0, "{:?} sent a request", case.args);
    }
}

#[test]
fn usage_errors_exit_2_before_sending() {
    let f = Fixture::new();
    for args in [
        &["shipments", "create", "--tracking-number", "T", "--item", "sku=A,quantity=1"][..],
        &[
            "shipments",
            "create",
            "--fulfillment-request-id",
            "1",
            "--tracking-number",
            "T",
            "--item",
            "sku=A",
        ],
        &["shipments", "create", "--fulfillment-request-id", "x", "--tracking-number", "T"],
        &[
            "shipments",
            "create",
            "--fulfillment-request-id",
            "1",
            "--body",
            "-",
            "--carrier",
            "ups",
        ],
        &["shipments", "flag-with-errors", "--shipment", "no-equals-sign"],
        &["orders", "link", "--order-id", "1", "--order-item-id", "2"],
        &["orders", "link"],
        &["--token", TOKEN, "orders", "link", "--order-id", "3001"],
        &["--rate", "5", "--no-rate-limit", "orders", "link", "--order-id", "3001"],
        &["fulfillment-requests", "processing-failed", "1388412"],
    ] {
        let run = f.run(args);
        assert_eq!(run.code, 2, "{run:#?}");
        assert!(run.stderr.starts_with("error: "), "clap's message: {run:#?}");
    }
    assert_eq!(f.sandbox.request_count(), 0);
}

#[test]
fn settings_refused_by_flxpoint_ext_exit_2() {
    let f = Fixture::new();
    for (args, field) in [
        (&["--rate", "0", "orders", "link", "--order-id", "3001"][..], "rate_limit.per_second"),
        (&["--burst", "0", "orders", "link", "--order-id", "3001"], "rate_limit.burst"),
    ] {
        let run = f.run(args);
        assert_eq!((run.code, run.error()["field"].as_str()), (2, Some(field)), "{run:#?}");
    }
    let base_url = f.sandbox.base_url();
    let bad_url = [("FLXPOINT_BASE_URL", "ftp://example.com"), ("FLXPOINT_API_TOKEN", TOKEN)];
    let run = f.run_with(&["orders", "link", "--order-id", "3001"], None, &bad_url);
    assert_eq!((run.code, run.error()["error"].as_str()), (2, Some("config")), "{run:#?}");
    let no_token = [("FLXPOINT_BASE_URL", base_url.as_str())];
    let run = f.run_with(&["orders", "link", "--order-id", "3001"], None, &no_token);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.error()["message"].as_str().is_some_and(|m| m.contains("FLXPOINT_API_TOKEN")));
    assert_eq!(f.sandbox.request_count(), 0);
}

#[test]
fn the_service_saying_no_is_exit_1_with_its_answer() {
    let f = Fixture::new();
    let run = f.run(&["fulfillment-requests", "processing-failed", "999999", "--reason", "x"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let error = run.error();
    assert_eq!(error["error"], "service");
    assert_eq!(error["status"], 404);
    assert_eq!(error["operation"], "failFulfillmentRequest");
    assert_eq!(error["processing"], "not_processed");
    assert!(error["body"].is_object(), "the sandbox's error body, as JSON: {error}");
    assert_eq!(f.sandbox.request_count(), 1);

    f.create_shipment("1Z-TWICE");
    let again = [
        "shipments",
        "create",
        "--fulfillment-request-id",
        "1388412",
        "--tracking-number",
        "1Z-TWICE",
        "--item",
        "sku=HG12123123,quantity=1",
    ];
    let run = f.run(&again);
    assert_eq!((run.code, &run.error()["status"]), (1, &json!(409)), "{run:#?}");
    assert_eq!(f.sandbox.shipments().len(), 1);
}

#[test]
fn an_unknown_token_is_refused_and_not_printed() {
    let f = Fixture::new();
    let secret = "sk-live-not-a-sandbox-token-8f3a";
    let base_url = f.sandbox.base_url();
    let env = [("FLXPOINT_BASE_URL", base_url.as_str()), ("FLXPOINT_API_TOKEN", secret)];
    let run = f.run_with(&["orders", "link", "--order-id", "3001"], None, &env);
    assert_eq!((run.code, &run.error()["status"]), (1, &json!(401)), "{run:#?}");
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{run:#?}");
}

#[test]
fn a_shipment_whose_answer_was_lost_is_reported_as_existing_not_created() {
    let f = Fixture::new();
    f.sandbox.inject(Fault::status(503).after_commit().on_path("/shipments"));
    let run = f.run(&[
        "shipments",
        "create",
        "--fulfillment-request-id",
        "1388412",
        "--tracking-number",
        "1Z-LOST",
        "--item",
        "sku=HG12123123,quantity=1",
    ]);
    run.assert_ok();
    assert_eq!(run.json(), json!({"status": 409, "alreadyExists": true, "attempts": 2}));
    assert!(run.stderr.contains("cannot tell whether it created it"), "{run:#?}");
    assert_eq!(f.sandbox.shipments().len(), 1);
}

#[test]
fn a_transport_failure_is_exit_1() {
    // A port that was free a moment ago: nothing listens there.
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port());
    let url = format!("http://127.0.0.1:{}", port.expect("a free port"));
    let env = [("FLXPOINT_BASE_URL", url.as_str()), ("FLXPOINT_API_TOKEN", TOKEN)];
    let run = run(&["--no-rate-limit", "orders", "link", "--order-id", "3001"], None, &env);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.error()["error"], "transport");
    assert_eq!(run.error()["processing"], "not_processed");
}

#[test]
fn the_token_file_is_read_and_trimmed() {
    let f = Fixture::new();
    let base_url = f.sandbox.base_url();
    let env = [("FLXPOINT_BASE_URL", base_url.as_str())];
    let token = file(&format!("{TOKEN}\n"));
    let path = token.path().to_str().expect("UTF-8 temp path");
    let run =
        f.run_with(&["--token-file", path, "orders", "link", "--order-id", "3001"], None, &env);
    run.assert_ok();
    assert_eq!(run.json(), json!([3001]));

    let empty = file("\n");
    let path = empty.path().to_str().expect("UTF-8 temp path");
    let run =
        f.run_with(&["orders", "link", "--order-id", "3002", "--token-file", path], None, &env);
    assert_eq!((run.code, run.error()["field"].as_str()), (2, Some("X-API-TOKEN")), "{run:#?}");
    let run = f.run_with(
        &["--token-file", "/nonexistent/token", "orders", "link", "--order-id", "1"],
        None,
        &env,
    );
    assert_eq!((run.code, run.error()["error"].as_str()), (2, Some("input")), "{run:#?}");
    assert_eq!(f.sandbox.request_count(), 1);
}

#[test]
fn sandbox_needs_no_environment() {
    let run = run(&["--sandbox", "orders", "link", "--order-id", "3001"], None, &[]);
    run.assert_ok();
    assert_eq!(run.json(), json!([3001]));
    assert!(run.stderr.contains("http://127.0.0.1:"), "{run:#?}");
    assert!(run.stderr.contains("/_sandbox/state"), "{run:#?}");

    let run = run_create_in_sandbox();
    run.assert_ok();
    assert_eq!(run.json()["fulfillmentRequestId"], 1388412);
}

fn run_create_in_sandbox() -> common::Run {
    let body = json!({"fulfillmentRequestId": 1388412,
        "shipment": {"trackingNumber": "1Z-SB", "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
    run(&["shipments", "create", "--body", "-", "--sandbox"], Some(&body.to_string()), &[])
}

#[test]
fn every_help_page_renders_without_the_environment_values() {
    let env = [
        ("FLXPOINT_API_TOKEN", TOKEN),
        ("FLXPOINT_BASE_URL", "http://base-url-value.example"),
        ("FLXPOINT_REDIS_URL", "redis://:redis-pass-value@127.0.0.1:1"),
    ];
    for args in [
        &["--help"][..],
        &["help"],
        &["shipments", "--help"],
        &["shipments", "create", "--help"],
        &["shipments", "flag-with-errors", "--help"],
        &["fulfillment-requests", "--help"],
        &["fulfillment-requests", "accounting-sync", "--help"],
        &["fulfillment-requests", "processing-failed", "--help"],
        &["orders", "--help"],
        &["orders", "link", "--help"],
        &["shipments", "create", "-h"],
        &["shipments", "import", "--help"],
        &["shipments", "flag-errors", "--help"],
        &["sandbox", "--help"],
    ] {
        let run = run(args, None, &env);
        run.assert_ok();
        assert!(run.stdout.contains("Usage: flxpoint"), "{run:#?}");
        assert!(!run.stdout.contains("base-url-value"), "{run:#?}");
        assert!(!run.stdout.contains("redis-pass-value"), "{run:#?}");
    }
    let top = run(&["--help"], None, &env).stdout;
    for text in [
        "FLXPOINT_API_TOKEN",
        "--token-file",
        "--sandbox",
        "Exit codes",
        "fulfillment-requests",
        "FLXPOINT_REDIS_URL",
        "--redis-url-file",
        "--redis-fallback",
    ] {
        assert!(top.contains(text), "--help lacks {text}:\n{top}");
    }
    let version = run(&["--version"], None, &env);
    assert!(version.code == 0 && version.stdout.starts_with("flxpoint "), "{version:#?}");
}
