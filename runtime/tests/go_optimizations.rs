//! Each Go-aware lowering must not change behaviour: the same modules run with every
//! optimization on and with all off give identical results, traps and memory.

use gojit_runtime::translate_options::GoOptimizations;
use gojit_runtime::{Config, Engine, Instance, Linker, Module, Store, Val};

fn run(
    wat: &str,
    go: GoOptimizations,
    export: &str,
    args: &[Val],
) -> (Result<Vec<Val>, String>, Vec<u8>) {
    let engine = Engine::new(Config {
        go_optimizations: go,
        verify: true,
        ..Config::from_env().0
    })
    .unwrap();
    let module = Module::new(&engine, wat::parse_file(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &Linker::new()).unwrap();
    let r = i.call(&mut store, export, args).map_err(|e| e.to_string());
    (r, i.memory(&store).to_vec())
}

#[test]
fn dispatch_threading_preserves_results() {
    let wat = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../frontend/tests/clif/go_dispatch.wat"
    );
    for pc_b in [0, 1, 2, 3, 100] {
        let on = run(wat, GoOptimizations::default(), "sum", &[Val::I32(pc_b)]);
        let off = run(wat, GoOptimizations::NONE, "sum", &[Val::I32(pc_b)]);
        assert_eq!(on, off, "entry at PC_B {pc_b}");
    }
    let (r, _) = run(wat, GoOptimizations::default(), "sum", &[Val::I32(0)]);
    assert_eq!(r, Ok(vec![Val::I32(55)]));
}
