//! Bad shipments files: every problem is reported with its line and column, the file is
//! refused as a whole, no journal is left behind and nothing reaches the server.
#![cfg(feature = "import")]

mod import_support;

use flxpoint_ext::TokenKind;
use flxpoint_ext::import::{ImportError, Journal, Problem, TokenRouter};
use flxpoint_sandbox::sandbox::{Sandbox, seed};
use import_support::*;

const HEADER: &str = "fulfillmentRequestId,purchaseOrderNumber,sourceId,trackingNumber,carrier,shippedAt,sku,fulfillmentRequestItemId,quantity\n";

/// Opens a journal for `content` with `router`; returns the problems (the file must be refused).
fn refused(content: &[u8], router: &TokenRouter) -> Vec<Problem> {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", content);
    let mut problems = Vec::new();
    let err = Journal::shipments(&input).open(router, |p| problems.push(p)).unwrap_err();
    match err {
        ImportError::Invalid { problems: n, .. } => assert_eq!(n as usize, problems.len()),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(!Journal::default_path(&input).exists(), "a refused file leaves no journal");
    for p in &problems {
        assert!(!p.to_string().contains("sandbox-"), "no token in {p}");
    }
    problems
}

async fn check(content: &str, expected: &[(u64, &str)]) -> Vec<Problem> {
    check_with(content.as_bytes(), expected, account_router).await
}

async fn check_with(
    content: &[u8],
    expected: &[(u64, &str)],
    router: impl Fn(&Sandbox) -> TokenRouter,
) -> Vec<Problem> {
    let sandbox = sandbox().await;
    let problems = refused(content, &router(&sandbox));
    let expected: Vec<(u64, String)> = expected.iter().map(|(l, f)| (*l, f.to_string())).collect();
    assert_eq!(where_(&problems), expected, "{problems:#?}");
    assert_eq!(sandbox.request_count(), 0, "nothing is sent");
    problems
}

#[tokio::test]
async fn a_missing_column_is_named() {
    let p =
        check("fulfillmentRequestId,trackingNumber,sku\n1388412,T1,AB-100\n", &[(1, "quantity")])
            .await;
    assert!(p[0].message.contains("required"), "{p:?}");
    // Neither way to name the fulfillment request, nor an item column: the header says so.
    check("trackingNumber,quantity\nT1,1\n", &[(1, "fulfillmentRequestId"), (1, "sku")]).await;
}

#[tokio::test]
async fn an_unknown_column_is_named() {
    let p = check(
        "fulfillmentRequestId,trackingNumber,sku,quantity,colour\n1388412,T1,AB-100,1,red\n",
        &[(1, "colour")],
    )
    .await;
    assert!(p[0].message.contains("not a known column"), "{p:?}");
}

#[tokio::test]
async fn bad_numbers_are_reported_on_every_row_not_just_the_first() {
    let file = format!(
        "{HEADER}1388412,,,T1,ups,,AB-100,,1\n1388412,,,T2,ups,,AB-100,,two\n1388412,,,T3,ups,,AB-100,,1\nabc,,,T4,ups,,AB-100,,1\n1388412,,x,T5,ups,,AB-100,,1\n"
    );
    let p = check(&file, &[(3, "quantity"), (5, "fulfillmentRequestId"), (6, "sourceId")]).await;
    assert!(p[0].message.contains("\"two\""), "{p:?}");
}

#[tokio::test]
async fn a_bad_date_is_reported() {
    let file = format!(
        "{HEADER}1388412,,,T1,ups,04/20/2026,AB-100,,1\n1388412,,,T2,ups,2026-04-20T15:30:00+02:00,AB-100,,1\n"
    );
    let p = check(&file, &[(2, "shippedAt")]).await;
    assert!(p[0].message.contains("RFC 3339"), "{p:?}");
}

#[tokio::test]
async fn an_item_with_two_identifiers_is_reported() {
    let file = format!("{HEADER}1388412,,,T1,ups,,HG12123123,1884921,1\n");
    let p = check(&file, &[(2, "fulfillmentRequestItemId")]).await;
    assert!(p[0].message.contains("second item identifier"), "{p:?}");
}

#[tokio::test]
async fn a_quoting_error_is_reported_at_the_opening_quote() {
    let file = format!(
        "{HEADER}1388412,,,T1,ups,,AB-100,,1\n1388412,,,\"T2,ups,,AB-100,,1\n1388412,,,T3,ups,,AB-100,,1\n"
    );
    let p = check(&file, &[(3, "trackingNumber")]).await;
    assert!(p[0].message.contains("quote"), "{p:?}");
}

#[tokio::test]
async fn a_row_with_too_few_or_too_many_fields_is_named_where_it_differs() {
    // Nine columns: a row of eight misses the ninth (`quantity`); a row of ten has a tenth.
    let file = format!(
        "{HEADER}1388412,,,T1,ups,,AB-100,,1\n1388412,,,T2,ups,,AB-100,\n1388412,,,T3,ups,,AB-100,,1,9\n"
    );
    let p = check(&file, &[(3, "quantity"), (4, "column 10")]).await;
    assert!(p[0].message.starts_with("is missing: the row has 8 field(s), the header 9"), "{p:?}");
    assert!(p[1].message.starts_with("is beyond the header: the row has 10 field(s)"), "{p:?}");
}

#[tokio::test]
async fn an_empty_file_is_refused() {
    check("", &[(1, "header")]).await;
}

#[tokio::test]
async fn a_file_of_only_a_header_is_refused() {
    let p = check(HEADER, &[(2, "header")]).await;
    assert!(p[0].message.contains("no rows"), "{p:?}");
}

#[tokio::test]
async fn the_library_rules_apply_to_each_row() {
    // Quantity 0 and a negative id are refused by `CreateShipment::to_request` itself.
    let file = format!(
        "{HEADER}1388412,,,T1,ups,,AB-100,,0\n-5,,,T2,ups,,AB-100,,1\n1388412,,,T3,ups,,,0,1\n"
    );
    check(&file, &[(2, "quantity"), (3, "fulfillmentRequestId"), (4, "fulfillmentRequestItemId")])
        .await;
}

#[tokio::test]
async fn rows_of_one_shipment_must_agree_and_are_checked_across_the_file() {
    // Lines 2 and 4 are one shipment (same request and tracking number) but name other carriers.
    let file = format!(
        "{HEADER}1388412,,,T1,ups,,HG12123123,,1\n1388412,,,T2,ups,,AB-100,,1\n1388412,,,T1,fedex,,AB-100,,1\n"
    );
    let p = check(&file, &[(4, "carrier")]).await;
    assert!(p[0].message.contains("line 2"), "{p:?}");
    // The problem names the fulfillment request by its id, and prints as line, field, message.
    assert!(p[0].message.contains("(fulfillment request 1388412, tracking number"), "{p:?}");
    assert_eq!(p[0].to_string(), format!("line 4, carrier: {}", p[0].message));
    // By number: the fulfillment request is named by it.
    let file = format!(
        "{HEADER},ORDER_125-1,100,T1,ups,,HG12123123,,1\n,ORDER_125-1,100,T1,fedex,,AB-100,,1\n"
    );
    let p = check(&file, &[(3, "carrier")]).await;
    assert!(p[0].message.contains("(fulfillment request ORDER_125-1, tracking number"), "{p:?}");
}

#[tokio::test]
async fn rows_of_one_shipment_disagreeing_on_the_source_are_named_by_it() {
    // The same fulfillment request and tracking number, one row with a source and one without.
    let file = format!("{HEADER}1388412,,,T1,ups,,HG12123123,,1\n1388412,,100,T1,ups,,AB-100,,1\n");
    let p = check(&file, &[(3, "sourceId")]).await;
    assert!(p[0].message.contains("differs from line 2"), "{p:?}");
}

#[tokio::test]
async fn a_row_names_its_fulfillment_request_exactly_one_way() {
    let file = format!("{HEADER}1388412,ORDER_125-1,100,T1,ups,,AB-100,,1\n,,,T2,ups,,AB-100,,1\n");
    let p = check(&file, &[(2, "purchaseOrderNumber"), (3, "fulfillmentRequestId")]).await;
    assert!(p[0].message.contains("name the fulfillment request one way only"), "{p:?}");
    assert!(p[1].message.contains("each row needs fulfillmentRequestId or purchaseOrderNumber"));
}

#[tokio::test]
async fn a_boolean_column_reads_true_and_false_in_any_case() {
    let file = "fulfillmentRequestId,trackingNumber,sku,quantity,suppressed\n\
                1388412,T1,AB-100,1,false\n1388412,T2,AB-100,1,TRUE\n1388412,T3,AB-100,1,False\n\
                1388412,T4,AB-100,1,maybe\n";
    let p = check(file, &[(5, "suppressed")]).await;
    assert!(p[0].message.contains("is not true or false"), "{p:?}");
}

#[tokio::test]
async fn a_row_no_configured_token_can_act_on_is_reported() {
    // Only source 100's token: a row of source 200 has none.
    let file =
        format!("{HEADER},ORDER_125-1,200,T1,ups,,ZZ-9,,1\n1388412,,100,T2,ups,,AB-100,,1\n");
    check_with(file.as_bytes(), &[(2, "sourceId")], |s| {
        TokenRouter::new()
            .source(100, client(s, seed::SOURCE_TOKEN, TokenKind::Source { source_id: 100 }))
    })
    .await;
    // The account token needs sourceId with purchaseOrderNumber (the page's rule), said of the
    // row's token.
    let file = format!("{HEADER},ORDER_125-1,,T1,ups,,ZZ-9,,1\n");
    let p = check(&file, &[(2, "sourceId")]).await;
    assert!(p[0].message.contains("when the row goes with the account token"), "{p:?}");
}

#[tokio::test]
async fn a_missing_required_cell_is_reported_beside_a_bad_one() {
    // No tracking number and a bad date on one row: both are named.
    let file = format!("{HEADER}1388412,,,,ups,yesterday,AB-100,,1\n");
    let p = check(&file, &[(2, "shippedAt"), (2, "trackingNumber")]).await;
    assert_eq!(p[1].message, "is required", "{p:?}");
}

#[tokio::test]
async fn text_that_is_not_utf8_is_reported() {
    let mut file = HEADER.as_bytes().to_vec();
    file.extend_from_slice(b"1388412,,,T1,ups,,AB\xff,,1\n");
    check_with(&file, &[(2, "sku")], account_router).await;
}

#[tokio::test]
async fn a_utf8_bom_is_accepted() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let input =
        write(dir.path(), "s.csv", format!("\u{feff}{HEADER}1388412,,,T1,ups,,AB-100,,1\n"));
    let mut problems = Vec::new();
    let journal =
        Journal::shipments(&input).open(&account_router(&sandbox), |p| problems.push(p)).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(journal.counts().unwrap().total, 1);
    assert!(!journal.resumed());
    assert_eq!(sandbox.request_count(), 0);
}

