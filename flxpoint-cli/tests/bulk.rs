//! `shipments import` and `shipments flag-errors` through the real binary against a sandbox
//! started in the test process, with real files in temporary directories: bad files (exit 2,
//! `FILE:LINE: FIELD`, nothing sent), routing by source token, `--dry-run`, `--retry-failed`,
//! flagging in batches, `--sandbox` alone, and the progress display (a bar under a terminal,
//! plain lines otherwise, stdout one JSON document either way).

mod common;

use common::{Fixture, TOKEN, run, shipments_csv, summary, write};
use flxpoint_sandbox::sandbox::{Fault, seed};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (fulfillment request, tracking number) of every shipment in the sandbox.
fn stored(fixture: &Fixture) -> BTreeSet<(i64, String)> {
    fixture
        .sandbox
        .shipments()
        .iter()
        .map(|s| {
            (
                s["fulfillmentRequestId"].as_i64().unwrap(),
                s["trackingNumber"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn bad_files_exit_2_naming_file_line_and_field_and_send_nothing() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    // A missing column: no quantity.
    let missing = write(
        dir.path(),
        "missing.csv",
        "fulfillmentRequestId,trackingNumber,sku\n1388412,T-1,HG12123123\n",
    );
    // Bad dates (two of them: every problem is listed), and a bad quantity.
    let dates = write(
        dir.path(),
        "dates.csv",
        "fulfillmentRequestId,trackingNumber,shippedAt,sku,quantity\n\
         1388412,T-1,2026-13-45T10:00:00Z,HG12123123,1\n\
         1388412,T-2,2026-04-20T15:30:00Z,HG12123123,0\n\
         1388412,T-3,yesterday,HG12123123,1\n",
    );
    let cases: [(&str, &[&str]); 2] = [
        (&missing, &[":1: quantity: "]),
        (&dates, &[":2: shippedAt: ", ":3: quantity: ", ":4: shippedAt: "]),
    ];
    for (file, expected) in cases {
        let run = fixture.run(&["shipments", "import", file, "--no-rate-limit"]);
        assert_eq!(run.code, 2, "{run:#?}");
        for want in expected {
            assert!(run.stderr.contains(&format!("{file}{want}")), "{want}: {run:#?}");
        }
        assert_eq!(run.error()["error"], "invalid_file", "{run:#?}");
        assert_eq!(run.error()["problems"], expected.len(), "{run:#?}");
        assert!(run.stdout.is_empty(), "{run:#?}");
        assert!(!Path::new(&format!("{file}.journal")).exists(), "no journal is left behind");
    }
    // A flags file without its syncError column.
    let flags = write(dir.path(), "flags.csv", "id\n10211\n");
    let run = fixture.run(&["shipments", "flag-errors", &flags]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains(&format!("{flags}:1: syncError: ")), "{run:#?}");
    // No input at all, and a file that is not there.
    let run = fixture.run(&["shipments", "import"]);
    assert_eq!(run.code, 2, "{run:#?}");
    let run = fixture.run(&["shipments", "import", "/nonexistent/shipments.csv"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(fixture.sandbox.request_count(), 0, "nothing was sent");
}

#[test]
fn source_tokens_from_a_tokens_file_or_token_files_route_each_row() {
    let fixture = Fixture::new();
    let base_url = fixture.sandbox.base_url();
    let dir = tempfile::tempdir().unwrap();
    // Source 100's request by id, source 200's by number: each token may act only on its own
    // source's requests (the sandbox answers 404 otherwise), so success proves the routing.
    let csv = "fulfillmentRequestId,purchaseOrderNumber,sourceId,trackingNumber,sku,quantity\n\
               1388412,,100,TOK-100,HG12123123,1\n\
               ,ORDER_125-1,200,TOK-200,ZZ-9,1\n";
    let tokens = write(
        dir.path(),
        "tokens.toml",
        &format!(
            "[sources]\n\"100\" = \"{}\"\n\"200\" = \"{}\"\n",
            seed::SOURCE_TOKEN,
            seed::OTHER_SOURCE_TOKEN
        ),
    );
    let input = write(dir.path(), "a.csv", csv);
    let report = dir.path().join("a.report.csv");
    // No account token at all: only the two source tokens.
    let env = [("FLXPOINT_BASE_URL", base_url.as_str())];
    let run = common::run(
        &[
            "shipments",
            "import",
            &input,
            "--tokens",
            &tokens,
            "--no-rate-limit",
            "--report",
            report.to_str().unwrap(),
        ],
        None,
        &env,
    );
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(summary(&run)["created"], 2, "{run:#?}");
    let report = std::fs::read_to_string(&report).unwrap();
    for secret in [seed::SOURCE_TOKEN, seed::OTHER_SOURCE_TOKEN] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{run:#?}");
        assert!(!report.contains(secret), "{report}");
    }
    let journal = std::fs::read(format!("{input}.journal")).unwrap();
    assert!(!journal.windows(seed::SOURCE_TOKEN.len()).any(|w| w == seed::SOURCE_TOKEN.as_bytes()));

    // The same through --source-token-file, with the account token beside (rows of source 100
    // go with its own token, the others with the account's).
    let csv2 = csv.replace("TOK-", "TOKF-");
    let input = write(dir.path(), "b.csv", &csv2);
    let token_100 = write(dir.path(), "s100.token", &format!("{}\n", seed::SOURCE_TOKEN));
    let run = fixture.run(&[
        "shipments",
        "import",
        &input,
        "--source-token-file",
        &format!("100={token_100}"),
        "--no-rate-limit",
        "--dry-run",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let lines: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let tokens: Vec<&str> = lines.iter().map(|l| l["token"].as_str().unwrap()).collect();
    assert_eq!(tokens, ["source:100", "account"], "{run:#?}");
    let run = fixture.run(&[
        "shipments",
        "import",
        &input,
        "--source-token-file",
        &format!("100={token_100}"),
        "--no-rate-limit",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(!run.stderr.contains(seed::SOURCE_TOKEN), "{run:#?}");
    let want: BTreeSet<(i64, String)> =
        [(1388412, "TOK-100"), (5003, "TOK-200"), (1388412, "TOKF-100"), (5003, "TOKF-200")]
            .into_iter()
            .map(|(id, t)| (id, t.to_owned()))
            .collect();
    assert_eq!(stored(&fixture), want);

    // A token given twice, and a source id that is not one: settings, exit 2.
    let twice = write(dir.path(), "twice.toml", &format!("account = \"{TOKEN}\"\n"));
    let run = fixture.run(&[
        "shipments",
        "import",
        &input,
        "--tokens",
        &twice,
        "--token-file",
        &token_100,
    ]);
    assert_eq!(run.code, 2, "{run:#?}");
    let bad = write(dir.path(), "bad.toml", "[sources]\nabc = \"x\"\n");
    let run = fixture.run(&["shipments", "import", &input, "--tokens", &bad]);
    assert_eq!(run.code, 2, "{run:#?}");
}

#[test]
fn a_dry_run_prints_the_requests_and_sends_nothing() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "s.csv", flxpoint_ext::import::SAMPLE_SHIPMENTS_CSV);
    let run = fixture.run(&["shipments", "import", &input, "--dry-run"]);
    run.assert_ok();
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 5, "{run:#?}");
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[0]["token"], "account");
    assert_eq!(lines[0]["body"]["fulfillmentRequestId"], 1388412);
    assert_eq!(lines[0]["body"]["allowDuplicateTrackingNumbers"], false);
    assert_eq!(lines[4]["body"]["purchaseOrderNumber"], "ORDER_125-1");
    assert_eq!(fixture.sandbox.request_count(), 0);
    assert!(!Path::new(&format!("{input}.journal")).exists(), "a dry run leaves no journal");
}

#[test]
fn failed_shipments_are_sent_again_only_with_retry_failed() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "r.csv", &shipments_csv("RF-", 3));
    let report = dir.path().join("r.report.csv");
    let report = report.to_str().unwrap();
    // Every attempt at the first shipment fails (4 attempts: the client's default retries).
    fixture.sandbox.inject(Fault::status(503).times(4).on_path("/shipments"));
    let args = ["shipments", "import", &input, "--no-rate-limit", "--concurrency", "1"];
    let run = fixture.run(&[&args[..], &["--report", report]].concat());
    assert_eq!(run.code, 1, "{run:#?}");
    let first = summary(&run);
    assert_eq!(
        (first["created"].as_u64(), first["failed"].as_u64()),
        (Some(2), Some(1)),
        "{run:#?}"
    );
    let text = std::fs::read_to_string(report).unwrap();
    assert!(text.lines().nth(1).unwrap().contains(",RF-0000,failed,"), "{text}");
    let sent = fixture.sandbox.request_count();

    // Without --retry-failed: nothing is sent, still exit 1.
    let run = fixture.run(&args);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(fixture.sandbox.request_count(), sent);
    assert_eq!(summary(&run)["finishedThisRun"], 0);

    // With it: sent again, created, exit 0.
    let run = fixture.run(&[&args[..], &["--retry-failed", "--report", report]].concat());
    assert_eq!(run.code, 0, "{run:#?}");
    let last = summary(&run);
    assert_eq!((last["created"].as_u64(), last["failed"].as_u64()), (Some(3), Some(0)));
    assert_eq!(stored(&fixture).len(), 3);
    let text = std::fs::read_to_string(report).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(",created,")).count(), 3, "{text}");
}

#[test]
fn flag_errors_sends_one_put_per_batch() {
    let fixture = Fixture::new();
    let ids: Vec<i64> = (0..5).map(|i| fixture.create_shipment(&format!("FLAG-{i}"))).collect();
    let sent = fixture.sandbox.request_count();
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,syncError\n");
    for id in &ids {
        csv.push_str(&format!("{id},\"carrier code unknown, #{id}\"\n"));
    }
    let input = write(dir.path(), "flags.csv", &csv);
    let report = dir.path().join("flags.report.csv");
    let run = fixture.run(&[
        "shipments",
        "flag-errors",
        &input,
        "--batch-size",
        "2",
        "--no-rate-limit",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let summary = summary(&run);
    assert_eq!((summary["total"].as_u64(), summary["flagged"].as_u64()), (Some(3), Some(3)));
    assert_eq!(fixture.sandbox.request_count() - sent, 3, "5 rows in batches of 2: 3 PUTs");
    for id in &ids {
        assert_eq!(fixture.shipment(*id)["syncError"], format!("carrier code unknown, #{id}"));
    }
    let text = std::fs::read_to_string(&report).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(",flagged,")).count(), 5, "{text}");
    // A batch size of 0 is a usage error.
    let run = fixture.run(&["shipments", "flag-errors", &input, "--batch-size", "0"]);
    assert_eq!(run.code, 2, "{run:#?}");
}

#[test]
fn sandbox_alone_imports_the_sample_and_says_where_to_look() {
    let run = run(&["--sandbox", "shipments", "import", "--rate", "20"], None, &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    let summary = summary(&run);
    assert_eq!(summary["created"], 5, "{run:#?}");
    for key in ["journal", "report", "file"] {
        let path = PathBuf::from(summary[key].as_str().unwrap());
        assert!(path.exists(), "{key}: {run:#?}");
    }
    let state = PathBuf::from(summary["sandbox"]["stateFile"].as_str().unwrap());
    let state: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(state["shipments"].as_array().unwrap().len(), 5);
    assert!(run.stderr.contains("/_sandbox/state"), "{run:#?}");
    for secret in [seed::ACCOUNT_TOKEN, seed::SOURCE_TOKEN, seed::OTHER_SOURCE_TOKEN] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{run:#?}");
    }
    let dir = PathBuf::from(summary["file"].as_str().unwrap());
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
    // Source tokens of one's own with --sandbox: refused (the seed's are used).
    let run = common::run(&["--sandbox", "shipments", "import", "--tokens", "t.toml"], None, &[]);
    assert_eq!(run.code, 2, "{run:#?}");
}

#[test]
fn the_progress_bar_renders_on_a_terminal_and_stdout_stays_one_json_document() {
    // util-linux's `script` (Debian's bsdutils, essential) gives the run a terminal; without it
    // the test fails rather than skips.
    assert!(
        Command::new("script").arg("--version").output().is_ok(),
        "util-linux `script` is needed to give the run a terminal"
    );
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "p.csv", &shipments_csv("BAR-", 30));
    let stdout = dir.path().join("stdout.json");
    // stderr is the pseudo-terminal `script` makes; stdout goes to a file (piped).
    let command = format!(
        "{} shipments import {input} --rate 20 > {}",
        env!("CARGO_BIN_EXE_flxpoint"),
        stdout.display()
    );
    let output = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env_clear()
        .env("FLXPOINT_BASE_URL", fixture.sandbox.base_url())
        .env("FLXPOINT_API_TOKEN", TOKEN)
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let terminal = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{terminal}");
    assert!(terminal.contains("30/30"), "{terminal}");
    assert!(terminal.contains("/s") && terminal.contains("ETA"), "the rate and ETA: {terminal}");
    assert!(terminal.contains("[###"), "the bar: {terminal}");
    assert!(!terminal.contains(TOKEN));
    let text = std::fs::read_to_string(&stdout).unwrap();
    let summary: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(summary["created"], 30);

    // Not a terminal: plain lines on stderr, no bar, stdout one JSON document.
    let input = write(dir.path(), "q.csv", &shipments_csv("PLAIN-", 3));
    let run = fixture.run(&["shipments", "import", &input, "--rate", "20"]);
    run.assert_ok();
    assert!(run.stderr.contains("flxpoint: shipments 3/3 done (0 failed)"), "{run:#?}");
    assert!(!run.stderr.contains("[###"), "{run:#?}");
    assert_eq!(run.json()["created"], 3);
}

#[test]
fn sigterm_stops_the_run_keeps_the_journal_and_the_next_run_finishes() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "t.csv", &shipments_csv("TERM-", 30));
    let report = dir.path().join("t.report.csv");
    let child = Command::new(env!("CARGO_BIN_EXE_flxpoint"))
        .args(["shipments", "import", &input, "--rate", "10", "--report"])
        .arg(&report)
        .env_clear()
        .env("FLXPOINT_BASE_URL", fixture.sandbox.base_url())
        .env("FLXPOINT_API_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the run is under way (its signal handler is set before it sends), not after a
    // fixed delay that a slow machine could outlast before the handler exists.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while fixture.sandbox.request_count() < 3 {
        assert!(std::time::Instant::now() < deadline, "the run never started sending");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap());
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let first: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(first["interrupted"], true);
    assert!(first["notDone"].as_u64().unwrap() > 0, "{first}");
    assert!(first["finishedThisRun"].as_u64().unwrap() > 0, "{first}");
    // The report is written all the same, the unsent shipments in it.
    let text = std::fs::read_to_string(&report).unwrap();
    let outcomes: Vec<&str> = text.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(outcomes.len(), 30, "{text}");
    assert!(outcomes.iter().any(|o| *o == "pending" || *o == "in_flight"), "{text}");

    let run = fixture.run(&["shipments", "import", &input, "--no-rate-limit"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("resuming journal"), "{run:#?}");
    assert_eq!(
        summary(&run)["created"].as_u64().unwrap()
            + summary(&run)["alreadyExists"].as_u64().unwrap(),
        30
    );
    assert_eq!(stored(&fixture).len(), 30, "each shipment once");
}

#[test]
fn spreadsheet_files_delimiter_and_crlf_lines() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    // A semicolon file (European spreadsheets), its note holding a comma.
    let semi = write(
        dir.path(),
        "semi.csv",
        "fulfillmentRequestId;trackingNumber;note;sku;quantity\r\n\
         1388412;SEMI-1;left at the door, back;HG12123123;2\r\n;;;;\r\n",
    );
    // Read with commas forced, the header is one column: the problem says what it saw.
    let run = fixture.run(&["shipments", "import", &semi, "--delimiter", ",", "--dry-run"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains(&format!("{semi}:1: header: ")), "{run:#?}");
    assert!(run.stderr.contains("(delimiter `;`?)"), "{run:#?}");
    let run = fixture.run(&["shipments", "import", &semi, "--delimiter", ";", "--no-rate-limit"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(summary(&run)["created"], 1, "{run:#?}");
    // The spreadsheet's trailing `;;;;` row: skipped, and counted in the summary.
    assert_eq!(summary(&run)["blankRowsSkipped"], 1, "{run:#?}");
    assert!(run.stderr.contains("blank rows skipped  1"), "{run:#?}");
    assert!(stored(&fixture).contains(&(1388412, "SEMI-1".to_owned())));
    // Tab-separated, by name.
    let tabs = write(
        dir.path(),
        "tabs.tsv",
        "fulfillmentRequestId\ttrackingNumber\tsku\tquantity\n1388412\tTAB-1\tHG12123123\t1\n",
    );
    let run = fixture.run(&["shipments", "import", &tabs, "--delimiter", "tab", "--no-rate-limit"]);
    assert_eq!(run.code, 0, "{run:#?}");
    // An unknown delimiter is a usage error.
    let run = fixture.run(&["shipments", "import", &tabs, "--delimiter", "x"]);
    assert_eq!(run.code, 2, "{run:#?}");
    // A CRLF file (Excel's default): the bad quantity is on line 3, and said so.
    let crlf = write(
        dir.path(),
        "crlf.csv",
        "fulfillmentRequestId,trackingNumber,sku,quantity\r\n\
         1388412,CRLF-1,HG12123123,1\r\n1388412,CRLF-2,HG12123123,zero\r\n",
    );
    let run = fixture.run(&["shipments", "import", &crlf, "--no-rate-limit"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains(&format!("{crlf}:3: quantity: ")), "{run:#?}");
}
