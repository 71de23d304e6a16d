//! Where the token, the base URL and the rate limit come from, and the client made of them.
//!
//! - Token: `--token-file PATH` (surrounding whitespace trimmed), else `FLXPOINT_API_TOKEN`. No
//!   flag takes the token itself: a command line is visible to the machine's other users and
//!   kept in shell history.
//! - Base URL: `--base-url`, else `FLXPOINT_BASE_URL` (clap reads both), else production.
//! - Rate: flxpoint-ext's default (2 requests/second, burst 1) unless `--rate` / `--burst`
//!   (the other keeps its default) or `--no-rate-limit`.
//! - Shared rate limit: `--redis-url` (refused with a password or user in it, like a token on
//!   the command line) or `--redis-url-file PATH` (trimmed), else `FLXPOINT_REDIS_URL`: every
//!   process using that Redis shares each token's limit (flxpoint-ext's `shared_rate_limit`).
//!   Redis is verified before the first call (`verify_redis`): exit 2 unless `--redis-fallback`.
//! - `--sandbox`: the embedded sandbox's URL and its seed's account token replace all of the
//!   above (see `sandbox`).

use crate::cli::Global;
use crate::error::CliError;
use crate::output::Output;
use flxpoint_ext::{Client, ClientBuilder, TokenKind};
use std::fmt;

/// The token as read, kept for building the client and for redacting output. `Debug` hides it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// A token from its text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text, for redaction only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// The client-side rate limit asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rate {
    /// flxpoint-ext's default.
    Default,
    /// `per_second` requests per second, `burst` at once.
    Limit {
        /// Requests per second.
        per_second: f64,
        /// Requests at once.
        burst: u32,
    },
    /// None.
    Off,
}

/// Everything a client needs.
#[derive(Debug)]
pub struct Settings {
    /// The API token.
    pub token: Token,
    /// The base URL; `None` = production.
    pub base_url: Option<String>,
    /// The rate limit.
    pub rate: Rate,
    /// The declared token kind.
    pub kind: Option<TokenKind>,
    /// The Redis URL of a shared rate limit; kept like the token (its URL may hold a password).
    pub redis_url: Option<Token>,
}

/// flxpoint-ext's default rate and burst, used for the one of `--rate` / `--burst` not given.
const DEFAULT_RATE: (f64, u32) = (2.0, 1);

/// The rate limit the flags ask for.
pub fn rate(global: &Global) -> Rate {
    match (global.no_rate_limit, global.rate, global.burst) {
        (true, _, _) => Rate::Off,
        (false, None, None) => Rate::Default,
        (false, per_second, burst) => Rate::Limit {
            per_second: per_second.unwrap_or(DEFAULT_RATE.0),
            burst: burst.unwrap_or(DEFAULT_RATE.1),
        },
    }
}

/// The settings from the flags and the environment (not `--sandbox`: see `sandbox`).
pub fn resolve(global: &Global) -> Result<Settings, CliError> {
    Ok(Settings {
        token: token(global)?,
        base_url: global.base_url.clone(),
        rate: rate(global),
        kind: global.token_kind,
        redis_url: redis_url(global)?,
    })
}

/// The Redis URL of a shared rate limit: `--redis-url-file`, `--redis-url` (which must not hold
/// a password or user), else `FLXPOINT_REDIS_URL`. Errors never quote the URL.
pub fn redis_url(global: &Global) -> Result<Option<Token>, CliError> {
    if let Some(path) = &global.redis_url_file {
        return read_token_file("--redis-url-file", path).map(Some);
    }
    if let Some(url) = &global.redis_url {
        if has_credentials(url) {
            return Err(CliError::invalid(
                "--redis-url",
                "must not hold a password or user (a command line is visible to the machine's \
                 other users and kept in shell history): set FLXPOINT_REDIS_URL or pass \
                 --redis-url-file PATH instead",
            ));
        }
        return Ok(Some(Token::new(url.as_str())));
    }
    // Without a rate limit there is nothing to share: a FLXPOINT_REDIS_URL set for the workers
    // does not stop a one-off `--no-rate-limit` run.
    if global.no_rate_limit {
        return Ok(None);
    }
    match std::env::var("FLXPOINT_REDIS_URL") {
        Ok(url) => Ok(Some(Token::new(url))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(CliError::Input("FLXPOINT_REDIS_URL is not valid UTF-8".into()))
        }
    }
}

/// Whether a Redis URL names a user or password: userinfo before the host (`[USER]:PASSWORD@`,
/// found even in a URL that does not parse), or a `unix://` URL's `user` / `pass` parameters.
fn has_credentials(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let query = rest.split_once('?').map_or("", |(_, q)| q.split('#').next().unwrap_or_default());
    authority.contains('@')
        || query.split('&').any(|pair| matches!(pair.split('=').next(), Some("user" | "pass")))
}

