//! `flxpoint`: the Flxpoint REST API from the command line.
//!
//! Decision: the commands are written by hand over flxpoint-ext, not generated with
//! progenitor's `Generator::cli`, because the CLI must apply the same validation, typed errors,
//! rate limit and retries as the library, which a generated CLI over the raw client would bypass.
//!
//! Flow: parse the command line (clap) → read the token → read the input (flags or a JSON
//! body) → start the sandbox if asked → build the client → verify its Redis, if any → send →
//! print. Exit codes: 0 done, 1 the service refused or the call failed on the way, 2 bad input
//! or settings (nothing sent).
//!
//! The bulk commands (`shipments import`, `shipments flag-errors`, in `commands::bulk`) are a
//! thin shell over flxpoint-ext's `import` engine, with one client per token; `flxpoint
//! sandbox` runs the embedded sandbox as a server (`sandbox::serve`).
#![forbid(unsafe_code)]

mod body;
mod cli;
mod commands;
mod error;
mod output;
mod parse;
mod progress;
mod report;
mod sandbox;
mod settings;
mod tokens;

use clap::Parser;
use cli::{Command, FulfillmentRequestsCommand as Fr, OrdersCommand, ShipmentsCommand as Sh};
use commands::{Request, bulk};
use error::CliError;
use output::Output;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version on stdout (exit 0), usage errors on stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(error::EXIT_INVALID));
        }
    };
    // flxpoint-ext's warnings (e.g. Redis lost: the fallback rate) as one plain line each on
    // stderr; they never hold the token or a Redis password (flxpoint-ext scrubs them).
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_ansi(false)
        .without_time()
        .with_writer(std::io::stderr)
        .init();
    let mut out = Output::default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return out.failure(&CliError::Runtime(format!("cannot start tokio: {e}"))),
    };
    let global = &cli.global;
    // The one dispatch. `sandbox` and the bulk commands print their own output and choose
    // their exit code; each other command is one request, read once the token is known.
    let read: Box<dyn FnOnce() -> Result<Request, CliError> + '_> = match &cli.command {
        Command::Sandbox(args) => {
            return exit(runtime.block_on(sandbox::serve(global, args, &out)), &mut out);
        }
        Command::Shipments(Sh::Import(args)) => {
            let job = bulk::Job::import(args);
            return exit(runtime.block_on(bulk::run(global, job, &mut out)), &mut out);
        }
        Command::Shipments(Sh::FlagErrors(args)) => {
            let job = bulk::Job::flag_errors(args);
            return exit(runtime.block_on(bulk::run(global, job, &mut out)), &mut out);
        }
        Command::Shipments(Sh::Create(args)) => Box::new(|| Request::create_shipment(args)),
        Command::Shipments(Sh::FlagWithErrors(args)) => Box::new(|| Request::flag_shipments(args)),
        Command::FulfillmentRequests(Fr::AccountingSync(args)) => {
            Box::new(|| Request::sync_accounting(args))
        }
        Command::FulfillmentRequests(Fr::ProcessingFailed(args)) => {
            Box::new(|| Request::processing_failed(args))
        }
        Command::Orders(OrdersCommand::Link(args)) => Box::new(|| Request::link_orders(args)),
        Command::Api(args) => Box::new(|| Request::api(args)),
    };
    match runtime.block_on(run(global, read, &mut out)) {
        Ok(answer) => {
            if let Some(note) = &answer.note {
                out.note(note);
            }
            if let Some(head) = &answer.head {
                out.stdout_line(head);
            }
            match &answer.raw {
                Some(raw) => {
                    out.stdout_line(raw);
                    ExitCode::SUCCESS
                }
                None => out.success(&answer.json),
            }
        }
        Err(e) => out.failure(&e),
    }
}

/// A command that chose its own exit code, or failed.
fn exit(result: Result<ExitCode, CliError>, out: &mut Output) -> ExitCode {
    result.unwrap_or_else(|e| out.failure(&e))
}

/// One request: the token, then its input (`read`), then the client (or the embedded
/// sandbox), then the call.
async fn run(
    global: &cli::Global,
    read: Box<dyn FnOnce() -> Result<commands::Request, CliError> + '_>,
    out: &mut Output,
) -> Result<commands::Answer, CliError> {
    // The token first, so that everything printed after is redacted of it.
    let settings = if global.sandbox { None } else { Some(settings::resolve(global)?) };
    if let Some(settings) = &settings {
        out.redact(settings.token.expose());
    }
    let request = read()?;
    let (sandbox, settings) = match settings {
        Some(settings) => (None, settings),
        None => {
            let (sandbox, settings) = sandbox::start(global, out).await?;
            out.redact(settings.token.expose());
            (Some(sandbox), settings)
        }
    };
    let result = match settings.client() {
        Ok(client) => match settings::verify_redis(&client, global, out).await {
            Ok(()) => request.send(&client).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    if let Some(sandbox) = sandbox {
        sandbox::finish(sandbox, out).await;
    }
    result
}
