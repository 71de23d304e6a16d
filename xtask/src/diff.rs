//! Readable diffs for the `--check` modes and the staleness tests.

/// A unified diff of `old` → `new` under the heading `name` (empty when they are equal).
pub fn unified(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (on disk)"), &format!("{name} (expected)"))
        .to_string()
}
