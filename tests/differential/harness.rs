//! The differential harness: values, outcomes, the comparison rules, the `wasmi` reference and a
//! `Pair` that runs every call on the reference and on the engine under test and records every
//! disagreement in a `Report`.
//!
//! The engine under test is reached only through the [`Backend`]/[`Compiled`]/[`Subject`] traits,
//! so this file knows nothing about gojit (the root test file adapts gojit's API to them). Trap
//! kinds are the crate root's `Trap` type (gojit's in the real test).

use crate::Trap;
use std::fmt;

/// A wasm value; floats as raw bits so NaN payloads survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
}

/// A wasm value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    I32,
    I64,
    F32,
    F64,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::F32 => "f32",
            Ty::F64 => "f64",
        }
    }
}

impl V {
    pub fn ty(self) -> Ty {
        match self {
            V::I32(_) => Ty::I32,
            V::I64(_) => Ty::I64,
            V::F32(_) => Ty::F32,
            V::F64(_) => Ty::F64,
        }
    }

    pub fn is_nan(self) -> bool {
        match self {
            V::F32(b) => f32::from_bits(b).is_nan(),
            V::F64(b) => f64::from_bits(b).is_nan(),
            _ => false,
        }
    }

    /// A NaN whose payload is exactly the quiet bit (either sign).
    pub fn is_canonical_nan(self) -> bool {
        match self {
            V::F32(b) => b & 0x7fff_ffff == 0x7fc0_0000,
            V::F64(b) => b & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
            _ => false,
        }
    }

    /// A NaN with the quiet bit set (wasm's "arithmetic NaN").
    pub fn is_arithmetic_nan(self) -> bool {
        match self {
            V::F32(b) => self.is_nan() && b & 0x0040_0000 != 0,
            V::F64(b) => self.is_nan() && b & 0x0008_0000_0000_0000 != 0,
            _ => false,
        }
    }

    /// The constant instruction producing exactly this value, in wat text.
    pub fn wat_const(self) -> String {
        match self {
            V::I32(v) => format!("i32.const {v}"),
            V::I64(v) => format!("i64.const {v}"),
            V::F32(b) => format!("f32.const {}", float_wat(b as u64, 8, 23)),
            V::F64(b) => format!("f64.const {}", float_wat(b, 11, 52)),
        }
    }
}

/// Exact wat text for a float given its bits: hex floats, `inf`, `nan:0x..`.
fn float_wat(bits: u64, exp_bits: u32, mant_bits: u32) -> String {
    let sign = if bits >> (exp_bits + mant_bits) & 1 == 1 {
        "-"
    } else {
        ""
    };
    let exp = (bits >> mant_bits) & ((1 << exp_bits) - 1);
    let mant = bits & ((1 << mant_bits) - 1);
    let max_exp = (1 << exp_bits) - 1;
    let bias = (1i64 << (exp_bits - 1)) - 1;
    // Mantissa as hex digits: pad to a whole number of nibbles by shifting left.
    let pad = (4 - mant_bits % 4) % 4;
    let digits = mant_bits.div_ceil(4) as usize;
    let frac = format!("{:0width$x}", mant << pad, width = digits);
    if exp == max_exp {
        if mant == 0 {
            format!("{sign}inf")
        } else {
            format!("{sign}nan:{mant:#x}")
        }
    } else if exp == 0 {
        format!("{sign}0x0.{frac}p{}", 1 - bias)
    } else {
        format!("{sign}0x1.{frac}p{}", exp as i64 - bias)
    }
}

impl fmt::Display for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            V::I32(v) => write!(f, "i32:{v}({:#x})", v as u32),
            V::I64(v) => write!(f, "i64:{v}({:#x})", v as u64),
            V::F32(b) => write!(f, "f32:{:#010x}({:e})", b, f32::from_bits(b)),
            V::F64(b) => write!(f, "f64:{:#018x}({:e})", b, f64::from_bits(b)),
        }
    }
}

/// How the floats in a result must agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nan {
    /// Bit for bit, NaNs included (wasm fixes the bits: abs/neg/copysign/reinterpret/load/store/
    /// select/const/get/set/call).
    Bits,
    /// Bit for bit unless both are NaN; then the engine's NaN must be what the spec allows:
    /// an arithmetic NaN, canonical if every NaN input was canonical.
    Arith,
}

