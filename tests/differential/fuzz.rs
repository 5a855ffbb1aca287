//! The differential fuzzing driver: one generated module, run on `wasmi` (the reference) and on
//! every gojit tier, call by call, comparing results, trap kinds, the final linear memory and the
//! exported globals after every call.
//!
//! Invariants:
//! - The call plan (which exports, with which arguments) is a pure function of the seed, so a
//!   divergence is reproduced by its seed alone.
//! - wasmi runs first with fuel; the plan is cut at the first call that runs out of fuel or
//!   overflows wasmi's stack (engines may legitimately differ there), so gojit only ever runs calls
//!   that terminate.
//! - After a trap both sides are instantiated afresh (gojit poisons a trapped instance), so both
//!   always run the same sequence of calls on the same state.
//! - A panic inside gojit (compile, instantiate, call) is caught and counted as a divergence; it
//!   never takes the test process down.

use crate::harness::{Nan, Outcome, V, compare, wasmi_trap};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// wasmi fuel for one call: far more than any terminating generated call needs, small enough that
/// a call looping forever is cut after a few milliseconds.
const CALL_FUEL: u64 = 2_000_000;

/// A gojit configuration under test.
pub struct Tier {
    pub name: &'static str,
    pub config: gojit::Config,
    /// One engine per tier for the whole run, made on first use, as an embedder keeps one: its
    /// stack pool and compilers serve module after module.
    engine: std::sync::OnceLock<gojit::Engine>,
}

impl Tier {
    fn new(name: &'static str, config: gojit::Config) -> Tier {
        Tier {
            name,
            config,
            engine: std::sync::OnceLock::new(),
        }
    }

    /// The tier's engine.
    pub fn engine(&self) -> Result<&gojit::Engine, String> {
        if let Some(engine) = self.engine.get() {
            return Ok(engine);
        }
        let engine = gojit::Engine::new(self.config.clone()).map_err(|e| e.to_string())?;
        Ok(self.engine.get_or_init(|| engine))
    }
}

/// The tiers every module runs in: the interpreter alone, baseline code compiled on first call,
/// the optimizing tier alone (eager), OSR (interpreter with a budget of 1, so hot loops move into
/// optimized OSR entries mid-call and functions tier up after one unit), the same with the
/// background compiler thread (tier-ups and OSR entries arrive whenever they are ready, so this
/// tier is the one whose runs depend on timing), and the optimizing tier without the Go-aware
/// lowerings. Elsewhere background compilation is off, so those runs are deterministic.
pub fn tiers() -> Vec<Tier> {
    let base = gojit::Config {
        background_compile: false,
        // `GOJIT_FUZZ_VERIFY=1`: run Cranelift's verifier on every function (to diagnose).
        verify: std::env::var_os("GOJIT_FUZZ_VERIFY").is_some(),
        ..gojit::Config::default()
    };
    vec![
        Tier::new(
            "interp",
            gojit::Config {
                lazy: true,
                interpreter_budget: Some(u32::MAX),
                ..base.clone()
            },
        ),
        Tier::new(
            "baseline",
            gojit::Config {
                lazy: true,
                interpreter_budget: None,
                tiers: gojit::Tiers::Baseline,
                ..base.clone()
            },
        ),
        Tier::new(
            "optimized",
            gojit::Config {
                lazy: false,
                ..base.clone()
            },
        ),
        // Also interruptible (no deadline set): the interrupt checks at back-edges of the
        // interpreter, baseline, optimized and OSR code must not change a result.
        Tier::new(
            "osr",
            gojit::Config {
                lazy: true,
                interpreter_budget: Some(1),
                tier_up_budget: 1,
                tiers: gojit::Tiers::Both,
                interruptible: true,
                ..base.clone()
            },
        ),
        Tier::new(
            "osr-bg",
            gojit::Config {
                lazy: true,
                interpreter_budget: Some(1),
                tier_up_budget: 1,
                tiers: gojit::Tiers::Both,
                background_compile: true,
                ..base.clone()
            },
        ),
        Tier::new(
            "go-opt-off",
            gojit::Config {
                lazy: false,
                go_optimizations: gojit::translate_options::GoOptimizations::NONE,
                ..base
            },
        ),
    ]
}

