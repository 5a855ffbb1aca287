//! Go binaries without a name section. `go test` and `go run` link with `-s -w`, which drops the
//! wasm `name` section, so every test binary the go command runs through gojit is such a module.
//! The Go-aware lowerings that recognise standard-library functions (native kernels and native
//! helpers) must find the same functions there as in the same program built with names, and the
//! program must print the same.

mod common;

use gojit_frontend::module::ModuleInfo;
use gojit_frontend::translate::{native_helper, native_kernel};
use std::collections::BTreeMap;
use std::process::Command;

/// The fixture built with names (`go build`) and without (`-ldflags=-s -w`, as `go test` links).
fn builds() -> (Vec<u8>, Vec<u8>) {
    let src = common::repo_root().join("tests/go/kernels");
    let named = common::build_go(&src, "wasip1", "wasm", &[], "kernels.wasm");
    let stripped = common::build_go(
        &src,
        "wasip1",
        "wasm",
        &["-ldflags=-s -w"],
        "kernels-stripped.wasm",
    );
    (
        std::fs::read(named).expect("named build"),
        std::fs::read(stripped).expect("stripped build"),
    )
}

/// Every function recognised as a kernel or helper, by index.
fn recognised(info: &ModuleInfo) -> BTreeMap<u32, String> {
    (info.num_imports()..info.num_funcs())
        .filter_map(|i| {
            native_kernel(info, i)
                .map(|k| format!("kernel {k:?}"))
                .or_else(|| native_helper(info, i).map(|b| format!("helper {b:?}")))
                .map(|what| (i, what))
        })
        .collect()
}

#[test]
fn stripped_binaries_get_the_same_native_kernels_and_helpers() {
    let (named, stripped) = builds();
    let named = ModuleInfo::parse(named).expect("named module");
    let stripped = ModuleInfo::parse(stripped).expect("stripped module");
    assert!(
        !named.names.is_empty(),
        "the named build has a name section"
    );
    assert!(
        stripped.names.is_empty(),
        "the stripped build has no name section"
    );
    let with_names = recognised(&named);
    let without = recognised(&stripped);
    // All ten kernels and the three helpers are in the program.
    let kinds: std::collections::BTreeSet<&String> = with_names.values().collect();
    assert_eq!(kinds.len(), 13, "recognised with names: {with_names:#?}");
    // The link layout is the same with and without names, so are the indices.
    assert_eq!(without, with_names);
}

#[test]
fn stripped_and_named_builds_print_the_same() {
    let (named, stripped) = builds();
    let dir = common::scratch_dir("stripped");
    let mut outputs = Vec::new();
    for (name, bytes) in [("named.wasm", named), ("stripped.wasm", stripped)] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write module");
        let mut cmd = Command::new(common::engine());
        cmd.arg("run").arg("--no-cache").arg(&path);
        let out = common::run(cmd, None, common::run_timeout());
        assert_eq!(out.code, Some(0), "{name}: {}", out.describe());
        outputs.push(out.stdout_str());
    }
    assert!(outputs[0].contains("sha256: "), "{}", outputs[0]);
    assert_eq!(outputs[0], outputs[1]);
    let _ = std::fs::remove_dir_all(dir);
}
