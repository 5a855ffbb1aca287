//! The builtins compiled code calls (see `gojit_frontend::builtins`): `extern "C"` shims that
//! find the instance through vmctx and call safe Rust. Their table comes from the one list of
//! builtins (`gojit_frontend::for_each_builtin!`), which fixes each shim's type. No panic may
//! unwind into compiled code, so each shim catches panics: a panic stops the guest with an error
//! naming the builtin, except in `memory_grow` (the growth fails) and the tier-up requests (the
//! code stays as it is). A builtin that must stop the guest suspends the guest coroutine with the
//! error (`terminate`), and the host side abandons the guest stack.

use super::go_helpers;
use super::go_kernels;
use crate::Error;
use crate::error::HostError;
use crate::vm::instance::{InstanceInner, Suspend};
use gojit_frontend::builtins::Builtin;
use gojit_frontend::traps::Trap;
use gojit_frontend::vmctx;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The Rust type of a builtin parameter of [`gojit_frontend::for_each_builtin!`].
macro_rules! rust_param {
    (i32) => { u32 };
    (i64) => { i64 };
    (ptr) => { *mut u64 };
}

/// The Rust type of a builtin result of [`gojit_frontend::for_each_builtin!`].
macro_rules! rust_ret {
    (i32) => { u32 };
    (i64) => { i64 };
    (ptr) => { *const u8 };
    (()) => { () };
}

/// The table of shims, from the one list of builtins: each shim (the function named like the
/// builtin) must have exactly the `extern "C"` type the list gives, or this does not compile.
macro_rules! builtin_table {
    ($($(#[$doc:meta])* $variant:ident $name:ident($($param:ident: $pty:tt),*) -> $ret:tt;)*) => {
        /// The address compiled code calls for builtin `b`.
        pub(crate) fn builtin_address(b: Builtin) -> usize {
            match b {
                $(Builtin::$variant => {
                    let shim: extern "C" fn(*mut u64 $(, rust_param!($pty))*) -> rust_ret!($ret) =
                        $name;
                    shim as usize
                })*
            }
        }

        /// The Cranelift types of each shim's Rust signature (parameters, results), derived
        /// from the shim's own function type, for the test against the CLIF signatures.
        #[cfg(test)]
        pub(crate) fn rust_signature(b: Builtin) -> (Vec<ClifTy>, Vec<ClifTy>) {
            match b {
                $(Builtin::$variant => signature_of(
                    $name as extern "C" fn(*mut u64 $(, builtin_table!(@any $param))*) -> _,
                ),)*
            }
        }
    };
    (@any $param:ident) => { _ };
}

gojit_frontend::for_each_builtin!(builtin_table);

/// Runs the body of a builtin shim: a panic must not unwind into compiled code, so it stops the
/// guest with an error naming the builtin. Then stops the guest if it has been interrupted.
#[inline(always)]
fn guarded<R>(vmctx: *mut u64, name: &'static str, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => {
            stop_if_interrupted(vmctx, name);
            r
        }
        Err(_) => {
            // SAFETY: called by compiled code of this instance with its vmctx, during its call.
            let inst = unsafe { instance(vmctx) };
            terminate(inst, Error::Host(format!("the {name} builtin panicked")))
        }
    }
}

/// Ends the guest call with `Interrupted` if the store is interrupted. A compiled loop that
/// spends its time in builtins (`memory.fill`, a native Go kernel) would rarely be in its own
/// code when the interrupt signal comes; this check stops it at the builtin's return instead.
#[inline(always)]
fn stop_if_interrupted(vmctx: *mut u64, name: &'static str) {
    // SAFETY: the vmctx of the instance whose call runs this builtin.
    if unsafe { super::interrupt::is_interrupted(vmctx) } {
        interrupted_in(vmctx, name);
    }
}

#[cold]
#[inline(never)]
fn interrupted_in(vmctx: *mut u64, name: &'static str) -> ! {
    // SAFETY: called by compiled code of this instance with its vmctx, during its call.
    let inst = unsafe { instance(vmctx) };
    terminate(
        inst,
        Error::Trap {
            trap: Trap::Interrupted,
            func: Some(format!("the {name} builtin")),
        },
    )
}

/// The instance owning `vmctx`.
///
/// # Safety
/// `vmctx` must be the vmctx of a live instance whose call is running on this thread; the
/// returned reference must not outlive the builtin call.
unsafe fn instance<'a>(vmctx: *mut u64) -> &'a mut InstanceInner {
    // SAFETY: per the contract, the RUNTIME word holds the boxed instance's address.
    unsafe { &mut *(*vmctx.add(vmctx::RUNTIME as usize / 8) as *mut InstanceInner) }
}