/// Counts over a run, per tier where it matters.
#[derive(Default)]
pub struct Totals {
    /// Modules generated.
    pub modules: u64,
    /// Modules run (valid for gojit's feature set and instantiable on wasmi).
    pub modules_run: u64,
    /// Generated modules outside gojit's feature set (skipped), by generator.
    pub skipped: BTreeMap<String, u64>,
    /// Calls compared (per tier: calls, divergences).
    pub per_tier: BTreeMap<&'static str, (u64, u64)>,
    /// Per tier: functions tiered up, OSR entries compiled, calls moved into OSR code (what the
    /// tiering paths actually did on the generated code).
    pub tiering: BTreeMap<&'static str, (u64, u64, u64)>,
    /// Reference outcomes of the calls planned: returned, trapped.
    pub returned: u64,
    pub trapped: u64,
    /// Calls cut from a plan because wasmi ran out of fuel or stack there.
    pub cut: u64,
    /// The divergences found (a few listed in full).
    pub divergences: Vec<String>,
}

impl Totals {
    pub fn calls(&self) -> u64 {
        self.per_tier.values().map(|t| t.0).sum()
    }
    pub fn divergence_count(&self) -> u64 {
        self.per_tier.values().map(|t| t.1).sum()
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "modules {} (run {}), calls {}, divergences {}; per module plan: {} returned, {} trapped, \
             {} cut at wasmi fuel/stack",
            self.modules,
            self.modules_run,
            self.calls(),
            self.divergence_count(),
            self.returned,
            self.trapped,
            self.cut
        );
        for (k, v) in &self.skipped {
            s.push_str(&format!(", skipped {k} {v}"));
        }
        for (tier, (calls, div)) in &self.per_tier {
            s.push_str(&format!("\n  {tier:>10}: {calls} calls, {div} divergences"));
            if let Some((up, osr, moved)) = self.tiering.get(tier)
                && up + osr + moved > 0
            {
                s.push_str(&format!(
                    " ({up} tier-ups, {osr} OSR entries, {moved} calls moved into OSR code)"
                ));
            }
        }
        s
    }

    /// Records a divergence (or another failure of the run) under `tier`.
    pub fn diverge(&mut self, tier: &'static str, msg: String) {
        self.per_tier.entry(tier).or_default().1 += 1;
        if self.divergences.len() < 40 {
            self.divergences.push(msg);
        }
    }
}

/// A deterministic random source (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// An argument of type `ty`: an edge value most of the time, else random bits.
pub fn arg(rng: &mut Rng, ty: wasmi::ValType) -> V {
    use crate::values;
    use wasmi::ValType as T;
    let edge = rng.chance(70);
    match ty {
        T::I32 if edge => *rng.pick(&values::of(crate::harness::Ty::I32)),
        T::I64 if edge => *rng.pick(&values::of(crate::harness::Ty::I64)),
        T::F32 if edge => *rng.pick(&values::of(crate::harness::Ty::F32)),
        T::F64 if edge => *rng.pick(&values::of(crate::harness::Ty::F64)),
        T::I32 => V::I32(rng.next() as i32),
        T::I64 => V::I64(rng.next() as i64),
        T::F32 => V::F32(rng.next() as u32),
        _ => V::F64(rng.next()),
    }
}

/// What one call did, with the state after it.
#[derive(Clone, Debug)]
struct Step {
    func: String,
    args: Vec<V>,
    outcome: Outcome,
    memory: Vec<u8>,
    globals: Vec<(String, V)>,
}

/// A plan of calls: `(export, arguments)`.
pub type Plan = Vec<(String, Vec<V>)>;

fn wasmi_val(v: &wasmi::Val) -> V {
    match v {
        wasmi::Val::I32(x) => V::I32(*x),
        wasmi::Val::I64(x) => V::I64(*x),
        wasmi::Val::F32(x) => V::F32(x.to_bits()),
        wasmi::Val::F64(x) => V::F64(x.to_bits()),
        other => panic!("unexpected wasmi value {other:?}"),
    }
}

fn to_wasmi(v: V) -> wasmi::Val {
    match v {
        V::I32(x) => wasmi::Val::I32(x),
        V::I64(x) => wasmi::Val::I64(x),
        V::F32(b) => wasmi::Val::F32(wasmi::F32::from_bits(b)),
        V::F64(b) => wasmi::Val::F64(wasmi::F64::from_bits(b)),
    }
}

