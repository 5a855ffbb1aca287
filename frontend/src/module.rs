//! Parsing and validation: turns module bytes into a [`ModuleInfo`] that the translator and the
//! runtime share. Validation uses exactly the feature set Go's output needs (see
//! [`GO_FEATURES`]); a module that needs anything else is rejected with the feature named.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind, Operator, Parser, Payload,
    TypeRef, Validator, WasmFeatures,
};

/// The wasm features gojit accepts: MVP (with mutable globals and floats), sign-extension,
/// saturating float-to-int, and `memory.copy`/`memory.fill` (bulk-memory-opt).
pub const GO_FEATURES: WasmFeatures = WasmFeatures::MUTABLE_GLOBAL
    .union(WasmFeatures::FLOATS)
    .union(WasmFeatures::SIGN_EXTENSION)
    .union(WasmFeatures::SATURATING_FLOAT_TO_INT)
    .union(WasmFeatures::BULK_MEMORY_OPT);

/// Features we name when a module needs one we do not support, most likely first.
const NAMED_FEATURES: &[(WasmFeatures, &str)] = &[
    (WasmFeatures::SIMD, "SIMD (v128)"),
    (WasmFeatures::RELAXED_SIMD, "relaxed SIMD"),
    (WasmFeatures::MULTI_VALUE, "multi-value"),
    (
        WasmFeatures::BULK_MEMORY,
        "bulk memory (beyond memory.copy/memory.fill)",
    ),
    (WasmFeatures::REFERENCE_TYPES, "reference types"),
    (WasmFeatures::TAIL_CALL, "tail calls"),
    (WasmFeatures::THREADS, "threads"),
    (WasmFeatures::EXCEPTIONS, "exception handling"),
    (WasmFeatures::LEGACY_EXCEPTIONS, "legacy exception handling"),
    (WasmFeatures::MEMORY64, "memory64"),
    (WasmFeatures::MULTI_MEMORY, "multi-memory"),
    (
        WasmFeatures::EXTENDED_CONST,
        "extended constant expressions",
    ),
    (
        WasmFeatures::FUNCTION_REFERENCES,
        "typed function references",
    ),
    (WasmFeatures::GC, "garbage collection"),
    (WasmFeatures::WIDE_ARITHMETIC, "wide arithmetic"),
    (WasmFeatures::CUSTOM_PAGE_SIZES, "custom page sizes"),
    (WasmFeatures::COMPONENT_MODEL, "the component model"),
];

/// A wasm value type gojit supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

impl ValType {
    fn from_wasm(t: wasmparser::ValType) -> Result<ValType, ModuleError> {
        Ok(match t {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            other => return Err(ModuleError::Unsupported(format!("value type {other}"))),
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
        })
    }
}

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    /// Parameter types.
    pub params: Vec<ValType>,
    /// Result types.
    pub results: Vec<ValType>,
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[ValType]| {
            v.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "({}) -> ({})", list(&self.params), list(&self.results))
    }
}

/// A function import.
#[derive(Clone, Debug)]
pub struct FuncImport {
    /// Import module name, e.g. `wasi_snapshot_preview1`.
    pub module: String,
    /// Import field name, e.g. `fd_write`.
    pub name: String,
    /// Type index.
    pub type_index: u32,
}

/// A global's type and constant initializer (its value as an 8-byte slot).
#[derive(Clone, Copy, Debug)]
pub struct GlobalInfo {
    /// Value type.
    pub ty: ValType,
    /// Whether `global.set` may write it.
    pub mutable: bool,
    /// Initial value, as stored in the vmctx slot.
    pub init: u64,
}

/// What an export refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// A function (by function index).
    Func,
    /// The memory.
    Memory,
    /// The table.
    Table,
    /// A global (by global index).
    Global,
}

/// An export.
#[derive(Clone, Debug)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// What kind of entity.
    pub kind: ExportKind,
    /// Its index in its index space.
    pub index: u32,
}

/// An active element segment of table 0.
#[derive(Clone, Debug)]
pub struct ElemSegment {
    /// Table offset.
    pub offset: u32,
    /// Function indices (`None` for a null entry).
    pub funcs: Vec<Option<u32>>,
}

