//! What `shipments import` refuses, and how it ends, through the real binary: a journal of
//! another server or token (`journal_mismatch`), a `--sandbox` trial's journal, a `--report`
//! that would destroy the input or the journal, an unwritable report, a busy or unwritable
//! journal, a changed input, a missing token; `--journal`, `--concurrency` as the server sees
//! it, and SIGINT.

mod common;

use common::{Fixture, Run, TOKEN, run, shipments_csv, summary, write};
use flxpoint_sandbox::sandbox::{Fault, seed};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `flxpoint ARGS` against `fixture`'s sandbox with the account token.
fn import(fixture: &Fixture, args: &[&str]) -> Run {
    let mut all = vec!["shipments", "import"];
    all.extend_from_slice(args);
    fixture.run(&all)
}

#[test]
fn a_journal_of_another_server_or_token_is_refused_with_exit_2() {
    let (trial, real) = (Fixture::new(), Fixture::new());
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "my.csv", &shipments_csv("ORIGIN-", 2));
    import(&trial, &[&input, "--no-rate-limit"]).assert_ok();

    // The real run of the same file: refused, naming both origins and the way on.
    let run = import(&real, &[&input, "--no-rate-limit"]);
    assert_eq!(run.code, 2, "{run:#?}");
    let error = run.error();
    assert_eq!(error["error"], "journal_mismatch", "{run:#?}");
    let message = error["message"].as_str().unwrap();
    for needle in [trial.sandbox.base_url(), real.sandbox.base_url(), "--journal".into()] {
        assert!(message.contains(&needle), "{needle}: {message}");
    }
    assert_eq!(real.sandbox.request_count(), 0, "the real server received nothing");
    // Its own journal: everything is sent there.
    let own = dir.path().join("real.journal");
    let run = import(&real, &[&input, "--no-rate-limit", "--journal", own.to_str().unwrap()]);
    run.assert_ok();
    assert_eq!(summary(&run)["created"], 2);

    // Another token of the same server: refused, unless declared rotated.
    let base = trial.sandbox.base_url();
    let other =
        [("FLXPOINT_BASE_URL", base.as_str()), ("FLXPOINT_API_TOKEN", "rotated-token-0001")];
    let args = ["shipments", "import", &input, "--no-rate-limit"];
    let run = trial.run_with(&args, None, &other);
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(run.error()["error"], "journal_mismatch");
    assert!(run.error()["message"].as_str().unwrap().contains("--rotated-token"), "{run:#?}");
    assert!(!run.stderr.contains("rotated-token-0001"), "{run:#?}");
    let rotated = ["shipments", "import", &input, "--no-rate-limit", "--rotated-token"];
    trial.run_with(&rotated, None, &other).assert_ok();
    assert_eq!(trial.sandbox.request_count(), 2, "nothing was left to send");
}

#[test]
fn a_sandbox_trial_leaves_no_journal_where_the_real_run_finds_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "my.csv", &shipments_csv("TRIAL-", 2));
    let trial = run(&["--sandbox", "shipments", "import", &input, "--rate", "20"], None, &[]);
    assert_eq!(trial.code, 0, "{trial:#?}");
    let journal = summary(&trial)["journal"].as_str().unwrap().to_owned();
    assert!(!journal.starts_with(dir.path().to_str().unwrap()), "{journal}");
    assert!(Path::new(&journal).exists());
    assert!(!Path::new(&format!("{input}.journal")).exists());
    let _ = std::fs::remove_dir_all(Path::new(&journal).parent().unwrap());

    let real = Fixture::new();
    let run = import(&real, &[&input, "--no-rate-limit"]);
    run.assert_ok();
    assert_eq!(
        (summary(&run)["created"].as_u64(), summary(&run)["resumed"].as_bool()),
        (Some(2), Some(false))
    );
    assert_eq!(real.sandbox.shipments().len(), 2);

    let with_journal = ["--sandbox", "shipments", "import", &input, "--journal", "x.journal"];
    let run = common::run(&with_journal, None, &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(run.error()["field"], "--journal");
}

