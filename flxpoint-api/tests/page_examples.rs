//! Every example the help-center pages show (extracted by `cargo xtask spec` into
//! `openapi/examples/`) decodes, from the file's text as it is, into the generated type and
//! re-encodes to equivalent JSON.
//!
//! A naive spec fails here on `customFields: [null]` and on `"accountingError": null`.

use flxpoint_api::types;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use std::path::PathBuf;

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/examples")
}

/// Decodes `text` (the example file, verbatim) as `T`, re-encodes it, and returns the
/// re-encoded value.
fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> Result<Value, String> {
    let typed: T = serde_json::from_str(text).map_err(|e| format!("decode: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("encode: {e}"))
}

/// The generated type each fixture must decode into, chosen by operation and direction.
fn check(file: &str, text: &str) -> Result<Value, String> {
    let (op, rest) = file.split_once('.').unwrap();
    let kind = rest.split('.').next().unwrap();
    match (op, kind) {
        ("createShipment", "request") => round_trip::<types::CreateShipmentRequest>(text),
        ("createShipment", "response") => round_trip::<types::Shipment>(text),
        ("flagShipmentsWithErrors", "request") => round_trip::<Vec<types::Shipment>>(text),
        ("syncFulfillmentRequestAccounting", "request") => {
            round_trip::<types::FulfillmentAccountingSyncRequest>(text)
        }
        ("linkUnmanagedOrders", "response") => round_trip::<Vec<i64>>(text),
        _ => Err(format!("no type is mapped for {file}: add it to this table")),
    }
}

/// What the page example means, in the form the generated type writes it:
/// - a request gets the documented defaults of its top-level fields (the generated
///   `CreateShipmentRequest` always writes `allowDuplicateTrackingNumbers`, default `false`);
/// - a response loses its `null` object members: the generated response types read `null` and
///   absent alike as `None` (no value). Requests stay strict, so `null` vs absent in the
///   accounting-sync PATCH is still checked to the letter.
fn normalize(file: &str, mut json: Value) -> Value {
    if file.contains(".response.") {
        strip_null_members(&mut json);
    } else if let (Some(schema), Value::Object(obj)) = (request_schema(file), &mut json) {
        let spec: Value = serde_yaml_ng::from_str(
            &std::fs::read_to_string(examples_dir().join("../openapi.yaml")).unwrap(),
        )
        .unwrap();
        let props = &spec["components"]["schemas"][schema]["properties"];
        for (name, prop) in props.as_object().into_iter().flatten() {
            if let Some(default) = prop.get("default") {
                obj.entry(name.clone()).or_insert_with(|| default.clone());
            }
        }
    }
    json
}

fn request_schema(file: &str) -> Option<&'static str> {
    match file.split('.').next()? {
        "createShipment" => Some("CreateShipmentRequest"),
        "syncFulfillmentRequestAccounting" => Some("FulfillmentAccountingSyncRequest"),
        _ => None,
    }
}

fn strip_null_members(json: &mut Value) {
    match json {
        Value::Object(obj) => {
            obj.retain(|_, v| !v.is_null());
            obj.values_mut().for_each(strip_null_members);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null_members),
        _ => {}
    }
}

/// JSON equality where numbers compare by value (`0` and `0.0` are the same number).
fn equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equivalent(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equivalent(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn every_page_example_decodes_and_round_trips() {
    let mut files: Vec<_> = std::fs::read_dir(examples_dir())
        .expect("openapi/examples exists")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    // 3 named createShipment examples, success-1, error-1, 3 generic bodies, 2 responses.
    assert_eq!(files.len(), 10, "{files:#?}");
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(examples_dir().join(file)).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        match check(file, &text) {
            Ok(back) if equivalent(&normalize(file, json.clone()), &back) => {}
            Ok(back) => failures.push(format!("{file}: re-encoded differently:\n{back:#}")),
            Err(e) => failures.push(format!("{file}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn explicit_null_and_absent_stay_distinct_in_accounting_sync() {
    let success: types::FulfillmentAccountingSyncRequest = serde_json::from_str(
        r#"{"accountingSynced":true,"externalAccountingId":"TEST-221","accountingError":null}"#,
    )
    .unwrap();
    assert_eq!(success.accounting_error, Some(None), "null means clear");
    let error: types::FulfillmentAccountingSyncRequest =
        serde_json::from_str(r#"{"accountingSynced":false,"accountingError":"x"}"#).unwrap();
    assert_eq!(error.external_accounting_id, None, "absent means unchanged");
    let wire = serde_json::to_string(&success).unwrap();
    assert!(wire.contains(r#""accountingError":null"#), "{wire}");
    assert!(!serde_json::to_string(&error).unwrap().contains("externalAccountingId"));
}

#[test]
fn null_custom_field_entries_decode_as_none() {
    let item: types::ShipmentItem =
        serde_json::from_str(r#"{"customFields":[null,{"id":null,"name":"a","value":null}]}"#)
            .unwrap();
    assert_eq!(item.custom_fields.len(), 2);
    assert!(item.custom_fields[0].is_none());
    assert_eq!(item.custom_fields[1].as_ref().unwrap().name.as_deref(), Some("a"));
}
