//! Every parameter and result type `//go:wasmexport` and `//go:wasmimport` allow
//! (go-wasm-abi.md §8.1), from Go source through gojit and back, in both directions:
//!
//! - Go exports called from Rust with edge values (`bool`, `int32`, `uint32`, `int64`, `uint64`,
//!   `float32`, `float64` with NaN payloads, `unsafe.Pointer`, `uintptr`, `*int32`, `*[16]byte`,
//!   a `structs.HostLayout` struct pointer, `string` parameters), results checked in Rust;
//! - Go calling Rust imports with edge values: Rust records exactly what arrived and answers
//!   with a transform that Go checks, reporting failures back through another import.
//!
//! Fixture: `tests/go/embed/types` (a reactor built with `-buildmode=c-shared`).

mod common;

use gojit::{
    Caller, Config, Engine, GuestMemory, HostError, Instance, Linker, Module, Store, StringError,
    wasi,
};

fn module() -> (Engine, Module) {
    let wasm = common::embed_reactor("types");
    let engine = Engine::new(Config::from_env().0).expect("engine");
    let module = Module::new(&engine, std::fs::read(wasm).expect("read fixture")).expect("module");
    (engine, module)
}

/// What the host imports saw, in call order, as text (floats as bit patterns).
#[derive(Default)]
struct Log {
    calls: Vec<String>,
    reports: Vec<String>,
    strings: Vec<Vec<u8>>,
    wasi: wasi::WasiCtx,
}

fn fail(e: gojit::MemoryAccessError) -> HostError {
    HostError::Failed(e.to_string())
}

/// A fresh log, with the WASI context the guests of its store use.
fn log() -> Log {
    Log {
        wasi: wasi::WasiCtxBuilder::new().arg("types").build(),
        ..Log::default()
    }
}

