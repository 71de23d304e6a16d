//! Regenerating is reviewed as semver: a spec change is classified from the generated surface as
//! breaking or additive (the bump CHANGELOG.md asks for), on real spec edits run through the real
//! generator.

use serde_json::{Value, json};
use xtask::semver::{Change, classify};

fn spec() -> Value {
    let text = std::fs::read_to_string(xtask::openapi_dir().join("openapi.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

fn surface(doc: &Value) -> String {
    let yaml = serde_yaml_ng::to_string(doc).unwrap();
    let code = xtask::generate(&yaml).expect("generation succeeds");
    xtask::surface::summarize(&yaml, &code).unwrap()
}

#[test]
fn an_unchanged_spec_is_no_change() {
    let doc = spec();
    assert_eq!(classify(&surface(&doc), &surface(&doc)), Change::None);
}

#[test]
fn a_removed_field_is_breaking() {
    let before = spec();
    let mut after = before.clone();
    let removed = after
        .pointer_mut("/components/schemas/Shipment/properties")
        .and_then(Value::as_object_mut)
        .unwrap()
        .remove("note");
    assert!(removed.is_some());
    let change = classify(&surface(&before), &surface(&after));
    let Change::Breaking(why) = &change else { panic!("{change:?}") };
    assert!(
        why.iter().any(|w| w.starts_with("Shipment: `note:") && w.ends_with("removed")),
        "{why:?}"
    );
}

#[test]
fn a_changed_field_type_and_an_added_field_are_breaking() {
    let before = spec();
    let mut after = before.clone();
    let props = after.pointer_mut("/components/schemas/Shipment/properties").unwrap();
    props["note"] = json!({"type": "integer"});
    props["brandNewField"] = json!({"type": "string"});
    let Change::Breaking(why) = classify(&surface(&before), &surface(&after)) else {
        panic!("not breaking")
    };
    assert!(why.iter().any(|w| w.contains("note: Option<String>") && w.contains("became")));
    assert!(why.iter().any(|w| w.contains("brand_new_field") && w.contains("added to a type")));
}

#[test]
fn a_new_optional_query_parameter_and_a_new_operation_are_additive() {
    let before = spec();
    let mut after = before.clone();
    let link = after.pointer_mut("/paths/~1orders~1link/patch/parameters").unwrap();
    link.as_array_mut().unwrap().push(json!({
        "name": "orderNumber", "in": "query", "required": false, "schema": {"type": "string"}
    }));
    let mut get = after.pointer("/paths/~1orders~1link/patch").unwrap().clone();
    get["operationId"] = json!("previewUnmanagedOrders");
    after["paths"]["/orders/link-preview"] = json!({"get": get});
    let change = classify(&surface(&before), &surface(&after));
    let Change::Additive(why) = &change else { panic!("{change:?}") };
    assert!(why.iter().any(|w| w.contains(".order_number(")), "{why:?}");
    assert!(why.iter().any(|w| w.contains("previewUnmanagedOrders")), "{why:?}");
    assert!(change.verdict().starts_with("generated surface: ADDITIVE"));
}

/// A required parameter breaks every call that does not set it (progenitor's `send` fails), so
/// adding one, or making an optional one required, is breaking; relaxing one is additive.
#[test]
fn a_new_or_newly_required_parameter_is_breaking_and_relaxing_one_is_additive() {
    let before = spec();
    let mut added = before.clone();
    let link = added.pointer_mut("/paths/~1orders~1link/patch/parameters").unwrap();
    link.as_array_mut().unwrap().push(json!({
        "name": "orderNumber", "in": "query", "required": true, "schema": {"type": "string"}
    }));
    let change = classify(&surface(&before), &surface(&added));
    let Change::Breaking(why) = &change else { panic!("{change:?}") };
    assert!(
        why.iter().any(|w| w.contains(".order_number(") && w.contains("calls without it")),
        "{why:?}"
    );

    let mut tightened = before.clone();
    let params = tightened.pointer_mut("/paths/~1orders~1link/patch/parameters").unwrap();
    let order_id = params
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["name"] == "orderId")
        .expect("orderId is a parameter of PATCH /orders/link");
    order_id["required"] = json!(true);
    let change = classify(&surface(&before), &surface(&tightened));
    let Change::Breaking(why) = &change else { panic!("{change:?}") };
    assert!(why.iter().any(|w| w.contains(".order_id(") && w.contains("became")), "{why:?}");

    let change = classify(&surface(&tightened), &surface(&before));
    let Change::Additive(why) = &change else { panic!("{change:?}") };
    assert!(why.iter().any(|w| w.contains("no longer required")), "{why:?}");
}