#[test]
fn a_report_naming_the_input_or_the_journal_is_refused_before_anything_is_sent() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let text = shipments_csv("KEEP-", 2);
    let input = write(dir.path(), "my.csv", &text);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::hard_link(&input, dir.path().join("hard.csv")).unwrap();
    std::os::unix::fs::symlink(&input, dir.path().join("soft.csv")).unwrap();
    let journal = format!("{input}.journal");
    let named = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let check = |report: &str, when: &str| {
        let run = import(&fixture, &[&input, "--no-rate-limit", "--report", report]);
        assert_eq!(run.code, 2, "{when}: {run:#?}");
        assert_eq!(run.error()["field"], "--report", "{when}: {run:#?}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), text, "{when}: the input is kept");
    };
    // Before the journal exists, and after.
    for report in [
        input.clone(),
        journal.clone(),
        named("sub/../my.csv"),
        named("hard.csv"),
        named("soft.csv"),
    ] {
        check(&report, "first run");
    }
    assert_eq!(fixture.sandbox.request_count(), 0);
    assert!(!Path::new(&journal).exists(), "a refused report leaves no journal");
    import(&fixture, &[&input, "--no-rate-limit"]).assert_ok();
    let sent = fixture.sandbox.request_count();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        check(&format!("{journal}{suffix}"), "resumed");
    }
    assert!(std::fs::metadata(&journal).unwrap().len() > 0, "the journal is kept");
    assert_eq!(fixture.sandbox.request_count(), sent);
    // The journal may not be the input either.
    let run = import(&fixture, &[&input, "--journal", &named("soft.csv")]);
    assert_eq!((run.code, run.error()["field"].as_str()), (2, Some("--journal")), "{run:#?}");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), text);
}

#[test]
fn an_unwritable_report_is_found_before_the_first_send_and_a_report_is_replaced_whole() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "my.csv", &shipments_csv("REPORT-", 3));
    let file_as_dir = write(dir.path(), "plain-file", "x");
    for report in
        [format!("{file_as_dir}/r.csv"), dir.path().join("missing/r.csv").display().to_string()]
    {
        let run = import(&fixture, &[&input, "--no-rate-limit", "--report", &report]);
        assert_eq!(run.code, 2, "{run:#?}");
        assert_eq!(run.error()["field"], "--report");
    }
    let run = import(&fixture, &[&input, "--report", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "a directory: {run:#?}");
    assert_eq!(fixture.sandbox.request_count(), 0);
    assert!(!Path::new(&format!("{input}.journal")).exists());

    let report = write(dir.path(), "r.csv", "the old report\n");
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o640)).unwrap();
    let old_inode = std::fs::metadata(&report).unwrap().ino();
    import(&fixture, &[&input, "--no-rate-limit", "--report", &report]).assert_ok();
    let new = std::fs::metadata(&report).unwrap();
    // Renamed into place (a new file), not rewritten in place; with the old one's permissions.
    assert_ne!(new.ino(), old_inode, "the report was written in place");
    assert_eq!(new.permissions().mode() & 0o777, 0o640);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.starts_with("line,fulfillmentRequest,") && text.lines().count() == 4, "{text}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "no temporary file left: {names:?}");
}

#[test]
fn sigint_stops_the_run_and_still_writes_the_report_with_the_unsent_rows() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "int.csv", &shipments_csv("INT-", 30));
    let report = dir.path().join("int.report.csv");
    let child = Command::new(env!("CARGO_BIN_EXE_flxpoint"))
        .args(["shipments", "import", &input, "--rate", "10", "--report", report.to_str().unwrap()])
        .env_clear()
        .env("FLXPOINT_BASE_URL", fixture.sandbox.base_url())
        .env("FLXPOINT_API_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(|| fixture.sandbox.request_count() >= 3, "the run never started sending");
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let first: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(first["interrupted"], true);
    let text = std::fs::read_to_string(&report).unwrap();
    let outcomes: Vec<&str> = text.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(outcomes.len(), 30, "{text}");
    assert!(outcomes.contains(&"created"), "{text}");
    assert!(
        outcomes.iter().any(|o| *o == "pending" || *o == "in_flight"),
        "the unsent rows are listed: {text}"
    );
}

