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
use std::rc::Rc;

/// The Rust side of a host function: gets the argument slots, writes the result to slot 0.
/// Shared (`Rc`) because a module may import the same `(module, name)` more than once; state the
/// function mutates lives behind its own `RefCell` or in the store's data (`Caller::data_mut`).
pub type HostCallback<T = ()> = Rc<dyn Fn(&mut Caller<'_, T>, &mut [u64]) -> Result<(), HostError>>;

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
        let slots = params.len().max(results.len()).max(1);
        let raw = RawHostFn::new(slots, Rc::clone(&f));
        HostFunc {
            params,
            results,
            callback: f,
            raw,
        }
    }
}

/// Host functions by `(module, name)`, resolved against a module's imports at instantiation.
pub struct Linker<T = ()> {
    funcs: HashMap<(String, String), HostFunc<T>>,
    /// The guest's stderr tail when gojit's WASI is linked (`wasi::add_to_linker` sets it).
    pub(crate) stderr_tail: Option<crate::wasi::OutputTail>,
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Linker {
            funcs: HashMap::new(),
            stderr_tail: None,
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
            Func: Fn(&mut Caller<'_, T>, $($n),*) -> R + 'static,
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
