//! `cargo xtask scenario`: the maintainer's scenario of a spec change, in a scratch copy of the
//! workspace. It adds the optional `shipment.insuranceCost` (a number) to
//! `CreateShipmentRequest` in `openapi/components.yaml`, runs `cargo xtask spec` and `cargo
//! xtask generate` there, type-checks every crate and test, then runs
//! `xtask/scenario/insurance_cost.rs` as a flxpoint-cli test: the field must reach the wire from
//! the ext builder, `flxpoint shipments create --body` and an import column, with no
//! hand-written change.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// What the scenario adds to the shipment of `CreateShipmentRequest`.
const NEW_FIELD: &str = "          insuranceCost:
            type: number
            description: Added by `cargo xtask scenario` (a field the spec gains tomorrow).
";

/// The directories not copied: build output and tool caches.
const SKIPPED: [&str; 3] = ["target", ".git", "node_modules"];

pub fn run() -> Result<()> {
    let root = crate::root();
    let scratch = crate::target_dir().join("scenario");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).context("removing the previous scenario copy")?;
    }
    copy_tree(&root, &scratch.join("workspace"))?;
    let workspace = scratch.join("workspace");
    add_field(&workspace.join("openapi/components.yaml"))?;
    std::fs::copy(
        root.join("xtask/scenario/insurance_cost.rs"),
        workspace.join("flxpoint-cli/tests/scenario_insurance_cost.rs"),
    )?;
    // Its own target directory: building the copy into this one would replace this build's
    // binaries (`flxpoint`, `xtask`) with the copy's.
    let cargo = |args: &[&str]| {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(args)
            .current_dir(&workspace)
            .env("CARGO_TARGET_DIR", scratch.join("target"))
            .env("INSTA_UPDATE", "always")
            .env("INSTA_FORCE_PASS", "1");
        cmd
    };
    crate::tools::run(&mut cargo(&["xtask", "spec"]))?;
    crate::tools::run(&mut cargo(&["xtask", "generate"]))?;
    let generated = std::fs::read_to_string(workspace.join("flxpoint-api/openapi.json"))?;
    if !generated.contains("insuranceCost") {
        bail!("cargo xtask spec did not carry insuranceCost into flxpoint-api/openapi.json");
    }
    crate::tools::run(&mut cargo(&["check", "--workspace", "--all-targets"]))?;
    crate::tools::run(&mut cargo(&[
        "test",
        "--package",
        "flxpoint-cli",
        "--test",
        "scenario_insurance_cost",
    ]))?;
    println!("cargo xtask scenario: shipment.insuranceCost reached the wire from all three");
    Ok(())
}

/// Copies `from` to `to`, leaving out [`SKIPPED`] directories.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if SKIPPED.iter().any(|s| name == *s) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else if kind.is_file() {
            std::fs::copy(&source, &target)
                .with_context(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

/// Inserts [`NEW_FIELD`] among the properties of `CreateShipmentRequest`'s shipment.
fn add_field(components: &Path) -> Result<()> {
    let text = std::fs::read_to_string(components)?;
    let request = text.find("\n  CreateShipmentRequest:\n").context("CreateShipmentRequest")?;
    let anchor = "\n          shippingCost:\n";
    let at = text[request..].find(anchor).context("the shipment's shippingCost")? + request + 1;
    let changed = format!("{}{NEW_FIELD}{}", &text[..at], &text[at..]);
    std::fs::write(components, changed)?;
    Ok(())
}
