//! [`Func`] and [`TypedFunc`]: exported functions, called untyped or with a static signature;
//! [`CallMode`]: how an export call treats the module's other goroutines.

#![forbid(unsafe_code)]

use crate::error::Error;
use crate::instance::Instance;
use crate::store::Store;
use crate::val::{Val, WasmParams, WasmResults};
use gojit_frontend::ValType;
use std::marker::PhantomData;

/// An exported function, called with untyped [`Val`]s.
#[derive(Clone, Copy, Debug)]
pub struct Func {
    instance: Instance,
    index: u32,
    /// Its position in the instance's entry-point table.
    entry: u32,
}

impl Func {
    pub(crate) fn new(instance: Instance, index: u32, entry: u32) -> Func {
        Func {
            instance,
            index,
            entry,
        }
    }

    /// Calls the function in the store's call mode.
    ///
    /// # Errors
    /// As [`Instance::call`].
    pub fn call<T: 'static>(&self, store: &mut Store<T>, args: &[Val]) -> Result<Vec<Val>, Error> {
        let mode = store.call_mode;
        let data = store.data_ptr();
        store
            .inner(&self.instance)?
            .call_index_with(self.index, args, data, mode)
    }

    /// The function's wasm type.
    pub fn ty<T: 'static>(&self, store: &Store<T>) -> gojit_frontend::module::FuncType {
        store.instances[self.instance.index]
            .module
            .info
            .func_type(self.index)
            .clone()
    }
}

/// An exported function with a statically known signature: `P` is a [`WasmParams`] tuple (or a
/// single value), `R` a [`WasmResults`] one.
pub struct TypedFunc<P, R> {
    func: Func,
    slots: usize,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// `func`, whose type the caller checked against `P` and `R`; `slots` is
    /// max(params, results, 1).
    pub(crate) fn new(func: Func, slots: usize) -> Self {
        TypedFunc {
            func,
            slots,
            _marker: PhantomData,
        }
    }

    /// Calls the function in the store's call mode.
    ///
    /// # Errors
    /// As [`Instance::call`].
    pub fn call<T: 'static>(&self, store: &mut Store<T>, params: P) -> Result<R, Error> {
        let mut slots = [0u64; 16];
        let slots = if self.slots <= 16 {
            &mut slots[..self.slots]
        } else {
            return Err(Error::Call("too many parameters".into()));
        };
        params.store(slots);
        let mode = store.call_mode;
        let data = store.data_ptr();
        store
            .inner(&self.func.instance)?
            .call_entry(self.func.entry, slots, data, mode)?;
        Ok(R::load(slots))
    }

    /// Calls the function with an explicit call mode (overriding the store's).
    ///
    /// # Errors
    /// As [`Instance::call`].
    pub fn call_with_mode<T: 'static>(
        &self,
        store: &mut Store<T>,
        params: P,
        mode: CallMode,
    ) -> Result<R, Error> {
        let saved = store.call_mode;
        store.call_mode = mode;
        let r = self.call(store, params);
        store.call_mode = saved;
        r
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}

/// How export calls treat goroutines other than the export's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CallMode {
    /// Go's own semantics: the call returns when the exported function returns; other
    /// goroutines run only while it blocks or yields.
    #[default]
    Go,
    /// The call returns only when every goroutine is parked (blocked on a channel, lock, timer
    /// or I/O): work the export handed to other goroutines is done when it returns. Pending
    /// timers do not hold the call.
    ParkUntilIdle,
}

/// How many scheduler rounds a park-until-idle call may take before it is reported as never
/// becoming idle (a goroutine that busy-yields forever would otherwise hold the call).
pub const IDLE_ROUND_LIMIT: u32 = 100_000;

/// Checks a typed signature against the function's wasm type.
pub(crate) fn check_signature(
    name: &str,
    want_params: &[ValType],
    want_results: &[ValType],
    ty: &gojit_frontend::module::FuncType,
) -> Result<(), Error> {
    if ty.params != want_params || ty.results != want_results {
        let have = gojit_frontend::module::FuncType {
            params: want_params.to_vec(),
            results: want_results.to_vec(),
        };
        return Err(Error::Call(format!("`{name}` has type {ty}, not {have}")));
    }
    Ok(())
}
