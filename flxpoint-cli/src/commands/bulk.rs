//! `shipments import FILE.csv` and `shipments flag-errors FILE.csv`: a thin shell over
//! flxpoint-ext's durable bulk engine ([`flxpoint_ext::import`]), which checks the file,
//! journals every call in SQLite and resumes a stopped run without sending anything twice.
//!
//! What this adds: the tokens (one client per token, see `tokens`), the problems printed as
//! `FILE:LINE: FIELD: message`, the progress display on stderr, the report file, Ctrl-C, and
//! the output: stdout carries only the final JSON summary (or, for `--dry-run`, one JSON line
//! per request that would be sent), so a pipe never sees progress.
//!
//! Exit codes: 0 everything done (created, already existing, flagged); 1 some work failed, or
//! the run stopped (Ctrl-C, a journal error); 2 a bad file or settings (nothing sent).

use crate::cli::{BulkArgs, FlagErrorsArgs, Global, ImportArgs};
use crate::error::{CliError, EXIT_FAILED};
use crate::output::Output;
use crate::progress::Progress;
use crate::report::{CommitError, ReportFile, same_place};
use crate::sandbox;
use crate::settings;
use crate::tokens::Tokens;
use flxpoint_ext::import::{
    Counts, ImportError, JobKind, Journal, Planned, Problem, RunOptions, SAMPLE_SHIPMENTS_CSV,
    TokenLabel, TokenRouter,
};
use serde_json::{Value, json};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// What a bulk command works on.
pub struct Job<'a> {
    kind: JobKind,
    /// Rows per PUT (flags only).
    batch_size: usize,
    file: Option<&'a Path>,
    args: &'a BulkArgs,
}

impl<'a> Job<'a> {
    /// `shipments import`.
    pub fn import(args: &'a ImportArgs) -> Self {
        Job {
            kind: JobKind::Shipments,
            batch_size: 0,
            file: args.file.as_deref(),
            args: &args.bulk,
        }
    }

    /// `shipments flag-errors`.
    pub fn flag_errors(args: &'a FlagErrorsArgs) -> Self {
        Job {
            kind: JobKind::Flags,
            batch_size: args.batch_size,
            file: Some(args.file.as_path()),
            args: &args.bulk,
        }
    }

    fn name(&self) -> &'static str {
        match self.kind {
            JobKind::Flags => "shipments flag-errors",
            _ => "shipments import",
        }
    }

    fn unit(&self) -> &'static str {
        match self.kind {
            JobKind::Flags => "batches",
            _ => "shipments",
        }
    }
}

