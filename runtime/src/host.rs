//! Host functions: how an import is bound to Rust code.
//!
//! Compiled code calls every import through one array-call convention (the `host_call` builtin):
//! arguments arrive as 8-byte slots (`i32`/`f32` in the low half, floats as their bit patterns),
//! and the result, if any, is written back to slot 0. A [`HostFunc`] is that convention plus the
//! wasm signature it was declared with; instantiation checks the signature against the import.
//!
//! Guest memory is reached only through [`GuestMemory`], whose accessors check every range and
//! return [`MemoryAccessError`] (WASI maps it to `EFAULT`) instead of touching memory out of
//! bounds.

use crate::instance::InstanceInner;
use gojit_frontend::module::ValType;
use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

/// Why a host function stopped the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// The guest asked to exit with this status (`proc_exit`).
    Exit(i32),
    /// The host function failed; the message names what went wrong.
    Failed(String),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Exit(code) => write!(f, "exit status {code}"),
            HostError::Failed(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for HostError {}

/// A guest pointer/length pair that does not lie inside linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryAccessError {
    /// Guest address of the access.
    pub ptr: u64,
    /// Length of the access in bytes.
    pub len: u64,
}

impl fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "guest range {:#x}+{} is outside linear memory",
            self.ptr, self.len
        )
    }
}

impl std::error::Error for MemoryAccessError {}

/// A bounds-checked view of the instance's linear memory, valid for the duration of one host call.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    /// Wraps the accessible part of linear memory.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    /// Size of linear memory in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether linear memory has size 0.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, MemoryAccessError> {
        let start = ptr as usize;
        let end = start + len as usize;
        if end <= self.bytes.len() {
            Ok(start..end)
        } else {
            Err(MemoryAccessError {
                ptr: ptr.into(),
                len: len.into(),
            })
        }
    }

    /// The bytes at `ptr..ptr+len`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when the range is not inside linear memory.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], MemoryAccessError> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    /// The bytes at `ptr..ptr+len`, writable.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when the range is not inside linear memory.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], MemoryAccessError> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    /// Copies `data` to `ptr`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when the destination is not inside linear memory.
    pub fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), MemoryAccessError> {
        let len = u32::try_from(data.len()).map_err(|_| MemoryAccessError {
            ptr: ptr.into(),
            len: data.len() as u64,
        })?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    /// Reads a little-endian `u8`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn read_u8(&self, ptr: u32) -> Result<u8, MemoryAccessError> {
        Ok(self.slice(ptr, 1)?[0])
    }

    /// Reads a little-endian `u16`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn read_u16(&self, ptr: u32) -> Result<u16, MemoryAccessError> {
        Ok(u16::from_le_bytes(
            self.slice(ptr, 2)?.try_into().expect("2 bytes"),
        ))
    }

    /// Reads a little-endian `u32`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn read_u32(&self, ptr: u32) -> Result<u32, MemoryAccessError> {
        Ok(u32::from_le_bytes(
            self.slice(ptr, 4)?.try_into().expect("4 bytes"),
        ))
    }

    /// Reads a little-endian `u64`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn read_u64(&self, ptr: u32) -> Result<u64, MemoryAccessError> {
        Ok(u64::from_le_bytes(
            self.slice(ptr, 8)?.try_into().expect("8 bytes"),
        ))
    }

    /// Writes a `u8`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), MemoryAccessError> {
        self.write(ptr, &[v])
    }

    /// Writes a little-endian `u16`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn write_u16(&mut self, ptr: u32, v: u16) -> Result<(), MemoryAccessError> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// Writes a little-endian `u32`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), MemoryAccessError> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// Writes a little-endian `u64`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), MemoryAccessError> {
        self.write(ptr, &v.to_le_bytes())
    }
}

/// What a host function sees of its caller: linear memory, the store's host state, and (for
/// re-entrant calls) the instance.
pub struct Caller<'a, T = ()> {
    memory: GuestMemory<'a>,
    data: &'a mut T,
    instance: *mut crate::instance::InstanceInner,
}