/// Stops the guest with `err`: suspends the guest coroutine, which is never resumed.
fn terminate(inst: &mut InstanceInner, err: Error) -> ! {
    let y = inst.yielder;
    assert!(!y.is_null(), "guest stopped outside a call");
    inst.stop = Some(err);
    // SAFETY: `yielder` is set for the duration of the running call, on this coroutine.
    unsafe { (*y).suspend(Suspend::Stopped) };
    // The host resets the coroutine instead of resuming it.
    std::process::abort()
}

pub(crate) extern "C" fn memory_grow(vmctx: *mut u64, delta: u32) -> u32 {
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: called by compiled code of this instance with its vmctx.
        let inst = unsafe { instance(vmctx) };
        let Some(mem) = inst.memory.as_mut() else {
            return u32::MAX;
        };
        match mem.grow(u64::from(delta)) {
            Some(old) => {
                let size = mem.size();
                inst.vmctx[vmctx::MEMORY_SIZE as usize / 8] = size;
                old as u32
            }
            None => u32::MAX,
        }
    }));
    stop_if_interrupted(vmctx, "memory_grow");
    r.unwrap_or(u32::MAX)
}

/// Whether `[start, start+len)` lies inside memory of `size` bytes.
fn in_bounds(start: u32, len: u32, size: u64) -> bool {
    u64::from(start) + u64::from(len) <= size
}

/// `[start, start+len)` as a `usize` range: the end can be 2^32 (a range that ends at the last
/// byte of a 4 GiB memory), which a `u32` sum would wrap to a smaller value.
fn range(start: u32, len: u32) -> std::ops::Range<usize> {
    start as usize..start as usize + len as usize
}

pub(crate) extern "C" fn memory_copy(vmctx: *mut u64, dst: u32, src: u32, len: u32) -> u32 {
    guarded(vmctx, "memory_copy", || {
        // SAFETY: called by compiled code of this instance with its vmctx.
        let inst = unsafe { instance(vmctx) };
        let Some(mem) = inst.memory.as_mut() else {
            return 1;
        };
        if !in_bounds(dst, len, mem.size()) || !in_bounds(src, len, mem.size()) {
            return 1;
        }
        mem.bytes_mut().copy_within(range(src, len), dst as usize);
        0
    })
}

pub(crate) extern "C" fn memory_fill(vmctx: *mut u64, dst: u32, value: u32, len: u32) -> u32 {
    guarded(vmctx, "memory_fill", || {
        // SAFETY: called by compiled code of this instance with its vmctx.
        let inst = unsafe { instance(vmctx) };
        let Some(mem) = inst.memory.as_mut() else {
            return 1;
        };
        if !in_bounds(dst, len, mem.size()) {
            return 1;
        }
        mem.bytes_mut()[range(dst, len)].fill(value as u8);
        0
    })
}

/// Linear memory of the instance owning `vmctx` (empty if it has none).
///
/// # Safety
/// As [`instance`].
unsafe fn memory<'a>(vmctx: *mut u64) -> &'a [u8] {
    // SAFETY: per the contract of this function.
    unsafe { instance(vmctx) }
        .memory
        .as_ref()
        .map_or(&[], |m| m.bytes())
}

extern "C" fn memchr(vmctx: *mut u64, s: u32, c: u32, n: u32) -> i64 {
    guarded(vmctx, "memchr", || {
        // SAFETY: called by compiled code of this instance with its vmctx.
        go_helpers::memchr(unsafe { memory(vmctx) }, s, c, n)
    })
}

extern "C" fn memcmp(vmctx: *mut u64, a: u32, b: u32, n: u32) -> i64 {
    guarded(vmctx, "memcmp", || {
        // SAFETY: called by compiled code of this instance with its vmctx.
        go_helpers::memcmp(unsafe { memory(vmctx) }, a, b, n)
    })
}

extern "C" fn memeqbody(vmctx: *mut u64, a: i64, b: i64, n: i64) -> i64 {
    guarded(vmctx, "memeqbody", || {
        // SAFETY: called by compiled code of this instance with its vmctx.
        go_helpers::memeqbody(unsafe { memory(vmctx) }, a, b, n)
    })
}

/// Linear memory of the instance owning `vmctx`, writable (empty if it has none).
///
/// # Safety
/// As [`instance`].
unsafe fn memory_mut<'a>(vmctx: *mut u64) -> &'a mut [u8] {
    // SAFETY: per the contract of this function.
    match unsafe { instance(vmctx) }.memory.as_mut() {
        Some(m) => m.bytes_mut(),
        None => &mut [],
    }
}

