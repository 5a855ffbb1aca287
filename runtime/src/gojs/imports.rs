//! The `gojs` imports. Every one is `(func (param i32 sp))`: Go's ABI0 frame starts at
//! `sp + 8` in 8-byte slots (a string is ptr,len; a slice ptr,len,cap; a `ref` a NaN-boxed
//! `u64`; a bool one byte). Each function below names its frame as `wasm_exec.js` reads it; the
//! Go side is `runtime/sys_wasm.s`, `runtime/lock_js.go`, `runtime/mem_wasm.go` and
//! `syscall/js/js.go`.
//!
//! `valueCall`, `valueInvoke` and `valueNew` may run Go re-entrantly (a Go function called
//! synchronously), which can move Go's stack: they re-read `sp` from the `getsp` export before
//! writing their results, as `wasm_exec.js` does.
//!
//! A JavaScript exception where `wasm_exec.js` has no `try` (e.g. `valueGet` on `undefined`)
//! would be uncaught in node and end the program; here it fails the import (the guest stops with
//! the message).

use super::host::{self, Host};
use super::value::{Kind, Value};
use super::{Accessor, CallerHost, GoJsCtx, Thrown};
use crate::{Caller, GuestMemory, HostError, Linker, Val, ValType};

type Import<T, G> = fn(&mut CallerHost<'_, '_, T, G>, u32) -> Result<(), HostError>;

/// Defines every import under `gojs` and `go`, with the old aliases.
pub(super) fn define<T: 'static, G: Accessor<T>>(linker: &mut Linker<T>, get: G) {
    let table: &[(&str, Import<T, G>)] = &[
        ("runtime.wasmExit", wasm_exit),
        ("runtime.wasmWrite", wasm_write),
        ("runtime.resetMemoryDataView", |_, _| Ok(())),
        ("runtime.nanotime1", nanotime1),
        ("runtime.nanotime", nanotime1),
        ("runtime.walltime", walltime),
        ("runtime.walltime1", walltime),
        ("runtime.scheduleTimeoutEvent", schedule_timeout_event),
        ("runtime.clearTimeoutEvent", clear_timeout_event),
        ("runtime.getRandomData", get_random_data),
        ("syscall/js.finalizeRef", finalize_ref),
        ("syscall/js.stringVal", string_val),
        ("syscall/js.valueGet", value_get),
        ("syscall/js.valueSet", value_set),
        ("syscall/js.valueDelete", value_delete),
        ("syscall/js.valueIndex", value_index),
        ("syscall/js.valueSetIndex", value_set_index),
        ("syscall/js.valueCall", value_call),
        ("syscall/js.valueInvoke", value_invoke),
        ("syscall/js.valueNew", value_new),
        ("syscall/js.valueLength", value_length),
        ("syscall/js.valuePrepareString", value_prepare_string),
        ("syscall/js.valueLoadString", value_load_string),
        ("syscall/js.valueInstanceOf", value_instance_of),
        ("syscall/js.copyBytesToGo", copy_bytes_to_go),
        ("syscall/js.copyBytesToJS", copy_bytes_to_js),
    ];
    for module in [super::MODULE, super::OLD_MODULE] {
        for &(name, f) in table {
            linker.define(
                module,
                name,
                &[ValType::I32],
                &[],
                move |caller: &mut Caller<'_, T>, slots: &mut [u64]| {
                    let sp = slots[0] as u32;
                    // Frames are at most 72 bytes: keep `sp + offset` from overflowing.
                    if sp > u32::MAX - 128 {
                        return Err(HostError::Failed(format!("{name}: bad sp {sp:#x}")));
                    }
                    f(&mut CallerHost { caller, get }, sp)
                },
            );
        }
        // `debug(value)` takes the value itself, not `sp` (`wasm_exec.js:472`).
        linker.define(
            module,
            "debug",
            &[ValType::I32],
            &[],
            move |caller: &mut Caller<'_, T>, slots: &mut [u64]| {
                let line = format!("{}\n", slots[0] as i32);
                get(caller.data_mut())
                    .write_stdio(1, line.as_bytes())
                    .map_err(|e| HostError::Failed(e.to_string()))
            },
        );
    }
}

