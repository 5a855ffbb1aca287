//! Differential tests: gojit against the `wasmi` interpreter on hand-written modules that cover
//! every scalar numeric operator (the operator × edge-value cross-product, with operands in
//! registers, as constants, and feeding branches), loads/stores/bulk memory at the edges, memory
//! growth, `call_indirect`, globals, control flow and a Go-shaped function. Results must agree bit
//! for bit (NaNs: see `harness::Nan`), traps must be of the same kind, and memory must be identical
//! after every store, copy, fill and grow. Every test runs in the interpreter tier and with lazy
//! and with eager compilation.
//!
//! The harness lives in `tests/differential/`; this file adapts gojit's embedding API to it.

#[path = "differential/control.rs"]
mod control;
#[path = "differential/harness.rs"]
mod harness;
#[path = "differential/memory.rs"]
mod memory;
#[path = "differential/numeric.rs"]
mod numeric;
#[path = "differential/values.rs"]
mod values;

use harness::{Backend, Compiled, Outcome, Report, Subject, V};

/// The trap kinds the harness compares (wasmi's trap codes are mapped onto these).
pub use gojit::Trap;

struct Gojit {
    lazy: bool,
    /// With lazy compilation: the interpreter's budget (`u32::MAX`: every call interpreted;
    /// `None`: every function compiled on its first call).
    interpreter: Option<u32>,
}

struct GojitModule {
    module: gojit::Module,
}

struct GojitInstance {
    store: gojit::Store<()>,
    instance: gojit::Instance,
}

impl Backend for Gojit {
    fn name(&self) -> String {
        match (self.lazy, self.interpreter) {
            (false, _) => "gojit(eager)".into(),
            (true, None) => "gojit(lazy, compiled)".into(),
            (true, Some(_)) => "gojit(lazy, interpreted)".into(),
        }
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Compiled>, String> {
        let config = gojit::Config {
            lazy: self.lazy,
            interpreter_budget: self.interpreter,
            ..gojit::Config::from_env().0
        };
        let engine = gojit::Engine::new(config).map_err(|e| e.to_string())?;
        let module = gojit::Module::new(&engine, wasm).map_err(|e| e.to_string())?;
        Ok(Box::new(GojitModule { module }))
    }

    fn poisons_after_trap(&self) -> bool {
        true
    }
}

impl Compiled for GojitModule {
    fn instantiate(&self) -> Result<Box<dyn Subject>, String> {
        let mut store = gojit::Store::new(self.module.engine(), ());
        let instance = gojit::Instance::new(&mut store, &self.module, &gojit::Linker::new())
            .map_err(|e| e.to_string())?;
        Ok(Box::new(GojitInstance { store, instance }))
    }
}

fn to_gojit(v: V) -> gojit::Val {
    match v {
        V::I32(x) => gojit::Val::I32(x),
        V::I64(x) => gojit::Val::I64(x),
        V::F32(b) => gojit::Val::F32(b),
        V::F64(b) => gojit::Val::F64(b),
    }
}

fn from_gojit(v: gojit::Val) -> V {
    match v {
        gojit::Val::I32(x) => V::I32(x),
        gojit::Val::I64(x) => V::I64(x),
        gojit::Val::F32(b) => V::F32(b),
        gojit::Val::F64(b) => V::F64(b),
    }
}

impl Subject for GojitInstance {
    fn call(&mut self, name: &str, args: &[V]) -> Outcome {
        let args: Vec<gojit::Val> = args.iter().map(|v| to_gojit(*v)).collect();
        match self.instance.call(&mut self.store, name, &args) {
            Ok(vals) => Outcome::Ok(vals.into_iter().map(from_gojit).collect()),
            Err(e) => match e.trap() {
                Some(t) => Outcome::Trap(t),
                None => Outcome::Err(e.to_string()),
            },
        }
    }

    fn memory(&self) -> Vec<u8> {
        self.instance.memory(&self.store).to_vec()
    }
}

/// Runs `group` against gojit interpreted, compiled lazily and compiled eagerly; fails listing
/// every disagreement.
fn run(what: &str, group: impl Fn(&mut Report, &dyn Backend)) {
    let mut failures = Vec::new();
    for (lazy, interpreter) in [(true, Some(u32::MAX)), (true, None), (false, None)] {
        let backend = Gojit { lazy, interpreter };
        let mut report = Report::new(backend.name());
        group(&mut report, &backend);
        if let Err(msg) = report.finish(what) {
            failures.push(msg);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn is_int(op: &numeric::Op) -> bool {
    op.name.starts_with('i')
        && op
            .params
            .iter()
            .all(|t| matches!(t, harness::Ty::I32 | harness::Ty::I64))
}

fn is_float(op: &numeric::Op) -> bool {
    op.name.starts_with('f')
        && op
            .params
            .iter()
            .all(|t| matches!(t, harness::Ty::F32 | harness::Ty::F64))
}

#[test]
fn integer_operators() {
    run("integer operators", |r, b| numeric::run_ops(r, b, is_int));
}

#[test]
fn float_operators() {
    run("float operators", |r, b| numeric::run_ops(r, b, is_float));
}

#[test]
fn conversions() {
    run("conversions", |r, b| {
        numeric::run_ops(r, b, |op| !is_int(op) && !is_float(op))
    });
}

#[test]
fn constants_and_parameters() {
    run("constants", numeric::run_consts);
}

#[test]
fn high_word_multiplies() {
    run("high-word multiplies", numeric::run_high_word);
}

#[test]
fn select() {
    run("select", numeric::run_select);
}

#[test]
fn loads() {
    run("loads", memory::run_loads);
}

#[test]
fn stores() {
    run("stores", memory::run_stores);
}

#[test]
fn bulk_memory() {
    run("bulk memory", memory::run_bulk);
}

#[test]
fn memory_grow() {
    run("memory.grow", memory::run_grow);
}

#[test]
fn call_indirect() {
    run("call_indirect", control::run_call_indirect);
}

#[test]
fn globals() {
    run("globals", control::run_globals);
}

#[test]
fn control_flow() {
    run("control flow", control::run_control);
}

#[test]
fn stack_overflow() {
    run("stack overflow", control::run_stack_overflow);
}

#[test]
fn go_shaped_caller() {
    run("go caller", control::run_go);
}

/// The generator itself: every edge value written as wat text comes back with the same bits
/// (checked on wasmi alone), and the operator table has no duplicates.
#[test]
fn generator_self_check() {
    use harness::{Backend as _, WasmiBackend};
    for ty in [
        harness::Ty::I32,
        harness::Ty::I64,
        harness::Ty::F32,
        harness::Ty::F64,
    ] {
        let vals = values::of(ty);
        let arms: Vec<String> = vals.iter().map(|v| v.wat_const()).collect();
        let wat = format!(
            "(module {})",
            numeric::dispatch_func("const", &[], ty, &arms)
        );
        let wasm = wat::parse_str(&wat).unwrap();
        let mut inst = WasmiBackend.compile(&wasm).unwrap().instantiate().unwrap();
        for (i, v) in vals.iter().enumerate() {
            assert_eq!(
                inst.call("const", &[V::I32(i as i32)]),
                Outcome::Ok(vec![*v]),
                "{}",
                v.wat_const()
            );
        }
    }
    let mut names: Vec<&str> = numeric::OPS.iter().map(|o| o.name).collect();
    names.sort();
    let n = names.len();
    names.dedup();
    assert_eq!(n, names.len(), "duplicate operators");
}