fn linker() -> Linker<Log> {
    let mut l = Linker::<Log>::new();
    wasi::add_to_linker(&mut l, |log: &mut Log| &mut log.wasi);
    l.func_wrap("host", "imp_bool", |c: &mut Caller<'_, Log>, b: bool| {
        c.data_mut().calls.push(format!("bool {b}"));
        !b
    });
    l.func_wrap("host", "imp_i32", |c: &mut Caller<'_, Log>, v: i32| {
        c.data_mut().calls.push(format!("i32 {v}"));
        v.wrapping_add(1)
    });
    l.func_wrap("host", "imp_u32", |c: &mut Caller<'_, Log>, v: u32| {
        c.data_mut().calls.push(format!("u32 {v}"));
        v.wrapping_add(1)
    });
    l.func_wrap("host", "imp_i64", |c: &mut Caller<'_, Log>, v: i64| {
        c.data_mut().calls.push(format!("i64 {v}"));
        v.wrapping_add(1)
    });
    l.func_wrap("host", "imp_u64", |c: &mut Caller<'_, Log>, v: u64| {
        c.data_mut().calls.push(format!("u64 {v}"));
        !v
    });
    l.func_wrap("host", "imp_f32", |c: &mut Caller<'_, Log>, v: f32| {
        c.data_mut().calls.push(format!("f32 {:#x}", v.to_bits()));
        f32::from_bits(v.to_bits() ^ (1 << 31))
    });
    l.func_wrap("host", "imp_f64", |c: &mut Caller<'_, Log>, v: f64| {
        c.data_mut().calls.push(format!("f64 {:#x}", v.to_bits()));
        f64::from_bits(v.to_bits() ^ (1 << 63))
    });
    l.func_wrap(
        "host",
        "imp_ptr",
        |c: &mut Caller<'_, Log>, p: u32| -> Result<u32, HostError> {
            let v = c.memory().read_u32(p).map_err(fail)?;
            c.memory().write_u32(p, v + 1).map_err(fail)?;
            c.data_mut().calls.push(format!("ptr *p={v}"));
            Ok(p + 4)
        },
    );
    l.func_wrap("host", "imp_uintptr", |c: &mut Caller<'_, Log>, p: u32| {
        c.data_mut().calls.push(format!("uintptr {p:#x}"));
        p
    });
    l.func_wrap(
        "host",
        "imp_pint32",
        |c: &mut Caller<'_, Log>, p: u32| -> Result<i32, HostError> {
            let v = c.memory().read_u32(p).map_err(fail)? as i32;
            c.memory()
                .write_u32(p, v.wrapping_mul(2) as u32)
                .map_err(fail)?;
            c.data_mut().calls.push(format!("pint32 *p={v}"));
            Ok(v)
        },
    );
    l.func_wrap(
        "host",
        "imp_parr",
        |c: &mut Caller<'_, Log>, p: u32| -> Result<(), HostError> {
            let a = c.memory().slice_mut(p, 8).map_err(fail)?;
            let before = a.to_vec();
            a.reverse();
            c.data_mut().calls.push(format!("parr {before:?}"));
            Ok(())
        },
    );
    l.func_wrap(
        "host",
        "imp_struct",
        |c: &mut Caller<'_, Log>, p: u32| -> Result<i64, HostError> {
            let m = c.memory();
            let x = m.read_u32(p).map_err(fail)? as i32;
            let y = m.read_u64(p + 8).map_err(fail)? as i64;
            let f = f64::from_bits(m.read_u64(p + 16).map_err(fail)?);
            let b = m.read_u8(p + 24).map_err(fail)?;
            let a = [
                m.read_u16(p + 26).map_err(fail)?,
                m.read_u16(p + 28).map_err(fail)?,
                m.read_u16(p + 30).map_err(fail)?,
            ];
            m.write_u64(p + 16, f64::from(x).to_bits()).map_err(fail)?;
            m.write_u8(p + 24, 1).map_err(fail)?;
            m.write_u16(p + 30, 7).map_err(fail)?;
            c.data_mut()
                .calls
                .push(format!("struct x={x} y={y} f={f} b={b} a={a:?}"));
            Ok(i64::from(x) + y)
        },
    );
    l.func_wrap(
        "host",
        "imp_string",
        |c: &mut Caller<'_, Log>, ptr: u32, len: u32| -> Result<i32, HostError> {
            // Go strings may hold any bytes: the raw slice, not `read_str`.
            let s = c.memory().slice(ptr, len)?.to_vec();
            c.data_mut().calls.push(format!("string len={len}"));
            c.data_mut().strings.push(s);
            Ok(len as i32)
        },
    );
    l.func_wrap(
        "host",
        "imp_mix",
        |c: &mut Caller<'_, Log>,
         b: bool,
         i: i32,
         l: i64,
         f: f32,
         d: f64,
         sp: u32,
         sl: u32,
         u: u32|
         -> Result<f64, HostError> {
            let s = c.memory().read_string(sp, sl)?;
            c.data_mut()
                .calls
                .push(format!("mix {b} {i} {l} {f} {d} {s:?} {u}"));
            Ok(mix(b, i, l, f, d, &s, u))
        },
    );
    l.func_wrap(
        "host",
        "report",
        |c: &mut Caller<'_, Log>, ptr: u32, len: u32| {
            let s = c
                .memory()
                .read_string(ptr, len)
                .unwrap_or_else(|e| format!("<bad string: {e}>"));
            c.data_mut().reports.push(s);
        },
    );
    l
}

/// The formula of the Go `mix` export.
fn mix(b: bool, i: i32, l: i64, f: f32, d: f64, s: &str, u: u32) -> f64 {
    let r = f64::from(i)
        + l as f64 * 2.0
        + f64::from(f) * 4.0
        + d * 8.0
        + s.len() as f64 * 16.0
        + f64::from(u) * 32.0;
    if b { -r } else { r }
}

const F32_EDGES: [u32; 8] = [
    0,
    0x8000_0000,
    0x3fc0_0000,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0001,
    1,
    0x7f7f_ffff,
];
const F64_EDGES: [u64; 8] = [
    0,
    1 << 63,
    0x3ff8_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0001,
    1,
    0x7fef_ffff_ffff_ffff,
];

