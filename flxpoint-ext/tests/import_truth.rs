//! The import reports only what it did: a journal belongs to one server and its tokens, a 409
//! is `already_exists` only with evidence that this journal's own send may have made it, and
//! `in_flight` is on disk before the call leaves.
#![cfg(feature = "import")]

mod import_support;

use flxpoint_ext::import::{ImportError, Journal, Mismatch, RunOptions, TokenLabel, TokenRouter};
use flxpoint_ext::{Client, FulfillmentRequestRef, RetryPolicy, ShipmentLine, TokenKind};
use flxpoint_sandbox::sandbox::{Fault, seed};
use import_support::*;
use std::time::Duration;

fn no_problem(p: flxpoint_ext::import::Problem) {
    panic!("unexpected problem: {p}");
}

/// One shipment on fulfillment request 1388412.
const ONE: &str =
    "fulfillmentRequestId,trackingNumber,sku,quantity\n1388412,1ZTAKEN0001,HG12123123,1\n";

fn report(journal: &Journal) -> String {
    let mut out = Vec::new();
    journal.write_report(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The sample file imported in full with `router` into a new journal in `dir`: the input and
/// the journal, still open.
async fn imported(dir: &std::path::Path, router: &TokenRouter) -> (std::path::PathBuf, Journal) {
    let input = write(dir, "shipments.csv", SAMPLE);
    let mut journal = Journal::shipments(&input).open(router, no_problem).unwrap();
    let summary = journal.run(router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!(summary.created, 5);
    (input, journal)
}

#[tokio::test]
async fn a_journal_run_against_one_server_is_refused_against_another() {
    let (trial, real) = (sandbox().await, sandbox().await);
    let dir = tempfile::tempdir().unwrap();
    let (input, journal) = imported(dir.path(), &account_router(&trial)).await;
    drop(journal);

    // The same file against another server: refused before anything is sent, finished work
    // and all, naming both origins.
    let real_router = account_router(&real);
    let mut journal = Journal::shipments(&input).open(&real_router, no_problem).unwrap();
    let err = journal.run(&real_router, &RunOptions::new(), |_| {}).await.unwrap_err();
    let ImportError::JournalMismatch { mismatch: Mismatch::Origin { recorded, given }, .. } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (recorded.as_str(), given.as_str()),
        (trial.base_url().as_str(), real.base_url().as_str())
    );
    let text = err.to_string();
    assert!(text.contains(&trial.base_url()) && text.contains(&real.base_url()), "{text}");
    // Rotated tokens do not make another server acceptable.
    let rotated = RunOptions::new().accept_rotated_tokens(true);
    assert!(matches!(
        journal.run(&real_router, &rotated, |_| {}).await,
        Err(ImportError::JournalMismatch { mismatch: Mismatch::Origin { .. }, .. })
    ));
    assert_eq!(real.request_count(), 0, "the other server received nothing");

    // A new journal for the real server sends everything there.
    let elsewhere = dir.path().join("real.journal");
    let mut journal =
        Journal::shipments(&input).journal_path(&elsewhere).open(&real_router, no_problem).unwrap();
    assert_eq!(journal.run(&real_router, &RunOptions::new(), |_| {}).await.unwrap().created, 5);
    assert_eq!(stored(&real).len(), 5);
}

/// The account client of `sandbox` on `token` (the sandbox need not know it: the refusals
/// below come before anything is sent).
fn account(sandbox: &flxpoint_sandbox::sandbox::Sandbox, token: &str) -> TokenRouter {
    TokenRouter::new().account(client(sandbox, token, TokenKind::Account))
}

#[tokio::test]
async fn another_token_is_refused_unless_accepted_as_rotated_and_then_recorded() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let router = account_router(&sandbox);
    let (_, mut journal) = imported(dir.path(), &router).await;

    let other = account(&sandbox, "another-accounts-token-0001");
    let err = journal.run(&other, &RunOptions::new(), |_| {}).await.unwrap_err();
    let ImportError::JournalMismatch {
        mismatch: Mismatch::Token { token, recorded, given }, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*token, TokenLabel::Account);
    assert_ne!(recorded, given);
    let text = format!("{err} {err:?}");
    assert!(!text.contains("another-accounts-token-0001") && !text.contains(seed::ACCOUNT_TOKEN));
    assert!(text.contains("rotated"), "{text}");
    assert_eq!(sandbox.request_count(), 5, "nothing sent");

    // Accepted explicitly, the new token is recorded: the old one is now the stranger.
    let rotated = RunOptions::new().accept_rotated_tokens(true);
    journal.run(&other, &rotated, |_| {}).await.unwrap();
    assert!(matches!(
        journal.run(&router, &RunOptions::new(), |_| {}).await,
        Err(ImportError::JournalMismatch { mismatch: Mismatch::Token { .. }, .. })
    ));
    assert_eq!(sandbox.request_count(), 5);
}

#[tokio::test]
async fn the_journal_records_a_fingerprint_never_the_token() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let (input, journal) = imported(dir.path(), &source_router(&sandbox)).await;
    drop(journal);
    let conn = rusqlite::Connection::open(Journal::default_path(&input)).unwrap();
    let mut stmt = conn.prepare("SELECT key, value FROM meta ORDER BY key").unwrap();
    let meta: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let get = |key: &str| meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    assert_eq!(get("origin"), Some(sandbox.base_url()));
    let (a, b) = (get("token_fingerprint:source:100"), get("token_fingerprint:source:200"));
    let (a, b) = (a.expect("source 100 recorded"), b.expect("source 200 recorded"));
    assert_ne!(a, b);
    assert_eq!(a.len(), 32);
    for token in [seed::SOURCE_TOKEN, seed::OTHER_SOURCE_TOKEN] {
        assert!(!a.contains(token) && !token.contains(&a[..8]));
    }
}

