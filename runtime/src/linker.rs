//! [`Linker`]: host functions by `(module, name)`, resolved against a module's imports at
//! instantiation; [`HostFunc`] and [`IntoFunc`]: how an import is bound to Rust code.
//!
//! Compiled code calls every import through one array-call convention (the `host_call` builtin):
//! arguments arrive as 8-byte slots (`i32`/`f32` in the low half, floats as their bit patterns),
//! and the result, if any, is written back to slot 0. A [`HostFunc`] is that convention plus the
//! wasm signature it was declared with; instantiation checks the signature against the import.

#![forbid(unsafe_code)]

use crate::caller::Caller;
use crate::error::HostError;
use crate::val::WasmTy;
use crate::vm::host_call::RawHostFn;
use gojit_frontend::module::ValType;
use std::collections::HashMap;
use std::sync::Arc;

/// The Rust side of a host function: gets the argument slots, writes the result to slot 0.
/// Shared (`Arc`) because a module may import the same `(module, name)` more than once, and one
/// [`Linker`] serves every store on every thread: state the function mutates lives in the store's
/// data ([`Caller::data_mut`]).
pub(crate) type HostCallback<T = ()> =
    Arc<dyn Fn(&mut Caller<'_, T>, &mut [u64]) -> Result<(), HostError> + Send + Sync>;

/// A host function with its wasm signature.
pub struct HostFunc<T = ()> {
    params: Vec<ValType>,
    results: Vec<ValType>,
    callback: HostCallback<T>,
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
        F: Fn(&mut Caller<'_, T>, &mut [u64]) -> Result<(), HostError> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let slots = params.len().max(results.len()).max(1);
        let raw = RawHostFn::new(slots, Arc::clone(&f));
        HostFunc {
            params,
            results,
            callback: f,
            raw,
        }
    }
}

impl<T> HostFunc<T> {
    /// Parameter types, in order.
    pub fn params(&self) -> &[ValType] {
        &self.params
    }

    /// Result types (at most one in Go's modules).
    pub fn results(&self) -> &[ValType] {
        &self.results
    }

    /// Runs the function outside a guest call, on `caller` (e.g. one over a `Vec<u8>` memory
    /// made with `Caller::with_data`), with its arguments in `args` (the result goes to slot 0).
    ///
    /// # Errors
    /// The function's own [`HostError`].
    #[doc(hidden)] // For tests of host functions (WASI conformance and fuzzing) without a guest.
    pub fn call_with(&self, caller: &mut Caller<'_, T>, args: &mut [u64]) -> Result<(), HostError> {
        (self.callback)(caller, args)
    }
}

/// What a host module records of the guest's stderr, kept in the store's data (gojit's WASI
/// keeps the last 8 KiB written to fd 2), so that the error of a call that traps or exits with a
/// non-zero status carries what the call wrote ([`crate::Error::stderr`]): for a Go panic or
/// fatal error, Go's message and traceback. See [`Linker::capture_stderr`].
pub trait StderrCapture {
    /// A position in the stream: how many bytes the guest has written so far.
    fn position(&self) -> u64;
    /// What the guest wrote after `position` (as much as was kept), or `None` if nothing.
    fn since(&self, position: u64) -> Option<String>;
}

/// How the runtime finds a store's [`StderrCapture`] in its data.
pub(crate) type StderrAccessor<T> = Arc<dyn (Fn(&mut T) -> &dyn StderrCapture) + Send + Sync>;

/// Host functions by `(module, name)`, resolved against a module's imports at instantiation.
/// `Send + Sync`: build one and instantiate from it in every store, on every thread (the state
/// host functions use lives in each store's data).
pub struct Linker<T = ()> {
    funcs: HashMap<(String, String), HostFunc<T>>,
    /// Where the store's data records the guest's stderr ([`Linker::capture_stderr`]).
    pub(crate) stderr: Option<StderrAccessor<T>>,
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Linker {
            funcs: HashMap::new(),
            stderr: None,
        }
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker.
    pub fn new() -> Self {
        Linker::default()
    }

    /// Makes the error of a failing guest call of instances linked from now on carry what the
    /// call wrote to stderr, as recorded by the [`StderrCapture`] that `get` finds in the store's
    /// data (`wasi::add_to_linker` sets this up for gojit's WASI).
    pub fn capture_stderr(
        &mut self,
        get: impl (Fn(&mut T) -> &dyn StderrCapture) + Send + Sync + 'static,
    ) -> &mut Self {
        self.stderr = Some(Arc::new(get));
        self
    }

    /// Defines `module::name` with an untyped callback over 8-byte argument slots (replacing an
    /// earlier definition).
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        params: &[ValType],
        results: &[ValType],
        callback: impl Fn(&mut Caller<'_, T>, &mut [u64]) -> Result<(), HostError>
        + Send
        + Sync
        + 'static,
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
        f: impl IntoFunc<T, Params, Results>,
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

/// What a host closure may return: nothing, one value, or a `Result` of those.
pub trait HostReturn: 'static {
    /// The wasm result types.
    fn types() -> Vec<ValType>;
    /// Writes the result to slot 0, or reports the host error.
    fn store(self, slots: &mut [u64]) -> Result<(), HostError>;
}

impl HostReturn for () {
    fn types() -> Vec<ValType> {
        vec![]
    }
    fn store(self, _: &mut [u64]) -> Result<(), HostError> {
        Ok(())
    }
}

impl<A: WasmTy> HostReturn for A {
    fn types() -> Vec<ValType> {
        vec![A::TYPE]
    }
    fn store(self, slots: &mut [u64]) -> Result<(), HostError> {
        slots[0] = self.to_slot();
        Ok(())
    }
}

impl<R: HostReturn> HostReturn for Result<R, HostError> {
    fn types() -> Vec<ValType> {
        R::types()
    }
    fn store(self, slots: &mut [u64]) -> Result<(), HostError> {
        self?.store(slots)
    }
}

/// A Rust closure usable as a host function with store data `T`.
pub trait IntoFunc<T, Params, Results> {
    /// The host function, with its wasm signature derived from the closure's types.
    fn into_func(self) -> HostFunc<T>;
}

macro_rules! into_func {
    ($($n:ident $i:tt),*) => {
        impl<T: 'static, Func, R, $($n: WasmTy),*> IntoFunc<T, ($($n,)*), R> for Func
        where
            Func: Fn(&mut Caller<'_, T>, $($n),*) -> R + Send + Sync + 'static,
            R: HostReturn,
        {
            fn into_func(self) -> HostFunc<T> {
                HostFunc::new(
                    vec![$($n::TYPE),*],
                    R::types(),
                    move |caller: &mut Caller<'_, T>, slots: &mut [u64]| {
                        let r = self(caller, $($n::from_slot(slots[$i])),*);
                        r.store(slots)
                    },
                )
            }
        }
    };
}

into_func!();
into_func!(A 0);
into_func!(A 0, B 1);
into_func!(A 0, B 1, C 2);
into_func!(A 0, B 1, C 2, D 3);
into_func!(A 0, B 1, C 2, D 3, E 4);
into_func!(A 0, B 1, C 2, D 3, E 4, F 5);
into_func!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
into_func!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

#[cfg(test)]
mod tests {
    /// One linker serves every store on every thread.
    #[test]
    fn linker_is_send_and_sync() {
        fn send_sync<L: Send + Sync>() {}
        send_sync::<super::Linker<()>>();
        send_sync::<super::Linker<std::rc::Rc<()>>>();
    }
}