impl<'a> Caller<'a, ()> {
    /// A caller with no host state, over `memory` (for tests of host functions).
    pub fn new(memory: GuestMemory<'a>) -> Self {
        Caller {
            memory,
            data: Box::leak(Box::new(())),
            instance: std::ptr::null_mut(),
        }
    }
}

impl<'a, T> Caller<'a, T> {
    /// A caller with host state `data`.
    pub fn with_data(memory: GuestMemory<'a>, data: &'a mut T) -> Self {
        Caller {
            memory,
            data,
            instance: std::ptr::null_mut(),
        }
    }

    /// The caller the runtime passes a host function during a guest call of `inst`.
    ///
    /// # Safety
    /// `inst` must be live for `'a`, and its `host_data` must point to a live `T` that nothing
    /// else accesses for `'a`.
    #[inline]
    unsafe fn for_call(inst: *mut InstanceInner) -> Self {
        // SAFETY: per this function's contract, `inst` is live; the guest is suspended in this
        // host call, so nothing else uses the instance while the caller exists.
        let inner = unsafe { &mut *inst };
        let memory: &'a mut [u8] = match inner.memory.as_mut() {
            Some(m) => m.bytes_mut(),
            None => &mut [],
        };
        Caller {
            memory: GuestMemory::new(memory),
            // SAFETY: per this function's contract.
            data: unsafe { &mut *inner.host_data.cast::<T>() },
            instance: inst,
        }
    }

    /// The caller's linear memory.
    pub fn memory(&mut self) -> &mut GuestMemory<'a> {
        &mut self.memory
    }

    /// The store's host state.
    pub fn data(&self) -> &T {
        self.data
    }

    /// The store's host state, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.data
    }

    /// Calls the calling instance's export `name` re-entrantly (export → host import → export).
    /// It runs on the current goroutine's stack, as Go expects for a nested wasmexport call.
    ///
    /// # Errors
    /// [`crate::Error::Call`] if there is no such export, the arguments do not match, or this
    /// caller is not inside a guest call. A trap in the nested call stops the whole outer call
    /// (the guest is unusable afterwards), so the error then surfaces from the outermost call.
    pub fn call(
        &mut self,
        name: &str,
        args: &[crate::Val],
    ) -> Result<Vec<crate::Val>, crate::Error> {
        if self.instance.is_null() {
            return Err(crate::Error::Call(
                "re-entrant call outside a guest call".into(),
            ));
        }
        // SAFETY: `instance` is the instance whose host call created this caller; it is alive and
        // only reached through this caller while the host function runs.
        let inner = unsafe { &mut *self.instance };
        let r = inner.call_export_nested(name, args);
        // The nested call may have grown memory; the base never moves, so refresh the length.
        if let Some(m) = inner.memory.as_mut() {
            self.memory = GuestMemory::new(m.bytes_mut());
        }
        r
    }
}