/// Checks the Redis of the client's shared rate limit (none: nothing to do) before anything is
/// sent: a wrong password or an unreachable server is an error (exit 2), or with
/// `--redis-fallback` a note, and the calls go on at the fallback rate.
pub async fn verify_redis(client: &Client, global: &Global, out: &Output) -> Result<(), CliError> {
    let Err(e) = client.verify_shared_rate_limit().await else { return Ok(()) };
    let problem = match e {
        flxpoint_ext::Error::Config(problem) => problem,
        other => other.to_string(),
    };
    if global.redis_fallback {
        out.note(&format!(
            "--redis-fallback: {problem}; going on at the fallback rate (a quarter of the limit \
             per process)"
        ));
        return Ok(());
    }
    Err(CliError::Redis(format!(
        "{problem} (--redis-fallback goes on at the fallback rate instead)"
    )))
}

/// The token: `--token-file`, else `FLXPOINT_API_TOKEN`. Errors name the source, never the
/// content.
fn token(global: &Global) -> Result<Token, CliError> {
    let token = match token_from_file(global)? {
        Some(token) => Some(token),
        None => env_token()?,
    };
    token.ok_or_else(|| {
        CliError::Input(
            "no API token: set FLXPOINT_API_TOKEN, pass --token-file PATH, or use --sandbox".into(),
        )
    })
}

/// The token of `--token-file`, if given.
pub fn token_from_file(global: &Global) -> Result<Option<Token>, CliError> {
    global.token_file.as_deref().map(|path| read_token_file("--token-file", path)).transpose()
}

/// A token read from a file, surrounding whitespace trimmed (a file usually ends with a
/// newline; flxpoint-ext checks what is left). Errors name the flag and path, never the
/// content.
pub fn read_token_file(flag: &str, path: &std::path::Path) -> Result<Token, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("{flag} {}: cannot read: {e}", path.display())))?;
    Ok(Token::new(text.trim()))
}

/// `FLXPOINT_API_TOKEN`, if set.
pub fn env_token() -> Result<Option<Token>, CliError> {
    match std::env::var("FLXPOINT_API_TOKEN") {
        Ok(text) => Ok(Some(Token::new(text))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(CliError::invalid("X-API-TOKEN", "must be visible ASCII only (FLXPOINT_API_TOKEN)"))
        }
    }
}

impl Settings {
    /// The client; flxpoint-ext checks every setting (an error names it, exit 2).
    pub fn client(&self) -> Result<Client, CliError> {
        let mut builder = ClientBuilder::new(self.token.expose())
            .user_agent(concat!("flxpoint-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        builder = match self.rate {
            Rate::Default => builder,
            Rate::Limit { per_second, burst } => builder.rate_limit(per_second, burst),
            Rate::Off => builder.no_rate_limit(),
        };
        if let Some(url) = &self.redis_url {
            builder = builder.shared_rate_limit(url.expose());
        }
        if let Some(kind) = self.kind {
            builder = builder.token_kind(kind);
        }
        Ok(builder.build()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn global(args: &[&str]) -> Global {
        let mut argv = vec!["flxpoint"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["orders", "link", "--order-id", "1"]);
        crate::cli::Cli::try_parse_from(argv).expect("parses").global
    }

    #[test]
    fn rate_flags_fill_the_other_from_the_default() {
        assert_eq!(rate(&global(&[])), Rate::Default);
        assert_eq!(rate(&global(&["--rate", "5"])), Rate::Limit { per_second: 5.0, burst: 1 });
        assert_eq!(rate(&global(&["--burst", "3"])), Rate::Limit { per_second: 2.0, burst: 3 });
        assert_eq!(rate(&global(&["--no-rate-limit"])), Rate::Off);
    }

    #[test]
    fn a_redis_url_naming_a_user_or_password_is_seen() {
        for url in [
            "redis://:pw@127.0.0.1:6379",
            "redis://user:pw@host/0",
            "redis://user@host",
            "rediss://:pw@[::1:6379",
            "unix:///run/redis.sock?db=1&pass=pw",
            "unix:///run/redis.sock?user=u",
        ] {
            assert!(has_credentials(url), "{url}");
        }
        for url in ["redis://127.0.0.1:6379", "redis://host/0?protocol=resp3", "redis://h/0#a@b"] {
            assert!(!has_credentials(url), "{url}");
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let settings = Settings {
            token: Token::new("secret-value"),
            base_url: None,
            rate: Rate::Default,
            kind: None,
            redis_url: Some(Token::new("redis://:hunter2@127.0.0.1:6379")),
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("secret-value") && !debug.contains("hunter2"), "{debug}");
    }
}