fn wait_for(done: impl Fn() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn exit_codes_of_a_busy_journal_a_changed_input_and_a_missing_token() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "busy.csv", &shipments_csv("BUSY-", 6));
    // A run held by the server (1.5 s per call, one at a time) keeps the journal open.
    fixture.sandbox.inject(Fault::latency(1_500).on_path("/shipments").times(6));
    let holder = Command::new(env!("CARGO_BIN_EXE_flxpoint"))
        .args(["shipments", "import", &input, "--no-rate-limit", "--concurrency", "1"])
        .env_clear()
        .env("FLXPOINT_BASE_URL", fixture.sandbox.base_url())
        .env("FLXPOINT_API_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(|| fixture.sandbox.request_count() >= 1, "the holder never sent");
    let run = import(&fixture, &[&input, "--no-rate-limit"]);
    assert_eq!((run.code, run.error()["error"].as_str()), (2, Some("journal_busy")), "{run:#?}");
    let output = holder.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(fixture.sandbox.request_count(), 6, "the refused run sent nothing");

    // The file changed since its journal was made.
    std::fs::write(&input, shipments_csv("CHANGED-", 2)).unwrap();
    let run = import(&fixture, &[&input, "--no-rate-limit"]);
    assert_eq!((run.code, run.error()["error"].as_str()), (2, Some("input_changed")), "{run:#?}");

    // Work of source 200's token, resumed without it.
    let rows =
        "purchaseOrderNumber,sourceId,trackingNumber,sku,quantity\nORDER_125-1,200,MISS-1,ZZ-9,1\n";
    let input = write(dir.path(), "missing.csv", rows);
    let token_file = write(dir.path(), "source-200.token", seed::OTHER_SOURCE_TOKEN);
    fixture.sandbox.inject(Fault::status(503).on_path("/shipments").times(20));
    let with_source = format!("200={token_file}");
    let run = import(&fixture, &[&input, "--no-rate-limit", "--source-token-file", &with_source]);
    assert_eq!(run.code, 1, "failed: {run:#?}");
    let sent = fixture.sandbox.request_count();
    let run = import(&fixture, &[&input, "--no-rate-limit", "--retry-failed"]);
    assert_eq!((run.code, run.error()["error"].as_str()), (2, Some("missing_token")), "{run:#?}");
    assert_eq!(fixture.sandbox.request_count(), sent);
}

#[test]
fn a_journal_that_cannot_be_made_is_exit_2_and_nothing_is_sent() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "ro.csv", &shipments_csv("RO-", 2));
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o644)).unwrap();
    let journal = locked.join("ro.journal");
    // Root writes anywhere: then the run is made as nobody, for whom the directory is
    // read-only, from a copy of the binary beside the input (nobody may not reach the build's
    // directory).
    let root = running_as_root();
    let binary = if root {
        let copy = dir.path().join("flxpoint");
        std::fs::copy(env!("CARGO_BIN_EXE_flxpoint"), &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        copy
    } else {
        env!("CARGO_BIN_EXE_flxpoint").into()
    };
    let mut command = Command::new(&binary);
    command
        .args([
            "shipments",
            "import",
            &input,
            "--no-rate-limit",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .env_clear()
        .env("FLXPOINT_BASE_URL", fixture.sandbox.base_url())
        .env("FLXPOINT_API_TOKEN", TOKEN);
    if root {
        use std::os::unix::process::CommandExt;
        command.uid(65534).gid(65534);
    }
    let output = command.output().expect("the binary runs (as nobody when the tests are root)");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "as root: {root}; {stderr}");
    let error: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(error["error"], "journal", "{stderr}");
    assert!(!journal.exists());
    assert_eq!(fixture.sandbox.request_count(), 0);
}

/// Whether the tests run as root (`id -u` says 0).
fn running_as_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn journal_flag_keeps_the_journal_there_and_resumes_it() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "j.csv", &shipments_csv("JFLAG-", 2));
    let journal = dir.path().join("elsewhere").join("j.journal");
    std::fs::create_dir(journal.parent().unwrap()).unwrap();
    let journal = journal.to_str().unwrap();
    let run = import(&fixture, &[&input, "--no-rate-limit", "--journal", journal]);
    run.assert_ok();
    assert_eq!(summary(&run)["journal"], journal);
    assert!(Path::new(journal).exists() && !Path::new(&format!("{input}.journal")).exists());
    let run = import(&fixture, &[&input, "--no-rate-limit", "--journal", journal]);
    run.assert_ok();
    assert_eq!(
        (summary(&run)["resumed"].as_bool(), summary(&run)["finishedThisRun"].as_u64()),
        (Some(true), Some(0))
    );
    assert_eq!(fixture.sandbox.request_count(), 2);
}

