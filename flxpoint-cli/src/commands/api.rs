//! `flxpoint api METHOD PATH`: any endpoint, through flxpoint-ext's `client.request`, so with
//! the same token, rate limit, retries, size cap and redaction as the typed commands.

use super::Answer;
use crate::body;
use crate::cli::ApiArgs;
use crate::error::CliError;
use flxpoint_ext::{Client, Method};
use serde_json::{Map, Value};

/// The input of `flxpoint api`, read and checked for form; the path is checked by
/// flxpoint-ext before sending.
#[derive(Debug)]
pub struct Api {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    headers: Vec<(String, String)>,
    include: bool,
    repeatable: bool,
}

impl Api {
    /// From the arguments (and the body file, if any).
    pub fn read(args: &ApiArgs) -> Result<Self, CliError> {
        let method =
            Method::from_bytes(args.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
                CliError::invalid("method", format!("{:?} is not an HTTP method", args.method))
            })?;
        // `gh api`'s habit: a query string in the path is fields too.
        let (path, query) = match args.path.split_once('?') {
            Some((path, query)) => (path, query),
            None => (args.path.as_str(), ""),
        };
        let mut query = url_pairs(query);
        let in_query = matches!(method, Method::GET | Method::HEAD | Method::DELETE);
        let mut fields = Map::new();
        for (key, text) in &args.raw_fields {
            fields.insert(key.clone(), Value::String(text.clone()));
        }
        for (key, text) in &args.fields {
            let typed = match text.as_str() {
                "true" | "false" | "null" => serde_json::from_str(text).ok(),
                _ => text.parse::<serde_json::Number>().ok().map(Value::Number),
            };
            fields.insert(key.clone(), typed.unwrap_or_else(|| Value::String(text.clone())));
        }
        let body = match &args.body {
            Some(path) => Some(body::read(path)?),
            None if fields.is_empty() => None,
            None if in_query => {
                for (key, value) in fields {
                    let text = match value {
                        Value::String(text) => text,
                        other => other.to_string(),
                    };
                    query.push((key, text));
                }
                None
            }
            None => Some(Value::Object(fields)),
        };
        let headers = args
            .headers
            .iter()
            .map(|h| {
                let (name, value) = h.split_once(':').ok_or_else(|| {
                    CliError::invalid("header", format!("{h:?}: expected `Name: value`"))
                })?;
                Ok((name.trim().to_owned(), value.trim().to_owned()))
            })
            .collect::<Result<_, CliError>>()?;
        Ok(Self {
            method,
            path: path.to_owned(),
            query,
            body,
            headers,
            include: args.include,
            repeatable: args.repeatable,
        })
    }

    /// Sends it. A non-2xx answer is an error (exit 1) naming the status, with the body's start.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let mut request = client.request(self.method, self.path).repeatable(self.repeatable);
        for (name, value) in self.query {
            request = request.query(name, value);
        }
        for (name, value) in self.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &self.body {
            request = request.json(body);
        }
        let response = request.send_with_response().await?;
        let head = self.include.then(|| {
            let mut head = format!("HTTP {}", response.status);
            for (name, value) in &response.headers {
                head.push_str(&format!("\n{name}: {}", String::from_utf8_lossy(value.as_bytes())));
            }
            head.push('\n');
            head
        });
        let (json, raw) = match serde_json::from_slice::<Value>(&response.value) {
            Ok(json) => (json, None),
            Err(_) if response.value.is_empty() => (Value::Null, Some(String::new())),
            Err(_) => (Value::Null, Some(String::from_utf8_lossy(&response.value).into_owned())),
        };
        Ok(Answer { json, note: None, head, raw })
    }
}

/// The `key=value` pairs of a query string, percent-decoded (`+` is a space).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let text = text.replace('+', " ");
        percent_encoding::percent_decode_str(&text).decode_utf8_lossy().into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (decode(key), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}
