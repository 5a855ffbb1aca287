//! Typed values at the Rust/wasm boundary: [`WasmTy`] for one value, [`WasmParams`] and
//! [`WasmResults`] for tuples of them (typed export calls), and [`IntoFunc`] for Rust closures
//! registered as host functions with `Linker::func_wrap`.
//!
//! All of them map to the one array convention the runtime uses: each value in an 8-byte slot
//! (32-bit values zero-extended, floats as their bits).
//!
//! How Go's `//go:wasmexport`/`//go:wasmimport` types arrive: `bool` is an `i32` (0 or 1);
//! `int32`/`uint32` are `i32`; `int64`/`uint64` are `i64`; `float32`/`float64` are `f32`/`f64`;
//! `unsafe.Pointer`, `uintptr` and pointers are `i32` guest addresses; a `string` parameter is two
//! `i32`s (pointer, length).

use crate::Error;
use crate::host::{Caller, HostError, HostFunc};
use gojit_frontend::ValType;

/// A Rust type that is one wasm value.
pub trait WasmTy: Copy + 'static {
    /// Its wasm type.
    const TYPE: ValType;
    /// As an 8-byte slot.
    fn to_slot(self) -> u64;
    /// From an 8-byte slot.
    fn from_slot(slot: u64) -> Self;
}

macro_rules! wasm_ty {
    ($t:ty, $vt:ident, |$v:ident| $to:expr, |$s:ident| $from:expr) => {
        impl WasmTy for $t {
            const TYPE: ValType = ValType::$vt;
            fn to_slot(self) -> u64 {
                let $v = self;
                $to
            }
            fn from_slot($s: u64) -> Self {
                $from
            }
        }
    };
}

wasm_ty!(i32, I32, |v| u64::from(v as u32), |s| s as u32 as i32);
wasm_ty!(u32, I32, |v| u64::from(v), |s| s as u32);
wasm_ty!(i64, I64, |v| v as u64, |s| s as i64);
wasm_ty!(u64, I64, |v| v, |s| s);
wasm_ty!(f32, F32, |v| u64::from(v.to_bits()), |s| f32::from_bits(
    s as u32
));
wasm_ty!(f64, F64, |v| v.to_bits(), |s| f64::from_bits(s));
wasm_ty!(bool, I32, |v| u64::from(v), |s| s as u32 != 0);

/// A tuple of wasm values passed to an export.
pub trait WasmParams: 'static {
    /// The wasm types, in order.
    fn types() -> Vec<ValType>;
    /// Stores the values into `slots[0..n]`.
    fn store(self, slots: &mut [u64]);
}

/// A tuple of wasm values returned by an export.
pub trait WasmResults: 'static {
    /// The wasm types, in order.
    fn types() -> Vec<ValType>;
    /// Loads the values from `slots[0..n]`.
    fn load(slots: &[u64]) -> Self;
}

impl<A: WasmTy> WasmParams for A {
    fn types() -> Vec<ValType> {
        vec![A::TYPE]
    }
    fn store(self, slots: &mut [u64]) {
        slots[0] = self.to_slot();
    }
}

impl<A: WasmTy> WasmResults for A {
    fn types() -> Vec<ValType> {
        vec![A::TYPE]
    }
    fn load(slots: &[u64]) -> Self {
        A::from_slot(slots[0])
    }
}

macro_rules! tuples {
    ($($n:ident $i:tt),*) => {
        impl<$($n: WasmTy),*> WasmParams for ($($n,)*) {
            fn types() -> Vec<ValType> {
                vec![$($n::TYPE),*]
            }
            #[allow(unused_variables, reason = "the empty tuple stores nothing")]
            fn store(self, slots: &mut [u64]) {
                $(slots[$i] = self.$i.to_slot();)*
            }
        }

        impl<$($n: WasmTy),*> WasmResults for ($($n,)*) {
            fn types() -> Vec<ValType> {
                vec![$($n::TYPE),*]
            }
            #[allow(unused_variables, clippy::unused_unit, reason = "the empty tuple loads nothing")]
            fn load(slots: &[u64]) -> Self {
                ($($n::from_slot(slots[$i]),)*)
            }
        }
    };
}

tuples!();
tuples!(A 0);
tuples!(A 0, B 1);
tuples!(A 0, B 1, C 2);
tuples!(A 0, B 1, C 2, D 3);
tuples!(A 0, B 1, C 2, D 3, E 4);
tuples!(A 0, B 1, C 2, D 3, E 4, F 5);
tuples!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuples!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

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