extern "C" fn go_kernel(vmctx: *mut u64, kernel: u32, sp: u32) -> u32 {
    guarded(vmctx, "go_kernel", || {
        // SAFETY: called by compiled code of this instance with its vmctx.
        u32::from(go_kernels::run(unsafe { memory_mut(vmctx) }, kernel, sp))
    })
}

/// Carries a raw pointer to the parent stack; the pointee is only used there while the guest
/// is suspended in this call.
struct SendPtr(*mut InstanceInner);
// SAFETY: the closure runs on the same thread (corosensei's parent stack), not another thread.
unsafe impl Send for SendPtr {}

/// Entered from a lazy-compilation stub (`lazy_stubs.rs`) with the stub's register save area
/// `regs`: interprets the call if the interpreter is to run it (its result then is in `regs`,
/// and the return value is null), else compiles function `index` and returns its code, to
/// which the stub jumps.
pub(crate) extern "C" fn lazy_enter(vmctx: *mut u64, index: u32, regs: *mut u64) -> *const u8 {
    // SAFETY: called by a stub of this instance's code with its vmctx.
    let inst = unsafe { instance(vmctx) };
    // An owned handle, not a borrow of `inst`: the interpreted call re-enters this instance
    // (nested calls derive their own `&mut InstanceInner` from vmctx).
    let code = inst.module.code.clone();
    let Some((interp, f)) = code.interpret(index) else {
        return lazy_compile(vmctx, index);
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `vmctx` is this instance's, running this call on this thread; `regs` is the
        // stub's save area; `f` is function `index`'s interpreter code from this module's code.
        unsafe { crate::interp::call_from_stub(&code, interp, vmctx, index, f, regs) }
    }));
    match r {
        Ok(Ok(())) => std::ptr::null(),
        Ok(Err(trap)) => {
            let func = Some(inst.module.info.func_name(index));
            drop(code);
            terminate(inst, Error::Trap { trap, func })
        }
        Err(_) => {
            drop(code);
            terminate(inst, Error::Host("the interpreter panicked".into()))
        }
    }
}

pub(crate) extern "C" fn lazy_compile(vmctx: *mut u64, index: u32) -> *const u8 {
    // SAFETY: called by compiled code of this instance with its vmctx.
    let inst = unsafe { instance(vmctx) };
    let y = inst.yielder;
    let ptr = SendPtr(inst);
    // Compile on the host's stack: Cranelift may need more stack than is left on a deep guest.
    // SAFETY: `yielder` is valid during the running call.
    let r = unsafe { &*y }.on_parent_stack(move || {
        let ptr = ptr;
        // SAFETY: the instance is alive; nothing else accesses it while the guest waits here.
        let inst = unsafe { &*ptr.0 };
        catch_unwind(AssertUnwindSafe(|| inst.ensure_compiled(index)))
    });
    match r {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            let func = Some(inst.module.info.func_name(index));
            let _ = e;
            terminate(
                inst,
                Error::Trap {
                    trap: Trap::CompileError,
                    func,
                },
            )
        }
        Err(_) => terminate(inst, Error::Host("the compiler panicked".into())),
    }
}

extern "C" fn tier_up(vmctx: *mut u64, index: u32) {
    // SAFETY: called by baseline code of this instance with its vmctx.
    let inst = unsafe { instance(vmctx) };
    // A failure (even a panic) only means the function stays on its baseline code.
    let _ = catch_unwind(AssertUnwindSafe(|| inst.module.code.request_tier_up(index)));
}

extern "C" fn tier_up_osr(vmctx: *mut u64, index: u32, site: u32) -> *const u8 {
    // SAFETY: called by baseline code of this instance with its vmctx.
    let inst = unsafe { instance(vmctx) };
    // A failure (even a panic) only means the call stays on its baseline code.
    catch_unwind(AssertUnwindSafe(|| {
        inst.module.code.request_osr(index, site)
    }))
    .unwrap_or(std::ptr::null())
}

extern "C" fn host_call(vmctx: *mut u64, import: u32, args: *mut u64) {
    // SAFETY: called by an import trampoline of this instance with its vmctx.
    let inst = unsafe { instance(vmctx) };
    let imports = std::rc::Rc::as_ptr(&inst.imports);
    let inst: *mut InstanceInner = inst;
    // SAFETY: `imports` is the instance's import table, which is never changed or dropped while
    // the instance is alive (and it is: its guest is running this call).
    let Some(f) = (unsafe { &*imports }).get(import as usize) else {
        // SAFETY: as above.
        no_such_import(unsafe { &mut *inst }, import)
    };
    // SAFETY: `inst` runs this guest call on this thread and was instantiated with the linker
    // holding `f` (so its `host_data` is that linker's store data); the trampoline of import
    // `import` passes a stack array of max(params, results, 1) slots.
    unsafe { f.call(inst, import, args) }
}