#[tokio::test]
async fn a_real_conflict_stays_failed_also_with_retry_failed() {
    let sandbox = sandbox().await;
    // Someone else's shipment already holds the tracking number on this request.
    let other = client(&sandbox, seed::ACCOUNT_TOKEN, TokenKind::Account);
    other
        .create_shipment(FulfillmentRequestRef::id(1388412), "1ZTAKEN0001")
        .line(ShipmentLine::sku("HG12123123", 1))
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", ONE);
    let router = account_router(&sandbox);
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    let first = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    assert_eq!((first.created, first.already_exists, first.failed), (0, 0, 1));
    let retry = RunOptions::new().retry_failed(true);
    for _ in 0..2 {
        let again = journal.run(&router, &retry, |_| {}).await.unwrap();
        assert_eq!((again.created, again.already_exists, again.failed), (0, 0, 1), "{again:?}");
    }
    assert_eq!(sandbox.creates_received()["1ZTAKEN0001"], 1 + 3, "sent three times, refused");
    let text = report(&journal);
    assert!(text.contains(",1ZTAKEN0001,failed,,\"conflict: no earlier send"), "{text}");
}

#[tokio::test]
async fn a_conflict_after_refusals_only_is_failed_and_after_a_lost_answer_already_exists() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", ONE);
    let router = account_router(&sandbox);
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    // Refused outright twice (a 429 reaches no shipment), then someone else takes the number.
    sandbox.inject(Fault::status(429).on_path("/shipments").without_retry_after());
    journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    sandbox.inject(Fault::status(429).on_path("/shipments").without_retry_after());
    let retry = RunOptions::new().retry_failed(true);
    journal.run(&router, &retry, |_| {}).await.unwrap();
    client(&sandbox, seed::ACCOUNT_TOKEN, TokenKind::Account)
        .create_shipment(FulfillmentRequestRef::id(1388412), "1ZTAKEN0001")
        .line(ShipmentLine::sku("HG12123123", 1))
        .send()
        .await
        .unwrap();
    let counts = journal.run(&router, &retry, |_| {}).await.unwrap();
    assert_eq!((counts.already_exists, counts.failed), (0, 1), "two refusals are no evidence");

    // A 503 after the server acted may have created it: the next 409 is this import's own.
    let input = write(dir.path(), "second.csv", ONE.replace("1ZTAKEN0001", "1ZLOST0001"));
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    sandbox.inject(Fault::status(503).on_path("/shipments").after_commit());
    assert_eq!(journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap().failed, 1);
    let counts = journal.run(&router, &retry, |_| {}).await.unwrap();
    assert_eq!((counts.already_exists, counts.failed), (1, 0));
    assert!(report(&journal).contains(",1ZLOST0001,already_exists,,"));
}

