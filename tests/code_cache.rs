//! The code cache as the CLI uses it: a module's first run leaves only a marker (so a module
//! run once, such as a `go test` binary, pays nothing for the cache), the second run fills the
//! cache, the third starts from it.

mod common;

use std::process::Command;

fn run_hello(cache: &std::path::Path) -> common::Output {
    let mut cmd = Command::new(common::engine());
    cmd.args(["run", "--stats"])
        .arg(common::repo_root().join("examples/hello.wasm"))
        .arg("cache")
        .env("GOJIT_CACHE_DIR", cache);
    common::run(cmd, None, common::run_timeout())
}

fn files_with_extension(dir: &std::path::Path, ext: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == ext))
                .count()
        })
        .unwrap_or(0)
}

/// The `K` of `K of N functions from the code cache` in `--stats` output.
fn from_cache(out: &common::Output) -> u64 {
    let stderr = out.stderr_str();
    let (_, rest) = stderr
        .split_once("validated in ")
        .unwrap_or_else(|| panic!("no --stats line\n{}", out.describe()));
    let rest = rest.split_once("; ").expect("stats format").1;
    rest.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count\n{}", out.describe()))
}

#[test]
fn first_run_marks_second_fills_third_starts_warm() {
    let cache = common::scratch_dir("code-cache-sightings");
    let first = run_hello(&cache);
    assert_eq!(first.code, Some(0), "{}", first.describe());
    assert!(
        first.stdout_str().starts_with("Hello, cache!"),
        "{}",
        first.describe()
    );
    assert_eq!(from_cache(&first), 0);
    assert_eq!(
        files_with_extension(&cache, "seen"),
        1,
        "first run: a marker"
    );
    assert_eq!(files_with_extension(&cache, "gjc"), 0, "first run: no code");

    let second = run_hello(&cache);
    assert_eq!(second.code, Some(0), "{}", second.describe());
    assert_eq!(from_cache(&second), 0);
    assert_eq!(files_with_extension(&cache, "gjc"), 1, "second run: code");

    let third = run_hello(&cache);
    assert_eq!(third.code, Some(0), "{}", third.describe());
    assert_eq!(third.stdout_str(), first.stdout_str());
    assert!(from_cache(&third) > 100, "{}", third.describe());
    let _ = std::fs::remove_dir_all(cache);
}
