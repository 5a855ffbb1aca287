//! Values at the Rust/wasm boundary: [`Val`] (untyped), [`WasmTy`] for one typed value,
//! [`WasmParams`] and [`WasmResults`] for tuples of them (typed export calls; host closures use
//! [`WasmTy`] through [`crate::IntoFunc`]).
//!
//! All of them map to the one array convention the runtime uses: each value in an 8-byte slot
//! (32-bit values zero-extended, floats as their bits).
//!
//! How Go's `//go:wasmexport`/`//go:wasmimport` types arrive: `bool` is an `i32` (0 or 1);
//! `int32`/`uint32` are `i32`; `int64`/`uint64` are `i64`; `float32`/`float64` are `f32`/`f64`;
//! `unsafe.Pointer`, `uintptr` and pointers are `i32` guest addresses; a `string` parameter is two
//! `i32`s (pointer, length).

#![forbid(unsafe_code)]

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

/// A wasm value. Floats are carried as their bit patterns so NaN payloads survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as bits.
    F32(u32),
    /// An `f64`, as bits.
    F64(u64),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
        }
    }

    /// The value as an 8-byte slot (32-bit values zero-extended).
    pub fn to_bits(&self) -> u64 {
        match *self {
            Val::I32(v) => u64::from(v as u32),
            Val::I64(v) => v as u64,
            Val::F32(v) => u64::from(v),
            Val::F64(v) => v,
        }
    }

    /// A value of type `ty` from an 8-byte slot.
    pub fn from_bits(ty: ValType, bits: u64) -> Val {
        match ty {
            ValType::I32 => Val::I32(bits as u32 as i32),
            ValType::I64 => Val::I64(bits as i64),
            ValType::F32 => Val::F32(bits as u32),
            ValType::F64 => Val::F64(bits),
        }
    }
}

impl std::fmt::Display for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Val::I32(v) => write!(f, "{v}"),
            Val::I64(v) => write!(f, "{v}"),
            Val::F32(v) => write!(f, "{}", f32::from_bits(v)),
            Val::F64(v) => write!(f, "{}", f64::from_bits(v)),
        }
    }
}
