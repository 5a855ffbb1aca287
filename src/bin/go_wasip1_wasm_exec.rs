//! `go_wasip1_wasm_exec`: gojit under the name the go command looks for on PATH when it runs
//! `GOOS=wasip1` binaries (`go run`, `go test`). Behaves like Go's own
//! `GOROOT/lib/wasm/go_wasip1_wasm_exec` script: `gojit run --dir=/ --env PWD --env PATH`.

#![forbid(unsafe_code)]

#[path = "../cli.rs"]
mod cli;

fn main() -> std::process::ExitCode {
    let mut argv: Vec<String> = std::env::args().collect();
    // The behaviour is chosen by name, so it holds however this binary was invoked.
    if let Some(first) = argv.first_mut() {
        *first = "go_wasip1_wasm_exec".into();
    }
    cli::main(argv)
}