/// The reference: wasmi with fuel.
struct Reference {
    engine: wasmi::Engine,
    module: wasmi::Module,
}

enum RefCall {
    Done(Outcome),
    /// Out of fuel or stack: the plan is cut here.
    Inconclusive,
}

struct RefInstance {
    store: wasmi::Store<()>,
    instance: wasmi::Instance,
}

impl Reference {
    fn new(wasm: &[u8]) -> Result<Reference, String> {
        let mut config = wasmi::Config::default();
        config.consume_fuel(true);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm).map_err(|e| e.to_string())?;
        Ok(Reference { engine, module })
    }

    /// A fresh instance; `Err` with the outcome of a failed instantiation (a trap in the start
    /// function or a segment out of bounds), `Ok(None)`-like inconclusive as `Err(None)`.
    fn instantiate(&self) -> Result<RefInstance, Option<Outcome>> {
        let mut store = wasmi::Store::new(&self.engine, ());
        store.set_fuel(CALL_FUEL).expect("fuel is on");
        let linker = wasmi::Linker::<()>::new(&self.engine);
        match linker.instantiate_and_start(&mut store, &self.module) {
            Ok(instance) => Ok(RefInstance { store, instance }),
            Err(e) => match e.as_trap_code() {
                Some(wasmi::TrapCode::OutOfFuel) | Some(wasmi::TrapCode::StackOverflow) => {
                    Err(None)
                }
                Some(code) => Err(Some(match wasmi_trap(code) {
                    Some(t) => Outcome::Trap(t),
                    None => Outcome::Err(e.to_string()),
                })),
                None => Err(Some(Outcome::Err(e.to_string()))),
            },
        }
    }
}

impl RefInstance {
    fn call(&mut self, name: &str, args: &[V]) -> RefCall {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return RefCall::Done(Outcome::Err(format!("no exported function {name}")));
        };
        self.store.set_fuel(CALL_FUEL).expect("fuel is on");
        let ty = func.ty(&self.store);
        let mut out: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        let args: Vec<wasmi::Val> = args.iter().map(|v| to_wasmi(*v)).collect();
        match func.call(&mut self.store, &args, &mut out) {
            Ok(()) => RefCall::Done(Outcome::Ok(out.iter().map(wasmi_val).collect())),
            Err(e) => match e.as_trap_code() {
                Some(wasmi::TrapCode::OutOfFuel) | Some(wasmi::TrapCode::StackOverflow) => {
                    RefCall::Inconclusive
                }
                Some(code) => RefCall::Done(match wasmi_trap(code) {
                    Some(t) => Outcome::Trap(t),
                    None => Outcome::Err(e.to_string()),
                }),
                None => RefCall::Done(Outcome::Err(e.to_string())),
            },
        }
    }

    fn memory(&self) -> Vec<u8> {
        for export in self.instance.exports(&self.store) {
            if let Some(m) = export.into_memory() {
                return m.data(&self.store).to_vec();
            }
        }
        Vec::new()
    }

    fn globals(&self) -> Vec<(String, V)> {
        let mut out = Vec::new();
        for export in self.instance.exports(&self.store) {
            let name = export.name().to_string();
            if let Some(g) = export.into_global() {
                out.push((name, wasmi_val(&g.get(&self.store))));
            }
        }
        out
    }

    /// The exported functions and their parameter types, in export order.
    fn functions(&self) -> Vec<(String, Vec<wasmi::ValType>)> {
        let mut out = Vec::new();
        for export in self.instance.exports(&self.store) {
            let name = export.name().to_string();
            if let Some(f) = export.into_func() {
                out.push((name, f.ty(&self.store).params().to_vec()));
            }
        }
        out
    }
}

/// A plan for a module with these exports: `calls` calls of exports chosen by `rng`, arguments
/// from [`arg`] (or from `args` when it gives some for an export).
pub fn random_plan(rng: &mut Rng, funcs: &[(String, Vec<wasmi::ValType>)], calls: usize) -> Plan {
    if funcs.is_empty() {
        return Vec::new();
    }
    (0..calls)
        .map(|_| {
            let (name, params) = rng.pick(funcs);
            let args = params.iter().map(|t| arg(rng, *t)).collect();
            (name.clone(), args)
        })
        .collect()
}