/// The JavaScript state and linear memory at once.
fn parts<'h, 'a, T: 'static, G: Accessor<T>>(
    h: &'h mut CallerHost<'_, 'a, T, G>,
) -> (&'h mut GoJsCtx, &'h mut GuestMemory<'a>) {
    let get = h.get;
    let (data, mem) = h.caller.data_and_memory();
    (get(data), mem)
}

fn mem<'h, 'a, T: 'static, G: Accessor<T>>(
    h: &'h mut CallerHost<'_, 'a, T, G>,
) -> &'h mut GuestMemory<'a> {
    parts(h).1
}

/// `getInt64`: a Go `int`/`uintptr` slot as a guest address or length.
fn addr(mem: &GuestMemory<'_>, at: u32) -> Result<u32, HostError> {
    let v = mem.read_i64(at)?;
    u32::try_from(v).map_err(|_| HostError::Failed(format!("guest address {v:#x} out of range")))
}

/// `loadString`: a Go string (ptr, len) at `at`, decoded as `TextDecoder` does.
fn load_string(mem: &GuestMemory<'_>, at: u32) -> Result<String, HostError> {
    let (p, n) = (addr(mem, at)?, addr(mem, at + 8)?);
    Ok(String::from_utf8_lossy(mem.slice(p, n)?).into_owned())
}

/// `loadSlice`: a Go `[]byte` (ptr, len, cap) at `at`, as (ptr, len).
fn load_slice(mem: &GuestMemory<'_>, at: u32) -> Result<(u32, u32), HostError> {
    let (p, n) = (addr(mem, at)?, addr(mem, at + 8)?);
    mem.slice(p, n)?;
    Ok((p, n))
}

fn load_value(js: &GoJsCtx, mem: &GuestMemory<'_>, at: u32) -> Result<Value, HostError> {
    Ok(js.refs.load(mem.read_u64(at)?))
}

/// `loadSliceOfValues`: a Go `[]ref` at `at`.
fn load_values(js: &GoJsCtx, mem: &GuestMemory<'_>, at: u32) -> Result<Vec<Value>, HostError> {
    let (p, n) = (addr(mem, at)?, addr(mem, at + 8)?);
    let bytes = n
        .checked_mul(8)
        .ok_or_else(|| HostError::Failed(format!("[]ref of {n} elements at {p:#x} is too long")))?;
    let words = mem.slice(p, bytes)?;
    Ok(words
        .chunks_exact(8)
        .map(|w| {
            js.refs
                .load(u64::from_le_bytes(w.try_into().expect("8 bytes")))
        })
        .collect())
}

fn store_value(
    js: &mut GoJsCtx,
    mem: &mut GuestMemory<'_>,
    at: u32,
    v: &Value,
) -> Result<(), HostError> {
    // Check the slot before the table counts a reference Go would never receive.
    mem.read_u64(at)?;
    let r = js.refs.store(v);
    mem.write_u64(at, r)?;
    Ok(())
}

/// `setInt64` of a JavaScript number (floor, as its two `setUint32`s do; NaN is 0).
fn set_int64(mem: &mut GuestMemory<'_>, at: u32, v: f64) -> Result<(), HostError> {
    let v = if v.is_nan() { 0 } else { v.floor() as i64 };
    mem.write_i64(at, v)?;
    Ok(())
}

/// An exception where `wasm_exec.js` would not catch it: the program fails.
fn uncaught(e: Thrown) -> HostError {
    match e {
        Thrown::Host(e) => e,
        Thrown::Js(v) => HostError::Failed(format!(
            "uncaught JavaScript exception: {}",
            v.to_js_string()
        )),
    }
}