/// Out of line, so that `host_call`'s fast path needs no stack frame.
#[cold]
#[inline(never)]
fn no_such_import(inst: &mut InstanceInner, import: u32) -> ! {
    terminate(inst, Error::Host(format!("no import {import}")))
}

/// Stops the guest because the host function bound to import `import` failed or panicked.
///
/// # Safety
/// `inst` must be the live instance whose guest call is running on this thread (the host
/// function was called from it), and nothing else may access it during this call.
#[cold]
#[inline(never)]
pub(crate) unsafe fn host_call_failed(
    inst: *mut InstanceInner,
    import: u32,
    r: std::thread::Result<Result<(), HostError>>,
) {
    // SAFETY: per this function's contract.
    let inst = unsafe { &mut *inst };
    let imp = &inst.module.info.imports[import as usize];
    let err = match r {
        Ok(Ok(())) => return,
        Ok(Err(HostError::Exit(code))) => Error::Exit(code),
        Ok(Err(HostError::Failed(m))) => Error::Host(format!("{}::{}: {m}", imp.module, imp.name)),
        Ok(Err(HostError::Trap(trap))) => Error::Trap {
            trap,
            func: Some(format!("{}::{}", imp.module, imp.name)),
        },
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            let err = match what {
                Some(msg) => format!("{}::{} panicked: {msg}", imp.module, imp.name),
                None => format!("{}::{} panicked", imp.module, imp.name),
            };
            drop(payload);
            Error::Host(err)
        }
    };
    // Everything this frame owns is in `err`, which goes to the host: the guest stack below is
    // abandoned without dropping anything.
    terminate(inst, err)
}

/// A Cranelift type as the signature test compares it.
#[cfg(test)]
pub(crate) type ClifTy = cranelift_codegen::ir::Type;

/// A Rust type at the builtin boundary, as Cranelift sees it on a 64-bit host.
#[cfg(test)]
trait AbiTy {
    const CLIF: Option<ClifTy>;
}

#[cfg(test)]
mod abi_ty {
    use super::{AbiTy, ClifTy};
    use cranelift_codegen::ir::types;
    impl AbiTy for u32 {
        const CLIF: Option<ClifTy> = Some(types::I32);
    }
    impl AbiTy for i64 {
        const CLIF: Option<ClifTy> = Some(types::I64);
    }
    impl AbiTy for *mut u64 {
        const CLIF: Option<ClifTy> = Some(types::I64);
    }
    impl AbiTy for *const u8 {
        const CLIF: Option<ClifTy> = Some(types::I64);
    }
    impl AbiTy for () {
        const CLIF: Option<ClifTy> = None;
    }
}

/// The Cranelift types of an `extern "C"` function type's parameters and results.
#[cfg(test)]
trait SignatureOf {
    fn types() -> (Vec<ClifTy>, Vec<ClifTy>);
}

#[cfg(test)]
macro_rules! signature_of_arity {
    ($($p:ident),*) => {
        impl<$($p: AbiTy,)* R: AbiTy> SignatureOf for extern "C" fn($($p),*) -> R {
            fn types() -> (Vec<ClifTy>, Vec<ClifTy>) {
                (vec![$($p::CLIF.expect("a parameter has a type")),*], R::CLIF.into_iter().collect())
            }
        }
    };
}

#[cfg(test)]
signature_of_arity!(A);
#[cfg(test)]
signature_of_arity!(A, B);
#[cfg(test)]
signature_of_arity!(A, B, C);
#[cfg(test)]
signature_of_arity!(A, B, C, D);

#[cfg(test)]
fn signature_of<F: SignatureOf>(_: F) -> (Vec<ClifTy>, Vec<ClifTy>) {
    F::types()
}

#[cfg(test)]
mod tests {
    use super::rust_signature;
    use cranelift_codegen::ir::types;
    use cranelift_codegen::isa::CallConv;
    use gojit_frontend::builtins::Builtin;

    /// Every shim's Rust signature is the CLIF signature compiled code calls it with.
    #[test]
    fn every_builtin_shim_has_its_clif_signature() {
        for b in Builtin::ALL {
            let clif = b.signature(types::I64, CallConv::SystemV);
            let params: Vec<_> = clif.params.iter().map(|p| p.value_type).collect();
            let returns: Vec<_> = clif.returns.iter().map(|p| p.value_type).collect();
            assert_eq!(rust_signature(b), (params, returns), "{}", b.name());
        }
    }
}
