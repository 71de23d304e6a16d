//! Reads one help-center page (plain text as saved in `openapi/pages/`) into its parts.
//!
//! The pages are the only published source of the API, so everything the pipeline knows starts
//! here: the method and path, the "OpenAPI fragment" JSON, and the example bodies.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One page, parsed.
#[derive(Debug, Clone)]
pub struct Page {
    /// File the page was read from, relative to `openapi/`.
    pub source: String,
    /// Lower-case HTTP method, e.g. `post`.
    pub method: String,
    /// Path template, e.g. `/shipments`.
    pub path: String,
    /// The "OpenAPI fragment" exactly as published: `{ "<method>": { ...operation... } }`.
    pub fragment: Value,
    /// The generic "Example body" of the request, when the page shows one.
    pub example_body: Option<Value>,
    /// The "Example response" and the status it belongs to, when the page shows one.
    pub example_response: Option<(String, Value)>,
}

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];
const HOST: &str = "https://api.flxpoint.com";

/// Parses every `*.txt` page under `dir`, sorted by file name.
pub fn read_all(dir: &Path) -> Result<Vec<Page>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)?;
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            parse(&format!("pages/{name}"), &text)
                .with_context(|| format!("parsing {}", f.display()))
        })
        .collect()
}

/// Parses one page's text.
pub fn parse(source: &str, text: &str) -> Result<Page> {
    let lines: Vec<&str> = text.lines().collect();
    let (method, path) = lines
        .iter()
        .find_map(|l| method_and_path(l.trim()))
        .ok_or_else(|| anyhow!("no `<method>{HOST}/...` line"))?;
    let fragment = json_after(&lines, |l| l == "OpenAPI fragment")?
        .ok_or_else(|| anyhow!("no `OpenAPI fragment` section"))?;
    if fragment.get(&method).is_none() {
        bail!("the fragment has no `{method}` key");
    }
    // The pages spell the separator as a middle dot, sometimes mis-encoded; match the words only.
    let example_body =
        json_after(&lines, |l| l.starts_with("Example body") && l.ends_with("application/json"))?;
    let example_response = json_after(&lines, |l| l == "Example response")?
        .map(|v| Ok::<_, anyhow::Error>((response_status_before(&lines)?, v)))
        .transpose()?;
    Ok(Page { source: source.to_owned(), method, path, fragment, example_body, example_response })
}

fn method_and_path(line: &str) -> Option<(String, String)> {
    METHODS.iter().find_map(|m| {
        let rest = line.strip_prefix(m)?.strip_prefix(HOST)?;
        (rest.starts_with('/') && !rest.contains(char::is_whitespace))
            .then(|| ((*m).to_owned(), rest.to_owned()))
    })
}

/// The JSON value that starts on the line after the first line matching `heading`.
fn json_after(lines: &[&str], heading: impl Fn(&str) -> bool) -> Result<Option<Value>> {
    let Some(at) = lines.iter().position(|l| heading(l.trim())) else {
        return Ok(None);
    };
    let rest = lines[at + 1..].join("\n");
    // The JSON is followed by more page text, so read exactly one value and stop.
    let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<Value>();
    let value = stream
        .next()
        .ok_or_else(|| anyhow!("no JSON after `{}`", lines[at].trim()))?
        .with_context(|| format!("bad JSON after `{}`", lines[at].trim()))?;
    Ok(Some(value))
}

/// The status code of the response whose example is shown: the last `NNN<Reason>` line before
/// "Example response" (pages print e.g. `201Createdapplication/json`).
fn response_status_before(lines: &[&str]) -> Result<String> {
    let at = lines.iter().position(|l| l.trim() == "Example response").unwrap_or(0);
    lines[..at]
        .iter()
        .rev()
        .find_map(|l| {
            let l = l.trim();
            let code = l.get(..3)?;
            let next = l[3..].chars().next()?;
            (code.chars().all(|c| c.is_ascii_digit()) && next.is_ascii_uppercase())
                .then(|| code.to_owned())
        })
        .ok_or_else(|| anyhow!("no status line before `Example response`"))
}