/// What a call did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Ok(Vec<V>),
    Trap(Trap),
    /// Any other error (host error, engine bug, unsupported, poisoned instance...).
    Err(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok(vs) => {
                let v: Vec<String> = vs.iter().map(|v| v.to_string()).collect();
                write!(f, "[{}]", v.join(", "))
            }
            Outcome::Trap(t) => write!(f, "trap {t:?}"),
            Outcome::Err(e) => write!(f, "error {e}"),
        }
    }
}

/// Compares `sub` (engine) against `rf` (reference). `Err` describes the disagreement.
pub fn compare(nan: Nan, inputs: &[V], rf: &Outcome, sub: &Outcome) -> Result<(), String> {
    let (Outcome::Ok(a), Outcome::Ok(b)) = (rf, sub) else {
        return if rf == sub {
            Ok(())
        } else {
            Err(String::new())
        };
    };
    if a.len() != b.len() {
        return Err("result count differs".into());
    }
    for (x, y) in a.iter().zip(b) {
        if x.ty() != y.ty() {
            return Err("result type differs".into());
        }
        if x == y {
            continue;
        }
        if nan == Nan::Arith && x.is_nan() && y.is_nan() {
            if !y.is_arithmetic_nan() {
                return Err("NaN result without the quiet bit (not an arithmetic NaN)".into());
            }
            let all_canonical = inputs.iter().all(|v| !v.is_nan() || v.is_canonical_nan());
            if all_canonical && !y.is_canonical_nan() {
                return Err("non-canonical NaN from canonical/no NaN inputs".into());
            }
            continue;
        }
        return Err(String::new());
    }
    Ok(())
}

/// An engine under test.
pub trait Backend {
    fn name(&self) -> String;
    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Compiled>, String>;
    /// Whether an instance must refuse further calls (with an error, not a result or a trap)
    /// after it trapped.
    fn poisons_after_trap(&self) -> bool {
        false
    }
}

/// A compiled module of the engine under test.
pub trait Compiled {
    fn instantiate(&self) -> Result<Box<dyn Subject>, String>;
}

/// An instance of the engine under test.
pub trait Subject {
    fn call(&mut self, name: &str, args: &[V]) -> Outcome;
    fn memory(&self) -> Vec<u8>;
}

// ---- the wasmi reference ------------------------------------------------------------------------

pub struct WasmiBackend;

struct WasmiCompiled {
    engine: wasmi::Engine,
    module: wasmi::Module,
}

struct WasmiInstance {
    store: wasmi::Store<()>,
    instance: wasmi::Instance,
}

impl Backend for WasmiBackend {
    fn name(&self) -> String {
        "wasmi".into()
    }
    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Compiled>, String> {
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, wasm).map_err(|e| e.to_string())?;
        Ok(Box::new(WasmiCompiled { engine, module }))
    }
}

impl Compiled for WasmiCompiled {
    fn instantiate(&self) -> Result<Box<dyn Subject>, String> {
        let mut store = wasmi::Store::new(&self.engine, ());
        let linker = wasmi::Linker::<()>::new(&self.engine);
        let instance = linker
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| e.to_string())?;
        Ok(Box::new(WasmiInstance { store, instance }))
    }
}

/// wasmi's trap code as our trap kind.
pub fn wasmi_trap(code: wasmi::TrapCode) -> Option<Trap> {
    use wasmi::TrapCode as C;
    Some(match code {
        C::UnreachableCodeReached => Trap::Unreachable,
        C::MemoryOutOfBounds => Trap::MemoryOutOfBounds,
        C::TableOutOfBounds => Trap::TableOutOfBounds,
        C::IndirectCallToNull => Trap::IndirectCallToNull,
        C::IntegerDivisionByZero => Trap::IntegerDivisionByZero,
        C::IntegerOverflow => Trap::IntegerOverflow,
        C::BadConversionToInteger => Trap::BadConversionToInteger,
        C::StackOverflow => Trap::StackOverflow,
        C::BadSignature => Trap::BadSignature,
        _ => return None,
    })
}

