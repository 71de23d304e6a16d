//! A readable summary of the generated API surface, for review in snapshot diffs.
//!
//! Per operation: method, path, operationId, the builder's methods with their value types, and
//! the documented response per status. Per type: its fields with Rust types and serde names.
//! Operations come from the document; builder methods and types from the generated code, so the
//! summary shows what users actually get.

use anyhow::{Context, Result};
use openapiv3::{OpenAPI, ReferenceOr};
use quote::ToTokens;
use std::fmt::Write;

/// Summarises `code` (the generated client) generated from `spec_yaml`.
pub fn summarize(spec_yaml: &str, code: &str) -> Result<String> {
    let spec: OpenAPI = serde_yaml_ng::from_str(spec_yaml).context("parsing the document")?;
    let file = syn::parse_file(code).context("parsing the generated code")?;
    let mut out = String::from("# Operations\n");
    for (path, method, op) in operations(&spec) {
        let op_id = op.operation_id.as_deref().unwrap_or("<none>");
        writeln!(out, "\n{op_id}: {} {path}", method.to_uppercase())?;
        let builder = pascal(op_id);
        writeln!(out, "  builder::{builder}")?;
        for (name, ty, required) in builder_methods(&file, &builder) {
            let required = if required { " (required)" } else { "" };
            writeln!(out, "    .{name}({ty}){required}")?;
        }
        for (status, resp) in &op.responses.responses {
            writeln!(out, "  {status} {}", response_summary(resp))?;
        }
    }
    out += "\n# Types\n";
    for (name, kind, fields) in types(&file) {
        writeln!(out, "\n{name} ({kind})")?;
        for field in fields {
            writeln!(out, "  {field}")?;
        }
    }
    out += "\n# Replaced by hand-written types\n";
    for (generated, replacement) in flxpoint_codegen::REPLACEMENTS {
        writeln!(out, "{generated} -> {replacement}")?;
    }
    Ok(out)
}

fn operations(spec: &OpenAPI) -> Vec<(String, &str, &openapiv3::Operation)> {
    let mut ops = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else { continue };
        ops.extend(item.iter().map(|(method, op)| (path.clone(), method, op)));
    }
    ops
}

fn response_summary(resp: &ReferenceOr<openapiv3::Response>) -> String {
    let ReferenceOr::Item(resp) = resp else { return "(reference)".into() };
    let bodies: Vec<String> = resp
        .content
        .iter()
        .map(|(media, m)| match &m.schema {
            Some(ReferenceOr::Reference { reference }) => format!("{media} {reference}"),
            Some(ReferenceOr::Item(s)) => format!("{media} {}", schema_kind(s)),
            None => format!("{media} (no schema)"),
        })
        .collect();
    if bodies.is_empty() { "(no body)".into() } else { bodies.join(", ") }
}

fn schema_kind(s: &openapiv3::Schema) -> String {
    match &s.schema_kind {
        openapiv3::SchemaKind::Type(openapiv3::Type::Array(a)) => match &a.items {
            Some(ReferenceOr::Item(i)) => format!("array of {}", schema_kind(i)),
            Some(ReferenceOr::Reference { reference }) => format!("array of {reference}"),
            None => "array".into(),
        },
        openapiv3::SchemaKind::Type(openapiv3::Type::Integer(_)) => "integer".into(),
        openapiv3::SchemaKind::Type(openapiv3::Type::String(_)) => "string".into(),
        other => format!("{other:?}").chars().take(40).collect(),
    }
}

/// `createShipment` → `CreateShipment`, as progenitor names builders.
fn pascal(op_id: &str) -> String {
    let mut chars = op_id.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn module<'a>(file: &'a syn::File, name: &str) -> &'a [syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| &items[..]),
            _ => None,
        })
        .unwrap_or(&[])
}

/// `(method, value type)` of every public method of `builder::<name>` except `new`; a setter
/// the call cannot go without (its field starts as `Err(..)` in `new`, so `send` fails unless it
/// is set) is marked `(required)`.
fn builder_methods(file: &syn::File, name: &str) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let mut required = Vec::new();
    for item in module(file, "builder") {
        let syn::Item::Impl(imp) = item else { continue };
        if !matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
        {
            continue;
        }
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            if f.sig.ident == "new" {
                required.extend(fields_starting_unset(&f.block));
                continue;
            }
            if !matches!(f.vis, syn::Visibility::Public(_)) {
                continue;
            }
            let ty = match f.sig.ident.to_string().as_str() {
                "send" => format!(
                    "-> {}",
                    tidy(&f.sig.output.to_token_stream().to_string()).trim_start_matches("-> ")
                ),
                _ => bound(&f.sig).unwrap_or_else(|| "..".into()),
            };
            out.push((f.sig.ident.to_string(), ty));
        }
    }
    out.into_iter()
        .map(|(method, ty)| {
            let r = required.contains(&method);
            (method, ty, r)
        })
        .collect()
}

/// The fields that the `Self { .. }` built by a builder's `new` sets to `Err(..)`.
fn fields_starting_unset(body: &syn::Block) -> Vec<String> {
    let Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) = body.stmts.last() else {
        return Vec::new();
    };
    init.fields
        .iter()
        .filter(|f| matches!(&f.expr, syn::Expr::Call(c) if matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Err"))))
        .filter_map(|f| match &f.member {
            syn::Member::Named(ident) => Some(ident.to_string()),
            syn::Member::Unnamed(_) => None,
        })
        .collect()
}

/// The type in `where V: TryInto<T>` / `F: FnOnce(T) -> T` of a builder method.
fn bound(sig: &syn::Signature) -> Option<String> {
    let pred = sig.generics.where_clause.as_ref()?.predicates.first()?;
    let syn::WherePredicate::Type(t) = pred else { return None };
    Some(tidy(&t.bounds.to_token_stream().to_string()))
}

/// `(name, kind, fields)` of every type in `types`.
fn types(file: &syn::File) -> Vec<(String, &'static str, Vec<String>)> {
    let mut out = Vec::new();
    for item in module(file, "types") {
        match item {
            syn::Item::Struct(s) => {
                let fields = s.fields.iter().enumerate().map(|(i, f)| field(i, f)).collect();
                out.push((s.ident.to_string(), "struct", fields));
            }
            syn::Item::Enum(e) => {
                let variants = e.variants.iter().map(|v| v.ident.to_string()).collect();
                out.push((e.ident.to_string(), "enum", variants));
            }
            _ => {}
        }
    }
    out.sort();
    out
}

fn field(index: usize, f: &syn::Field) -> String {
    let name = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_else(|| index.to_string());
    let ty = tidy(&f.ty.to_token_stream().to_string());
    let serde: Vec<String> = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .map(|a| tidy(&a.meta.to_token_stream().to_string()))
        .collect();
    if serde.is_empty() {
        format!("{name}: {ty}")
    } else {
        format!("{name}: {ty}  #[{}]", serde.join(", "))
    }
}

/// Token-stream text made readable: no spacing around paths and generics, no std prefixes.
fn tidy(tokens: &str) -> String {
    let mut s = tokens.to_owned();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (",>", ">"),
        (" ,", ","),
        ("& ", "&"),
        ("( ", "("),
        (" )", ")"),
        (" (", "("),
    ] {
        s = s.replace(from, to);
    }
    for prefix in [
        "::std::option::",
        "::std::vec::",
        "::std::string::",
        "::std::result::",
        "::chrono::offset::",
        "::chrono::",
        "std::convert::",
        "std::ops::",
    ] {
        s = s.replace(prefix, "");
    }
    s
}
