//! `--sandbox`: the embedded Flxpoint sandbox (flxpoint-sandbox), started in this process on a
//! free loopback port with the default seed, for this command only.

use crate::cli::{Global, SandboxArgs};
use crate::error::CliError;
use crate::output::Output;
use crate::settings::{self, Settings, Token};
use crate::tokens::Tokens;
use flxpoint_ext::TokenKind;
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, Seed, SeedError, seed};
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;

/// Starts the sandbox (the documented 2 requests/second per token) and returns it with the
/// settings that reach it: its URL and the seed's account token (declared as such unless
/// `--token-kind` says otherwise). Tells stderr where it runs and what to look at.
pub async fn start(global: &Global, out: &Output) -> Result<(Sandbox, Settings), CliError> {
    let redis_url = settings::redis_url(global)?;
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| CliError::Runtime(format!("--sandbox: cannot start the sandbox: {e}")))?;
    let url = sandbox.base_url();
    if global.base_url.is_some() {
        out.note("--sandbox: ignoring --base-url / FLXPOINT_BASE_URL");
    }
    out.note(&format!(
        "--sandbox: embedded sandbox at {url} (seeded data, the seed's account token), for this \
         command only; its state: GET {url}/_sandbox/state. For one that stays up, run \
         `flxpoint sandbox`."
    ));
    let settings = Settings {
        token: Token::new(seed::ACCOUNT_TOKEN),
        base_url: Some(url),
        rate: settings::rate(global),
        kind: Some(global.token_kind.unwrap_or(TokenKind::Account)),
        redis_url,
    };
    Ok((sandbox, settings))
}

/// Says what the sandbox holds after the command (it stops with the process), then stops it.
pub async fn finish(sandbox: Sandbox, out: &Output) {
    out.note(&format!(
        "--sandbox: after the command it held {} shipment(s) and had received {} API request(s)",
        sandbox.shipments().len(),
        sandbox.request_count()
    ));
    sandbox.shutdown().await;
}

/// The seed's tokens for the bulk commands: the account's and those of sources 100 and 200.
pub fn seed_tokens() -> Tokens {
    Tokens {
        account: Some(Token::new(seed::ACCOUNT_TOKEN)),
        sources: [
            (seed::SOURCE_ID, Token::new(seed::SOURCE_TOKEN)),
            (seed::OTHER_SOURCE_ID, Token::new(seed::OTHER_SOURCE_TOKEN)),
        ]
        .into_iter()
        .collect(),
    }
}

/// `flxpoint sandbox`: the sandbox on 127.0.0.1:PORT in the foreground until Ctrl-C, SIGTERM
/// or a kill. Prints exactly `listening on http://127.0.0.1:PORT` on stdout once it accepts
/// connections (like the flxpoint-sandbox binary). The server-side limit per token comes from
/// the global `--rate` (default 2) and `--burst` (default: the rate when it is whole, else 1),
/// or none with `--no-rate-limit`; the data from `--seed FILE`, else the built-in seed.
pub async fn serve(
    global: &Global,
    args: &SandboxArgs,
    out: &Output,
) -> Result<ExitCode, CliError> {
    if global.sandbox {
        return Err(CliError::invalid(
            "--sandbox",
            "not with the sandbox command: it runs the sandbox itself",
        ));
    }
    let mut config = SandboxConfig::default();
    if let Some(limit) = args.journal_limit {
        config.journal_limit = limit;
    }
    if global.no_rate_limit {
        config.rate_per_second = None;
    } else {
        let rate = global.rate.unwrap_or(2.0);
        if !rate.is_finite() || rate <= 0.0 {
            return Err(CliError::invalid("--rate", format!("must be above 0, got {rate}")));
        }
        config.rate_per_second = Some(rate);
        if let Some(burst) = global.burst {
            if burst == 0 {
                return Err(CliError::invalid("--burst", "must be at least 1"));
            }
            config.burst = Some(burst);
        }
    }
    let seed_note = match &args.seed {
        Some(path) => {
            config.seed = load_seed(path)?;
            format!("seed {}: {}", path.display(), config.seed.summary())
        }
        None => "seeded data and tokens (see flxpoint-sandbox's README)".to_owned(),
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let sandbox = Sandbox::start_on(addr, config)
        .await
        .map_err(|e| CliError::Runtime(format!("cannot start the sandbox on {addr}: {e}")))?;
    let url = sandbox.base_url();
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening on {url}").and_then(|()| stdout.flush());
    }
    out.note(&format!(
        "sandbox: {seed_note}; console: {url}/_sandbox/ (in a browser); state: GET \
         {url}/_sandbox/state; requests received: GET {url}/_sandbox/requests; faults: POST \
         {url}/_sandbox/faults; stop with Ctrl-C"
    ));
    wait_for_stop().await;
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// The seed in `path`; an unreadable file is an input error, a bad seed a `--seed` validation
/// error naming the file and the bad field (as `--tokens` does); both exit 2.
fn load_seed(path: &Path) -> Result<Seed, CliError> {
    Seed::from_path(path).map_err(|e| match e {
        SeedError::Read { source, .. } => {
            CliError::Input(format!("--seed {}: cannot read: {source}", path.display()))
        }
        e => CliError::invalid("--seed", format!("{}: {e}", path.display())),
    })
}

/// Ctrl-C, or SIGTERM on Unix.
pub async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