/// An active data segment of memory 0.
#[derive(Clone, Debug)]
pub struct DataSegment {
    /// Memory offset.
    pub offset: u32,
    /// Byte range of the segment's contents inside the module bytes.
    pub range: Range<usize>,
}

/// The linear memory's limits, in pages.
#[derive(Clone, Copy, Debug)]
pub struct MemoryInfo {
    /// Initial size in pages.
    pub min_pages: u64,
    /// Maximum size in pages, if declared.
    pub max_pages: Option<u64>,
}

/// The table's limits.
#[derive(Clone, Copy, Debug)]
pub struct TableInfo {
    /// Initial (and, since nothing grows it, final) size.
    pub min: u64,
    /// Declared maximum.
    pub max: Option<u64>,
}

/// Everything the translator and runtime need to know about a validated module.
#[derive(Debug)]
pub struct ModuleInfo {
    /// The module's bytes (function bodies and data segments are ranges into them).
    pub bytes: Arc<[u8]>,
    /// Types, by type index.
    pub types: Vec<FuncType>,
    /// Canonical signature id per type index: the index of the first equal type.
    pub canonical_sig: Vec<u32>,
    /// Function imports, in import order (function indices `0..imports.len()`).
    pub imports: Vec<FuncImport>,
    /// Type index of every function (imports first).
    pub func_types: Vec<u32>,
    /// Byte range of each defined function's body (index = function index − imports).
    pub bodies: Vec<Range<usize>>,
    /// The table, if any.
    pub table: Option<TableInfo>,
    /// The memory, if any.
    pub memory: Option<MemoryInfo>,
    /// Globals, by global index.
    pub globals: Vec<GlobalInfo>,
    /// Exports.
    pub exports: Vec<Export>,
    /// Active element segments.
    pub elements: Vec<ElemSegment>,
    /// Active data segments.
    pub data: Vec<DataSegment>,
    /// Start function, if any.
    pub start: Option<u32>,
    /// Function names from the name section.
    pub names: HashMap<u32, String>,
}

/// Why a module was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleError {
    /// The bytes are not a valid wasm module (empty, truncated, malformed, or invalid).
    Invalid(String),
    /// The module is valid wasm but needs a feature gojit does not support.
    Unsupported(String),
}

impl fmt::Display for ModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleError::Invalid(msg) => write!(f, "invalid wasm module: {msg}"),
            ModuleError::Unsupported(what) => {
                write!(
                    f,
                    "unsupported wasm feature: {what} (gojit supports what Go emits: MVP, sign-extension, saturating float-to-int, memory.copy/memory.fill)"
                )
            }
        }
    }
}

impl std::error::Error for ModuleError {}

impl ModuleInfo {
    /// Number of imported functions.
    pub fn num_imports(&self) -> u32 {
        self.imports.len() as u32
    }

    /// Total number of functions (imported and defined).
    pub fn num_funcs(&self) -> u32 {
        self.func_types.len() as u32
    }

