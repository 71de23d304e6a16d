//! One shape per request: the generated request type is what the builder fills, what a JSON
//! body is read into and what an import row becomes, and one entry point
//! ([`Validate`]) checks it wherever it came from. Against the sandbox's request journal, so
//! each claim is about what reached the wire.
#![cfg(feature = "import")]

mod import_support;

use flxpoint_ext::import::{Journal, RunOptions};
use flxpoint_ext::{
    Client, Error, FulfillmentRequestRef, ShipmentLine, TokenKind, Validate, types,
};
use flxpoint_sandbox::sandbox::{Sandbox, seed};
use import_support::{account_router, client, sandbox, write};
use serde_json::{Value, json};

fn account(sandbox: &Sandbox) -> Client {
    client(sandbox, seed::ACCOUNT_TOKEN, TokenKind::Account)
}

/// The bodies of the creates the sandbox received.
fn sent_creates(sandbox: &Sandbox) -> Vec<Value> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/shipments")
        .filter_map(|r| r.body)
        .collect()
}

fn field_of(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test]
async fn blank_optional_text_is_refused_like_an_identifier() {
    let sandbox = sandbox().await;
    let c = account(&sandbox);
    let ship = || {
        c.create_shipment(FulfillmentRequestRef::id(1388412), "T-blank")
            .line(ShipmentLine::sku("AB-100", 1))
    };
    for (field, request) in [
        ("shipment.carrier", ship().carrier("   ")),
        ("shipment.method", ship().method("\u{200B}")),
        ("shipment.note", ship().note("\n\t")),
        ("shipment.trackingUrl", ship().tracking_url(" ")),
        // The same rule for a field set through the generated builder.
        ("shipment.carrier", ship().with_shipment(|s| s.carrier(" ".to_owned()))),
    ] {
        assert_eq!(field_of(request.to_request()), field);
        assert_eq!(field_of(request.send().await), field);
    }
    assert_eq!(sandbox.request_count(), 0, "a refused request is sent nowhere");
}

#[tokio::test]
async fn every_field_of_the_generated_request_reaches_the_wire_through_the_builder() {
    let sandbox = sandbox().await;
    let c = account(&sandbox);
    let created = c
        .create_shipment(FulfillmentRequestRef::id(1388412), "T-with")
        .carrier("ups")
        // Fields without a named setter, through the generated builders.
        .with_shipment(|s| s.suppressed(true).method("ups_ground".to_owned()))
        .line(ShipmentLine::sku("AB-100", 1).with(|i| i.inventory_variant_id(77)))
        .send()
        .await
        .unwrap();
    assert!(created.is_created());
    let body = &sent_creates(&sandbox)[0];
    assert_eq!(body["shipment"]["suppressed"], true);
    assert_eq!(body["shipment"]["method"], "ups_ground");
    assert_eq!(body["shipment"]["carrier"], "ups");
    assert_eq!(body["shipment"]["shipmentItems"][0]["inventoryVariantId"], 77);
    assert_eq!(body["allowDuplicateTrackingNumbers"], false);
}

#[tokio::test]
async fn a_json_body_is_read_into_the_generated_type_by_the_schema() {
    let body = |shipment: Value| json!({"fulfillmentRequestId": 1388412, "shipment": shipment});
    let item = json!([{"sku": "AB-100", "quantity": 1}]);
    let read = |b: Value| types::CreateShipmentRequest::from_json(b, Some(TokenKind::Account));
    // An unknown field is refused by name; a misspelt required one names the field it misses.
    let unknown = read(body(json!({"trackingNumber": "T", "shipmentItems": item, "colour": 1})));
    assert_eq!(field_of(unknown), "shipment.colour");
    let misspelt = read(body(json!({"trackingNumbr": "T", "shipmentItems": item})));
    assert_eq!(field_of(misspelt), "shipment.trackingNumber");
    // Types come from the schema.
    let typed =
        read(body(json!({"trackingNumber": "T", "shipmentItems": item, "suppressed": "yes"})));
    assert_eq!(field_of(typed), "shipment.suppressed");
    let date =
        read(body(json!({"trackingNumber": "T", "shipmentItems": item, "shippedAt": "now"})));
    assert_eq!(field_of(date), "shipment.shippedAt");
    // `null` for an optional field is absent, as the pages' examples use it.
    let nulls = read(body(json!({"trackingNumber": "T", "shipmentItems": item, "note": null})));
    assert_eq!(nulls.unwrap().shipment.note, None);
    // Deprecated names are mapped: the request carries only the current ones.
    let old = read(json!({"purchaseOrderId": 1388412, "shipment": {"trackingNumber": "T",
        "shipmentItems": [{"fulfillmentRequestItemId": 5, "quantity": 1}]}}))
    .unwrap();
    assert_eq!(old.fulfillment_request_id, Some(1388412));
    assert_eq!(old.purchase_order_id, None);
    assert_eq!(old.shipment.shipment_items[0].purchase_order_item_id, Some(5));
    // The token kind's rules apply to a body too.
    let channel = types::CreateShipmentRequest::from_json(
        body(json!({"trackingNumber": "T", "shipmentItems": item})),
        Some(TokenKind::Channel),
    );
    assert_eq!(field_of(channel), "X-API-TOKEN");
}

