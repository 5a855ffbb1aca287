//! Trap kinds and their Cranelift trap codes: the translator emits these codes, the jit records
//! them per code offset, the runtime maps a faulting PC back to a [`Trap`].

use cranelift_codegen::ir::TrapCode;
use std::fmt;

/// Why guest execution stopped abnormally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trap {
    /// The native guest stack is exhausted (deep recursion).
    StackOverflow,
    /// A load, store or bulk-memory operation outside linear memory.
    MemoryOutOfBounds,
    /// `unreachable` was executed.
    Unreachable,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// Signed division overflow (`INT_MIN / -1`).
    IntegerOverflow,
    /// A trapping float-to-int conversion of NaN (an out-of-range value is `IntegerOverflow`).
    BadConversionToInteger,
    /// `call_indirect` with an index past the end of the table.
    TableOutOfBounds,
    /// `call_indirect` to an empty table slot.
    IndirectCallToNull,
    /// `call_indirect` to a function of another signature.
    BadSignature,
    /// A function could not be compiled when first called (lazy compilation).
    CompileError,
    /// The host interrupted the guest (an interrupt handle, or the store's deadline passed).
    Interrupted,
}

impl Trap {
    /// Every trap kind.
    pub const ALL: [Trap; 11] = [
        Trap::StackOverflow,
        Trap::MemoryOutOfBounds,
        Trap::Unreachable,
        Trap::IntegerDivisionByZero,
        Trap::IntegerOverflow,
        Trap::BadConversionToInteger,
        Trap::TableOutOfBounds,
        Trap::IndirectCallToNull,
        Trap::BadSignature,
        Trap::CompileError,
        Trap::Interrupted,
    ];

    /// The Cranelift trap code compiled code uses for this trap.
    pub const fn code(self) -> TrapCode {
        match self {
            Trap::StackOverflow => TrapCode::STACK_OVERFLOW,
            Trap::MemoryOutOfBounds => TrapCode::HEAP_OUT_OF_BOUNDS,
            Trap::IntegerDivisionByZero => TrapCode::INTEGER_DIVISION_BY_ZERO,
            Trap::IntegerOverflow => TrapCode::INTEGER_OVERFLOW,
            Trap::BadConversionToInteger => TrapCode::BAD_CONVERSION_TO_INTEGER,
            Trap::Unreachable => TrapCode::unwrap_user(1),
            Trap::TableOutOfBounds => TrapCode::unwrap_user(2),
            Trap::IndirectCallToNull => TrapCode::unwrap_user(3),
            Trap::BadSignature => TrapCode::unwrap_user(4),
            Trap::CompileError => TrapCode::unwrap_user(5),
            Trap::Interrupted => TrapCode::unwrap_user(6),
        }
    }

    /// The trap kind for a Cranelift trap code, if it is one of ours.
    pub fn from_code(code: TrapCode) -> Option<Trap> {
        Trap::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The message wasm engines conventionally print for this trap.
    pub fn message(self) -> &'static str {
        match self {
            Trap::StackOverflow => "call stack exhausted",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::Unreachable => "wasm `unreachable` instruction executed",
            Trap::IntegerDivisionByZero => "integer divide by zero",
            Trap::IntegerOverflow => "integer overflow",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::TableOutOfBounds => "undefined element: out of bounds table access",
            Trap::IndirectCallToNull => "uninitialized element",
            Trap::BadSignature => "indirect call type mismatch",
            Trap::CompileError => "function failed to compile",
            Trap::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for t in Trap::ALL {
            assert_eq!(Trap::from_code(t.code()), Some(t));
        }
        let mut codes: Vec<_> = Trap::ALL.iter().map(|t| t.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), Trap::ALL.len());
    }
}