#[test]
fn go_exports_called_from_rust() {
    let (engine, module) = module();
    let mut store = Store::new(&engine, log());
    let inst = Instance::new(&mut store, &module, &linker()).expect("instantiate");
    let s = &mut store;

    // bool
    let echo_bool = inst.get_typed_func::<bool, bool>(s, "echo_bool").unwrap();
    let not_bool = inst.get_typed_func::<bool, bool>(s, "not_bool").unwrap();
    for b in [false, true] {
        assert_eq!(echo_bool.call(s, b).unwrap(), b);
        assert_eq!(not_bool.call(s, b).unwrap(), !b);
    }
    // The raw wasm result of a bool is exactly 0 or 1.
    let raw = inst.get_typed_func::<i32, i32>(s, "not_bool").unwrap();
    assert_eq!(raw.call(s, 0).unwrap(), 1);
    assert_eq!(raw.call(s, 1).unwrap(), 0);

    // int32 / uint32 / int64 / uint64
    let add_i32 = inst
        .get_typed_func::<(i32, i32), i32>(s, "add_i32")
        .unwrap();
    for (a, b) in [
        (i32::MAX, 1),
        (-1, -1),
        (i32::MIN, i32::MIN),
        (0, 0),
        (i32::MIN, -1),
    ] {
        assert_eq!(
            add_i32.call(s, (a, b)).unwrap(),
            a.wrapping_add(b),
            "{a}+{b}"
        );
    }
    let add_u32 = inst
        .get_typed_func::<(u32, u32), u32>(s, "add_u32")
        .unwrap();
    for (a, b) in [
        (u32::MAX, 1),
        (1 << 31, 1 << 31),
        (u32::MAX, u32::MAX),
        (7, 8),
    ] {
        assert_eq!(
            add_u32.call(s, (a, b)).unwrap(),
            a.wrapping_add(b),
            "{a}+{b}"
        );
    }
    let add_i64 = inst
        .get_typed_func::<(i64, i64), i64>(s, "add_i64")
        .unwrap();
    for (a, b) in [
        (i64::MAX, 1),
        (-1, -1),
        (i64::MIN, i64::MIN),
        (1 << 32, -(1 << 33)),
    ] {
        assert_eq!(
            add_i64.call(s, (a, b)).unwrap(),
            a.wrapping_add(b),
            "{a}+{b}"
        );
    }
    let add_u64 = inst
        .get_typed_func::<(u64, u64), u64>(s, "add_u64")
        .unwrap();
    for (a, b) in [
        (u64::MAX, 1),
        (1 << 63, 1 << 63),
        (u64::MAX, u64::MAX),
        (u32::MAX.into(), 1),
    ] {
        assert_eq!(
            add_u64.call(s, (a, b)).unwrap(),
            a.wrapping_add(b),
            "{a}+{b}"
        );
    }
    let widen_i32 = inst.get_typed_func::<i32, i64>(s, "widen_i32").unwrap();
    let widen_u32 = inst.get_typed_func::<u32, u64>(s, "widen_u32").unwrap();
    for v in [0, 1, -1, i32::MIN, i32::MAX] {
        assert_eq!(
            widen_i32.call(s, v).unwrap(),
            i64::from(v),
            "int32 {v} sign-extends"
        );
        let u = v as u32;
        assert_eq!(
            widen_u32.call(s, u).unwrap(),
            u64::from(u),
            "uint32 {u} zero-extends"
        );
    }

    // float32 / float64, bit-exact (NaN payloads, signed zero, subnormals, infinities)
    let echo_f32 = inst.get_typed_func::<f32, f32>(s, "echo_f32").unwrap();
    let f32_bits = inst.get_typed_func::<f32, u32>(s, "f32_bits").unwrap();
    for bits in F32_EDGES {
        let v = f32::from_bits(bits);
        assert_eq!(
            echo_f32.call(s, v).unwrap().to_bits(),
            bits,
            "echo_f32 {bits:#x}"
        );
        assert_eq!(f32_bits.call(s, v).unwrap(), bits, "f32_bits {bits:#x}");
    }
    let echo_f64 = inst.get_typed_func::<f64, f64>(s, "echo_f64").unwrap();
    let f64_bits = inst.get_typed_func::<f64, u64>(s, "f64_bits").unwrap();
    let f64_from_bits = inst.get_typed_func::<u64, f64>(s, "f64_from_bits").unwrap();
    for bits in F64_EDGES {
        let v = f64::from_bits(bits);
        assert_eq!(
            echo_f64.call(s, v).unwrap().to_bits(),
            bits,
            "echo_f64 {bits:#x}"
        );
        assert_eq!(f64_bits.call(s, v).unwrap(), bits, "f64_bits {bits:#x}");
        assert_eq!(
            f64_from_bits.call(s, bits).unwrap().to_bits(),
            bits,
            "f64_from_bits {bits:#x}"
        );
    }
    let mul_f32 = inst
        .get_typed_func::<(f32, f32), f32>(s, "mul_f32")
        .unwrap();
    assert_eq!(mul_f32.call(s, (1.5, -2.0)).unwrap(), -3.0);
    assert_eq!(mul_f32.call(s, (f32::MAX, 2.0)).unwrap(), f32::INFINITY);
    let mul_f64 = inst
        .get_typed_func::<(f64, f64), f64>(s, "mul_f64")
        .unwrap();
    assert_eq!(mul_f64.call(s, (0.1, 3.0)).unwrap(), 0.1 * 3.0);
    assert!(mul_f64.call(s, (0.0, f64::INFINITY)).unwrap().is_nan());

    // uintptr and unsafe.Pointer: i32 on the wasm side, zero-extended to 64 bits in Go
    let uintptr_value = inst.get_typed_func::<u32, u64>(s, "uintptr_value").unwrap();
    let pointer_value = inst.get_typed_func::<u32, u64>(s, "pointer_value").unwrap();
    for p in [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff] {
        assert_eq!(
            uintptr_value.call(s, p).unwrap(),
            u64::from(p),
            "uintptr {p:#x}"
        );
        assert_eq!(
            pointer_value.call(s, p).unwrap(),
            u64::from(p),
            "unsafe.Pointer {p:#x}"
        );
    }
    let uintptr_from = inst.get_typed_func::<u64, u32>(s, "uintptr_from").unwrap();
    assert_eq!(
        uintptr_from.call(s, 0x1_2345_6789).unwrap(),
        0x2345_6789,
        "low half"
    );
    assert_eq!(uintptr_from.call(s, 0xffff_ffff).unwrap(), 0xffff_ffff);

    // unsafe.Pointer result and parameter: a Go buffer the host fills.
    let buffer = inst.get_typed_func::<(), u32>(s, "buffer").unwrap();
    let buf = buffer.call(s, ()).unwrap();
    assert_ne!(buf, 0);
    let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
    inst.memory_mut(s)[buf as usize..buf as usize + bytes.len()].copy_from_slice(&bytes);
    let sum_bytes = inst
        .get_typed_func::<(u32, i32), i64>(s, "sum_bytes")
        .unwrap();
    let want: i64 = bytes.iter().map(|&b| i64::from(b)).sum();
    assert_eq!(sum_bytes.call(s, (buf, bytes.len() as i32)).unwrap(), want);

    // *int32
    let incr = inst.get_typed_func::<u32, i32>(s, "incr").unwrap();
    let p = buf as usize + 1000;
    inst.memory_mut(s)[p..p + 4].copy_from_slice(&i32::MAX.to_le_bytes());
    assert_eq!(incr.call(s, p as u32).unwrap(), i32::MIN);
    assert_eq!(inst.memory(s)[p..p + 4], i32::MIN.to_le_bytes());

    // *[16]byte
    let fill = inst.get_typed_func::<(u32, u32), ()>(s, "fill").unwrap();
    let p = buf as usize + 1100;
    fill.call(s, (p as u32, 0xf8)).unwrap();
    let want: Vec<u8> = (0..16u8).map(|i| 0xf8u8.wrapping_add(i)).collect();
    assert_eq!(inst.memory(s)[p..p + 16], want[..]);
    assert_eq!(inst.memory(s)[p + 16], 0, "nothing written past the array");

    // *Point (structs.HostLayout): a Go global returned to Rust, and a struct Rust builds.
    let global_point = inst.get_typed_func::<(), u32>(s, "global_point").unwrap();
    let point_update = inst.get_typed_func::<u32, f64>(s, "point_update").unwrap();
    let gp = global_point.call(s, ()).unwrap() as usize;
    assert_eq!(
        read_point(&inst.memory_view(s), gp),
        Point {
            x: 7,
            y: -9,
            f: 0.25,
            b: 1,
            a: [1, 2, 65535]
        }
    );
    assert_eq!(
        point_update.call(s, gp as u32).unwrap(),
        7.0 - 9.0 + 0.25 + 65538.0 + 1000.0
    );
    assert_eq!(
        read_point(&inst.memory_view(s), gp),
        Point {
            x: 8,
            y: -18,
            f: 0.125,
            b: 0,
            a: [65535, 2, 1]
        }
    );
    let p = buf as usize + 2048;
    write_point(
        &mut inst.memory_view(s),
        p,
        Point {
            x: i32::MAX,
            y: i64::MIN / 2,
            f: -1.0,
            b: 0,
            a: [3, 4, 5],
        },
    );
    let sum = point_update.call(s, p as u32).unwrap();
    assert_eq!(
        sum,
        f64::from(i32::MAX) + (i64::MIN / 2) as f64 + -1.0 + 3.0 + 4.0 + 5.0
    );
    assert_eq!(
        read_point(&inst.memory_view(s), p),
        Point {
            x: i32::MIN,
            y: i64::MIN,
            f: -0.5,
            b: 1,
            a: [5, 4, 3]
        }
    );

    // string parameters: (pointer, length) into linear memory
    let str_len = inst
        .get_typed_func::<(u32, u32), i32>(s, "str_len")
        .unwrap();
    let str_hash = inst
        .get_typed_func::<(u32, u32), u32>(s, "str_hash")
        .unwrap();
    let long = "x".repeat(3000);
    for text in ["", "a", "héllo, 世界", long.as_str()] {
        inst.memory_mut(s)[buf as usize..buf as usize + text.len()]
            .copy_from_slice(text.as_bytes());
        assert_eq!(
            str_len.call(s, (buf, text.len() as u32)).unwrap(),
            text.len() as i32
        );
        assert_eq!(
            str_hash.call(s, (buf, text.len() as u32)).unwrap(),
            fnv1a(text.as_bytes()),
            "{text:?}"
        );
    }
    assert_eq!(
        str_len.call(s, (0, 0)).unwrap(),
        0,
        "empty string with a nil pointer"
    );
    assert_eq!(str_hash.call(s, (0, 0)).unwrap(), fnv1a(b""));
    // Go copies a string it keeps; the host may reuse its buffer afterwards.
    let str_keep = inst
        .get_typed_func::<(u32, u32), ()>(s, "str_keep")
        .unwrap();
    let text = "kept across calls ✓";
    inst.memory_mut(s)[buf as usize..buf as usize + text.len()].copy_from_slice(text.as_bytes());
    str_keep.call(s, (buf, text.len() as u32)).unwrap();
    inst.memory_mut(s)[buf as usize..buf as usize + text.len()].fill(b'#');
    let kp = inst
        .get_typed_func::<(), u32>(s, "kept_ptr")
        .unwrap()
        .call(s, ())
        .unwrap() as usize;
    let kl = inst
        .get_typed_func::<(), i32>(s, "kept_len")
        .unwrap()
        .call(s, ())
        .unwrap() as usize;
    assert_eq!(&inst.memory(s)[kp..kp + kl], text.as_bytes());

    // Everything at once, to check argument order.
    let mixf = inst
        .get_typed_func::<(bool, i32, i64, f32, f64, u32, u32, u32), f64>(s, "mix")
        .unwrap();
    let text = "four";
    inst.memory_mut(s)[buf as usize..buf as usize + 4].copy_from_slice(text.as_bytes());
    for (b, i, l, f, d, u) in [
        (true, -3, 1i64 << 33, 0.5f32, -0.25f64, u32::MAX),
        (false, i32::MAX, -1, -2.0, 3.0, 0),
        (false, 1, 2, 3.0, 4.0, 5),
    ] {
        assert_eq!(
            mixf.call(s, (b, i, l, f, d, buf, 4, u)).unwrap(),
            mix(b, i, l, f, d, text, u),
            "mix({b}, {i}, {l}, {f}, {d}, {text:?}, {u})"
        );
    }

    // The untyped API with the same values.
    let r = inst
        .call(
            s,
            "add_i64",
            &[gojit::Val::I64(i64::MAX), gojit::Val::I64(1)],
        )
        .unwrap();
    assert_eq!(r, [gojit::Val::I64(i64::MIN)]);
    let r = inst
        .call(s, "f64_bits", &[gojit::Val::F64(0x7ff8_0000_0000_0001)])
        .unwrap();
    assert_eq!(r, [gojit::Val::I64(0x7ff8_0000_0000_0001)]);
    // Typed signatures are checked.
    let err = inst
        .get_typed_func::<i32, i32>(s, "add_i64")
        .err()
        .expect("wrong signature");
    assert!(matches!(err, gojit::Error::Call(_)), "{err:?}");
}