#[tokio::test]
async fn a_request_made_elsewhere_is_checked_again_when_sent() {
    let sandbox = sandbox().await;
    let c = account(&sandbox);
    let mut request = types::CreateShipmentRequest::from_json(
        json!({"fulfillmentRequestId": 1388412,
            "shipment": {"trackingNumber": "T-typed", "shipmentItems": [{"sku": "AB-100", "quantity": 1}]}}),
        None,
    )
    .unwrap();
    request.shipment.shipment_items[0].quantity = 0;
    assert_eq!(
        field_of(c.create_shipment_request(request.clone()).send().await),
        "shipment.shipmentItems[0].quantity"
    );
    request.shipment.shipment_items[0].quantity = 2;
    assert!(c.create_shipment_request(request).send().await.unwrap().is_created());
    assert_eq!(sent_creates(&sandbox)[0]["shipment"]["shipmentItems"][0]["quantity"], 2);
    assert_eq!(sandbox.request_count(), 1);
}

#[tokio::test]
async fn import_columns_are_the_schemas_fields_and_the_journal_keeps_them_as_json() {
    let sandbox = sandbox().await;
    let router = account_router(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    // `suppressed` and `inventoryVariantId` had no hand-written column: they come from the schema.
    let input = write(
        dir.path(),
        "s.csv",
        "fulfillmentRequestId,trackingNumber,suppressed,sku,inventoryVariantId,quantity\n\
         1388412,T-col,true,AB-100,77,1\n",
    );
    let mut journal = Journal::shipments(&input).open(&router, |p| panic!("{p:?}")).unwrap();
    let counts = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!(counts.created, 1);
    let path = journal.path().to_owned();
    drop(journal);
    let conn = rusqlite::Connection::open(path).unwrap();
    let stored: String = conn.query_row("SELECT request FROM units", [], |r| r.get(0)).unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["shipment"]["suppressed"], true, "{stored}");
    let body = &sent_creates(&sandbox)[0];
    assert_eq!(body["shipment"]["suppressed"], true);
    assert_eq!(body["shipment"]["shipmentItems"][0]["inventoryVariantId"], 77);
    assert_eq!(body["allowDuplicateTrackingNumbers"], false);

    // A bad cell of such a column is a problem at its line and column.
    let bad = write(
        dir.path(),
        "bad.csv",
        "fulfillmentRequestId,trackingNumber,suppressed,sku,quantity\n1388412,T2,maybe,AB-100,1\n",
    );
    let mut problems = Vec::new();
    assert!(Journal::shipments(&bad).open(&router, |p| problems.push(p)).is_err());
    assert_eq!(import_support::where_(&problems), [(2, "suppressed".to_owned())]);
}