#[tokio::test]
async fn in_flight_is_on_disk_while_the_server_holds_the_call() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "shipments.csv", ONE);
    let router = TokenRouter::new().account(
        Client::builder(seed::ACCOUNT_TOKEN)
            .base_url(sandbox.base_url())
            .retry(RetryPolicy::none())
            .build()
            .unwrap(),
    );
    sandbox.inject(Fault::latency(3_000).on_path("/shipments"));
    let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
    let path = journal.path().to_owned();
    let copy = dir.path().join("copy");
    let options = RunOptions::new();
    let run = journal.run(&router, &options, |_| {});
    let look = async {
        // The server has the request (and holds it for 3 s): copy the journal's files as a
        // crash now would leave them, and read the copy.
        while sandbox.request_count() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        std::fs::create_dir(&copy).unwrap();
        for suffix in ["", "-wal"] {
            let from = format!("{}{suffix}", path.display());
            if std::path::Path::new(&from).exists() {
                std::fs::copy(&from, format!("{}/j{suffix}", copy.display())).unwrap();
            }
        }
        let conn = rusqlite::Connection::open(copy.join("j")).unwrap();
        conn.query_row("SELECT state, attempts FROM units", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .unwrap()
    };
    let (result, seen) = tokio::join!(run, look);
    assert_eq!(result.unwrap().created, 1);
    assert_eq!(seen, ("in_flight".to_owned(), 1), "committed before the call left");
}

/// Turns the journal at `path` back into schema 1 (no `maybe_sent`, no origin or token
/// fingerprints, shipments in positional columns rather than JSON), as that release wrote it.
fn downgrade_to_schema_1(path: &std::path::Path) {
    import_support::downgrade_to_schema_2(path);
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "ALTER TABLE units DROP COLUMN maybe_sent;
         DELETE FROM meta WHERE key = 'origin' OR key LIKE 'token_fingerprint:%';
         UPDATE meta SET value = '1' WHERE key = 'schema_version';",
    )
    .unwrap();
}

#[tokio::test]
async fn a_schema_1_journal_that_sent_work_is_refused_everywhere_and_one_that_did_not_is_new() {
    let (trial, real) = (sandbox().await, sandbox().await);
    let dir = tempfile::tempdir().unwrap();
    let trial_router = account_router(&trial);
    let (input, journal) = imported(dir.path(), &trial_router).await;
    drop(journal);
    let path = Journal::default_path(&input);
    // Left by the old release: two done, one in flight, one failed, one pending.
    set_state(&path, "id = 2", "in_flight");
    set_state(&path, "id = 3", "failed");
    set_state(&path, "id = 4", "pending");
    downgrade_to_schema_1(&path);

    // Opening migrates it; only the unit left in flight counts as possibly sent.
    drop(Journal::shipments(&input).open(&trial_router, no_problem).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let sent: Vec<(i64, i64)> = conn
        .prepare("SELECT id, maybe_sent FROM units ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(sent, [(1, 0), (2, 1), (3, 0), (4, 0), (5, 0)]);
    drop(conn);

    // Where its work went is unknown: no server may take it as its own, not even the trial's.
    for router in [account_router(&real), trial_router] {
        let mut journal = Journal::shipments(&input).open(&router, no_problem).unwrap();
        let err = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap_err();
        assert!(
            matches!(&err, ImportError::JournalMismatch { mismatch: Mismatch::Origin { recorded, .. }, .. } if recorded.contains("unrecorded")),
            "{err:?}"
        );
    }
    assert_eq!(real.request_count(), 0);

    // One that never sent anything is simply run, and records its server.
    let fresh = write(dir.path(), "fresh.csv", ONE);
    let router = account_router(&real);
    let journal = Journal::shipments(&fresh).open(&router, no_problem).unwrap();
    drop(journal);
    downgrade_to_schema_1(&Journal::default_path(&fresh));
    let mut journal = Journal::shipments(&fresh).open(&router, no_problem).unwrap();
    assert_eq!(journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap().created, 1);
}

#[tokio::test]
async fn a_dry_run_of_a_journal_of_another_server_is_refused() {
    let (trial, real) = (sandbox().await, sandbox().await);
    let dir = tempfile::tempdir().unwrap();
    let (_, journal) = imported(dir.path(), &account_router(&trial)).await;
    let err = journal.dry_run(&account_router(&real), true, |_| {}).unwrap_err();
    assert!(matches!(err, ImportError::JournalMismatch { .. }), "{err:?}");
    // Another token on the same server: the dry run shows the work (the run decides).
    let other = account(&trial, "another-accounts-token-0002");
    assert_eq!(journal.dry_run(&other, true, |_| {}).unwrap(), 0);
}