/// Whether `command` is a bulk command (run by [`run`]).
/// Runs a bulk command; prints its output itself and returns its exit code.
pub async fn run(global: &Global, job: Job<'_>, out: &mut Output) -> Result<ExitCode, CliError> {
    if job.file.is_none() && !global.sandbox {
        return Err(CliError::Input(
            "no input file: give FILE.csv (or --sandbox alone to import the built-in sample)"
                .into(),
        ));
    }

    if global.sandbox && (job.args.tokens.is_some() || !job.args.source_token_files.is_empty()) {
        return Err(CliError::invalid(
            "--tokens",
            "not with --sandbox: the sandbox's seed tokens (account, sources 100 and 200) are used",
        ));
    }
    // Each embedded sandbox starts empty on a new port: a journal kept for a later run could
    // never be resumed against it, and must never be found by the real run of the same file.
    if global.sandbox && job.args.journal.is_some() {
        return Err(CliError::invalid(
            "--journal",
            "not with --sandbox: each sandbox run starts empty, so its journal goes to a new \
             directory of its own",
        ));
    }
    // Tokens first, so that everything printed after is redacted of them.
    let mut embedded = None;
    let router = if global.sandbox {
        let (sandbox, settings) = sandbox::start(global, out).await?;
        let tokens = sandbox::seed_tokens();
        for token in tokens.all() {
            out.redact(token.expose());
        }
        let redis_url = settings.redis_url.as_ref().map(|u| u.expose());
        let router = tokens.router(settings.base_url.as_deref(), settings.rate, None, redis_url);
        embedded = Some(sandbox);
        router
    } else {
        let tokens = Tokens::read(global, job.args)?;
        for token in tokens.all() {
            out.redact(token.expose());
        }
        let redis_url = settings::redis_url(global)?;
        tokens.router(
            global.base_url.as_deref(),
            settings::rate(global),
            global.token_kind,
            redis_url.as_ref().map(|u| u.expose()),
        )
    };
    let result = match router {
        Ok(router) => match verify_redis(&router, global, out).await {
            Ok(()) => work(&job, &router, embedded.as_ref(), out).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    if let Some(sandbox) = embedded {
        sandbox::finish(sandbox, out).await;
    }
    result
}

/// Checks the shared rate limit's Redis once: the router's clients share one store. A dry run
/// too, as the check of the settings it is.
async fn verify_redis(router: &TokenRouter, global: &Global, out: &Output) -> Result<(), CliError> {
    match router.labels().next().and_then(|label| router.client(label)) {
        Some(client) => settings::verify_redis(client, global, out).await,
        None => Ok(()),
    }
}

/// Opens the journal, then a dry run or a run, the report and the summary.
async fn work(
    job: &Job<'_>,
    router: &TokenRouter,
    sandbox: Option<&flxpoint_sandbox::sandbox::Sandbox>,
    out: &Output,
) -> Result<ExitCode, CliError> {
    let args = job.args;
    // The input: the file given, or with --sandbox alone the sample, written to a new directory
    // that is kept (the journal and the report go beside it, to look at afterwards).
    let (input, sample_dir) = match job.file {
        Some(file) => (file.to_owned(), None),
        None => {
            let dir = kept_dir()?;
            let file = dir.join("sample-shipments.csv");
            std::fs::write(&file, SAMPLE_SHIPMENTS_CSV)
                .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", file.display())))?;
            out.note(&format!(
                "--sandbox: importing the built-in sample, copied to {}",
                file.display()
            ));
            (file, Some(dir))
        }
    };
    let report = args
        .report
        .clone()
        .or_else(|| sample_dir.as_ref().map(|dir| dir.join("sample-shipments.report.csv")));
    // With --sandbox, the journal goes to a directory of its own (beside the sample, or new),
    // never beside the file, where the real run of the same file would resume it.
    let journal_path = match (&args.journal, sandbox, &sample_dir) {
        (Some(path), ..) => path.clone(),
        (None, Some(_), Some(dir)) => dir.join(journal_name(&input)),
        (None, Some(_), None) => kept_dir()?.join(journal_name(&input)),
        (None, None, _) => Journal::default_path(&input),
    };
    if same_place(&journal_path, &input) {
        return Err(CliError::invalid(
            "--journal",
            format!("{} is the input file: the journal would destroy it", journal_path.display()),
        ));
    }
    // Checked and made ready before the journal is opened and anything is sent.
    let report_file = match (&report, args.dry_run) {
        (Some(path), false) => Some(ReportFile::prepare(path, &input, &journal_path)?),
        _ => None,
    };

    // A dry run of a file with no journal yet checks it into a throwaway journal: it leaves
    // nothing behind. With a journal, it shows what resuming it would send.
    let scratch = if args.dry_run && !journal_path.exists() {
        Some(tempfile::tempdir().map_err(|e| {
            CliError::Runtime(format!("cannot make a directory for the dry run: {e}"))
        })?)
    } else {
        None
    };
    let open_path = match &scratch {
        Some(dir) => dir.path().join("dry-run.journal"),
        None => journal_path.clone(),
    };
    let shown = input.display().to_string();
    let mut on_problem =
        |p: Problem| out.stderr_line(&format!("{shown}:{}: {}: {}", p.line, p.field, p.message));
    let opened = match job.kind {
        JobKind::Flags => {
            let mut open =
                Journal::flags(&input).journal_path(&open_path).batch_size(job.batch_size);
            if let Some(d) = args.delimiter {
                open = open.delimiter(d);
            }
            open.open(&mut on_problem)
        }
        _ => {
            let mut open = Journal::shipments(&input).journal_path(&open_path);
            if let Some(d) = args.delimiter {
                open = open.delimiter(d);
            }
            open.open(router, &mut on_problem)
        }
    };
    // Whatever stops the opening, nothing was sent: a busy or unwritable journal is exit 2.
    let mut journal = opened.map_err(|e| match e {
        ImportError::Busy { .. } | ImportError::Journal { .. } => CliError::JournalNotOpened(e),
        other => CliError::Import(other),
    })?;

    if args.dry_run {
        let n = journal.dry_run(router, args.retry_failed, |p: Planned| {
            let body: Value = serde_json::from_str(&p.body).unwrap_or(Value::String(p.body));
            let line = json!({"line": p.line, "token": label(p.token), "body": body});
            out.stdout_line(&line.to_string());
        })?;
        out.note(&format!(
            "--dry-run: {n} request(s) would be sent ({} {} in the file); nothing was sent",
            journal.counts()?.total,
            job.unit()
        ));
        return Ok(ExitCode::SUCCESS);
    }

    let before = journal.counts()?;
    if journal.resumed() {
        out.note(&format!(
            "resuming journal {}: {} of {} {} done, {} failed, {} in flight when it stopped (sent \
             again)",
            journal.path().display(),
            before.done(),
            before.total,
            job.unit(),
            before.failed,
            before.in_flight
        ));
    }
    let options = RunOptions::new()
        .concurrency_per_token(usize::from(args.concurrency))
        .retry_failed(args.retry_failed)
        .accept_rotated_tokens(args.rotated_token);
    let started = Instant::now();
    let mut progress: Option<Progress> = None;
    let mut finished_this_run = 0;
    let outcome = {
        let run = journal.run(router, &options, |counts| {
            finished_this_run = counts.finished_this_run;
            match &mut progress {
                Some(p) => p.update(counts),
                None => progress = Some(Progress::new(job.unit(), counts)),
            }
        });
        tokio::select! {
            result = run => Stopped::Ended(result),
            () = sandbox::wait_for_stop() => Stopped::Interrupted,
        }
    };
    let (counts, run_error, interrupted) = match outcome {
        Stopped::Ended(Ok(counts)) => (counts, None, false),
        Stopped::Ended(Err(e)) => (journal.counts().unwrap_or(before), Some(e), false),
        Stopped::Interrupted => {
            let mut counts = journal.counts()?;
            counts.finished_this_run = finished_this_run;
            (counts, None, true)
        }
    };
    let elapsed = started.elapsed();
    if let Some(progress) = progress {
        progress.finish(&counts);
    }
    if let Some(e) = run_error {
        // Nothing more can be trusted of this journal now; what it holds is kept for a resume.
        return Err(e.into());
    }
    if interrupted {
        out.note("interrupted: the journal is kept; run the same command again to resume");
    }

    if let Some(file) = report_file {
        let shown = file.path().display().to_string();
        file.commit(|out| journal.write_report(out).map(drop)).map_err(|e| match e {
            CommitError::Write(e) => e,
            CommitError::Io(e) => {
                ImportError::Report(std::io::Error::new(e.kind(), format!("{shown}: {e}")))
            }
        })?;
    }
    let mut summary = json!({
        "command": job.name(),
        "file": input.display().to_string(),
        "journal": journal.path().display().to_string(),
        "report": report.as_ref().map(|p| p.display().to_string()),
        "resumed": journal.resumed(),
        "unit": job.unit(),
        "total": counts.total,
        "created": counts.created,
        "alreadyExists": counts.already_exists,
        "flagged": counts.flagged,
        "failed": counts.failed,
        "notDone": counts.total.saturating_sub(counts.done()),
        "finishedThisRun": counts.finished_this_run,
        "blankRowsSkipped": journal.blank_rows()?,
        "resentInFlight": before.in_flight,
        "interrupted": interrupted,
        "seconds": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
    });
    if let Some(sandbox) = sandbox {
        let url = sandbox.base_url();
        summary["sandbox"] = json!({"url": url, "state": format!("{url}/_sandbox/state")});
        if let Some(dir) = &sample_dir {
            let state = dir.join("sandbox-state.json");
            let text = serde_json::to_string_pretty(&sandbox.state()).unwrap_or_default();
            if std::fs::write(&state, text).is_ok() {
                summary["sandbox"]["stateFile"] = state.display().to_string().into();
            }
        }
    }
    table(out, job, &counts, &summary, elapsed.as_secs_f64());
    out.json(&summary);
    let all_done = counts.failed == 0 && counts.done() == counts.total && !interrupted;
    Ok(if all_done { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}

/// A new directory that outlives the command (the sandbox's sample, journal and report are
/// left there to look at).
fn kept_dir() -> Result<std::path::PathBuf, CliError> {
    Ok(tempfile::Builder::new()
        .prefix("flxpoint-sandbox-")
        .tempdir()
        .map_err(|e| CliError::Runtime(format!("cannot make a directory: {e}")))?
        .keep())
}

/// The default journal's file name for `input` (`my.csv` → `my.csv.journal`).
fn journal_name(input: &Path) -> std::ffi::OsString {
    Journal::default_path(input)
        .file_name()
        .map(ToOwned::to_owned)
        .unwrap_or_else(|| "shipments.journal".into())
}

/// How a run ended.
enum Stopped {
    Ended(Result<Counts, ImportError>),
    Interrupted,
}

/// A token's label in the dry run's lines: `account` or `source:ID`.
fn label(token: TokenLabel) -> String {
    match token {
        TokenLabel::Account => "account".into(),
        TokenLabel::Source(id) => format!("source:{id}"),
        other => other.to_string(),
    }
}

/// The human summary on stderr.
fn table(out: &Output, job: &Job<'_>, counts: &Counts, summary: &Value, seconds: f64) {
    let mut rows: Vec<(&str, String)> = vec![(job.unit(), counts.total.to_string())];
    match job.kind {
        JobKind::Flags => rows.push(("flagged", counts.flagged.to_string())),
        _ => {
            rows.push(("created", counts.created.to_string()));
            rows.push(("already existed", counts.already_exists.to_string()));
        }
    }
    rows.push(("failed", counts.failed.to_string()));
    rows.push(("not done", counts.total.saturating_sub(counts.done()).to_string()));
    rows.push(("done this run", counts.finished_this_run.to_string()));
    if let Some(blank) = summary["blankRowsSkipped"].as_u64().filter(|n| *n > 0) {
        rows.push(("blank rows skipped", blank.to_string()));
    }
    rows.push(("seconds", format!("{seconds:.1}")));
    let text = |key: &str| summary[key].as_str().map(str::to_owned);
    rows.push(("journal", text("journal").unwrap_or_default()));
    if let Some(report) = text("report") {
        rows.push(("report", report));
    }
    if let Some(state) = summary["sandbox"]["state"].as_str() {
        rows.push(("sandbox state", format!("{state} (while it runs)")));
    }
    if let Some(file) = summary["sandbox"]["stateFile"].as_str() {
        rows.push(("sandbox state file", file.to_owned()));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    out.stderr_line(&format!("flxpoint: {} summary", job.name()));
    for (key, value) in rows {
        out.stderr_line(&format!("  {key:<width$}  {value}"));
    }
    if counts.failed > 0 {
        out.stderr_line(
            "  failed work is listed with its error in the report (--report); \
             --retry-failed sends it again",
        );
    }
}
