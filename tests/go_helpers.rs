//! gojit's Go-aware lowerings must not change behaviour. The same Go reactor runs with every
//! lowering on, with the native helpers off, and with every lowering off (plain wasm
//! translation) on many address ranges — inside memory, across its end, with a 3-letter alphabet
//! making matches and mismatches frequent — and every result and trap must agree. The helpers
//! (`memchr`, `memcmp`, `memeqbody`) and kernels (SHA-256 blocks, CRC-32 slicing-by-8 with the
//! IEEE and another table, `bytealg`'s Rabin-Karp searches, `math/big`'s vector arithmetic) are
//! the focus; the reactor's Go code itself exercises the dispatch threading, the fast entry and
//! the pinned stack pointer.

mod common;

use gojit::translate_options::GoOptimizations;
use gojit::{Config, Engine, Instance, Linker, Module, Store, Val, wasi};

struct Guest {
    store: Store<wasi::WasiCtx>,
    instance: Instance,
    module: Module,
}

fn guest(wasm: &[u8], go: GoOptimizations) -> Guest {
    let engine = Engine::new(Config {
        go_optimizations: go,
        ..Config::from_env().0
    })
    .unwrap();
    let module = Module::new(&engine, wasm.to_vec()).unwrap();
    let mut store = Store::new(&engine, wasi::WasiCtxBuilder::new().build());
    let instance = instantiate(&mut store, &module);
    Guest {
        store,
        instance,
        module,
    }
}

fn instantiate(store: &mut Store<wasi::WasiCtx>, module: &Module) -> Instance {
    let mut linker = Linker::new();
    wasi::add_to_linker(&mut linker, |ctx: &mut wasi::WasiCtx| ctx);
    Instance::new(store, module, &linker).unwrap()
}

impl Guest {
    /// Calls `name`; after a trap, replaces the (now unusable) instance.
    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, String> {
        let r = self.instance.call(&mut self.store, name, args);
        if r.as_ref().is_err_and(|e| e.trap().is_some()) {
            self.instance = instantiate(&mut self.store, &self.module);
            self.setup();
        }
        r.map_err(|e| {
            e.trap()
                .map_or_else(|| e.to_string(), |t| format!("trap: {t}"))
        })
    }

    fn mem_len(&self) -> u32 {
        self.instance.memory(&self.store).len() as u32
    }

    fn setup(&mut self) {
        let top = self.mem_len();
        // Random bytes over the last 256 KiB of memory (well above Go's data and heap).
        self.call(
            "fill",
            &[
                Val::I32((top - (256 << 10)) as i32),
                Val::I32(256 << 10),
                Val::I32(7),
            ],
        )
        .unwrap();
    }
}

#[test]
fn native_helpers_agree_with_the_wasm_versions() {
    let dir = common::repo_root().join("tests/go/helpers");
    let wasm = std::fs::read(common::build_go(
        &dir,
        "wasip1",
        "wasm",
        &["-buildmode=c-shared"],
        "helpers.wasm",
    ))
    .unwrap();
    let mut on = guest(&wasm, GoOptimizations::default());
    let mut others = [
        guest(
            &wasm,
            GoOptimizations {
                native_helpers: false,
                ..GoOptimizations::default()
            },
        ),
        guest(&wasm, GoOptimizations::NONE),
    ];
    on.setup();
    for g in &mut others {
        g.setup();
        assert_eq!(on.mem_len(), g.mem_len());
    }
    let top = on.mem_len();
    let base = top - (256 << 10);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |m: u32| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % u64::from(m)) as u32
    };
    let mut traps = 0;
    for case in 0..3000 {
        // Start anywhere in the random region; lengths up to 70 KiB so some cross the end.
        let a = base + next(256 << 10);
        let b = base + next(256 << 10);
        let n = if case % 4 == 0 {
            next(72 << 10)
        } else {
            next(64)
        };
        let seed = Val::I32(next(1 << 30) as i32);
        let (a_short, b_short) = (next(64) + next(2) * next(4000), next(8));
        let calls: [(&str, Vec<Val>); 8] = [
            ("sha256_at", vec![Val::I32(a as i32), Val::I32(n as i32)]),
            (
                "crc32_at",
                vec![Val::I32(a as i32), Val::I32(n as i32), seed],
            ),
            (
                "crc32_koopman_at",
                vec![Val::I32(a as i32), Val::I32(n as i32), seed],
            ),
            (
                "index_byte",
                vec![
                    Val::I32(a as i32),
                    Val::I32(n as i32),
                    Val::I32(next(4) as i32),
                ],
            ),
            (
                "equal",
                vec![
                    Val::I32(a as i32),
                    Val::I32(a.wrapping_add(next(2) * (b - a)) as i32),
                    Val::I32(n as i32),
                ],
            ),
            (
                "compare",
                vec![
                    Val::I32(a as i32),
                    Val::I32(n as i32),
                    Val::I32(b as i32),
                    Val::I32(next(64) as i32),
                ],
            ),
            (
                // Long haystacks, short needles from the same 3-letter text (frequent partial
                // matches push bytes.Index to Rabin-Karp); sometimes past the end of memory.
                "index",
                vec![
                    Val::I32(a as i32),
                    Val::I32(if case % 4 == 0 { n } else { a_short } as i32),
                    Val::I32(b as i32),
                    Val::I32(b_short as i32),
                ],
            ),
            (
                "big_arith",
                vec![
                    Val::I32(a as i32),
                    Val::I32((n / 8).min(next(300)) as i32),
                    Val::I32(b as i32),
                    Val::I32(next(120) as i32),
                ],
            ),
        ];
        for (name, args) in calls {
            let r_on = on.call(name, &args);
            for (i, g) in others.iter_mut().enumerate() {
                assert_eq!(
                    r_on,
                    g.call(name, &args),
                    "{name}{args:?} (memory ends at {top:#x}), config {i}"
                );
            }
            traps += usize::from(r_on.is_err());
        }
    }
    assert!(
        traps > 10,
        "the cases should include out-of-bounds runs, got {traps} traps"
    );
}