#[tokio::test]
async fn the_journal_refuses_another_input() {
    let sandbox = sandbox().await;
    let router = account_router(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "s.csv", format!("{HEADER}1388412,,,T1,ups,,AB-100,,1\n"));
    let journal = Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap();
    let sha = journal.input_sha256().to_owned();
    drop(journal);
    write(dir.path(), "s.csv", format!("{HEADER}1388412,,,T1,ups,,AB-100,,2\n"));
    match Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap_err() {
        ImportError::InputChanged { journal_sha256, input_sha256, .. } => {
            assert_eq!(journal_sha256, sha);
            assert_ne!(input_sha256, sha);
        }
        other => panic!("expected InputChanged, got {other:?}"),
    }
    // Opened as the other kind, it is refused too.
    let err = Journal::flags(&input).journal_path(Journal::default_path(&input)).open(|_| {});
    assert!(matches!(err, Err(ImportError::KindMismatch { .. })), "{err:?}");
    assert_eq!(sandbox.request_count(), 0);
}

#[tokio::test]
async fn a_journal_in_use_is_busy() {
    let sandbox = sandbox().await;
    let router = account_router(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "s.csv", format!("{HEADER}1388412,,,T1,ups,,AB-100,,1\n"));
    let _open = Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap();
    let err = Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap_err();
    assert!(matches!(err, ImportError::Busy { .. }), "{err:?}");
}
