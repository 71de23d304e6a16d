//! `--sandbox`: the embedded Flxpoint sandbox (flxpoint-sandbox), started in this process on a
//! free loopback port with the default seed, for this command only.

use crate::cli::Global;
use crate::error::CliError;
use crate::output::Output;
use crate::settings::{self, Settings, Token};
use flxpoint_ext::TokenKind;
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};

/// Starts the sandbox (the documented 2 requests/second per token) and returns it with the
/// settings that reach it: its URL and the seed's account token (declared as such unless
/// `--token-kind` says otherwise). Tells stderr where it runs and what to look at.
pub async fn start(global: &Global, out: &Output) -> Result<(Sandbox, Settings), CliError> {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| CliError::Runtime(format!("--sandbox: cannot start the sandbox: {e}")))?;
    let url = sandbox.base_url();
    if global.base_url.is_some() {
        out.note("--sandbox: ignoring --base-url / FLXPOINT_BASE_URL");
    }
    out.note(&format!(
        "--sandbox: embedded sandbox at {url} (seeded data, the seed's account token), for this \
         command only; its state: GET {url}/_sandbox/state. For one that stays up, run the \
         flxpoint-sandbox binary (cargo install flxpoint-sandbox)."
    ));
    let settings = Settings {
        token: Token::new(seed::ACCOUNT_TOKEN),
        base_url: Some(url),
        rate: settings::rate(global),
        kind: Some(global.token_kind.unwrap_or(TokenKind::Account)),
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
