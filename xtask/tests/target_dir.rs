//! xtask finds the target directory where cargo put things, wherever that is: `cargo xtask
//! package` reads the `.crate`s back from it, and the venv and scratch projects live there.

use std::ffi::OsStr;
use std::path::Path;

#[test]
fn cargo_target_dir_is_honoured() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("elsewhere");
    let resolved = xtask::resolve_target_dir(Some(dir.as_os_str())).unwrap();
    assert_eq!(resolved, dir);
}

#[test]
fn a_relative_cargo_target_dir_is_under_the_workspace_as_for_xtasks_cargo_commands() {
    let resolved = xtask::resolve_target_dir(Some(OsStr::new("other-target"))).unwrap();
    assert_eq!(resolved, xtask::root().join("other-target"));
}

#[test]
fn the_helper_follows_this_process_cargo_target_dir() {
    // Whatever this test was run with (set or not), the helper agrees with cargo.
    let expected = xtask::resolve_target_dir(std::env::var_os("CARGO_TARGET_DIR").as_deref());
    assert_eq!(xtask::target_dir(), expected.unwrap());
}
