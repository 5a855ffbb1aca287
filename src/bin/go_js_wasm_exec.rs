//! `go_js_wasm_exec`: gojit under the name the go command looks for on PATH when it runs
//! `GOOS=js` binaries (`go run`, `go test`). Behaves like Go's own
//! `GOROOT/lib/wasm/go_js_wasm_exec` script (node with `wasm_exec_node.js`): the whole file
//! system (`--dir=/`), the whole environment plus `TMPDIR`, the current directory as
//! `process.cwd()`.

#![forbid(unsafe_code)]

#[path = "../cli.rs"]
mod cli;

fn main() -> std::process::ExitCode {
    let mut argv: Vec<String> = std::env::args().collect();
    // The behaviour is chosen by name, so it holds however this binary was invoked.
    if let Some(first) = argv.first_mut() {
        *first = "go_js_wasm_exec".into();
    }
    cli::main(argv)
}
