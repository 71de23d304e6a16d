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
    // The bulk commands and `sandbox` print their own output and choose their exit code.
    if let cli::Command::Sandbox(args) = &cli.command {
        return match runtime.block_on(sandbox::serve(&cli.global, args, &out)) {
            Ok(code) => code,
            Err(e) => out.failure(&e),
        };
    }
    if commands::bulk::is_bulk(&cli.command) {
        return match runtime.block_on(commands::bulk::run(&cli.global, &cli.command, &mut out)) {
            Ok(code) => code,
            Err(e) => out.failure(&e),
        };
    }
    match runtime.block_on(run(cli, &mut out)) {
        Ok(answer) => {
            if let Some(note) = &answer.note {
                out.note(note);
            }
            out.success(&answer.json)
        }
        Err(e) => out.failure(&e),
    }
}

async fn run(cli: cli::Cli, out: &mut Output) -> Result<commands::Answer, CliError> {
    // The token first, so that everything printed after is redacted of it.
    let settings = if cli.global.sandbox { None } else { Some(settings::resolve(&cli.global)?) };
    if let Some(settings) = &settings {
        out.redact(settings.token.expose());
    }
    let request = commands::prepare(&cli.command)?;
    let (sandbox, settings) = match settings {
        Some(settings) => (None, settings),
        None => {
            let (sandbox, settings) = sandbox::start(&cli.global, out).await?;
            out.redact(settings.token.expose());
            (Some(sandbox), settings)
        }
    };
    let result = match settings.client() {
        Ok(client) => match settings::verify_redis(&client, &cli.global, out).await {
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
