//! The interpreter's instruction set: wasm operators with branches resolved, and numeric
//! operators grouped into unary and binary ones (their semantics are in `numeric.rs`).

use wasmparser::Operator;

/// A branch destination.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BrTarget {
    /// Instruction index to continue at.
    pub(crate) pc: u32,
    /// Operand height (above the locals) of the target block's start.
    pub(crate) height: u32,
    /// Values carried to the target (moved down to `height`).
    pub(crate) keep: u32,
    /// For a branch back to a loop: the loop's byte offset (its on-stack-replacement site);
    /// else `FORWARD`.
    pub(crate) back_site: u32,
}

impl BrTarget {
    pub(crate) const FORWARD: u32 = u32::MAX;
}

/// One instruction.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    Unreachable,
    Br(BrTarget),
    /// Pops a condition; branches if it is non-zero.
    BrIf(BrTarget),
    /// Pops a condition; jumps to the instruction if it is zero (`if` without its arm).
    BrUnless(u32),
    /// Pops an index; branches to `br_tables[start + min(index, len - 1)]`.
    BrTable {
        start: u32,
        len: u32,
    },
    Return,
    Call(u32),
    /// Calls through table 0 with the wasm type index.
    CallIndirect(u32),
    Drop,
    Select,
    LocalGet(u32),
    LocalSet(u32),
    LocalTee(u32),
    /// A global of 32-bit type (read from the low half of its slot).
    GlobalGet32(u32),
    GlobalGet64(u32),
    GlobalSet(u32),
    MemorySize,
    MemoryGrow,
    MemoryCopy,
    MemoryFill,
    /// Any constant, as its stack bits.
    Const(u64),
    Load(LoadKind, u32),
    Store(StoreKind, u32),
    Un(UnOp),
    Bin(BinOp),
}

/// A load: what it reads and how it extends.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LoadKind {
    I32,
    I64,
    F32,
    F64,
    I32S8,
    I32U8,
    I32S16,
    I32U16,
    I64S8,
    I64U8,
    I64S16,
    I64U16,
    I64S32,
    I64U32,
}

impl LoadKind {
    /// The load `op` is, with its static offset.
    pub(crate) fn of(op: &Operator<'_>) -> Option<(LoadKind, u32)> {
        use Operator as O;
        let (k, m) = match op {
            O::I32Load { memarg } => (LoadKind::I32, memarg),
            O::I64Load { memarg } => (LoadKind::I64, memarg),
            O::F32Load { memarg } => (LoadKind::F32, memarg),
            O::F64Load { memarg } => (LoadKind::F64, memarg),
            O::I32Load8S { memarg } => (LoadKind::I32S8, memarg),
            O::I32Load8U { memarg } => (LoadKind::I32U8, memarg),
            O::I32Load16S { memarg } => (LoadKind::I32S16, memarg),
            O::I32Load16U { memarg } => (LoadKind::I32U16, memarg),
            O::I64Load8S { memarg } => (LoadKind::I64S8, memarg),
            O::I64Load8U { memarg } => (LoadKind::I64U8, memarg),
            O::I64Load16S { memarg } => (LoadKind::I64S16, memarg),
            O::I64Load16U { memarg } => (LoadKind::I64U16, memarg),
            O::I64Load32S { memarg } => (LoadKind::I64S32, memarg),
            O::I64Load32U { memarg } => (LoadKind::I64U32, memarg),
            _ => return None,
        };
        Some((k, u32::try_from(m.offset).ok()?))
    }
}

/// A store: how many low bytes of the value it writes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StoreKind {
    B1,
    B2,
    B4,
    B8,
}

impl StoreKind {
    /// The store `op` is, with its static offset.
    pub(crate) fn of(op: &Operator<'_>) -> Option<(StoreKind, u32)> {
        use Operator as O;
        let (k, m) = match op {
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                (StoreKind::B4, memarg)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => (StoreKind::B8, memarg),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => (StoreKind::B1, memarg),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => (StoreKind::B2, memarg),
            _ => return None,
        };
        Some((k, u32::try_from(m.offset).ok()?))
    }
}

macro_rules! op_kinds {
    ($(#[$m:meta])* $name:ident { $($v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum $name { $($v),* }

        impl $name {
            /// The operator `op` is, if it is one of these.
            pub(crate) fn of(op: &Operator<'_>) -> Option<$name> {
                Some(match op {
                    $(Operator::$v => $name::$v,)*
                    _ => return None,
                })
            }
        }
    };
}

op_kinds! {
    /// Operators that pop one value and push one.
    UnOp {
        I32Eqz, I64Eqz,
        I32Clz, I32Ctz, I32Popcnt, I64Clz, I64Ctz, I64Popcnt,
        F32Abs, F32Neg, F32Ceil, F32Floor, F32Trunc, F32Nearest, F32Sqrt,
        F64Abs, F64Neg, F64Ceil, F64Floor, F64Trunc, F64Nearest, F64Sqrt,
        I32WrapI64, I32TruncF32S, I32TruncF32U, I32TruncF64S, I32TruncF64U,
        I64ExtendI32S, I64ExtendI32U, I64TruncF32S, I64TruncF32U, I64TruncF64S, I64TruncF64U,
        F32ConvertI32S, F32ConvertI32U, F32ConvertI64S, F32ConvertI64U, F32DemoteF64,
        F64ConvertI32S, F64ConvertI32U, F64ConvertI64S, F64ConvertI64U, F64PromoteF32,
        I32ReinterpretF32, I64ReinterpretF64, F32ReinterpretI32, F64ReinterpretI64,
        I32Extend8S, I32Extend16S, I64Extend8S, I64Extend16S, I64Extend32S,
        I32TruncSatF32S, I32TruncSatF32U, I32TruncSatF64S, I32TruncSatF64U,
        I64TruncSatF32S, I64TruncSatF32U, I64TruncSatF64S, I64TruncSatF64U,
    }
}

op_kinds! {
    /// Operators that pop two values and push one.
    BinOp {
        I32Eq, I32Ne, I32LtS, I32LtU, I32GtS, I32GtU, I32LeS, I32LeU, I32GeS, I32GeU,
        I64Eq, I64Ne, I64LtS, I64LtU, I64GtS, I64GtU, I64LeS, I64LeU, I64GeS, I64GeU,
        F32Eq, F32Ne, F32Lt, F32Gt, F32Le, F32Ge,
        F64Eq, F64Ne, F64Lt, F64Gt, F64Le, F64Ge,
        I32Add, I32Sub, I32Mul, I32DivS, I32DivU, I32RemS, I32RemU,
        I32And, I32Or, I32Xor, I32Shl, I32ShrS, I32ShrU, I32Rotl, I32Rotr,
        I64Add, I64Sub, I64Mul, I64DivS, I64DivU, I64RemS, I64RemU,
        I64And, I64Or, I64Xor, I64Shl, I64ShrS, I64ShrU, I64Rotl, I64Rotr,
        F32Add, F32Sub, F32Mul, F32Div, F32Min, F32Max, F32Copysign,
        F64Add, F64Sub, F64Mul, F64Div, F64Min, F64Max, F64Copysign,
    }
}