#[tokio::test]
async fn a_schema_2_journal_is_migrated_and_sends_what_a_new_one_sends() {
    let (fresh, migrated) = (sandbox().await, sandbox().await);
    let dir = tempfile::tempdir().unwrap();
    // The sample file (ids, numbers, dates with offsets, costs, every item column) loaded by the
    // previous release: nothing sent yet.
    let old = write(dir.path(), "old.csv", import_support::SAMPLE);
    let router = account_router(&migrated);
    drop(Journal::shipments(&old).open(&router, |p| panic!("{p:?}")).unwrap());
    import_support::downgrade_to_schema_2(&Journal::default_path(&old));
    let mut journal = Journal::shipments(&old).open(&router, |p| panic!("{p:?}")).unwrap();
    let counts = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    let mut report = Vec::new();
    journal.write_report(&mut report).unwrap();
    assert_eq!(counts.created, 5, "{}", String::from_utf8_lossy(&report));

    let new = write(dir.path(), "new.csv", import_support::SAMPLE);
    let router = account_router(&fresh);
    let mut journal = Journal::shipments(&new).open(&router, |p| panic!("{p:?}")).unwrap();
    assert_eq!(journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap().created, 5);
    assert_eq!(sent_creates(&migrated), sent_creates(&fresh));
}

