//! Flagging sync errors from a CSV file: rows batched into PUTs, bad files refused, resume.
#![cfg(feature = "import")]

mod import_support;

use flxpoint_ext::import::{ImportError, Journal, Problem, RunOptions, TokenLabel};
use flxpoint_ext::{FulfillmentRequestRef, ShipmentLine};
use flxpoint_sandbox::sandbox::Sandbox;
use import_support::*;

/// Creates `n` shipments on fulfillment request 1388412; returns their ids.
async fn shipments(sandbox: &Sandbox, n: usize) -> Vec<i64> {
    let client = account_router(sandbox).client(TokenLabel::Account).unwrap().clone();
    let mut ids = Vec::new();
    for i in 0..n {
        let created = client
            .create_shipment(FulfillmentRequestRef::id(1388412), format!("FLAG-{i}"))
            .line(ShipmentLine::sku("AB-100", 1))
            .send()
            .await
            .unwrap();
        ids.push(created.shipment().unwrap().id.unwrap());
    }
    ids
}

fn no_problem(p: Problem) {
    panic!("unexpected problem: {p}");
}

#[tokio::test]
async fn rows_go_in_batches_one_put_each() {
    let sandbox = sandbox().await;
    let router = account_router(&sandbox);
    let ids = shipments(&sandbox, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let mut file = String::from("id,syncError\n");
    for id in &ids {
        file.push_str(&format!("{id},\"channel said no to {id}, twice\"\n"));
    }
    let input = write(dir.path(), "flags.csv", file);
    let mut journal = Journal::flags(&input).batch_size(2).open(no_problem).unwrap();
    assert_eq!(journal.counts().unwrap().total, 3, "5 rows in batches of 2");
    let mut planned = Vec::new();
    journal.dry_run(&router, false, |p| planned.push(p)).unwrap();
    assert_eq!(planned.iter().map(|p| p.line).collect::<Vec<_>>(), [2, 4, 6]);
    let body: serde_json::Value = serde_json::from_str(&planned[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!([
            {"id": ids[0], "syncError": format!("channel said no to {}, twice", ids[0])},
            {"id": ids[1], "syncError": format!("channel said no to {}, twice", ids[1])},
        ])
    );

    let before = sandbox.request_count();
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!((summary.flagged, summary.failed), (3, 0));
    assert_eq!(sandbox.request_count() - before, 3, "one PUT per batch");
    for s in sandbox.shipments() {
        assert_eq!(s["syncError"], format!("channel said no to {}, twice", s["id"]));
    }
    let mut report = Vec::new();
    assert_eq!(journal.write_report(&mut report).unwrap(), 5);
    let report = String::from_utf8(report).unwrap();
    assert!(report.starts_with("line,shipmentId,outcome,error\n"), "{report}");
    assert!(report.contains(&format!("6,{},flagged,\n", ids[4])), "{report}");
    drop(journal);

    // A crash while the second batch was in flight: only it is sent again.
    assert_eq!(set_state(&Journal::default_path(&input), "id = 2", "in_flight"), 1);
    let mut journal = Journal::flags(&input).open(no_problem).unwrap();
    let before = sandbox.request_count();
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!((summary.flagged, summary.finished_this_run), (3, 1));
    assert_eq!(sandbox.request_count() - before, 1);
}

#[tokio::test]
async fn a_refused_batch_is_failed_and_retried_only_when_asked() {
    let sandbox = sandbox().await;
    let router = account_router(&sandbox);
    let ids = shipments(&sandbox, 3).await;
    let dir = tempfile::tempdir().unwrap();
    // Shipment 999999 does not exist: its batch (the second) is refused as a whole (404).
    let file = format!("id,syncError\n{},e1\n{},e2\n999999,e3\n{},e4\n", ids[0], ids[1], ids[2]);
    let input = write(dir.path(), "flags.csv", file);
    let mut journal = Journal::flags(&input).batch_size(2).open(no_problem).unwrap();
    let before = sandbox.request_count();
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!((summary.flagged, summary.failed), (1, 1));
    let mut report = Vec::new();
    journal.write_report(&mut report).unwrap();
    let report = String::from_utf8(report).unwrap();
    assert!(report.contains("4,999999,failed,"), "{report}");
    assert!(report.contains("flagShipmentsWithErrors: the server answered 404"), "{report}");
    journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!(sandbox.request_count() - before, 2, "a failed batch waits for retry_failed");
    let summary =
        journal.run(&router, &RunOptions::new().retry_failed(true), |_| {}).await.unwrap();
    assert_eq!((summary.flagged, summary.failed, summary.finished_this_run), (1, 1, 1));
    assert_eq!(sandbox.request_count() - before, 3);
}

#[tokio::test]
async fn bad_flag_files_are_reported_row_by_row_and_nothing_is_sent() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[(u64, &str)]); 6] = [
        ("", &[(1, "header")]),
        ("id,syncError\n", &[(2, "header")]),
        ("id\n1\n", &[(1, "syncError")]),
        ("id,syncError,note\n1,e,x\n", &[(1, "note")]),
        (
            "id,syncError\n1,e\nx,e\n0,e\n4,\n1,again\n5,\"open\n6,e\n",
            &[(3, "id"), (4, "id"), (5, "syncError"), (6, "id"), (7, "syncError")],
        ),
        ("\u{feff}id,syncError\n-1,e\n", &[(2, "id")]),
    ];
    for (content, expected) in cases {
        let input = write(dir.path(), "flags.csv", content);
        let mut problems = Vec::new();
        let err = Journal::flags(&input).open(|p| problems.push(p)).unwrap_err();
        assert!(matches!(err, ImportError::Invalid { .. }), "{err:?}");
        let expected: Vec<(u64, String)> =
            expected.iter().map(|(l, f)| (*l, f.to_string())).collect();
        assert_eq!(where_(&problems), expected, "{content:?}: {problems:#?}");
        assert!(!Journal::default_path(&input).exists());
    }
    assert_eq!(sandbox.request_count(), 0);
}
