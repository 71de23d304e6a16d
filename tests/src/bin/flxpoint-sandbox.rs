//! `flxpoint-sandbox`: runs the sandbox server on 127.0.0.1 until Ctrl-C.
//!
//! ```text
//! flxpoint-sandbox [--port N] [--rate REQ_PER_SEC] [--burst N] [--no-rate-limit]
//!                  [--journal-limit N] [--seed FILE]
//! ```
//! Prints exactly `listening on http://127.0.0.1:PORT` once it accepts connections. A seed file
//! (JSON or YAML, see the README's "Your own data") replaces the default seed; a bad one stops
//! it before it listens: exit 2, the path of the bad field on stderr.
//!
//! The limit: at most `--burst` requests per token in any window of `burst / rate` seconds
//! (default rate 2; default burst: the rate when it is a whole number, else 1 → 2 in any 1 s).
#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use flxpoint_sandbox::sandbox::{MAX_JOURNAL_LIMIT, Sandbox, SandboxConfig, Seed};

const USAGE: &str = concat!(
    "usage: flxpoint-sandbox [--port N (0 = random)] [--rate REQ_PER_SEC (default 2)]\n",
    "                        [--burst N (default: the rate if whole, else 1)] [--no-rate-limit]\n",
    "                        [--journal-limit N (requests kept by GET /_sandbox/requests, default 1000, at most 100000)]\n",
    "                        [--seed FILE (JSON or YAML; default: the built-in seed)]\n",
    "limit: at most BURST requests per token in any window of BURST / RATE seconds",
);

/// Parsed command line.
struct Args {
    port: u16,
    config: SandboxConfig,
    seed: Option<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args { port: 4010, config: SandboxConfig::default(), seed: None };
    let mut no_limit = false;
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--port" => parsed.port = number(&value("--port")?, "--port")?,
            "--rate" => parsed.config.rate_per_second = Some(number(&value("--rate")?, "--rate")?),
            "--burst" => parsed.config.burst = Some(number(&value("--burst")?, "--burst")?),
            "--no-rate-limit" => no_limit = true,
            "--journal-limit" => {
                let limit = number(&value("--journal-limit")?, "--journal-limit")?;
                // Refused here (exit 2, with the usage) rather than by the library at start.
                if limit > MAX_JOURNAL_LIMIT {
                    return Err(format!(
                        "--journal-limit: at most {MAX_JOURNAL_LIMIT}, got {limit}"
                    ));
                }
                parsed.config.journal_limit = limit;
            }
            "--seed" => parsed.seed = Some(PathBuf::from(value("--seed")?)),
            "-h" | "--help" => return Err(String::new()), // empty message = print usage, exit 0
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if no_limit {
        parsed.config.rate_per_second = None;
    }
    Ok(parsed)
}

fn number<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("{name}: not a valid number: {text:?}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("flxpoint-sandbox: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &args.seed {
        match Seed::from_path(path) {
            Ok(seed) => {
                // On stderr: stdout carries only the `listening on` line.
                eprintln!("flxpoint-sandbox: seed {}: {}", path.display(), seed.summary());
                args.config.seed = seed;
            }
            Err(err) => {
                // Exit 2 like any other bad argument: nothing was started.
                eprintln!("flxpoint-sandbox: --seed {}: {err}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let sandbox = match Sandbox::start_on(addr, args.config).await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("flxpoint-sandbox: cannot start on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", sandbox.base_url());
    // On stderr, for a person: stdout carries only the line above, for scripts.
    eprintln!(
        "flxpoint-sandbox: console at {}/_sandbox/ (open it in a browser)",
        sandbox.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