fn to_wasmi(v: V) -> wasmi::Val {
    match v {
        V::I32(x) => wasmi::Val::I32(x),
        V::I64(x) => wasmi::Val::I64(x),
        V::F32(b) => wasmi::Val::F32(wasmi::F32::from_bits(b)),
        V::F64(b) => wasmi::Val::F64(wasmi::F64::from_bits(b)),
    }
}

impl Subject for WasmiInstance {
    fn call(&mut self, name: &str, args: &[V]) -> Outcome {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return Outcome::Err(format!("no exported function {name}"));
        };
        let ty = func.ty(&self.store);
        let mut out: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        let args: Vec<wasmi::Val> = args.iter().map(|v| to_wasmi(*v)).collect();
        match func.call(&mut self.store, &args, &mut out) {
            Ok(()) => Outcome::Ok(
                out.iter()
                    .map(|v| match v {
                        wasmi::Val::I32(x) => V::I32(*x),
                        wasmi::Val::I64(x) => V::I64(*x),
                        wasmi::Val::F32(x) => V::F32(x.to_bits()),
                        wasmi::Val::F64(x) => V::F64(x.to_bits()),
                        other => panic!("unexpected wasmi value {other:?}"),
                    })
                    .collect(),
            ),
            Err(e) => match e.as_trap_code().and_then(wasmi_trap) {
                Some(t) => Outcome::Trap(t),
                None => Outcome::Err(e.to_string()),
            },
        }
    }
    fn memory(&self) -> Vec<u8> {
        match self.instance.get_memory(&self.store, "memory") {
            Some(m) => m.data(&self.store).to_vec(),
            None => Vec::new(),
        }
    }
}

// ---- running pairs and reporting ----------------------------------------------------------------

/// Collected disagreements of one test.
pub struct Report {
    pub backend: String,
    pub cases: u64,
    pub mismatches: Vec<String>,
    pub total_mismatches: u64,
}

const MAX_LISTED: usize = 60;

impl Report {
    pub fn new(backend: String) -> Report {
        Report {
            backend,
            cases: 0,
            mismatches: Vec::new(),
            total_mismatches: 0,
        }
    }

    pub fn mismatch(&mut self, msg: String) {
        self.total_mismatches += 1;
        if self.mismatches.len() < MAX_LISTED {
            self.mismatches.push(msg);
        }
    }

    /// Prints a summary line; `Err` lists the disagreements, if any.
    pub fn finish(self, what: &str) -> Result<(), String> {
        eprintln!(
            "{what} [{}]: {} cases, {} mismatches",
            self.backend, self.cases, self.total_mismatches
        );
        if self.total_mismatches == 0 {
            return Ok(());
        }
        let mut msg = format!(
            "{what} [{}]: {} of {} cases disagree with wasmi (first {} listed):\n",
            self.backend,
            self.total_mismatches,
            self.cases,
            self.mismatches.len()
        );
        for m in &self.mismatches {
            msg.push_str("  ");
            msg.push_str(m);
            msg.push('\n');
        }
        Err(msg)
    }
}

/// One module instantiated on wasmi (`rf`) and on the engine under test (`sub`).
pub struct Pair<'r> {
    pub label: String,
    rf_mod: Box<dyn Compiled>,
    sub_mod: Box<dyn Compiled>,
    rf: Box<dyn Subject>,
    sub: Option<Box<dyn Subject>>,
    poisons: bool,
    /// Compare the whole linear memory after every call.
    pub check_memory: bool,
    pub report: &'r mut Report,
}