/// How a generator plans calls once it sees the module's exports.
pub enum Planner<'a> {
    /// [`random_plan`] with this many calls.
    Random(usize),
    /// A plan of the generator's own.
    Fixed(&'a Plan),
}

/// Runs the reference over the plan; returns the steps it completed (cut at an inconclusive
/// call) or `None` if wasmi could not instantiate the module conclusively.
fn run_reference(
    reference: &Reference,
    rng: &mut Rng,
    planner: Planner<'_>,
    totals: &mut Totals,
) -> Result<(Option<Outcome>, Vec<Step>), ()> {
    let mut inst = match reference.instantiate() {
        Ok(i) => i,
        Err(None) => return Err(()),
        Err(Some(outcome)) => return Ok((Some(outcome), Vec::new())),
    };
    let plan = match planner {
        Planner::Random(n) => random_plan(rng, &inst.functions(), n),
        Planner::Fixed(p) => p.clone(),
    };
    let mut steps = Vec::new();
    for (func, args) in plan {
        let outcome = match inst.call(&func, &args) {
            RefCall::Done(o) => o,
            RefCall::Inconclusive => {
                totals.cut += 1;
                break;
            }
        };
        let failed = !matches!(outcome, Outcome::Ok(_));
        if failed {
            totals.trapped += 1;
        } else {
            totals.returned += 1;
        }
        steps.push(Step {
            func,
            args,
            outcome,
            memory: inst.memory(),
            globals: inst.globals(),
        });
        if failed {
            inst = match reference.instantiate() {
                Ok(i) => i,
                Err(_) => break,
            };
        }
    }
    Ok((None, steps))
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".into()
    }
}

/// Catches a panic in gojit as an error outcome.
fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| format!("PANIC in gojit: {}", panic_message(p)))
}

fn gojit_val(v: V) -> gojit::Val {
    match v {
        V::I32(x) => gojit::Val::I32(x),
        V::I64(x) => gojit::Val::I64(x),
        V::F32(b) => gojit::Val::F32(b),
        V::F64(b) => gojit::Val::F64(b),
    }
}

fn from_gojit(v: gojit::Val) -> V {
    match v {
        gojit::Val::I32(x) => V::I32(x),
        gojit::Val::I64(x) => V::I64(x),
        gojit::Val::F32(b) => V::F32(b),
        gojit::Val::F64(b) => V::F64(b),
    }
}

fn gojit_outcome(r: Result<Vec<gojit::Val>, gojit::Error>) -> Outcome {
    match r {
        Ok(vals) => Outcome::Ok(vals.into_iter().map(from_gojit).collect()),
        Err(e) => match e.trap() {
            Some(t) => Outcome::Trap(t),
            None => Outcome::Err(e.to_string()),
        },
    }
}

/// Whether two outcomes of an instantiation agree: both succeed, or both fail (with the same trap
/// kind when both trapped; a segment that does not fit is a link error in gojit and a trap in
/// wasmi, so any two failures otherwise agree).
fn same_failure(rf: &Outcome, got: &Outcome) -> bool {
    match (rf, got) {
        (Outcome::Trap(a), Outcome::Trap(b)) => a == b,
        (Outcome::Ok(_), _) | (_, Outcome::Ok(_)) => false,
        _ => true,
    }
}