#[test]
fn concurrency_is_the_number_of_calls_the_server_sees_at_once() {
    for (concurrency, expected) in [("1", 1), ("3", 3)] {
        let fixture = Fixture::new();
        let dir = tempfile::tempdir().unwrap();
        let input = write(dir.path(), "c.csv", &shipments_csv("CONC-", 6));
        fixture.sandbox.inject(Fault::latency(1_000).on_path("/shipments").times(6));
        let run = import(&fixture, &[&input, "--rate", "20", "--concurrency", concurrency]);
        run.assert_ok();
        assert_eq!(summary(&run)["created"], 6);
        assert_eq!(fixture.sandbox.max_in_flight(), expected, "--concurrency {concurrency}");
    }
}

#[test]
fn a_flags_journal_is_refused_with_another_accounts_token() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture.create_shipment("FLAG-TOKEN-1").to_string();
    let input =
        write(dir.path(), "flags.csv", &format!("id,syncError\n{id},carrier code unknown\n"));
    // First with source 100's token alone, then with the account token: another token.
    let source = write(dir.path(), "source.token", seed::SOURCE_TOKEN);
    let only_source = [("FLXPOINT_BASE_URL", fixture.sandbox.base_url())];
    let only_source: Vec<(&str, &str)> =
        only_source.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let with_source = format!("100={source}");
    let args = [
        "shipments",
        "flag-errors",
        &input,
        "--no-rate-limit",
        "--source-token-file",
        &with_source,
    ];
    fixture.run_with(&args, None, &only_source).assert_ok();
    let run = fixture.run(&["shipments", "flag-errors", &input, "--no-rate-limit"]);
    assert_eq!(
        (run.code, run.error()["error"].as_str()),
        (2, Some("journal_mismatch")),
        "{run:#?}"
    );
}

#[test]
fn a_real_conflict_stays_failed_with_retry_failed_and_exits_1() {
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    // Another shipment already holds the tracking number on the request.
    fixture.create_shipment("TAKEN-0001");
    let input = write(dir.path(), "taken.csv", &shipments_csv("TAKEN-", 2));
    let report = dir.path().join("taken.report.csv");
    let report = report.to_str().unwrap();
    for extra in [None, Some("--retry-failed")] {
        let mut args = vec![input.as_str(), "--no-rate-limit", "--report", report];
        args.extend(extra);
        let run = import(&fixture, &args);
        assert_eq!(run.code, 1, "{extra:?}: {run:#?}");
        let summary = summary(&run);
        assert_eq!(
            (summary["created"].as_u64(), summary["alreadyExists"].as_u64()),
            (Some(1), Some(0))
        );
        assert_eq!(summary["failed"], 1, "{run:#?}");
        let text = std::fs::read_to_string(report).unwrap();
        assert!(text.contains(",TAKEN-0001,failed,,\"conflict: no earlier send"), "{text}");
    }
}
