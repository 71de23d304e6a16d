//! What can end a command unsuccessfully, its exit code, and its JSON form for stderr.

use flxpoint_ext::import::{ImportError, Mismatch};
use flxpoint_ext::{Error, Processing};
use serde_json::{Value, json};
use std::process::ExitCode;

/// Exit code: the service refused the request, or it could not be delivered or answered.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: bad input or settings, caught before anything was sent (clap's usage errors too).
pub const EXIT_INVALID: u8 = 2;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// A field of the input breaks a rule (the CLI's reading of a JSON body or flag); nothing
    /// was sent. Same form as flxpoint-ext's [`Error::Validation`].
    Invalid {
        /// Path of the field, as flxpoint-ext names it (e.g. `shipment.shipmentItems[0].sku`).
        field: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Input or settings that cannot be used (an unreadable file, no token); nothing was sent.
    Input(String),
    /// The call through flxpoint-ext failed (its validation included).
    Api(Error),
    /// The command could not run (e.g. the embedded sandbox did not start).
    Runtime(String),
    /// The Redis of the shared rate limit refused the password or could not be reached (checked
    /// before anything is sent); the message never holds the password.
    Redis(String),
    /// A bulk command's file or journal could not be used, or its run stopped.
    Import(ImportError),
    /// The journal could not be opened or made (busy, unwritable, damaged): nothing was sent.
    JournalNotOpened(ImportError),
}

impl CliError {
    /// A field-named input error.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), rule: rule.into() }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Invalid { .. } | Self::Input(_) | Self::Redis(_) => EXIT_INVALID,
            Self::Api(Error::Validation { .. } | Error::Config(_)) => EXIT_INVALID,
            Self::Api(_) | Self::Runtime(_) => EXIT_FAILED,
            Self::JournalNotOpened(_) => EXIT_INVALID,
            Self::Import(e) => match e {
                // The file, the journal chosen or the tokens: settings; nothing was sent.
                ImportError::Io { .. }
                | ImportError::Invalid { .. }
                | ImportError::InputChanged { .. }
                | ImportError::KindMismatch { .. }
                | ImportError::JournalMismatch { .. }
                | ImportError::MissingToken { .. } => EXIT_INVALID,
                _ => EXIT_FAILED,
            },
        })
    }

    /// The JSON object printed on stderr: always `error` (the kind) and `message`; the field and
    /// rule of a validation error; the status, operation, answer and whether the server acted
    /// (`processing`) of a failed call.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Invalid { field, rule } => validation(field, rule),
            Self::Input(message) => json!({"error": "input", "message": message}),
            Self::Runtime(message) => json!({"error": "runtime", "message": message}),
            Self::Redis(message) => json!({"error": "redis", "message": message}),
            Self::Api(Error::Validation { field, rule }) => validation(field, rule),
            Self::Api(Error::Config(message)) => json!({"error": "config", "message": message}),
            Self::Api(e) => api(e),
            Self::Import(e) | Self::JournalNotOpened(e) => {
                let kind = match e {
                    ImportError::Io { .. } => "io",
                    ImportError::Invalid { .. } => "invalid_file",
                    ImportError::InputChanged { .. } => "input_changed",
                    ImportError::KindMismatch { .. } => "kind_mismatch",
                    ImportError::JournalMismatch { .. } => "journal_mismatch",
                    ImportError::Busy { .. } => "journal_busy",
                    ImportError::Journal { .. } => "journal",
                    ImportError::MissingToken { .. } => "missing_token",
                    ImportError::Report(_) => "report",
                    _ => "import",
                };
                let mut out = json!({"error": kind, "message": e.to_string()});
                if let ImportError::JournalMismatch { mismatch, .. } = e {
                    out["message"] = format!("{e} ({})", journal_mismatch_hint(mismatch)).into();
                }
                if let ImportError::Invalid { problems, .. } = e {
                    out["problems"] = (*problems).into();
                }
                out
            }
        }
    }
}

impl From<ImportError> for CliError {
    fn from(e: ImportError) -> Self {
        Self::Import(e)
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        Self::Api(e)
    }
}

/// How to go on from a journal mismatch, in the command line's own terms.
fn journal_mismatch_hint(mismatch: &Mismatch) -> &'static str {
    match mismatch {
        Mismatch::Origin { .. } => {
            "flxpoint: --journal NEW_PATH starts a new journal for this server; FLXPOINT_BASE_URL \
             or --base-url chooses the server"
        }
        _ => "flxpoint: --rotated-token accepts a rotated token; --journal NEW_PATH starts anew",
    }
}

fn validation(field: &str, rule: &str) -> Value {
    // The message is flxpoint-ext's wording, so both sources of the error read the same.
    let message = Error::Validation { field: field.into(), rule: rule.into() }.to_string();
    json!({"error": "validation", "field": field, "rule": rule, "message": message})
}

fn api(e: &Error) -> Value {
    let kind = match e {
        Error::Timeout { .. } => "timeout",
        Error::Transport { .. } => "transport",
        Error::Redirect { .. } => "redirect",
        Error::ResponseTooLarge { .. } => "response_too_large",
        Error::Decode { .. } => "decode",
        _ if e.service().is_some() => "service",
        _ => "other",
    };
    let processing = match e.processing() {
        Processing::NotProcessed => "not_processed",
        Processing::Processed => "processed",
        _ => "unknown",
    };
    let mut out = json!({
        "error": kind,
        "message": e.to_string(),
        "processing": processing,
        "attempts": e.attempts(),
    });
    if let Some(service) = e.service() {
        out["operation"] = service.operation.into();
        out["status"] = service.status.into();
        // The server's error body as JSON when it is (the sandbox's and the API's are), else
        // as text. flxpoint-ext has already redacted the token from it.
        out["body"] = serde_json::from_str(&service.body)
            .unwrap_or_else(|_| Value::String(service.body.clone()));
    }
    out
}