/// Runs one tier over the reference's steps; records divergences.
fn run_tier(
    tier: &Tier,
    label: &str,
    wasm: &[u8],
    rf_init: &Option<Outcome>,
    steps: &[Step],
    go_layout: bool,
    totals: &mut Totals,
) {
    let name = tier.name;
    totals.per_tier.entry(name).or_default();
    let module = guarded(|| gojit::Module::new(tier.engine()?, wasm).map_err(|e| e.to_string()));
    let module = match module {
        Ok(Ok(m)) => m,
        Ok(Err(e)) | Err(e) => {
            totals.per_tier.entry(name).or_default().0 += 1;
            totals.diverge(name, format!("{label} [{name}]: module rejected: {e}"));
            return;
        }
    };
    let instantiate = || {
        guarded(|| {
            let mut store = gojit::Store::new(module.engine(), ());
            let r = gojit::Instance::new(&mut store, &module, &gojit::Linker::new());
            r.map(|i| (store, i))
        })
    };
    let as_outcome = |e: gojit::Error| match e.trap() {
        Some(t) => Outcome::Trap(t),
        None => Outcome::Err(e.to_string()),
    };
    let current = match (instantiate(), rf_init) {
        (Err(p), _) => {
            totals.diverge(name, format!("{label} [{name}]: instantiation: {p}"));
            return;
        }
        (Ok(Ok(_)), Some(rf)) => {
            totals.diverge(
                name,
                format!("{label} [{name}]: instantiation: wasmi {rf}, gojit succeeded"),
            );
            return;
        }
        (Ok(Err(e)), Some(rf)) => {
            let got = as_outcome(e);
            if !same_failure(rf, &got) {
                totals.diverge(
                    name,
                    format!("{label} [{name}]: instantiation: wasmi {rf}, gojit {got}"),
                );
            }
            return;
        }
        (Ok(Err(e)), None) => {
            totals.diverge(
                name,
                format!("{label} [{name}]: instantiation failed: {}", as_outcome(e)),
            );
            return;
        }
        (Ok(Ok(pair)), None) => pair,
    };
    run_steps(name, label, &instantiate, current, steps, go_layout, totals);
    let stats = module.compile_stats();
    let t = totals.tiering.entry(name).or_default();
    t.0 += stats.tiered_up;
    t.1 += stats.osr_entries;
    t.2 += stats.osr_transfers;
}

type Instantiated = (gojit::Store<()>, gojit::Instance);

/// Runs the steps on one tier's instance (a fresh one after each trap).
fn run_steps(
    name: &'static str,
    label: &str,
    instantiate: &dyn Fn() -> Result<Result<Instantiated, gojit::Error>, String>,
    mut current: Instantiated,
    steps: &[Step],
    go_layout: bool,
    totals: &mut Totals,
) {
    let as_outcome = |e: gojit::Error| match e.trap() {
        Some(t) => Outcome::Trap(t),
        None => Outcome::Err(e.to_string()),
    };
    for (i, step) in steps.iter().enumerate() {
        totals.per_tier.entry(name).or_default().0 += 1;
        let (store, instance) = &mut current;
        let args: Vec<gojit::Val> = step.args.iter().map(|v| gojit_val(*v)).collect();
        let got = match guarded(|| instance.call(store, &step.func, &args)) {
            Ok(r) => gojit_outcome(r),
            Err(p) => Outcome::Err(p),
        };
        let shown = || {
            let a: Vec<String> = step.args.iter().map(|a| a.to_string()).collect();
            format!("{label} [{name}] call #{i} {}({})", step.func, a.join(", "))
        };
        if compare(Nan::Arith, &step.args, &step.outcome, &got).is_err() {
            totals.diverge(
                name,
                format!("{}: wasmi {}, gojit {got}", shown(), step.outcome),
            );
            return;
        }
        let memory = instance.memory(store);
        if memory != step.memory.as_slice() {
            let detail = describe_diff(&step.memory, memory);
            totals.diverge(name, format!("{}: memory differs: {detail}", shown()));
            return;
        }
        let trapped = !matches!(step.outcome, Outcome::Ok(_));
        for (g, want) in &step.globals {
            // Go's SP lives in the pinned register in compiled code; after a trap (which poisons
            // a Go instance anyway) its global keeps the value from before the call.
            if trapped && go_layout && g == "SP" {
                continue;
            }
            let have = instance.global(store, g).map(from_gojit);
            let agree = match have {
                Some(h) => h == *want || (h.is_nan() && want.is_nan()),
                None => false,
            };
            if !agree {
                totals.diverge(
                    name,
                    format!("{}: global {g}: wasmi {want}, gojit {have:?}", shown()),
                );
                return;
            }
        }
        if !matches!(step.outcome, Outcome::Ok(_)) {
            current = match instantiate() {
                Ok(Ok(pair)) => pair,
                Ok(Err(e)) => {
                    let e = as_outcome(e);
                    totals.diverge(name, format!("{label} [{name}]: re-instantiation: {e}"));
                    return;
                }
                Err(p) => {
                    totals.diverge(name, format!("{label} [{name}]: re-instantiation: {p}"));
                    return;
                }
            };
        }
    }
}

