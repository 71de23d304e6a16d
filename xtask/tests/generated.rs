//! Snapshot tests of the generated client: the code itself and a readable API-surface summary.
//!
//! A change to `openapi/openapi.yaml` that changes the generated surface fails here until the
//! snapshots are accepted: run `cargo xtask generate` (or `cargo insta review`) and review the
//! diff of `xtask/tests/snapshots/`.

fn spec() -> String {
    std::fs::read_to_string(xtask::openapi_dir().join("openapi.yaml"))
        .expect("openapi/openapi.yaml")
}

#[test]
fn generated_code() {
    let code = xtask::generate(&spec()).expect("generation succeeds");
    insta::assert_snapshot!("generated_code", code);
}

/// flxpoint-api's build generates from its own `openapi.json`; the snapshot above is of the
/// workspace's `openapi.yaml`. They must be the same client.
#[test]
fn the_crates_json_document_generates_the_same_client() {
    let json = std::fs::read_to_string(xtask::root().join("flxpoint-api/openapi.json"))
        .expect("flxpoint-api/openapi.json");
    let from_json = flxpoint_codegen::generate_from_json(&json).expect("generation succeeds");
    assert!(from_json == xtask::generate(&spec()).unwrap(), "run `cargo xtask spec`");
}

#[test]
fn api_surface() {
    let spec = spec();
    let code = xtask::generate(&spec).expect("generation succeeds");
    insta::assert_snapshot!("api_surface", xtask::surface::summarize(&spec, &code).unwrap());
}

/// The snapshot is only a guard if one changed field changes the summary; prove it does.
#[test]
fn one_changed_field_changes_the_surface() {
    let spec = spec();
    let mut doc: serde_json::Value = serde_yaml_ng::from_str(&spec).unwrap();
    let fields = doc.pointer_mut("/components/schemas/ShipmentCustomField/properties").unwrap();
    let name = fields.as_object_mut().unwrap().remove("name").expect("ShipmentCustomField.name");
    fields.as_object_mut().unwrap().insert("label".into(), name);
    let changed = serde_yaml_ng::to_string(&doc).unwrap();
    let summary = |s: &str| {
        let code = xtask::generate(s).expect("generation succeeds");
        xtask::surface::summarize(s, &code).unwrap()
    };
    assert_ne!(summary(&spec), summary(&changed));
}