    /// The signature of function `index`.
    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.func_types[index as usize] as usize]
    }

    /// A printable name for function `index`: its name-section name, else the export name, else
    /// `func[index]`.
    pub fn func_name(&self, index: u32) -> String {
        if let Some(n) = self.names.get(&index) {
            return n.clone();
        }
        if let Some(e) = self
            .exports
            .iter()
            .find(|e| e.kind == ExportKind::Func && e.index == index)
        {
            return e.name.clone();
        }
        format!("func[{index}]")
    }

    /// The exported function called `name`, if any.
    pub fn exported_func(&self, name: &str) -> Option<u32> {
        self.exports
            .iter()
            .find(|e| e.kind == ExportKind::Func && e.name == name)
            .map(|e| e.index)
    }

    /// A reader over the body of defined function `index` (a function index, not an import).
    pub fn body(&self, index: u32) -> wasmparser::FunctionBody<'_> {
        let r = self.bodies[(index - self.num_imports()) as usize].clone();
        wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
            &self.bytes[r.clone()],
            r.start as u64,
        ))
    }

    /// Parses `bytes` without validating them: only for bytes this same gojit version has
    /// already validated (e.g. a module whose compiled code is in the code cache, which is keyed
    /// by a hash of the bytes). Malformed input is still an error, never a panic.
    ///
    /// # Errors
    /// [`ModuleError::Invalid`] if the bytes cannot be parsed.
    pub fn parse_prevalidated(bytes: impl Into<Arc<[u8]>>) -> Result<ModuleInfo, ModuleError> {
        let bytes: Arc<[u8]> = bytes.into();
        if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
            return Err(ModuleError::Invalid(
                "missing the \\0asm magic header: not a wasm binary".into(),
            ));
        }
        parse_validated(bytes, &AtomicBool::new(false))
    }

    /// Parses and validates `bytes`.
    ///
    /// # Errors
    /// [`ModuleError::Invalid`] for bytes that are not a valid module, and
    /// [`ModuleError::Unsupported`] naming the feature for a valid module gojit cannot run.
    pub fn parse(bytes: impl Into<Arc<[u8]>>) -> Result<ModuleInfo, ModuleError> {
        let bytes: Arc<[u8]> = bytes.into();
        if bytes.is_empty() {
            return Err(ModuleError::Invalid("empty file (0 bytes)".into()));
        }
        if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
            return Err(ModuleError::Invalid(
                "missing the \\0asm magic header: not a wasm binary".into(),
            ));
        }
        // Building the `ModuleInfo` does not depend on validation, so it runs on another thread
        // meanwhile (malformed bytes are an error there, never a panic); its result is used only
        // once validation has passed, so an invalid module reports the validation error.
        // A failed validation cancels the parser (it checks between sections and function
        // bodies), so rejecting an invalid module does not wait for work that is thrown away.
        let cancel = AtomicBool::new(false);
        let (valid, parsed) = std::thread::scope(|s| {
            let parser = s.spawn(|| parse_validated(bytes.clone(), &cancel));
            let valid = validate(&bytes);
            if valid.is_err() {
                cancel.store(true, Ordering::Relaxed);
            }
            (valid, parser.join())
        });
        valid?;
        parsed.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// Validates with [`GO_FEATURES`]; on failure, finds out whether a named feature would make the
/// module valid so the error can say which.
fn validate(bytes: &[u8]) -> Result<(), ModuleError> {
    let err = match validate_parallel(bytes, GO_FEATURES) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    let everything = WasmFeatures::all();
    if Validator::new_with_features(everything)
        .validate_all(bytes)
        .is_ok()
    {
        for &(feature, name) in NAMED_FEATURES {
            if Validator::new_with_features(GO_FEATURES | feature)
                .validate_all(bytes)
                .is_ok()
            {
                return Err(ModuleError::Unsupported(name.to_string()));
            }
        }
        return Err(ModuleError::Unsupported(format!(
            "a wasm proposal ({})",
            err.message()
        )));
    }
    Err(ModuleError::Invalid(format!(
        "{} (at byte offset {:#x})",
        err.message(),
        err.offset()
    )))
}