#[tokio::test]
async fn the_sandbox_accepts_an_unknown_optional_field_as_the_api_would() {
    let sandbox = sandbox().await;
    let answer = reqwest::Client::new()
        .post(format!("{}/shipments", sandbox.base_url()))
        .header("X-API-TOKEN", seed::ACCOUNT_TOKEN)
        .json(&json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T-new",
            "insuranceCost": 12.5, "shipmentItems": [{"sku": "AB-100", "quantity": 1, "lot": "L1"}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
}

/// The bodies the sandbox received for `method path`.
fn sent(sandbox: &Sandbox, method: &str, path: &str) -> Vec<Value> {
    let requests = sandbox.requests().into_iter();
    requests.filter(|r| r.method == method && r.path == path).filter_map(|r| r.body).collect()
}

#[tokio::test]
async fn an_accounting_sync_body_is_the_generated_type_checked_by_the_schema_and_the_rules() {
    use types::FulfillmentAccountingSyncRequest as Sync;
    // Unknown fields by name, with the schema's fields; types from the schema; the page's rules.
    let unknown = Sync::from_json(json!({"accountingSync": true}), None);
    let Err(Error::Validation { field, rule }) = unknown else { panic!("{unknown:?}") };
    assert_eq!(field, "accountingSync");
    assert!(
        rule.contains("fields: accountingError, accountingSynced, externalAccountingId, items"),
        "{rule}"
    );
    assert_eq!(
        field_of(Sync::from_json(json!({"accountingSynced": "yes"}), None)),
        "accountingSynced"
    );
    assert_eq!(
        field_of(Sync::from_json(json!({"items": [{"id": 7, "color": 1}]}), None)),
        "items[0].color"
    );
    let unchanged = Sync::from_json(json!({"items": [{"id": 7}]}), None);
    assert_eq!(field_of(unchanged), "items[0].externalAccountingItemId");
    let twice = json!({"items": [{"id": 7, "externalAccountingItemId": "A"},
        {"id": 7, "externalAccountingItemId": null}]});
    assert_eq!(field_of(Sync::from_json(twice, None)), "items[1].id");
    assert_eq!(field_of(Sync::from_json(json!({"accountingError": " "}), None)), "accountingError");
    assert_eq!(field_of(Sync::from_json(json!({}), None)), "body");

    // `null` clears, absent leaves unchanged: both reach the wire as given.
    let sandbox = sandbox().await;
    let body = json!({"accountingSynced": true, "accountingError": null,
        "items": [{"id": 1884921, "externalAccountingItemId": null}]});
    let request = Sync::from_json(body.clone(), None).unwrap();
    let c = account(&sandbox);
    c.sync_accounting_request(1388412, request).send().await.unwrap();
    let path = "/fulfillment-requests/1388412/accounting-sync";
    assert_eq!(sent(&sandbox, "PATCH", path), [body]);
    // A request made elsewhere is checked again when sent.
    let mut bad = Sync::from_json(json!({"externalAccountingId": "X"}), None).unwrap();
    bad.external_accounting_id = Some(Some("\u{200B}".into()));
    assert_eq!(
        field_of(c.sync_accounting_request(1388412, bad).send().await),
        "externalAccountingId"
    );
    assert_eq!(sandbox.request_count(), 1);
}

#[tokio::test]
async fn a_flag_body_is_the_generated_shipment_list_keeping_only_id_and_sync_error() {
    let read = |body: Value| Vec::<types::Shipment>::from_json(body, None);
    assert_eq!(field_of(read(json!({"id": 5}))), "body");
    assert_eq!(field_of(read(json!([]))), "body");
    // A field of a shipment is refused: flagging records only `id` and `syncError`.
    let carrier = read(json!([{"id": 5, "syncError": "x", "carrier": "ups"}]));
    assert_eq!(field_of(carrier), "[0].carrier");
    // A field that is not one of a shipment's is refused by the schema.
    let colour = read(json!([{"id": 5, "syncError": "x", "colour": "red"}]));
    let Err(Error::Validation { field, rule }) = colour else { panic!("{colour:?}") };
    assert_eq!(field, "[0].colour");
    assert!(rule.contains("is not a field of this request"), "{rule}");
    assert_eq!(field_of(read(json!([{"id": "5", "syncError": "x"}]))), "[0].id");
    assert_eq!(field_of(read(json!([{"syncError": "x"}]))), "[0].id");
    assert_eq!(field_of(read(json!([{"id": 5, "syncError": null}]))), "[0].syncError");
    let twice = json!([{"id": 5, "syncError": "x"}, {"id": 5, "syncError": ""}]);
    assert_eq!(field_of(read(twice)), "[1].id");

    let sandbox = sandbox().await;
    let c = account(&sandbox);
    let created = c
        .create_shipment(FulfillmentRequestRef::id(1388412), "T-flag")
        .line(ShipmentLine::sku("HG12123123", 1))
        .send()
        .await
        .unwrap();
    let id = created.shipment().and_then(|s| s.id).unwrap();
    let body = json!([{"id": id, "syncError": "carrier code unknown"}]);
    c.flag_shipments_request(read(body.clone()).unwrap()).send().await.unwrap();
    assert_eq!(sent(&sandbox, "PUT", "/shipments/flag-with-errors"), [body]);
    // What a list built in code carries besides is refused before sending.
    let mut extra = read(json!([{"id": id, "syncError": "x"}])).unwrap();
    extra[0].carrier = Some("ups".into());
    assert_eq!(field_of(c.flag_shipments_request(extra).send().await), "[0].carrier");
    assert_eq!(sandbox.request_count(), 2);
}

/// A deprecated name set in code is mapped as in a JSON body, with the same result.
#[test]
fn a_deprecated_name_set_in_code_is_mapped_as_in_a_json_body() {
    let body = json!({
        "purchaseOrderId": 1388412,
        "shipment": {"trackingNumber": "T-old", "shipmentItems": [{"sku": "HG12", "quantity": 1}]}
    });
    let mut typed: types::CreateShipmentRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!((typed.purchase_order_id, typed.fulfillment_request_id), (Some(1388412), None));
    let from_json = types::CreateShipmentRequest::from_json(body, None).unwrap();
    let from_code = typed.clone().validate(None).unwrap();
    assert_eq!(from_code, from_json);
    assert_eq!(
        (from_code.purchase_order_id, from_code.fulfillment_request_id),
        (None, Some(1388412))
    );
    // Both names, differing: the old one is named.
    typed.fulfillment_request_id = Some(5);
    let Err(Error::Validation { field, rule }) = typed.validate(None) else { panic!() };
    assert_eq!(field, "purchaseOrderId");
    assert!(rule.contains("(1388412 vs 5)"), "{rule}");
}

/// The create rules have two callers: the schema walk over a JSON body, and the check of a
/// request built in code, which reads the generated type's fields. Each single mistake (and no
/// mistake) gets the same verdict from both, naming the same field (the one expected) with the
/// same rule.
#[test]
fn a_request_built_in_code_and_the_same_json_body_get_the_same_verdict() {
    let valid = || {
        json!({
            "fulfillmentRequestId": 1388412,
            "shipment": {
                "trackingNumber": "1Z999", "carrier": "ups", "method": "ground", "note": "n",
                "trackingUrl": "https://t.example/1Z999", "shippingCost": 4.5,
                "customFields": [{"name": "lot", "value": "7"}],
                "shipmentItems": [{
                    "sku": "HG12", "quantity": 2, "inventoryVariantId": 3, "rmaItemId": 4,
                    "customFields": [null, {"name": "bin", "value": "A1"}]
                }]
            }
        })
    };
    type Edit = fn(&mut Value);
    // (what, token kind, the mistake, the field named; "" for none)
    let account = Some(TokenKind::Account);
    let source = Some(TokenKind::Source { source_id: 7 });
    let cases: Vec<(&str, Option<TokenKind>, Edit, &str)> = vec![
        ("valid", account, |_| {}, ""),
        (
            "no request",
            account,
            |b| drop(b.as_object_mut().unwrap().remove("fulfillmentRequestId")),
            "fulfillmentRequestId",
        ),
        ("two ways", account, |b| b["purchaseOrderNumber"] = json!("PO-1"), "purchaseOrderNumber"),
        ("source without number", account, |b| b["sourceId"] = json!(7), "sourceId"),
        ("id 0", account, |b| b["fulfillmentRequestId"] = json!(0), "fulfillmentRequestId"),
        ("old name differs", account, |b| b["purchaseOrderId"] = json!(5), "purchaseOrderId"),
        ("old name equal", account, |b| b["purchaseOrderId"] = json!(1388412), ""),
        (
            "number, account",
            account,
            |b| {
                b.as_object_mut().unwrap().remove("fulfillmentRequestId");
                b["purchaseOrderNumber"] = json!("PO-1");
            },
            "sourceId",
        ),
        (
            "number, other source",
            source,
            |b| {
                b.as_object_mut().unwrap().remove("fulfillmentRequestId");
                b["purchaseOrderNumber"] = json!("PO-1");
                b["sourceId"] = json!(8);
            },
            "sourceId",
        ),
        (
            "blank number",
            source,
            |b| {
                b.as_object_mut().unwrap().remove("fulfillmentRequestId");
                b["purchaseOrderNumber"] = json!(" \u{200B}");
            },
            "purchaseOrderNumber",
        ),
        ("channel token", Some(TokenKind::Channel), |_| {}, "X-API-TOKEN"),
        (
            "blank tracking",
            account,
            |b| b["shipment"]["trackingNumber"] = json!("  "),
            "shipment.trackingNumber",
        ),
        (
            "tracking with tab",
            account,
            |b| b["shipment"]["trackingNumber"] = json!("1Z\t9"),
            "shipment.trackingNumber",
        ),
        ("blank carrier", account, |b| b["shipment"]["carrier"] = json!("\n"), "shipment.carrier"),
        (
            "blank method",
            account,
            |b| b["shipment"]["method"] = json!("\u{FEFF}"),
            "shipment.method",
        ),
        ("blank note", account, |b| b["shipment"]["note"] = json!(""), "shipment.note"),
        (
            "blank url",
            account,
            |b| b["shipment"]["trackingUrl"] = json!(" "),
            "shipment.trackingUrl",
        ),
        (
            "negative cost",
            account,
            |b| b["shipment"]["shippingCost"] = json!(-1.0),
            "shipment.shippingCost",
        ),
        ("free shipping", account, |b| b["shipment"]["shippingCost"] = json!(0.0), ""),
        (
            "repeated name",
            account,
            |b| {
                b["shipment"]["customFields"] =
                    json!([{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]);
            },
            "shipment.customFields[1].name",
        ),
        (
            "field without name",
            account,
            |b| b["shipment"]["customFields"] = json!([{"value": "1"}]),
            "shipment.customFields[0].name",
        ),
        (
            "blank value",
            account,
            |b| b["shipment"]["customFields"] = json!([{"name": "a", "value": " "}]),
            "shipment.customFields[0].value",
        ),
        (
            "name with control",
            account,
            |b| {
                b["shipment"]["customFields"] = json!([{"name": "a\u{7}", "value": "1"}]);
            },
            "shipment.customFields[0].name",
        ),
        (
            "no items",
            account,
            |b| b["shipment"]["shipmentItems"] = json!([]),
            "shipment.shipmentItems",
        ),
        (
            "quantity 0",
            account,
            |b| b["shipment"]["shipmentItems"][0]["quantity"] = json!(0),
            "shipment.shipmentItems[0].quantity",
        ),
        (
            "item named no way",
            account,
            |b| {
                b["shipment"]["shipmentItems"][0].as_object_mut().unwrap().remove("sku");
            },
            "shipment.shipmentItems[0]",
        ),
        (
            "item named twice",
            account,
            |b| b["shipment"]["shipmentItems"][0]["orderItemId"] = json!(9),
            "shipment.shipmentItems[0].orderItemId",
        ),
        (
            "blank sku",
            account,
            |b| b["shipment"]["shipmentItems"][0]["sku"] = json!("\u{2060}"),
            "shipment.shipmentItems[0].sku",
        ),
        (
            "variant 0",
            account,
            |b| b["shipment"]["shipmentItems"][0]["inventoryVariantId"] = json!(0),
            "shipment.shipmentItems[0].inventoryVariantId",
        ),
        (
            "rma item -1",
            account,
            |b| b["shipment"]["shipmentItems"][0]["rmaItemId"] = json!(-1),
            "shipment.shipmentItems[0].rmaItemId",
        ),
        (
            "item field repeated after a null",
            account,
            |b| {
                b["shipment"]["shipmentItems"][0]["customFields"] =
                    json!([null, {"name": "bin", "value": "1"}, {"name": "bin", "value": "2"}]);
            },
            "shipment.shipmentItems[0].customFields[2].name",
        ),
        (
            "item field without value",
            account,
            |b| {
                b["shipment"]["shipmentItems"][0]["customFields"] = json!([{"name": "bin"}]);
            },
            "shipment.shipmentItems[0].customFields[0].value",
        ),
    ];
    let verdict = |result: Result<types::CreateShipmentRequest, Error>| match result {
        Ok(request) => Ok(request),
        Err(Error::Validation { field, rule }) => Err((field, rule)),
        Err(other) => panic!("not a validation error: {other:?}"),
    };
    let mut refused = 0;
    for (name, kind, edit, expected) in cases {
        let mut body = valid();
        edit(&mut body);
        let typed: types::CreateShipmentRequest = serde_json::from_value(body.clone()).unwrap();
        let from_code = verdict(typed.validate(kind));
        let from_json = verdict(types::CreateShipmentRequest::from_json(body, kind));
        assert_eq!(from_code, from_json, "{name}");
        let named = from_json.as_ref().err().map_or("", |(field, _)| field.as_str());
        assert_eq!(named, expected, "{name}: {from_json:?}");
        refused += usize::from(from_json.is_err());
    }
    // Every case but the valid one, the equal old name and free shipping is a mistake.
    assert_eq!(refused, 29);
}

/// Decision (rules.rs): a request built in code is checked on its fields, then for blank text
/// as it is serialized; so with two mistakes, a blank text is named after the other. A JSON
/// body is checked object by object, the shipment's own text before its items.
#[test]
fn with_two_mistakes_code_names_blank_text_last_and_json_names_the_shipments_first() {
    let body = json!({
        "fulfillmentRequestId": 1388412,
        "shipment": {
            "trackingNumber": "1Z999", "carrier": " ",
            "shipmentItems": [{"sku": "HG12", "quantity": 0}]
        }
    });
    let typed: types::CreateShipmentRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(field_of(typed.validate(None)), "shipment.shipmentItems[0].quantity");
    let from_json = types::CreateShipmentRequest::from_json(body, None);
    assert_eq!(field_of(from_json), "shipment.carrier");
}

/// An item's `fulfillmentRequestItemId` (the responses' name) is read as its
/// `purchaseOrderItemId` (the create page's); both may be given only if equal.
#[test]
fn the_responses_name_of_an_item_id_is_read_as_the_create_pages() {
    let body = |item: Value| {
        json!({
            "fulfillmentRequestId": 1388412,
            "shipment": {"trackingNumber": "1Z999", "shipmentItems": [item]}
        })
    };
    let read = |item| types::CreateShipmentRequest::from_json(body(item), None);
    let alone = read(json!({"fulfillmentRequestItemId": 5, "quantity": 1})).unwrap();
    assert_eq!(alone.shipment.shipment_items[0].purchase_order_item_id, Some(5));
    let both = json!({"fulfillmentRequestItemId": 5, "purchaseOrderItemId": 5, "quantity": 1});
    assert_eq!(read(both).unwrap(), alone);
    let differ = json!({"fulfillmentRequestItemId": 5, "purchaseOrderItemId": 6, "quantity": 1});
    let Err(Error::Validation { field, rule }) = read(differ) else { panic!() };
    assert_eq!(field, "shipment.shipmentItems[0].fulfillmentRequestItemId");
    assert!(rule.contains("second way"), "{rule}");
}
