//! Importing shipments against the sandbox: a full run of the sample file, resuming after a
//! crash, retrying failures, one lane per source token, cancellation, the report.
#![cfg(feature = "import")]

mod import_support;

use flxpoint_ext::import::{Counts, ImportError, Journal, Planned, RunOptions, TokenLabel};
use flxpoint_sandbox::sandbox::Fault;
use import_support::*;
use std::collections::BTreeSet;

/// A sandbox, the account token's router, and the sample file (`input`) in a temporary
/// directory (`dir`, kept while it lives).
async fn sample() -> (
    flxpoint_sandbox::sandbox::Sandbox,
    flxpoint_ext::import::TokenRouter,
    tempfile::TempDir,
    std::path::PathBuf,
) {
    let sandbox = sandbox().await;
    let router = account_router(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", SAMPLE);
    (sandbox, router, dir, input)
}

/// The shipments of the sample file, as (fulfillment request, tracking number).
fn sample_shipments() -> BTreeSet<(i64, String)> {
    [
        (1388412, "1Z999AA10123456784"),
        (1388412, "1Z999AA10123456785"),
        (1388412, "1Z999AA10123456786"),
        (5002, "9400110200881234567890"),
        (5003, "FDX771234567890"),
    ]
    .into_iter()
    .map(|(id, t)| (id, t.to_owned()))
    .collect()
}

fn no_problem(p: flxpoint_ext::import::Problem) {
    panic!("unexpected problem: {p}");
}

#[tokio::test]
async fn the_sample_file_imports_fully_and_a_second_run_sends_nothing() {
    let (sandbox, router, _dir, input) = sample().await;
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    assert_eq!(journal.path(), Journal::default_path(&input));
    assert_eq!(journal.counts().unwrap().total, 5);

    // The dry run: five calls in input order, the page's fields, duplicates refused, sourceId
    // only beside purchaseOrderNumber; nothing sent.
    let mut planned: Vec<Planned> = Vec::new();
    assert_eq!(journal.dry_run(&router, false, |p| planned.push(p)).unwrap(), 5);
    assert_eq!(planned.iter().map(|p| p.line).collect::<Vec<_>>(), [2, 4, 5, 6, 7]);
    assert!(planned.iter().all(|p| p.token == TokenLabel::Account));
    let bodies: Vec<serde_json::Value> =
        planned.iter().map(|p| serde_json::from_str(&p.body).unwrap()).collect();
    assert!(bodies.iter().all(|b| b["allowDuplicateTrackingNumbers"] == false));
    assert_eq!(bodies[0]["fulfillmentRequestId"], 1388412);
    assert!(bodies[0].get("sourceId").is_none(), "{}", bodies[0]);
    assert_eq!(bodies[0]["shipment"]["shipmentItems"].as_array().unwrap().len(), 2);
    assert_eq!(bodies[0]["shipment"]["shippingCost"], 12.5);
    assert_eq!(bodies[3]["shipment"]["shippedAt"], "2026-04-21T14:15:00Z");
    assert_eq!(bodies[4]["purchaseOrderNumber"], "ORDER_125-1");
    assert_eq!(bodies[4]["sourceId"], 200);
    assert_eq!(sandbox.request_count(), 0);

    let mut seen: Vec<Counts> = Vec::new();
    let summary = journal.run(&router, &RunOptions::new(), |c| seen.push(*c)).await.unwrap();
    assert_eq!((summary.created, summary.failed, summary.done(), summary.total), (5, 0, 5, 5));
    assert_eq!(seen.first().unwrap().pending, 5);
    assert_eq!(seen.len(), 6, "the start, then one per shipment");
    // The first answer comes with four calls sent (the default concurrency), the fifth not.
    let first = seen[1];
    assert_eq!((first.in_flight, first.pending, first.created), (3, 1, 1), "{first:?}");
    assert_eq!(sandbox.request_count(), 5);

    let stored = stored(&sandbox);
    assert_eq!(stored.len(), 5);
    assert_eq!(stored.iter().cloned().collect::<BTreeSet<_>>(), sample_shipments());
    let shipments = sandbox.shipments();
    let first = shipments.iter().find(|s| s["trackingNumber"] == "1Z999AA10123456784").unwrap();
    let skus: Vec<&str> = first["shipmentItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["HG12123123", "AB-100"]);
    assert_eq!(first["carrier"], "ups");
    assert_eq!(first["note"], "first box");
    let fedex = shipments.iter().find(|s| s["trackingNumber"] == "FDX771234567890").unwrap();
    assert_eq!(fedex["note"], "note, with a comma");
    assert_eq!(fedex["shipmentItems"][0]["quantity"], 1);
    assert_eq!(fedex["shipmentItems"].as_array().unwrap().len(), 2);

    // The report: one line per shipment, with the server's ids.
    let mut report = Vec::new();
    assert_eq!(journal.write_report(&mut report).unwrap(), 5);
    let report = String::from_utf8(report).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "line,fulfillmentRequest,trackingNumber,outcome,shipmentId,error");
    let id = first["id"].as_i64().unwrap();
    assert_eq!(lines[1], format!("2,1388412,1Z999AA10123456784,created,{id},"));
    assert!(lines[5].starts_with("7,ORDER_125-1,FDX771234567890,created,"), "{report}");
    assert!(!report.contains("sandbox-"), "no token in the report");
    drop(journal);
    let bytes = std::fs::read(Journal::default_path(&input)).unwrap();
    let token = flxpoint_sandbox::sandbox::seed::ACCOUNT_TOKEN.as_bytes();
    assert!(!bytes.windows(token.len()).any(|w| w == token), "no token in the journal");

    // Resumed: everything is done, nothing is sent.
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    assert!(journal.resumed());
    assert_eq!(journal.dry_run(&router, true, |_| {}).unwrap(), 0);
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!((summary.created, summary.finished_this_run), (5, 0));
    assert_eq!(sandbox.request_count(), 5);
}

#[tokio::test]
async fn after_a_crash_in_flight_shipments_are_sent_again_and_found_existing() {
    let (sandbox, router, dir, input) = sample().await;
    let journal_path = dir.path().join("elsewhere.journal");
    let mut journal =
        Journal::shipments(&input).journal_path(&journal_path).open(&router, no_problem).unwrap();
    journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    drop(journal);
    // As if the process died after the server created these two, before their outcome was
    // committed: they are left in flight.
    assert_eq!(set_state(&journal_path, "id IN (1, 4)", "in_flight"), 2);

    let mut journal =
        Journal::shipments(&input).journal_path(&journal_path).open(&router, no_problem).unwrap();
    assert!(journal.resumed());
    let start = journal.counts().unwrap();
    assert_eq!((start.in_flight, start.created), (2, 3));
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!((summary.created, summary.already_exists, summary.failed), (3, 2, 0));
    assert_eq!(summary.finished_this_run, 2);
    assert_eq!(sandbox.request_count(), 5 + 2, "only the two in flight were sent again");
    assert_eq!(stored(&sandbox).len(), 5, "none duplicated");
    let mut report = Vec::new();
    journal.write_report(&mut report).unwrap();
    let report = String::from_utf8(report).unwrap();
    assert!(report.contains("2,1388412,1Z999AA10123456784,already_exists,,"), "{report}");
}

#[tokio::test]
async fn failed_shipments_are_sent_again_only_with_retry_failed() {
    let (sandbox, router, _dir, input) = sample().await;
    // The first create answers 503 before acting; the second 503 after creating (the answer is
    // lost). Retries are off in these clients, so both are failed.
    sandbox.inject(Fault::status(503).on_path("/shipments").times(1));
    sandbox.inject(Fault::status(503).on_path("/shipments").after_commit().times(1));
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    let options = RunOptions::new().concurrency_per_token(1);
    let summary = journal.run(&router, &options, |_| {}).await.unwrap();
    assert_eq!((summary.created, summary.failed), (3, 2));
    assert_eq!(stored(&sandbox).len(), 4);
    let mut report = Vec::new();
    journal.write_report(&mut report).unwrap();
    let report = String::from_utf8(report).unwrap();
    assert!(report.contains(",failed,,\"createShipment: the server answered 503"), "{report}");

    // Without retry_failed: nothing is sent.
    let summary = journal.run(&router, &options, |_| {}).await.unwrap();
    assert_eq!((summary.failed, summary.finished_this_run), (2, 0));
    assert_eq!(sandbox.request_count(), 5);

    // With it: the first is created now; the second was created by the lost attempt, and the
    // server's 409 to the repeat makes it already_exists. The failed count as pending again.
    let mut start = None;
    let summary = journal
        .run(&router, &options.clone().retry_failed(true), |c| {
            start.get_or_insert(*c);
        })
        .await
        .unwrap();
    let start = start.unwrap();
    assert_eq!((start.pending, start.failed, start.created), (2, 0, 3), "{start:?}");
    assert_eq!((summary.created, summary.already_exists, summary.failed), (4, 1, 0));
    assert_eq!(sandbox.request_count(), 7);
    let stored = stored(&sandbox);
    assert_eq!(stored.len(), 5, "none duplicated");
    assert_eq!(stored.into_iter().collect::<BTreeSet<_>>(), sample_shipments());
}

#[tokio::test]
async fn each_source_goes_with_its_own_token() {
    // No account token: a source token acting on another source's request would get 404, so
    // every shipment created proves its row went with its own source's token.
    let sandbox = sandbox().await;
    let router = source_router(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", SAMPLE);
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    let mut tokens = Vec::new();
    journal.dry_run(&router, false, |p| tokens.push(p.token)).unwrap();
    let (a, b) = (TokenLabel::Source(100), TokenLabel::Source(200));
    assert_eq!(tokens, [a, a, a, a, b]);
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!((summary.created, summary.failed), (5, 0), "{summary:?}");
    assert_eq!(stored(&sandbox).into_iter().collect::<BTreeSet<_>>(), sample_shipments());
    for s in sandbox.shipments() {
        let expected = if s["fulfillmentRequestId"] == 5003 { 200 } else { 100 };
        assert_eq!(s["sourceId"], expected);
    }
    drop(journal);

    // Resumed with only the account token, the journal's source-token work is refused before
    // anything is sent.
    set_state(&Journal::default_path(&input), "id = 5", "pending");
    let account = account_router(&sandbox);
    let mut journal = Journal::shipments(&input).open(&account, no_problem).unwrap();
    let err = journal.run(&account, &RunOptions::new(), |_| {}).await.unwrap_err();
    assert!(
        matches!(err, ImportError::MissingToken { token: TokenLabel::Source(200), units: 1 }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("no token configured for token of source 200;"), "{err}");
    drop(journal);

    // The units counted are all a run would send for that token: pending and in flight alike.
    let path = Journal::default_path(&input);
    set_state(&path, "id = 5", "created");
    set_state(&path, "id = 1", "pending");
    set_state(&path, "id = 2", "in_flight");
    let mut journal = Journal::shipments(&input).open(&account, no_problem).unwrap();
    let err = journal.run(&account, &RunOptions::new(), |_| {}).await.unwrap_err();
    assert!(
        matches!(err, ImportError::MissingToken { token: TokenLabel::Source(100), units: 2 }),
        "{err:?}"
    );
    assert_eq!(sandbox.request_count(), 5);
}

#[tokio::test]
async fn a_run_dropped_midway_leaves_a_journal_the_next_run_finishes() {
    let sandbox = sandbox().await;
    // Slow enough (5 requests/second, one at a time) to be stopped in the middle.
    let slow = flxpoint_ext::import::TokenRouter::new().account(
        flxpoint_ext::Client::builder(flxpoint_sandbox::sandbox::seed::ACCOUNT_TOKEN)
            .base_url(sandbox.base_url())
            .rate_limit(5.0, 1)
            .build()
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", SAMPLE);
    let mut journal = Journal::shipments(&input).open(&slow, no_problem).unwrap();
    let options = RunOptions::new().concurrency_per_token(2);
    let stopped = tokio::time::timeout(
        std::time::Duration::from_millis(450),
        journal.run(&slow, &options, |_| {}),
    )
    .await;
    assert!(stopped.is_err(), "the run was stopped before the end");
    let counts = journal.counts().unwrap();
    assert_eq!(counts.total, 5);
    assert!(counts.done() < 5, "{counts:?}");
    assert_eq!(counts.failed, 0);
    drop(journal);

    let router = account_router(&sandbox);
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    let summary = journal.run(&router, &options, |_| {}).await.unwrap();
    assert_eq!(summary.created + summary.already_exists, 5, "{summary:?}");
    assert_eq!(summary.failed, 0);
    let stored = stored(&sandbox);
    assert_eq!(stored.len(), 5, "none duplicated: {stored:?}");
    assert_eq!(stored.into_iter().collect::<BTreeSet<_>>(), sample_shipments());
}

#[tokio::test]
async fn concurrency_per_token_is_the_number_of_calls_the_server_holds_at_once() {
    for (concurrency, expected) in [(1, 1), (3, 3)] {
        let sandbox = sandbox().await;
        let router = account_router(&sandbox);
        let dir = tempfile::tempdir().unwrap();
        let input = write(dir.path(), "shipments.csv", SAMPLE);
        // Every call is held 400 ms: the calls a run keeps in flight overlap at the server.
        sandbox.inject(Fault::latency(400).on_path("/shipments").times(5));
        let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
        let options = RunOptions::new().concurrency_per_token(concurrency);
        assert_eq!(journal.run(&router, &options, |_| {}).await.unwrap().created, 5);
        assert_eq!(sandbox.max_in_flight(), expected, "concurrency {concurrency}");
    }
}

#[tokio::test]
async fn work_the_client_now_refuses_is_failed_without_a_request() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", SAMPLE);
    let router = account_router(&sandbox);
    drop(Journal::shipments(&input).open(&router, no_problem).unwrap());
    // Resumed with the same token declared a channel token, which may not create shipments:
    // every shipment is refused by the client before sending, and counted as finished.
    let channel = flxpoint_ext::import::TokenRouter::new().account(client(
        &sandbox,
        flxpoint_sandbox::sandbox::seed::ACCOUNT_TOKEN,
        flxpoint_ext::TokenKind::Channel,
    ));
    let mut journal = Journal::shipments(&input).open(&channel, no_problem).unwrap();
    let mut last = None;
    let summary = journal.run(&channel, &RunOptions::new(), |c| last = Some(*c)).await.unwrap();
    assert_eq!((summary.failed, summary.finished_this_run, summary.pending), (5, 5, 0));
    assert_eq!(last.unwrap().finished_this_run, 5);
    assert_eq!(sandbox.request_count(), 0);
}

#[tokio::test]
async fn rows_without_a_source_go_with_the_only_source_token_when_there_is_no_account_token() {
    let sandbox = sandbox().await;
    let only = flxpoint_ext::import::TokenRouter::new().source(
        100,
        client(
            &sandbox,
            flxpoint_sandbox::sandbox::seed::SOURCE_TOKEN,
            flxpoint_ext::TokenKind::Source { source_id: 100 },
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let text = "fulfillmentRequestId,trackingNumber,sku,quantity\n1388412,1ZONLY1,HG12123123,1\n";
    let input = write(dir.path(), "shipments.csv", text);
    let mut journal = Journal::shipments(&input).open(&only, no_problem).unwrap();
    let mut tokens = Vec::new();
    journal.dry_run(&only, false, |p| tokens.push(p.token)).unwrap();
    assert_eq!(tokens, [TokenLabel::Source(100)]);
    assert_eq!(TokenLabel::Source(100).to_string(), "token of source 100");
    assert_eq!(TokenLabel::Account.to_string(), "account token");
    let summary = journal.run(&only, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!(summary.created, 1);
    assert_eq!(sandbox.shipments()[0]["sourceId"], 100);
}

#[tokio::test]
async fn units_of_every_state_a_run_sends_go_in_the_files_order() {
    let (sandbox, router, _dir, input) = sample().await;
    drop(Journal::shipments(&input).open(&router, no_problem).unwrap());
    // The five shipments interleave the states a retrying run sends.
    let path = Journal::default_path(&input);
    assert_eq!(set_state(&path, "id IN (1, 4)", "failed"), 2);
    assert_eq!(set_state(&path, "id IN (2, 5)", "in_flight"), 2);
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    let options = RunOptions::new().concurrency_per_token(1).retry_failed(true);
    let summary = journal.run(&router, &options, |_| {}).await.unwrap();
    assert_eq!(summary.created, 5, "{summary:?}");
    let sent: Vec<String> = stored(&sandbox).into_iter().map(|(_, tracking)| tracking).collect();
    let in_file_order = [
        "1Z999AA10123456784",
        "1Z999AA10123456785",
        "1Z999AA10123456786",
        "9400110200881234567890",
        "FDX771234567890",
    ];
    assert_eq!(sent, in_file_order);
}