#[derive(Debug, PartialEq)]
struct Point {
    x: i32,
    y: i64,
    f: f64,
    b: u8,
    a: [u16; 3],
}

/// `Point` at `p`, through the bounds-checked accessors (Go's layout: X +0, Y +8, F +16, B +24,
/// A +26).
fn read_point(m: &GuestMemory<'_>, p: usize) -> Point {
    let p = p as u32;
    Point {
        x: m.read_i32(p).unwrap(),
        y: m.read_i64(p + 8).unwrap(),
        f: m.read_f64(p + 16).unwrap(),
        b: m.read_u8(p + 24).unwrap(),
        a: [26, 28, 30].map(|o| m.read_u16(p + o).unwrap()),
    }
}

fn write_point(m: &mut GuestMemory<'_>, p: usize, v: Point) {
    let p = p as u32;
    m.write_i32(p, v.x).unwrap();
    m.write_i64(p + 8, v.y).unwrap();
    m.write_f64(p + 16, v.f).unwrap();
    m.write_u8(p + 24, v.b).unwrap();
    for (i, a) in v.a.into_iter().enumerate() {
        m.write_u16(p + 26 + 2 * i as u32, a).unwrap();
    }
}

fn fnv1a(b: &[u8]) -> u32 {
    b.iter().fold(2_166_136_261u32, |h, &c| {
        (h ^ u32::from(c)).wrapping_mul(16_777_619)
    })
}

