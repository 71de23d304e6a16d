//! The tokens of the bulk commands (`shipments import`, `shipments flag-errors`): the account
//! token as for every command, plus source tokens, each given its own client (its own rate-limit
//! bucket) in flxpoint-ext's [`TokenRouter`].
//!
//! - Account token: `--token-file`, else `account` in the `--tokens` file, else
//!   `FLXPOINT_API_TOKEN` (both files at once is refused: which one is meant?). Optional when
//!   source tokens are given.
//! - Source tokens: the `[sources]` table of the `--tokens` file (`"100" = "..."`) and
//!   `--source-token-file SOURCE_ID=PATH` (repeatable); a source given twice is refused.
//!
//! No token is ever taken on the command line, and none is printed: the caller registers each
//! one with the output's redaction.

use crate::cli::{BulkArgs, Global};
use crate::error::CliError;
use crate::settings::{self, Rate, Settings, Token};
use flxpoint_ext::import::TokenRouter;
use flxpoint_ext::{Client, TokenKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The tokens a bulk command will use.
#[derive(Debug, Default)]
pub struct Tokens {
    /// The account token (or the one given by `--token-file` / `FLXPOINT_API_TOKEN`).
    pub account: Option<Token>,
    /// Source tokens by source id.
    pub sources: BTreeMap<i64, Token>,
}

/// The `--tokens` file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    account: Option<String>,
    #[serde(default)]
    sources: BTreeMap<String, String>,
}

impl Tokens {
    /// Every token, for redaction.
    pub fn all(&self) -> impl Iterator<Item = &Token> {
        self.account.iter().chain(self.sources.values())
    }

    /// The tokens the flags and the environment give.
    pub fn read(global: &Global, bulk: &BulkArgs) -> Result<Self, CliError> {
        let mut tokens = Tokens::default();
        let mut file_account = None;
        if let Some(path) = &bulk.tokens {
            let file = read_tokens_file(path)?;
            file_account = file.account.map(|t| Token::new(t.trim()));
            for (key, token) in file.sources {
                let id = source_id(&key).ok_or_else(|| {
                    CliError::invalid(
                        "--tokens",
                        format!(
                            "{}: [sources] key {key:?} is not a source id (a whole number above 0)",
                            path.display()
                        ),
                    )
                })?;
                tokens.add_source(id, Token::new(token.trim()))?;
            }
        }
        for (id, path) in &bulk.source_token_files {
            if *id <= 0 {
                return Err(CliError::invalid(
                    "--source-token-file",
                    format!("source id {id} must be above 0"),
                ));
            }
            let token = settings::read_token_file("--source-token-file", Path::new(path))?;
            tokens.add_source(*id, token)?;
        }
        let from_file = settings::token_from_file(global)?;
        tokens.account = match (from_file, file_account) {
            (Some(_), Some(_)) => {
                return Err(CliError::invalid(
                    "--token-file",
                    "the account token is given twice (--token-file and `account` in --tokens): \
                     give it once",
                ));
            }
            (Some(token), None) | (None, Some(token)) => Some(token),
            (None, None) => settings::env_token()?,
        };
        if tokens.account.is_none() && tokens.sources.is_empty() {
            return Err(CliError::Input(
                "no API token: set FLXPOINT_API_TOKEN, pass --token-file PATH, --tokens FILE or \
                 --source-token-file SOURCE_ID=PATH, or use --sandbox"
                    .into(),
            ));
        }
        Ok(tokens)
    }

    fn add_source(&mut self, id: i64, token: Token) -> Result<(), CliError> {
        if self.sources.insert(id, token).is_some() {
            return Err(CliError::invalid(
                "--source-token-file",
                format!("source {id} is given a token twice (--tokens and/or --source-token-file)"),
            ));
        }
        Ok(())
    }

    /// One client per token, in a router. `kind` is the account token's declared kind
    /// (`--token-kind`, default account); `source:ID` makes it that source's token instead.
    pub fn router(
        &self,
        base_url: Option<&str>,
        rate: Rate,
        kind: Option<TokenKind>,
        redis_url: Option<&str>,
    ) -> Result<TokenRouter, CliError> {
        let mut router = TokenRouter::new();
        // The first client is built from the settings; the others share its connections and
        // settings, each with its own rate-limit bucket.
        let mut first: Option<Client> = None;
        let mut make = |token: &Token, kind: TokenKind| -> Result<Client, CliError> {
            match &first {
                Some(client) => Ok(client.with_token(token.expose(), Some(kind))?),
                None => {
                    let settings = Settings {
                        token: token.clone(),
                        base_url: base_url.map(str::to_owned),
                        rate,
                        kind: Some(kind),
                        redis_url: redis_url.map(Token::new),
                    };
                    let client = settings.client()?;
                    first = Some(client.clone());
                    Ok(client)
                }
            }
        };
        if let Some(token) = &self.account {
            match kind.unwrap_or(TokenKind::Account) {
                TokenKind::Source { source_id } => {
                    if self.sources.contains_key(&source_id) {
                        return Err(CliError::invalid(
                            "--token-kind",
                            format!("source {source_id} is given a token twice"),
                        ));
                    }
                    let client = make(token, TokenKind::Source { source_id })?;
                    router = router.source(source_id, client);
                }
                other => router = router.account(make(token, other)?),
            }
        }
        for (id, token) in &self.sources {
            router = router.source(*id, make(token, TokenKind::Source { source_id: *id })?);
        }
        Ok(router)
    }
}

/// A `[sources]` key: a source id above 0.
fn source_id(key: &str) -> Option<i64> {
    key.trim().parse().ok().filter(|id| *id > 0)
}

/// Reads and parses the `--tokens` file. A parse error names the line and what is wrong, never
/// the text around it (which may be a token).
fn read_tokens_file(path: &Path) -> Result<TokensFile, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("--tokens {}: cannot read: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|span| {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            before.iter().filter(|b| **b == b'\n').count() + 1
        });
        let message = e.message().lines().next().unwrap_or("not valid TOML").to_owned();
        CliError::invalid(
            "--tokens",
            match line {
                Some(line) => format!("{}:{line}: {message}", path.display()),
                None => format!("{}: {message}", path.display()),
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tokens_file_parses_and_an_error_shows_no_value() {
        let file: TokensFile =
            toml::from_str("account = \"a\"\n[sources]\n\"100\" = \"s100\"\n").unwrap();
        assert_eq!(file.account.as_deref(), Some("a"));
        assert_eq!(file.sources["100"], "s100");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.toml");
        std::fs::write(&path, "[sources]\n\"100\" = \"secret-token-value\n").unwrap();
        let Err(e) = read_tokens_file(&path) else { panic!("an unclosed string parses") };
        let text = e.to_json().to_string();
        assert!(!text.contains("secret-token-value"), "{text}");
        assert!(text.contains("tokens.toml:2"), "{text}");
        assert_eq!(source_id("100"), Some(100));
        assert_eq!(source_id("0"), None);
        assert_eq!(source_id("x"), None);
    }
}