/// Whether some `select` takes its condition straight from an integer comparison. wasmi 2.0.0
/// fuses the two and then picks the wrong operand in some forms (`x - select(1, y, y == 0)` is
/// `x - 1` for y = 3; found by this fuzzer, see `wasmi_select_after_compare` in
/// `tests/fuzz.rs`), so such modules have no trustworthy reference and are skipped (counted).
pub fn select_after_compare(wasm: &[u8]) -> bool {
    use wasmparser::{Operator as O, Parser, Payload};
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(Payload::CodeSectionEntry(body)) = payload else {
            continue;
        };
        let Ok(mut ops) = body.get_operators_reader() else {
            return true;
        };
        let mut compare = false;
        while !ops.eof() {
            let Ok(op) = ops.read() else { return true };
            if compare && matches!(op, O::Select | O::TypedSelect { .. }) {
                return true;
            }
            compare = matches!(
                op,
                O::I32Eqz
                    | O::I32Eq
                    | O::I32Ne
                    | O::I32LtS
                    | O::I32LtU
                    | O::I32GtS
                    | O::I32GtU
                    | O::I32LeS
                    | O::I32LeU
                    | O::I32GeS
                    | O::I32GeU
                    | O::I64Eqz
                    | O::I64Eq
                    | O::I64Ne
                    | O::I64LtS
                    | O::I64LtU
                    | O::I64GtS
                    | O::I64GtU
                    | O::I64LeS
                    | O::I64LeU
                    | O::I64GeS
                    | O::I64GeU
            );
        }
    }
    false
}

fn describe_diff(a: &[u8], b: &[u8]) -> String {
    if a.len() != b.len() {
        return format!("size wasmi {} vs gojit {}", a.len(), b.len());
    }
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    let shown: Vec<String> = diffs
        .iter()
        .take(6)
        .map(|&i| format!("[{i:#x}] wasmi {:#04x} gojit {:#04x}", a[i], b[i]))
        .collect();
    format!("{} bytes differ: {}", diffs.len(), shown.join(", "))
}

/// Runs one generated module on wasmi and every tier. `generator` names the generator (for the
/// skip counts); `label` identifies the case (generator and seed) in divergence messages.
pub fn run_module(
    generator: &str,
    label: &str,
    wasm: &[u8],
    seed: u64,
    planner: Planner<'_>,
    tiers: &[Tier],
    totals: &mut Totals,
) {
    totals.modules += 1;
    let skip = |totals: &mut Totals, why: &str| {
        *totals
            .skipped
            .entry(format!("{generator} ({why})"))
            .or_default() += 1;
    };
    let valid = wasmparser::Validator::new_with_features(gojit_frontend::module::GO_FEATURES)
        .validate_all(wasm)
        .is_ok();
    if !valid {
        skip(totals, "features gojit rejects");
        return;
    }
    if select_after_compare(wasm) {
        skip(
            totals,
            "select right after a comparison: wasmi 2.0.0 miscomputes some",
        );
        return;
    }
    let Ok(reference) = Reference::new(wasm) else {
        skip(totals, "wasmi rejects");
        return;
    };
    let mut rng = Rng(seed ^ 0x5eed_ca11);
    let Ok((rf_init, steps)) = run_reference(&reference, &mut rng, planner, totals) else {
        skip(totals, "wasmi start out of fuel");
        return;
    };
    totals.modules_run += 1;
    let vm_check = std::env::var_os("GOJIT_FUZZ_VMCHECK").is_some();
    for tier in tiers {
        let before = if vm_check { vm_size_kib() } else { 0 };
        run_tier(
            tier,
            label,
            wasm,
            &rf_init,
            &steps,
            generator == "go",
            totals,
        );
        if vm_check && vm_size_kib() > before + (4 << 20) {
            eprintln!(
                "  {label} [{}]: address space +{} GiB",
                tier.name,
                (vm_size_kib() - before) >> 20
            );
        }
    }
}

/// The process's virtual size (`VmSize`, KiB): every instance reserves gigabytes of address
/// space for its memory, so an instance or memory kept alive too long shows here long before it
/// shows in RSS (`GOJIT_FUZZ_VMCHECK=1` prints where it grows, per tier).
pub fn vm_size_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmSize:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
