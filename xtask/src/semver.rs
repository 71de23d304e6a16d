//! Whether a change of the generated surface (the summary in
//! `xtask/tests/snapshots/generated__api_surface.snap`) is breaking or additive for users of
//! `flxpoint-api`, so that regenerating is reviewed as a version bump (CHANGELOG.md says which).
//!
//! The generated types are plain structs with public fields, which users may build with struct
//! literals: a field added to one breaks them, like a removed or changed one. Operation
//! builders have private fields: a new optional setter or a newly documented status only adds,
//! but a new required setter (or one made required) fails every call that does not set it.

use std::collections::BTreeMap;

/// What a surface change means for users, with the reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Nothing users can see changed.
    None,
    /// Only additions users cannot trip over: new operations, types, optional builder setters,
    /// statuses, a setter no longer required.
    Additive(Vec<String>),
    /// Something was removed or changed, a field added to an existing type, or a required setter
    /// added (existing calls would fail at `send`).
    Breaking(Vec<String>),
}

impl Change {
    /// One line for humans, with the version bump the CHANGELOG asks for.
    pub fn verdict(&self) -> String {
        match self {
            Change::None => "generated surface: unchanged".into(),
            Change::Additive(why) => format!(
                "generated surface: ADDITIVE (patch before 1.0, minor from 1.0):\n  {}",
                why.join("\n  ")
            ),
            Change::Breaking(why) => format!(
                "generated surface: BREAKING (minor before 1.0, major from 1.0):\n  {}",
                why.join("\n  ")
            ),
        }
    }
}

/// One block of the summary: its header line and its items by key.
struct Block {
    header: String,
    items: BTreeMap<String, String>,
}

/// `section → block name → block`.
fn parse(surface: &str) -> BTreeMap<(String, String), Block> {
    let mut blocks = BTreeMap::new();
    let mut section = String::new();
    let mut current: Option<((String, String), Block)> = None;
    // The insta header (`---` … `---`) is not part of the summary.
    let body = match surface.strip_prefix("---\n") {
        Some(rest) => rest.split_once("\n---\n").map_or(rest, |(_, b)| b),
        None => surface,
    };
    for line in body.lines() {
        if let Some(name) = line.strip_prefix("# ") {
            section = name.trim().to_owned();
            continue;
        }
        if line.trim().is_empty() {
            if let Some((key, block)) = current.take() {
                blocks.insert(key, block);
            }
            continue;
        }
        if !line.starts_with(' ') {
            if let Some((key, block)) = current.take() {
                blocks.insert(key, block);
            }
            let name = line.split([':', ' ']).next().unwrap_or(line).to_owned();
            current = Some((
                (section.clone(), name),
                Block { header: line.to_owned(), items: BTreeMap::new() },
            ));
            continue;
        }
        if let Some((_, block)) = current.as_mut() {
            let item = line.trim().to_owned();
            // A type's field and a builder's setter are keyed by name, so that a changed one
            // shows as changed.
            let key = match (item.split_once(':'), item.split_once('(')) {
                (Some((name, _)), _) if section == "Types" => name.trim().to_owned(),
                (_, Some((setter, _))) if item.starts_with('.') => setter.to_owned(),
                _ => item.clone(),
            };
            block.items.insert(key, item);
        }
    }
    if let Some((key, block)) = current {
        blocks.insert(key, block);
    }
    blocks
}

/// How the summary marks a setter the call cannot go without.
const REQUIRED: &str = " (required)";

/// Classifies the change from `old` to `new` (two API-surface summaries).
pub fn classify(old: &str, new: &str) -> Change {
    let (old, new) = (parse(old), parse(new));
    let (mut breaking, mut additive) = (Vec::new(), Vec::new());
    for ((section, name), before) in &old {
        let Some(after) = new.get(&(section.clone(), name.clone())) else {
            breaking.push(format!("{section}: `{name}` removed"));
            continue;
        };
        if before.header != after.header {
            breaking.push(format!("{section}: `{}` became `{}`", before.header, after.header));
        }
        for (key, line) in &before.items {
            match after.items.get(key) {
                None => breaking.push(format!("{name}: `{line}` removed")),
                // Only relaxing: calls that set it still work, and others now may leave it out.
                Some(now) if line.strip_suffix(REQUIRED) == Some(now.as_str()) => {
                    additive.push(format!("{name}: `{now}` is no longer required"))
                }
                Some(now) if now != line => {
                    breaking.push(format!("{name}: `{line}` became `{now}`"))
                }
                Some(_) => {}
            }
        }
        for (key, line) in &after.items {
            if before.items.contains_key(key) {
                continue;
            }
            if section == "Types" {
                breaking.push(format!("{name}: `{line}` added to a type users may build"));
            } else if line.ends_with(REQUIRED) {
                breaking.push(format!("{name}: `{line}` added: calls without it now fail"));
            } else {
                additive.push(format!("{name}: `{line}` added"));
            }
        }
    }
    for (section, name) in new.keys() {
        if !old.contains_key(&(section.clone(), name.clone())) {
            additive.push(format!("{section}: `{name}` added"));
        }
    }
    match (breaking.is_empty(), additive.is_empty()) {
        (false, _) => Change::Breaking(breaking),
        (true, false) => Change::Additive(additive),
        (true, true) => Change::None,
    }
}

/// The surface committed in the snapshot against the one the current spec generates.
pub fn against_snapshot() -> anyhow::Result<Change> {
    let root = crate::root();
    let snapshot = root.join("xtask/tests/snapshots/generated__api_surface.snap");
    let old = std::fs::read_to_string(&snapshot).unwrap_or_default();
    let spec = std::fs::read_to_string(crate::openapi_dir().join("openapi.yaml"))?;
    let code = crate::generate(&spec)?;
    Ok(classify(&old, &crate::surface::summarize(&spec, &code)?))
}
