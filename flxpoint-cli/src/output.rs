//! Writing results: the answer as JSON on stdout, errors as one JSON object per line on
//! stderr, notes as `flxpoint: …` lines on stderr. Everything written passes through the token
//! redaction, and a closed pipe is not a panic.

use crate::error::CliError;
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;

/// Where results go; knows the tokens to redact once they are read.
#[derive(Default)]
pub struct Output {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").finish_non_exhaustive()
    }
}

impl Output {
    /// Redacts `token` from everything written from now on. flxpoint-ext keeps it out of its
    /// errors already; this also covers an answer or an input echoing it.
    /// Several tokens (the bulk commands' account and source tokens) may be registered.
    pub fn redact(&mut self, token: &str) {
        if !token.is_empty() && !self.secrets.iter().any(|s| s == token) {
            self.secrets.push(token.to_owned());
            // The longest first, so that a token holding another is redacted whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// One JSON document, pretty-printed, on stdout (a bulk command's summary).
    pub fn json(&self, value: &Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
        write(&mut std::io::stdout().lock(), &self.clean(&text));
    }

    /// One line on stdout as is (a dry run's JSON line).
    pub fn stdout_line(&self, line: &str) {
        write(&mut std::io::stdout().lock(), &self.clean(line));
    }

    /// One line on stderr as is (a file's problem, the summary table).
    pub fn stderr_line(&self, line: &str) {
        write(&mut std::io::stderr().lock(), &self.clean(line));
    }

    /// The command's answer, pretty-printed on stdout; exit 0.
    pub fn success(&self, value: &Value) -> ExitCode {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
        write(&mut std::io::stdout().lock(), &self.clean(&text));
        ExitCode::SUCCESS
    }

    /// The error as one JSON line on stderr; its exit code.
    pub fn failure(&self, error: &CliError) -> ExitCode {
        write(&mut std::io::stderr().lock(), &self.clean(&error.to_json().to_string()));
        error.exit_code()
    }

    /// A human note on stderr.
    pub fn note(&self, message: &str) {
        write(&mut std::io::stderr().lock(), &self.clean(&format!("flxpoint: {message}")));
    }

    /// `text` with every registered token replaced by `***`.
    pub fn clean(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "***");
            // As a JSON string would escape it, quotes excluded.
            let quoted = Value::String(secret.clone()).to_string();
            let escaped = &quoted[1..quoted.len() - 1];
            if escaped != secret {
                out = out.replace(escaped, "***");
            }
        }
        out
    }
}

/// Writes a line; a reader that went away (`| head`) ends the output, not the process.
fn write(to: &mut impl Write, line: &str) {
    let _ = writeln!(to, "{line}").and_then(|()| to.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_redacted_plain_and_escaped() {
        let mut out = Output::default();
        assert_eq!(out.clean("tok\"en"), "tok\"en");
        out.redact("tok\"en");
        assert_eq!(out.clean("a tok\"en b"), "a *** b");
        assert_eq!(out.clean(r#"{"x":"tok\"en"}"#), r#"{"x":"***"}"#);
        assert!(!format!("{out:?}").contains("tok"));
    }

    #[test]
    fn several_tokens_are_redacted() {
        let mut out = Output::default();
        out.redact("source-a");
        out.redact("account-b");
        out.redact("source-a-long");
        assert_eq!(out.clean("source-a account-b source-a-long"), "*** *** ***");
    }
}