impl<'r> Pair<'r> {
    /// Compiles and instantiates `wat` on both engines. A module the engine under test rejects is
    /// recorded as a mismatch and gives `None`.
    pub fn new(
        report: &'r mut Report,
        backend: &dyn Backend,
        label: &str,
        wat: &str,
    ) -> Option<Pair<'r>> {
        let wasm = match wat::parse_str(wat) {
            Ok(w) => w,
            Err(e) => panic!("bad test module {label}: {e}\n{wat}"),
        };
        let rf_mod = WasmiBackend
            .compile(&wasm)
            .unwrap_or_else(|e| panic!("wasmi rejects {label}: {e}"));
        let rf = rf_mod
            .instantiate()
            .unwrap_or_else(|e| panic!("wasmi cannot instantiate {label}: {e}"));
        let sub_mod = match backend.compile(&wasm) {
            Ok(m) => m,
            Err(e) => {
                report.mismatch(format!("{label}: module rejected: {e}"));
                return None;
            }
        };
        let sub = match sub_mod.instantiate() {
            Ok(s) => s,
            Err(e) => {
                report.mismatch(format!("{label}: instantiation failed: {e}"));
                return None;
            }
        };
        Some(Pair {
            label: label.to_string(),
            rf_mod,
            sub_mod,
            rf,
            sub: Some(sub),
            poisons: backend.poisons_after_trap(),
            check_memory: false,
            report,
        })
    }

    /// Fresh instances on both sides (after a trap the engine's instance is poisoned).
    pub fn reset(&mut self) {
        self.rf = self.rf_mod.instantiate().expect("wasmi re-instantiation");
        self.sub = match self.sub_mod.instantiate() {
            Ok(s) => Some(s),
            Err(e) => {
                self.report
                    .mismatch(format!("{}: re-instantiation failed: {e}", self.label));
                None
            }
        };
    }

    /// Calls `func` on both, compares results (and memory if `check_memory`), resets both after a
    /// trap or error. Returns the reference outcome.
    pub fn check(&mut self, func: &str, args: &[V], nan: Nan) -> Outcome {
        self.check_with_operands(func, args, args, nan)
    }

    /// [`Pair::check`] for a call whose float operands (for the NaN rule) are `operands` rather
    /// than its arguments (e.g. constants chosen by a selector argument).
    pub fn check_with_operands(
        &mut self,
        func: &str,
        args: &[V],
        operands: &[V],
        nan: Nan,
    ) -> Outcome {
        self.report.cases += 1;
        let rf = self.rf.call(func, args);
        let Some(sub) = self.sub.as_mut() else {
            return rf;
        };
        let got = sub.call(func, args);
        let mut failed = false;
        if let Err(why) = compare(nan, operands, &rf, &got) {
            failed = true;
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let why = if why.is_empty() {
                String::new()
            } else {
                format!(" ({why})")
            };
            self.report.mismatch(format!(
                "{}: {func}({}): wasmi {rf}, {} {got}{why}",
                self.label,
                args.join(", "),
                self.report.backend
            ));
        }
        if self.check_memory && !failed {
            let (a, b) = (self.rf.memory(), sub.memory());
            if a != b {
                let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                self.report.mismatch(format!(
                    "{}: {func}({}) -> {rf}: memory differs: {}",
                    self.label,
                    args.join(", "),
                    describe_memory_diff(&a, &b)
                ));
            }
        }
        if self.poisons && matches!(got, Outcome::Trap(_)) {
            let again = sub.call(func, args);
            if !matches!(again, Outcome::Err(_)) {
                self.report.mismatch(format!(
                    "{}: {func} after a trap: the instance is not poisoned: {again}",
                    self.label
                ));
            }
        }
        if !matches!(rf, Outcome::Ok(_)) || !matches!(got, Outcome::Ok(_)) {
            self.reset();
        }
        rf
    }
}

fn describe_memory_diff(a: &[u8], b: &[u8]) -> String {
    if a.len() != b.len() {
        return format!("size wasmi {} vs engine {}", a.len(), b.len());
    }
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    let first = diffs[0];
    let shown: Vec<String> = diffs
        .iter()
        .take(8)
        .map(|&i| format!("[{i:#x}] wasmi {:#04x} engine {:#04x}", a[i], b[i]))
        .collect();
    format!(
        "{} bytes differ, first at {first:#x}: {}",
        diffs.len(),
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_wat_text() {
        assert_eq!(V::F32(0x3f80_0000).wat_const(), "f32.const 0x1.000000p0");
        assert_eq!(V::F32(0x7fc0_0000).wat_const(), "f32.const nan:0x400000");
        assert_eq!(V::F32(0xff80_0000).wat_const(), "f32.const -inf");
        assert_eq!(V::F32(0x0000_0001).wat_const(), "f32.const 0x0.000002p-126");
        assert_eq!(
            V::F64(0x8000_0000_0000_0000).wat_const(),
            "f64.const -0x0.0000000000000p-1022"
        );
    }
}
