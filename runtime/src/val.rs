//! Typed wasm values at the embedding boundary.

use gojit_frontend::ValType;

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