/// `getsp()`: Go's SP now (it moves if Go ran re-entrantly and grew its stack).
fn getsp<T: 'static, G: Accessor<T>>(h: &mut CallerHost<'_, '_, T, G>) -> Result<u32, HostError> {
    match h
        .caller
        .call("getsp", &[])
        .map_err(super::host_error)?
        .first()
    {
        Some(Val::I32(sp)) => Ok(*sp as u32),
        _ => Err(HostError::Failed("getsp returned no i32".into())),
    }
}

/// `runtime.wasmExit(code int32)`: frame `code i32 @8`. The program ends with `code`.
fn wasm_exit<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let code = mem.read_i32(sp + 8)?;
    js.exited = Some(code);
    Err(HostError::Exit(code))
}

/// `runtime.wasmWrite(fd uintptr, p unsafe.Pointer, n int32)`: frame `fd @8, p @16, n i32 @24`.
/// `fs.writeSync(fd, bytes)`: unbuffered write of `println` and panic output.
fn wasm_write<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let fd = mem.read_i64(sp + 8)?;
    let p = addr(mem, sp + 16)?;
    let n = mem.read_i32(sp + 24)?;
    let bytes = mem.slice(p, n.max(0) as u32)?.to_vec();
    js.write_stdio(if fd == 2 { 2 } else { 1 }, &bytes)
        .map_err(|e| HostError::Failed(format!("wasmWrite: {e}")))
}

/// `runtime.nanotime1() int64`: `→ ns @8`, `(timeOrigin + performance.now()) * 1e6`.
fn nanotime1<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let ns = js.epoch_ms() * 1e6;
    set_int64(mem, sp + 8, ns)
}

/// `runtime.walltime() (sec int64, nsec int32)`: `→ sec @8, nsec i32 @16`, from `Date`
/// (millisecond resolution, as in node).
fn walltime<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let mem = mem(h);
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    mem.write_i64(sp + 8, ms.div_euclid(1000))?;
    mem.write_i32(sp + 16, (ms.rem_euclid(1000) * 1_000_000) as i32)?;
    Ok(())
}

/// `runtime.scheduleTimeoutEvent(delay int64) int32`: `ms @8 → id i32 @16`. The event loop
/// resumes Go when the timer is due.
fn schedule_timeout_event<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let ms = mem.read_i64(sp + 8)?;
    mem.read_i32(sp + 16)?;
    let id = js.add_timer(ms as f64, None);
    mem.write_i32(sp + 16, id as i32)?;
    Ok(())
}

/// `runtime.clearTimeoutEvent(id int32)`: `id @8`.
fn clear_timeout_event<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let id = mem.read_i32(sp + 8)?;
    js.clear_timer(id as u32, true);
    Ok(())
}

/// `runtime.getRandomData(r []byte)`: `[]byte @8`, filled from the OS.
fn get_random_data<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let mem = mem(h);
    let (p, n) = load_slice(mem, sp + 8)?;
    getrandom::fill(mem.slice_mut(p, n)?)
        .map_err(|e| HostError::Failed(format!("getRandomData: {e}")))
}

/// `syscall/js.finalizeRef(v ref)`: `ref @8` (its low 32 bits are the id).
fn finalize_ref<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let id = mem.read_u32(sp + 8)?;
    js.refs.finalize(id);
    Ok(())
}

/// `syscall/js.stringVal(value string) ref`: `str @8 → ref @24`.
fn string_val<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let s = load_string(mem, sp + 8)?;
    store_value(js, mem, sp + 24, &Value::from(s))
}

/// `syscall/js.valueGet(v ref, p string) ref`: `v @8, p @16 → ref @32`.
fn value_get<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let p = load_string(mem, sp + 16)?;
    let r = v.get(&p).map_err(|m| uncaught(js.type_error(&m)))?;
    store_value(js, mem, sp + 32, &r)
}

