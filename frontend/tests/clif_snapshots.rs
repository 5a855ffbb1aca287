//! CLIF snapshot tests for the translator.
//!
//! Every `tests/clif/NAME.wat` is translated function by function (x86-64 System V, 64-bit
//! pointers) and the CLIF text of all its defined functions is compared with `tests/clif/NAME.clif`.
//! Files named `tier_*.wat` are translated as lazily compiled baseline code is on x86-64 hosts
//! (with tier-up counters, calls without null checks); only files named `inline_*.wat` inline
//! small callees (`GoOptimizations::inline_small`).
//! Run with `BLESS=1` to (re)write the expected files after reviewing the change; a missing
//! expected file fails the test (it never passes silently), and so does an expected file whose
//! `.wat` is gone.

use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use gojit_frontend::ModuleInfo;
use gojit_frontend::translate::{GoOptimizations, TranslateOptions, translate_function_with};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use target_lexicon::PointerWidth;

fn target() -> TargetFrontendConfig {
    TargetFrontendConfig {
        default_call_conv: CallConv::SystemV,
        pointer_width: PointerWidth::U64,
        page_size_align_log2: 12,
    }
}

/// The CLIF of every defined function of the module in `wat_path`, each preceded by a comment
/// naming it.
fn render(wat_path: &Path) -> Result<String, String> {
    let wasm = wat::parse_file(wat_path).map_err(|e| format!("cannot assemble: {e}"))?;
    let module =
        ModuleInfo::parse(wasm).map_err(|e| format!("rejected by ModuleInfo::parse: {e}"))?;
    let file_name = wat_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tier_up_counters = file_name.starts_with("tier_");
    // Inlining is shown by the `inline_*` files only, so the others keep showing real calls.
    let go = GoOptimizations {
        inline_small: file_name.starts_with("inline_"),
        ..GoOptimizations::default()
    };
    let mut out = String::new();
    let mut ctx = cranelift_frontend::FunctionBuilderContext::new();
    for index in module.num_imports()..module.num_funcs() {
        let name = module.func_name(index);
        let ty = module.func_type(index);
        let func = translate_function_with(
            &module,
            index,
            &target(),
            go,
            TranslateOptions {
                tier_up_counters,
                lazy_call_stubs: tier_up_counters,
                osr_entry: None,
                interrupt_checks: false,
            },
            &mut ctx,
        )
        .map_err(|e| format!("function {index} `{name}`: translation failed: {e}"))?
        .func;
        writeln!(out, ";; function {index} `{name}` {ty}").unwrap();
        writeln!(out, "{}", func.display()).unwrap();
    }
    Ok(out)
}

/// The first differing line of `expected` and `actual`, with context.
fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let i = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let mut s = format!(
        "first difference at line {} (expected {} lines, got {}):\n",
        i + 1,
        e.len(),
        a.len()
    );
    let from = i.saturating_sub(3);
    for (k, line) in e.iter().enumerate().take(i + 4).skip(from) {
        let mark = if k >= i { "-" } else { " " };
        let _ = writeln!(s, "  {mark} {line}");
    }
    for line in a.iter().take(i + 4).skip(i) {
        let _ = writeln!(s, "  + {line}");
    }
    s
}

#[test]
fn clif_snapshots() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("clif");
    let bless = std::env::var_os("BLESS").is_some_and(|v| v != "0" && !v.is_empty());
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let wats: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    assert!(!wats.is_empty(), "no .wat files in {}", dir.display());

    let mut failures = Vec::new();
    for p in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "clif"))
    {
        if !p.with_extension("wat").exists() {
            failures.push(format!(
                "{}: expected output without a .wat input; delete it",
                p.display()
            ));
        }
    }
    for wat in wats {
        let expected_path = wat.with_extension("clif");
        let actual = match render(wat) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{}: {e}", wat.display()));
                continue;
            }
        };
        if bless {
            let old = std::fs::read_to_string(&expected_path).ok();
            if old.as_deref() != Some(actual.as_str()) {
                std::fs::write(&expected_path, &actual).unwrap();
                eprintln!("blessed {}", expected_path.display());
            }
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{}: CLIF differs from {}; review and re-run with BLESS=1 to accept.\n{}",
                wat.display(),
                expected_path.display(),
                first_difference(&expected, &actual)
            )),
            Err(_) => failures.push(format!(
                "{}: no expected output {}; run `BLESS=1 cargo test -p gojit-frontend --test clif_snapshots` \
                 and review the new file",
                wat.display(),
                expected_path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} snapshot failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