/// Go strings through [`GuestMemory`]: the embedder reads the string an export kept, and bad
/// ranges or bytes are clear errors (which stop the guest when a host function meets them).
#[test]
fn go_strings_through_guest_memory() {
    let (engine, module) = module();
    let mut store = Store::new(&engine, log());
    let s = &mut store;
    let inst = Instance::new(s, &module, &linker()).unwrap();
    let buf = inst
        .get_typed_func::<(), u32>(s, "buffer")
        .unwrap()
        .call(s, ())
        .unwrap();
    let text = "héllo, 世界";
    inst.memory_view(s).write(buf, text.as_bytes()).unwrap();
    inst.get_typed_func::<(u32, u32), ()>(s, "str_keep")
        .unwrap()
        .call(s, (buf, text.len() as u32))
        .unwrap();
    let kp = inst
        .get_typed_func::<(), u32>(s, "kept_ptr")
        .unwrap()
        .call(s, ())
        .unwrap();
    let kl = inst
        .get_typed_func::<(), i32>(s, "kept_len")
        .unwrap()
        .call(s, ())
        .unwrap() as u32;
    assert_ne!(kp, buf, "Go copied the string");
    let mem = inst.memory_view(s);
    assert_eq!(mem.read_str(kp, kl).unwrap(), text);
    assert_eq!(mem.read_string(kp, kl).unwrap(), text);
    assert_eq!(mem.read_str(kp + 8, 3).unwrap(), "世");

    // "h" and the first byte of "é": not UTF-8.
    let err = mem.read_str(kp, 2).unwrap_err();
    assert_eq!(
        err,
        StringError::InvalidUtf8 {
            ptr: kp,
            len: 2,
            valid_up_to: 1
        }
    );
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
    // Past the end of memory, and a range whose end overflows u32.
    let end = mem.len() as u32;
    assert_eq!(
        mem.read_str(end - 2, 4),
        Err(StringError::OutOfBounds(gojit::MemoryAccessError {
            ptr: u64::from(end - 2),
            len: 4
        }))
    );
    assert!(matches!(
        mem.read_string(u32::MAX, 2),
        Err(StringError::OutOfBounds(_))
    ));
    // The empty string may have any pointer (Go passes 0).
    assert_eq!(mem.read_str(u32::MAX, 0).unwrap(), "");

    // A host function reading a Go string with `?` fails with the reason.
    let l = linker();
    let imp_mix = l.get("host", "imp_mix").unwrap();
    let mut bytes = vec![0u8; 64];
    bytes[8..10].copy_from_slice(&[0xff, 0xfe]);
    let mut log = Log::default();
    let mut slots = [1, 2, 3, 0, 0, 8, 2, 5];
    let err = imp_mix
        .call_with(
            &mut Caller::with_data(GuestMemory::new(&mut bytes), &mut log),
            &mut slots,
        )
        .unwrap_err();
    assert!(
        matches!(&err, HostError::Failed(m) if m.contains("0x8+2 is not valid UTF-8")),
        "{err}"
    );
    slots[5] = 63;
    let err = imp_mix
        .call_with(
            &mut Caller::with_data(GuestMemory::new(&mut bytes), &mut log),
            &mut slots,
        )
        .unwrap_err();
    assert!(
        matches!(&err, HostError::Failed(m) if m.contains("outside linear memory")),
        "{err}"
    );
    assert!(log.calls.is_empty(), "{:?}", log.calls);
}