/// `Reflect.set`/`deleteProperty` need an object.
fn object_or_throw(js: &GoJsCtx, v: &Value, what: &str) -> Result<super::value::ObjRef, HostError> {
    match v {
        Value::Obj(o) if !o.is_symbol() => Ok(o.clone()),
        _ => Err(uncaught(
            js.type_error(&format!("{what} called on non-object")),
        )),
    }
}

/// `syscall/js.valueSet(v ref, p string, x ref)`: `v @8, p @16, x @32`.
fn value_set<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let p = load_string(mem, sp + 16)?;
    let x = load_value(js, mem, sp + 32)?;
    object_or_throw(js, &v, "Reflect.set")?.set(&p, x);
    Ok(())
}

/// `syscall/js.valueDelete(v ref, p string)`: `v @8, p @16`.
fn value_delete<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let p = load_string(mem, sp + 16)?;
    object_or_throw(js, &v, "Reflect.deleteProperty")?.delete(&p);
    Ok(())
}

/// `syscall/js.valueIndex(v ref, i int) ref`: `v @8, i @16 → ref @24`.
fn value_index<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let i = mem.read_i64(sp + 16)?;
    let r = match &v {
        Value::Str(s) => usize::try_from(i)
            .ok()
            .and_then(|i| s.encode_utf16().nth(i))
            .map_or(Value::Undefined, |u| {
                Value::from(String::from_utf16_lossy(&[u]))
            }),
        v => v
            .get(&i.to_string())
            .map_err(|m| uncaught(js.type_error(&m)))?,
    };
    store_value(js, mem, sp + 24, &r)
}

/// `syscall/js.valueSetIndex(v ref, i int, x ref)`: `v @8, i @16, x @24`.
fn value_set_index<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let i = mem.read_i64(sp + 16)?;
    let x = load_value(js, mem, sp + 24)?;
    object_or_throw(js, &v, "Reflect.set")?.set(&i.to_string(), x);
    Ok(())
}

/// Writes a call's outcome at `getsp() + at` (result ref) and `+ at + 8` (ok byte).
fn finish_call<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    at: u32,
    outcome: Result<Value, Thrown>,
) -> Result<(), HostError> {
    let (v, ok) = match outcome {
        Ok(v) => (v, 1),
        Err(Thrown::Js(e)) => (e, 0),
        Err(Thrown::Host(e)) => return Err(e),
    };
    let sp = getsp(h)?;
    let (js, mem) = parts(h);
    store_value(js, mem, sp + at, &v)?;
    mem.write_u8(sp + at + 8, ok)?;
    Ok(())
}

/// `syscall/js.valueCall(v ref, m string, args []ref) (ref, bool)`:
/// `v @8, m @16, args @32 → ref @56, ok u8 @64`. `Reflect.apply(v[m], v, args)`; a throw is
/// `ok = false` with the exception.
fn value_call<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let m = load_string(mem, sp + 16)?;
    let args = load_values(js, mem, sp + 32)?;
    let outcome = match v.get(&m) {
        Ok(f) => {
            if f.is_function() {
                host::call(h, &f, &v, &args)
            } else {
                Err(h
                    .js()
                    .type_error(&format!("{}.{m} is not a function", v.to_js_string())))
            }
        }
        Err(msg) => Err(h.js().type_error(&msg)),
    };
    finish_call(h, 56, outcome)
}

/// `syscall/js.valueInvoke(v ref, args []ref) (ref, bool)`: `v @8, args @16 → ref @40, ok @48`.
fn value_invoke<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let args = load_values(js, mem, sp + 16)?;
    let outcome = host::call(h, &v, &Value::Undefined, &args);
    finish_call(h, 40, outcome)
}