/// Validates the module structure on this thread and the function bodies on all cores (they are
/// independent once the module's types and indices are known).
fn validate_parallel(
    bytes: &[u8],
    features: WasmFeatures,
) -> Result<(), wasmparser::BinaryReaderError> {
    let mut validator = Validator::new_with_features(features);
    let mut funcs = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match validator.payload(&payload?)? {
            wasmparser::ValidPayload::Func(f, body) => funcs.push((f, body)),
            wasmparser::ValidPayload::End(_) => break,
            _ => {}
        }
    }
    if funcs.is_empty() {
        return Ok(());
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(funcs.len());
    // Threads take the next batch of functions when done with one (bodies differ in size by
    // orders of magnitude, so equal shares would leave threads idle). Batches are handed out
    // in function order and a thread stops only after an error in its batch, so every function
    // before the first invalid one is validated: the first error in function order wins, and
    // the message does not depend on thread timing.
    const BATCH: usize = 32;
    let mut batches = Vec::with_capacity(funcs.len().div_ceil(BATCH));
    let mut funcs = funcs.into_iter().peekable();
    while funcs.peek().is_some() {
        batches.push(funcs.by_ref().take(BATCH).collect::<Vec<_>>());
    }
    let batches = std::sync::Mutex::new(batches.into_iter().enumerate());
    let work = || {
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        loop {
            let Some((b, batch)) = batches.lock().unwrap_or_else(|e| e.into_inner()).next() else {
                return Ok(());
            };
            for (i, (f, body)) in batch.into_iter().enumerate() {
                let mut v = f.into_validator(allocs);
                v.validate(&body).map_err(|e| (b * BATCH + i, e))?;
                allocs = v.into_allocations();
            }
        }
    };
    // This thread is one of the workers.
    let results: Vec<Result<(), (usize, wasmparser::BinaryReaderError)>> =
        std::thread::scope(|s| {
            let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
            let mut results = vec![work()];
            results.extend(
                handles
                    .into_iter()
                    .map(|h| h.join().expect("validator thread panicked")),
            );
            results
        });
    match results
        .into_iter()
        .filter_map(Result::err)
        .min_by_key(|(i, _)| *i)
    {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

fn const_value(expr: &ConstExpr<'_>, ty: ValType) -> Result<u64, ModuleError> {
    let mut reader = expr.get_operators_reader();
    let op = reader
        .read()
        .map_err(|e| ModuleError::Invalid(e.to_string()))?;
    let v = match op {
        Operator::I32Const { value } => value as u32 as u64,
        Operator::I64Const { value } => value as u64,
        Operator::F32Const { value } => value.bits() as u64,
        Operator::F64Const { value } => value.bits(),
        other => {
            return Err(ModuleError::Unsupported(format!(
                "constant expression {other:?} for a {ty} value"
            )));
        }
    };
    Ok(v)
}

fn parse_validated(bytes: Arc<[u8]>, cancel: &AtomicBool) -> Result<ModuleInfo, ModuleError> {
    let mut m = ModuleInfo {
        bytes: bytes.clone(),
        types: Vec::new(),
        canonical_sig: Vec::new(),
        imports: Vec::new(),
        func_types: Vec::new(),
        bodies: Vec::new(),
        table: None,
        memory: None,
        globals: Vec::new(),
        exports: Vec::new(),
        elements: Vec::new(),
        data: Vec::new(),
        start: None,
        names: HashMap::new(),
    };
    // The first index of each distinct signature: canonicalisation stays linear in the number of
    // types (a search of `m.types` made 100,000 distinct types take ~23 s).
    let mut first_of_type: HashMap<FuncType, u32> = HashMap::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        if cancel.load(Ordering::Relaxed) {
            return Err(ModuleError::Invalid("parsing cancelled".into()));
        }
        match payload.map_err(invalid)? {
            Payload::TypeSection(reader) => {
                each(reader, |x| parse_rec_group(&mut m, &mut first_of_type, x))?
            }
            Payload::ImportSection(reader) => parse_import_section(&mut m, reader)?,
            Payload::FunctionSection(reader) => each(reader, |t| {
                m.func_types.push(t);
                Ok(())
            })?,
            Payload::TableSection(reader) => each(reader, |x| parse_table(&mut m, x))?,
            Payload::MemorySection(reader) => each(reader, |x| parse_memory(&mut m, x))?,
            Payload::GlobalSection(reader) => each(reader, |x| parse_global(&mut m, x))?,
            Payload::ExportSection(reader) => each(reader, |x| parse_export(&mut m, x))?,
            Payload::StartSection { func, .. } => m.start = Some(func),
            Payload::ElementSection(reader) => each(reader, |x| parse_element(&mut m, x))?,
            Payload::DataSection(reader) => each(reader, |x| parse_data_segment(&mut m, x))?,
            Payload::CodeSectionEntry(body) => {
                let r = body.range();
                m.bodies.push(r.start as usize..r.end as usize);
            }
            Payload::CustomSection(c) => parse_custom_section(&mut m, &c),
            _ => {}
        }
    }
    Ok(m)
}

/// Runs `f` on every entry of a section.
fn each<'a, T: wasmparser::FromReader<'a>>(
    reader: wasmparser::SectionLimited<'a, T>,
    mut f: impl FnMut(T) -> Result<(), ModuleError>,
) -> Result<(), ModuleError> {
    for entry in reader {
        f(entry.map_err(invalid)?)?;
    }
    Ok(())
}

/// A reader error as a [`ModuleError`].
fn invalid(e: wasmparser::BinaryReaderError) -> ModuleError {
    ModuleError::Invalid(e.to_string())
}

/// A recursion group of the type section: function types only, each with its canonical
/// signature id (the index of the first equal type, found in `first_of_type`).
fn parse_rec_group(
    m: &mut ModuleInfo,
    first_of_type: &mut HashMap<FuncType, u32>,
    rec: wasmparser::RecGroup,
) -> Result<(), ModuleError> {
    for sub in rec.into_types() {
        let f = match &sub.composite_type.inner {
            wasmparser::CompositeInnerType::Func(f) => f,
            _ => return Err(ModuleError::Unsupported("non-function types".into())),
        };
        let ty = FuncType {
            params: f
                .params()
                .iter()
                .map(|t| ValType::from_wasm(*t))
                .collect::<Result<_, _>>()?,
            results: f
                .results()
                .iter()
                .map(|t| ValType::from_wasm(*t))
                .collect::<Result<_, _>>()?,
        };
        let next = m.types.len() as u32;
        let canon = *first_of_type.entry(ty.clone()).or_insert(next);
        m.canonical_sig.push(canon);
        m.types.push(ty);
    }
    Ok(())
}

/// The import section: function imports only.
fn parse_import_section(
    m: &mut ModuleInfo,
    reader: wasmparser::ImportSectionReader<'_>,
) -> Result<(), ModuleError> {
    for imp in reader.into_imports() {
        let imp = imp.map_err(invalid)?;
        match imp.ty {
            TypeRef::Func(type_index) => {
                m.imports.push(FuncImport {
                    module: imp.module.to_string(),
                    name: imp.name.to_string(),
                    type_index,
                });
                m.func_types.push(type_index);
            }
            other => {
                let what = match other {
                    TypeRef::Memory(_) => "memory",
                    TypeRef::Table(_) => "table",
                    TypeRef::Global(_) => "global",
                    _ => "non-function",
                };
                return Err(ModuleError::Unsupported(format!(
                    "imported {what} `{}::{}` (only function imports are supported)",
                    imp.module, imp.name
                )));
            }
        }
    }
    Ok(())
}

/// A table (the validator allows one).
fn parse_table(m: &mut ModuleInfo, t: wasmparser::Table<'_>) -> Result<(), ModuleError> {
    m.table = Some(TableInfo {
        min: t.ty.initial,
        max: t.ty.maximum,
    });
    Ok(())
}

/// A memory (the validator allows one).
fn parse_memory(m: &mut ModuleInfo, mem: wasmparser::MemoryType) -> Result<(), ModuleError> {
    m.memory = Some(MemoryInfo {
        min_pages: mem.initial,
        max_pages: mem.maximum,
    });
    Ok(())
}

/// A global: its type and constant initial value.
fn parse_global(m: &mut ModuleInfo, g: wasmparser::Global<'_>) -> Result<(), ModuleError> {
    let ty = ValType::from_wasm(g.ty.content_type)?;
    let init = const_value(&g.init_expr, ty)?;
    m.globals.push(GlobalInfo {
        ty,
        mutable: g.ty.mutable,
        init,
    });
    Ok(())
}

/// An export.
fn parse_export(m: &mut ModuleInfo, e: wasmparser::Export<'_>) -> Result<(), ModuleError> {
    let kind = match e.kind {
        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
        ExternalKind::Memory => ExportKind::Memory,
        ExternalKind::Table => ExportKind::Table,
        ExternalKind::Global => ExportKind::Global,
        ExternalKind::Tag => {
            return Err(ModuleError::Unsupported("exported tags".into()));
        }
    };
    m.exports.push(Export {
        name: e.name.to_string(),
        kind,
        index: e.index,
    });
    Ok(())
}

/// An element segment: active segments of function indices into table 0 are kept.
fn parse_element(m: &mut ModuleInfo, el: wasmparser::Element<'_>) -> Result<(), ModuleError> {
    let offset = match el.kind {
        ElementKind::Active {
            table_index,
            offset_expr,
        } => {
            if table_index.unwrap_or(0) != 0 {
                return Err(ModuleError::Unsupported("multiple tables".into()));
            }
            const_value(&offset_expr, ValType::I32)? as u32
        }
        // Passive/declared segments are only usable by table.init/ref.func,
        // which our feature set rejects during validation.
        _ => return Ok(()),
    };
    let funcs = match el.items {
        ElementItems::Functions(r) => r
            .into_iter()
            .map(|f| f.map(Some))
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?,
        ElementItems::Expressions(..) => {
            return Err(ModuleError::Unsupported("element expressions".into()));
        }
    };
    m.elements.push(ElemSegment { offset, funcs });
    Ok(())
}

/// A data segment: active segments of memory 0 are kept, as ranges into the module's bytes.
fn parse_data_segment(m: &mut ModuleInfo, d: wasmparser::Data<'_>) -> Result<(), ModuleError> {
    if let DataKind::Active {
        memory_index: 0,
        offset_expr,
    } = d.kind
    {
        let offset = const_value(&offset_expr, ValType::I32)? as u32;
        let end = d.range.end as usize;
        m.data.push(DataSegment {
            offset,
            range: end - d.data.len()..end,
        });
    }
    Ok(())
}

/// A custom section: function names from the name section. A malformed name section only loses
/// names; it never rejects the module.
fn parse_custom_section(m: &mut ModuleInfo, c: &wasmparser::CustomSectionReader<'_>) {
    if let wasmparser::KnownCustom::Name(names) = c.as_known() {
        for sub in names.into_iter().flatten() {
            if let wasmparser::Name::Function(map) = sub {
                for n in map.into_iter().flatten() {
                    m.names.insert(n.index, n.name.to_string());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_garbage_are_invalid() {
        assert!(matches!(
            ModuleInfo::parse(Vec::new()),
            Err(ModuleError::Invalid(_))
        ));
        assert!(matches!(
            ModuleInfo::parse(vec![1, 2, 3, 4, 5, 6, 7, 8, 9]),
            Err(ModuleError::Invalid(_))
        ));
    }

    #[test]
    fn simd_is_named() {
        let wasm = wat::parse_str(
            r#"(module (func (result i32) v128.const i64x2 0 0 i32x4.extract_lane 0))"#,
        )
        .unwrap();
        let err = ModuleInfo::parse(wasm).unwrap_err();
        assert_eq!(err, ModuleError::Unsupported("SIMD (v128)".into()), "{err}");
    }

    #[test]
    fn parses_names_types_and_exports() {
        let wasm = wat::parse_str(
            r#"(module
                 (import "env" "f" (func $f (param i32) (result i32)))
                 (memory 1) (table 2 funcref) (elem (i32.const 1) $g)
                 (global (mut i32) (i32.const 7))
                 (func $g (export "g") (param i32) (result i32) local.get 0)
                 (data (i32.const 16) "hi"))"#,
        )
        .unwrap();
        let m = ModuleInfo::parse(wasm).unwrap();
        assert_eq!(m.num_imports(), 1);
        assert_eq!(m.num_funcs(), 2);
        assert_eq!(m.canonical_sig, vec![0]);
        assert_eq!(m.func_name(1), "g");
        assert_eq!(m.exported_func("g"), Some(1));
        assert_eq!(m.globals[0].init, 7);
        assert_eq!(&m.bytes[m.data[0].range.clone()], b"hi");
        assert_eq!(m.elements[0].funcs, vec![Some(1)]);
    }

    #[test]
    fn the_first_invalid_body_in_function_order_is_reported() {
        // Enough functions for many validation batches; invalid ones in several of them.
        let mut text = String::from("(module");
        for i in 0..500 {
            if [130, 131, 300, 499].contains(&i) {
                text.push_str(&format!(" (func (result i32) i64.const {i})"));
            } else {
                text.push_str(&format!(" (func (result i32) i32.const {i})"));
            }
        }
        text.push(')');
        let wasm = wat::parse_str(&text).unwrap();
        // The offset of function 130's body: the error names it.
        let first = wat::parse_str(
            text.replacen("i64.const 131", "i32.const 131", 1)
                .replacen("i64.const 300", "i32.const 300", 1)
                .replacen("i64.const 499", "i32.const 499", 1),
        )
        .unwrap();
        for _ in 0..5 {
            assert_eq!(
                ModuleInfo::parse(wasm.clone()).unwrap_err(),
                ModuleInfo::parse(first.clone()).unwrap_err()
            );
        }
        assert!(matches!(
            ModuleInfo::parse(wasm),
            Err(ModuleError::Invalid(m)) if m.contains("type mismatch")
        ));
    }
}