#[test]
fn rust_imports_called_from_go() {
    let (engine, module) = module();
    let mut store = Store::new(&engine, log());
    let inst = Instance::new(&mut store, &module, &linker()).expect("instantiate");
    let run = inst
        .get_typed_func::<(), i32>(&mut store, "run_import_checks")
        .unwrap();
    let failures = run.call(&mut store, ()).unwrap();
    let log = store.data();
    assert_eq!(failures, 0, "Go found wrong results: {:?}", log.reports);
    assert!(log.reports.is_empty());

    // What arrived in Rust, exactly.
    let mut want: Vec<String> = vec!["bool true".into(), "bool false".into()];
    want.extend([0, 1, -1, i32::MIN, i32::MAX].map(|v| format!("i32 {v}")));
    want.extend([0, 1, u32::MAX, 1 << 31].map(|v| format!("u32 {v}")));
    want.extend([0, -1, i64::MIN, i64::MAX, 1 << 32].map(|v| format!("i64 {v}")));
    want.extend([0, u64::MAX, 1 << 63, u64::from(u32::MAX)].map(|v| format!("u64 {v}")));
    want.extend(F32_EDGES.map(|b| format!("f32 {b:#x}")));
    want.extend(F64_EDGES.map(|b| format!("f64 {b:#x}")));
    want.push("ptr *p=41".into());
    want.extend(
        [0u32, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff].map(|p| format!("uintptr {p:#x}")),
    );
    want.push("pint32 *p=-21".into());
    want.push(format!("pint32 *p={}", i32::MAX));
    want.push("parr [1, 2, 3, 4, 5, 6, 7, 8]".into());
    want.push(format!(
        "struct x=-5 y={} f=1.5 b=0 a=[9, 8, 0]",
        1i64 << 40
    ));
    want.extend([0, 1, "héllo, 世界".len(), 10000, 4].map(|n| format!("string len={n}")));
    want.push(format!(
        "mix true -3 {} 0.5 -0.25 \"xyz\" {}",
        1i64 << 33,
        u32::MAX
    ));
    want.push(format!("mix false {} -1 -2 3 \"\" 0", i32::MAX));
    assert_eq!(log.calls, want);
    let strings: Vec<&[u8]> = log.strings.iter().map(Vec::as_slice).collect();
    let zeros = vec![0u8; 10000];
    assert_eq!(
        strings,
        [&b""[..], b"a", "héllo, 世界".as_bytes(), &zeros, b"3456"],
        "string contents"
    );

    // Run it again: the same instance keeps working, the log doubles.
    assert_eq!(run.call(&mut store, ()).unwrap(), 0);
    assert_eq!(store.data().calls.len(), 2 * want.len());
}

/// A host function that answers with the wrong wasm signature is refused at instantiation.
#[test]
fn import_signature_mismatch_is_a_link_error() {
    let (engine, module) = module();
    let mut l = linker();
    l.func_wrap("host", "imp_i64", |_: &mut Caller<'_, Log>, v: i32| v);
    let mut store = Store::new(&engine, log());
    let err = Instance::new(&mut store, &module, &l).expect_err("link error");
    assert!(
        matches!(&err, gojit::Error::Link(m) if m.contains("host::imp_i64")),
        "{err:?}"
    );
    let mut l = Linker::<Log>::new();
    wasi::add_to_linker(&mut l, |log: &mut Log| &mut log.wasi);
    let err = Instance::new(&mut store, &module, &l).expect_err("link error");
    assert!(
        matches!(&err, gojit::Error::Link(m) if m.contains("unknown import host::")),
        "{err:?}"
    );
}
