//! Reading a seed from JSON or YAML text or a file, then checking it.

use std::path::Path;

use super::Seed;
use super::error::{Format, SeedError};

impl Seed {
    /// Reads and checks the seed in `path`: JSON for `.json`, YAML for `.yaml` / `.yml`,
    /// otherwise JSON, then YAML if the text is not JSON at all.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Seed, SeedError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| SeedError::Read { path: path.to_owned(), source })?;
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => Seed::from_json_str(&text),
            Some("yaml" | "yml") => Seed::from_yaml_str(&text),
            _ => match parse_json(&text) {
                // Decision: only text that is not JSON at all goes on to YAML; JSON with a wrong
                // field keeps the JSON error, which names that field.
                Err(json) if json.syntax => parse_yaml(&text).and_then(checked),
                other => other.map_err(|json| json.error).and_then(checked),
            },
        }
    }

    /// Reads and checks a seed in JSON.
    pub fn from_json_str(text: &str) -> Result<Seed, SeedError> {
        parse_json(text).map_err(|json| json.error).and_then(checked)
    }

    /// Reads and checks a seed in YAML (one document).
    pub fn from_yaml_str(text: &str) -> Result<Seed, SeedError> {
        parse_yaml(text).and_then(checked)
    }
}

fn checked(seed: Seed) -> Result<Seed, SeedError> {
    seed.validate()?;
    Ok(seed)
}

/// A JSON parse failure, and whether the text was not JSON at all.
struct JsonFailure {
    error: SeedError,
    syntax: bool,
}

impl JsonFailure {
    fn new(field: String, err: &serde_json::Error) -> JsonFailure {
        let error = SeedError::Parse { format: Format::Json, field, message: err.to_string() };
        JsonFailure { error, syntax: err.is_syntax() || err.is_eof() }
    }
}

fn parse_json(text: &str) -> Result<Seed, JsonFailure> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let seed = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|err| JsonFailure::new(field(err.path()), err.inner()))?;
    // Text after the seed: reported at the root, outside every field.
    deserializer.end().map_err(|err| JsonFailure::new(String::new(), &err))?;
    Ok(seed)
}

fn parse_yaml(text: &str) -> Result<Seed, SeedError> {
    let deserializer = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let field = field(err.path());
        let message = err.inner().to_string();
        // serde_yaml_ng starts its message with the path it knows (the field's, or its parent's
        // for an unknown field): said once, by `field`.
        let message = match message.split_once(": ") {
            Some((path, rest)) if !field.is_empty() && field.starts_with(path) => rest.to_owned(),
            _ => message,
        };
        SeedError::Parse { format: Format::Yaml, field, message }
    })
}

/// The path as `a[0].b`; the root (written "." by serde_path_to_error) as "".
fn field(path: &serde_path_to_error::Path) -> String {
    let field = path.to_string();
    if field == "." { String::new() } else { field }
}
