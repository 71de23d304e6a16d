//! `cargo xtask bench-shared-limit`: the shared rate limit's benchmark (flxpoint-ext's
//! `shared_limit_bench` example): aggregate rate efficiency of 1, 4 and 8 worker processes
//! sharing one token at 20 requests/second through a real `redis-server`, and the latency the
//! Redis round trip adds to a call against the in-process limiter, side by side. Needs
//! `redis-server` (Debian: `apt-get install redis-server`). Figures: flxpoint-ext's README,
//! "Several workers".

use anyhow::Result;
use std::process::Command;

pub fn run() -> Result<()> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args([
        "run",
        "--package",
        "flxpoint-ext",
        "--features",
        "redis",
        "--example",
        "shared_limit_bench",
    ])
    .current_dir(xtask::root());
    xtask::tools::run(&mut cmd)
}
