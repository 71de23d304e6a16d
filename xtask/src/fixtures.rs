//! Extracts every example the pages show into fixture files named after the operation:
//! `<operationId>.request.json` (the generic example body), `<operationId>.request.<name>.json`
//! (named examples of the fragment), `<operationId>.response.<status>.json`.

use crate::pages::Page;
use anyhow::{Result, anyhow};
use serde_json::Value;

/// `(file name, example)` for every example of every page.
pub fn extract(pages: &[Page], doc: &Value) -> Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for page in pages {
        let op_id = doc
            .pointer(&format!("/paths/{}/{}/operationId", escape(&page.path), page.method))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                anyhow!("{} {}: no operationId after corrections", page.method, page.path)
            })?;
        if let Some(body) = &page.example_body {
            out.push((format!("{op_id}.request.json"), body.clone()));
        }
        let named =
            page.fragment[&page.method]["requestBody"]["content"]["application/json"]["examples"]
                .as_object()
                .into_iter()
                .flatten();
        for (name, example) in named {
            out.push((format!("{op_id}.request.{}.json", slug(name)), example["value"].clone()));
        }
        if let Some((status, body)) = &page.example_response {
            out.push((format!("{op_id}.response.{status}.json"), body.clone()));
        }
    }
    Ok(out)
}

/// JSON Pointer escaping of one reference token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `Example 1: Using "purchaseOrderId" ...` → `example-1`; `success-1` → `success-1`.
fn slug(name: &str) -> String {
    let head = name.split(':').next().unwrap_or(name).trim().to_lowercase();
    head.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_keep_the_short_name() {
        assert_eq!(super::slug("Example 2: Using \"purchaseOrderNumber\" x"), "example-2");
        assert_eq!(super::slug("success-1"), "success-1");
    }
}