/// The Rust side of a host function: gets the argument slots, writes the result to slot 0.
/// Shared (`Rc`) because a module may import the same `(module, name)` more than once; state the
/// function mutates lives behind its own `RefCell` or in the store's data (`Caller::data_mut`).
pub type HostCallback<T = ()> = Rc<dyn Fn(&mut Caller<'_, T>, &mut [u64]) -> Result<(), HostError>>;

/// A host function as guest calls invoke it: `(instance, import index, argument slots)`. Built
/// where the closure's type is known, so a host call is one indirect call into code in which the
/// closure, the argument conversions and the panic guard are inlined (and the [`Caller`] is
/// optimised away when the closure does not use it).
#[derive(Clone)]
pub(crate) struct RawHostFn(Rc<RawCallback>);

type RawCallback = dyn Fn(*mut InstanceInner, u32, *mut u64);

impl RawHostFn {
    /// Calls the function for import `import` of `inst` with its arguments (and result) in
    /// `args`. Returns only if the function succeeded; otherwise it stops the guest (see
    /// [`crate::vm`]), so it must be called from a guest call.
    ///
    /// # Safety
    /// `inst` must be the live instance whose guest call is running on this thread, created with
    /// the `Linker<T>` holding the [`HostFunc<T>`] this came from (so its `host_data` points to
    /// the store's `T`, which nothing else accesses during the call); `import` must be the index
    /// of the import bound to this function, and `args` must point to max(params, results, 1)
    /// writable 8-byte slots.
    #[inline]
    pub(crate) unsafe fn call(&self, inst: *mut InstanceInner, import: u32, args: *mut u64) {
        (self.0)(inst, import, args)
    }
}

/// A host function with its wasm signature.
pub struct HostFunc<T = ()> {
    /// Parameter types, in order.
    pub params: Vec<ValType>,
    /// Result types (at most one in Go's modules).
    pub results: Vec<ValType>,
    /// The implementation.
    pub callback: HostCallback<T>,
    /// The same implementation, as guest calls invoke it.
    pub(crate) raw: RawHostFn,
}

impl<T> Clone for HostFunc<T> {
    fn clone(&self) -> Self {
        HostFunc {
            params: self.params.clone(),
            results: self.results.clone(),
            callback: self.callback.clone(),
            raw: self.raw.clone(),
        }
    }
}

impl<T: 'static> HostFunc<T> {
    /// A host function of type `params -> results` implemented by `f`.
    pub(crate) fn new<F>(params: Vec<ValType>, results: Vec<ValType>, f: F) -> Self
    where
        F: Fn(&mut Caller<'_, T>, &mut [u64]) -> Result<(), HostError> + 'static,
    {
        let f = Rc::new(f);
        let inner = Rc::clone(&f);
        let n = params.len().max(results.len()).max(1);
        let raw = move |inst: *mut InstanceInner, import: u32, args: *mut u64| {
            // No panic may unwind into compiled code: a panicking host function stops the guest.
            let r = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: `RawHostFn::call`'s contract: `args` holds `n` slots.
                let slots = unsafe { std::slice::from_raw_parts_mut(args, n) };
                // SAFETY: `RawHostFn::call`'s contract: `inst` is live, its `host_data` is this
                // function's `T`, not otherwise accessed during the call.
                let mut caller = unsafe { Caller::<T>::for_call(inst) };
                inner(&mut caller, slots)
            }));
            if !matches!(r, Ok(Ok(()))) {
                // SAFETY: `RawHostFn::call`'s contract: `inst` runs this guest call, and
                // `import` is the import bound to this function.
                unsafe { crate::vm::host_call_failed(inst, import, r) }
            }
        };
        HostFunc {
            params,
            results,
            callback: f,
            raw: RawHostFn(Rc::new(raw)),
        }
    }
}

/// Host functions by `(module, name)`, resolved against a module's imports at instantiation.
pub struct Linker<T = ()> {
    funcs: HashMap<(String, String), HostFunc<T>>,
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Linker {
            funcs: HashMap::new(),
        }
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker.
    pub fn new() -> Self {
        Linker::default()
    }

    /// Defines `module::name` with an untyped callback over 8-byte argument slots (replacing an
    /// earlier definition).
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        params: &[ValType],
        results: &[ValType],
        callback: impl Fn(&mut Caller<'_, T>, &mut [u64]) -> Result<(), HostError> + 'static,
    ) -> &mut Self {
        self.funcs.insert(
            (module.to_string(), name.to_string()),
            HostFunc::new(params.to_vec(), results.to_vec(), callback),
        );
        self
    }

    /// Defines `module::name` from a typed Rust closure, e.g.
    /// `linker.func_wrap("env", "add", |_: &mut Caller<'_, ()>, a: i32, b: i32| a + b)`.
    /// Parameters and the result may be `i32`, `u32`, `i64`, `u64`, `f32`, `f64` or `bool`; the
    /// result may also be `()` or a `Result<_, HostError>` of those.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl crate::func::IntoFunc<T, Params, Results>,
    ) -> &mut Self {
        self.funcs
            .insert((module.to_string(), name.to_string()), f.into_func());
        self
    }

    /// Looks up `module::name`.
    pub fn get(&self, module: &str, name: &str) -> Option<&HostFunc<T>> {
        self.funcs.get(&(module.to_string(), name.to_string()))
    }
}