/// `syscall/js.valueNew(v ref, args []ref) (ref, bool)`: `v @8, args @16 → ref @40, ok @48`.
fn value_new<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let args = load_values(js, mem, sp + 16)?;
    let outcome = host::construct(h, &v, &args);
    finish_call(h, 40, outcome)
}

/// `syscall/js.valueLength(v ref) int`: `v @8 → i64 @16`, `parseInt(v.length)`.
fn value_length<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let len = v.get("length").map_err(|m| uncaught(js.type_error(&m)))?;
    set_int64(mem, sp + 16, len.to_number().trunc())
}

/// `syscall/js.valuePrepareString(v ref) (ref, int)`: `v @8 → ref @16, len @24`: the UTF-8
/// bytes of `String(v)` as a `Uint8Array`.
fn value_prepare_string<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let bytes = v.to_js_string().into_bytes();
    let n = bytes.len();
    let arr = js.new_bytes(bytes);
    store_value(js, mem, sp + 16, &arr)?;
    mem.write_i64(sp + 24, n as i64)?;
    Ok(())
}

/// `syscall/js.valueLoadString(v ref, b []byte)`: `v @8, dst @16`: copies the prepared bytes.
fn value_load_string<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let (p, n) = load_slice(mem, sp + 16)?;
    if let Value::Obj(o) = &v
        && let Kind::Bytes(b) = &o.0.borrow().kind
    {
        let k = b.len().min(n as usize);
        mem.write(p, &b[..k])?;
    }
    Ok(())
}

/// `syscall/js.valueInstanceOf(v ref, t ref) bool`: `v @8, t @16 → u8 @24`.
fn value_instance_of<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let v = load_value(js, mem, sp + 8)?;
    let t = load_value(js, mem, sp + 16)?;
    if !t.is_function() {
        return Err(uncaught(
            js.type_error("Right-hand side of 'instanceof' is not callable"),
        ));
    }
    let proto = t.get("prototype").unwrap_or_default();
    let yes = match (&v, proto) {
        (Value::Obj(o), Value::Obj(p)) => o.has_in_chain(&p),
        _ => false,
    };
    mem.write_u8(sp + 24, u8::from(yes))?;
    Ok(())
}

/// `syscall/js.copyBytesToGo(dst []byte, src ref) (int, bool)`: `dst @8, src @32 → n @40,
/// ok @48`; `ok = false` unless `src` is a `Uint8Array`.
fn copy_bytes_to_go<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let (p, n) = load_slice(mem, sp + 8)?;
    let src = load_value(js, mem, sp + 32)?;
    if let Value::Obj(o) = &src
        && let Kind::Bytes(b) = &o.0.borrow().kind
    {
        let k = b.len().min(n as usize);
        mem.write(p, &b[..k])?;
        mem.write_i64(sp + 40, k as i64)?;
        mem.write_u8(sp + 48, 1)?;
        return Ok(());
    }
    mem.write_u8(sp + 48, 0)?;
    Ok(())
}

/// `syscall/js.copyBytesToJS(dst ref, src []byte) (int, bool)`: `dst @8, src @16 → n @40,
/// ok @48`; `ok = false` unless `dst` is a `Uint8Array`.
fn copy_bytes_to_js<T: 'static, G: Accessor<T>>(
    h: &mut CallerHost<'_, '_, T, G>,
    sp: u32,
) -> Result<(), HostError> {
    let (js, mem) = parts(h);
    let dst = load_value(js, mem, sp + 8)?;
    let (p, n) = load_slice(mem, sp + 16)?;
    if let Value::Obj(o) = &dst
        && let Kind::Bytes(b) = &mut o.0.borrow_mut().kind
    {
        let k = b.len().min(n as usize);
        b[..k].copy_from_slice(mem.slice(p, k as u32)?);
        mem.write_i64(sp + 40, k as i64)?;
        mem.write_u8(sp + 48, 1)?;
        return Ok(());
    }
    mem.write_u8(sp + 48, 0)?;
    Ok(())
}
