//! The `gojit` binary (see `cli.rs`).

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main(std::env::args().collect())
}
