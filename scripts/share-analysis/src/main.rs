//! How much of a Go wasm binary's code another binary of the same Go version could reuse, if
//! compiled code were cached per function body across modules (issue 14's question, asked before
//! building anything).
//!
//! ```text
//! cargo run --release -- a.test.wasm b.test.wasm [c.test.wasm ...]
//! ```
//!
//! For the first binary against each other one, counts the defined functions (and their body
//! bytes, a proxy for compile time) whose bodies are equal under four normalisations:
//! 1. **exact**: byte-identical bodies;
//! 2. **+calls**: `call N` compared by the callee's name instead of its index;
//! 3. **+pcs**: also Go's resume-point constants (`(0x1000 + function) << 16 | block`, pushed as
//!    return addresses) compared by function name and block;
//! 4. **+data**: also every `i32.const`/`i64.const` that points into static data (from the first
//!    data segment to the end of the initial memory, which holds Go's bss) compared as "an
//!    address" (an upper bound: it assumes every such address could be relocated to what it
//!    points to in the other binary).
//!
//! Functions are paired by Go name (names are stable across binaries of one Go version).

use std::collections::HashMap;
use wasmparser::{Operator, Parser, Payload};

struct Binary {
    names: HashMap<u32, String>,
    /// Defined functions: (function index, normalised bodies for levels 0..4, body bytes).
    bodies: Vec<(u32, [Vec<u8>; 4], usize)>,
}

fn load(path: &str) -> Binary {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut names = HashMap::new();
    let mut imports = 0u32;
    let mut data_ranges: Vec<(u64, u64)> = Vec::new();
    let mut memory_min = 0u64;
    let mut raw_bodies: Vec<(u32, std::ops::Range<u64>)> = Vec::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.expect("parse") {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    if matches!(imp.expect("import").ty, wasmparser::TypeRef::Func(_)) {
                        imports += 1;
                    }
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    memory_min = m.expect("memory").initial * 65_536;
                }
            }
            Payload::DataSection(r) => {
                for d in r {
                    let d = d.expect("data");
                    if let wasmparser::DataKind::Active { offset_expr, .. } = d.kind {
                        let mut ops = offset_expr.get_operators_reader();
                        if let Ok(Operator::I32Const { value }) = ops.read() {
                            let start = value as u32 as u64;
                            data_ranges.push((start, start + d.data.len() as u64));
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let index = imports + raw_bodies.len() as u32;
                raw_bodies.push((index, body.range()));
            }
            Payload::CustomSection(c) => {
                if let wasmparser::KnownCustom::Name(r) = c.as_known() {
                    for n in r {
                        if let Ok(wasmparser::Name::Function(map)) = n {
                            for naming in map {
                                let naming = naming.expect("name");
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let lo = data_ranges.iter().map(|r| r.0).min().unwrap_or(0);
    // Static data ends where Go's bss and noptrbss end, inside the initial memory.
    let hi = data_ranges.iter().map(|r| r.1).max().unwrap_or(0).max(memory_min);
    let name_of = |i: u32| names.get(&i).cloned().unwrap_or_else(|| format!("#{i}"));
    let mut bodies = Vec::new();
    let layout = (lo, hi, imports, raw_bodies.len() as u32);
    if std::env::var_os("SHOW_DIFF").is_some() {
        eprintln!("{path}: static data {lo:#x}..{hi:#x}");
    }
    for (index, range) in raw_bodies {
        let raw = &bytes[range.start as usize..range.end as usize];
        let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(raw, range.start));
        let mut levels: [Vec<u8>; 4] = [raw.to_vec(), Vec::new(), Vec::new(), Vec::new()];
        let mut ops = body.get_operators_reader().expect("operators");
        while !ops.eof() {
            let op = ops.read().expect("operator");
            for level in 1..4 {
                let text = match &op {
                    Operator::Call { function_index } => format!("call {}", name_of(*function_index)),
                    Operator::I32Const { value } => constant(*value as u32 as u64, level, layout, &name_of),
                    Operator::I64Const { value } => constant(*value as u64, level, layout, &name_of),
                    other => format!("{other:?}"),
                };
                levels[level].extend_from_slice(text.as_bytes());
                levels[level].push(b'\n');
            }
        }
        bodies.push((index, levels, raw.len()));
    }
    Binary { names, bodies }
}

/// A constant at normalisation `level`: a Go resume point by function name (level ≥ 2), an
/// address into the data segments as a wildcard (level 3), else its value.
fn constant(
    v: u64,
    level: usize,
    (lo, hi, imports, defined): (u64, u64, u32, u32),
    name_of: &dyn Fn(u32) -> String,
) -> String {
    let func = (v >> 16).wrapping_sub(0x1000);
    if level >= 2 && v >> 16 >= 0x1000 && func < u64::from(defined) {
        let index = func as u32 + imports;
        return format!("pc {} {}", name_of(index), v & 0xffff);
    }
    // Go's static data starts above 48 KiB, so sizes and masks are not taken for addresses.
    if level >= 3 && v >= lo.max(0x1000) && v < hi {
        return "addr".to_string();
    }
    format!("const {v}")
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    assert!(paths.len() >= 2, "usage: share-analysis A.wasm B.wasm [...]");
    let a = load(&paths[0]);
    let a_total: usize = a.bodies.iter().map(|b| b.2).sum();
    println!("{}: {} defined functions, {} body bytes", paths[0], a.bodies.len(), a_total);
    for path in &paths[1..] {
        let b = load(path);
        let by_name: HashMap<&str, &(u32, [Vec<u8>; 4], usize)> = b
            .bodies
            .iter()
            .filter_map(|f| b.names.get(&f.0).map(|n| (n.as_str(), f)))
            .collect();
        let b_total: usize = b.bodies.iter().map(|f| f.2).sum();
        let mut same = [(0usize, 0usize); 4];
        let mut named = 0;
        for f in &a.bodies {
            let Some(name) = a.names.get(&f.0) else { continue };
            let Some(g) = by_name.get(name.as_str()) else { continue };
            named += 1;
            for level in 0..4 {
                if f.1[level] == g.1[level] {
                    same[level].0 += 1;
                    same[level].1 += g.2;
                }
            }
            if std::env::var_os("SHOW_DIFF").is_some() && f.1[3] != g.1[3] && named % 50 == 0 {
                let (x, y) = (String::from_utf8_lossy(&f.1[3]), String::from_utf8_lossy(&g.1[3]));
                let d = x.lines().zip(y.lines()).find(|(p, q)| p != q);
                eprintln!("{name}: {d:?}");
            }
        }
        println!(
            "\n{path}: {} defined functions, {} body bytes; {named} share a name with the first",
            b.bodies.len(),
            b_total
        );
        for (level, label) in ["exact", "+calls by name", "+resume points by name", "+data addresses (upper bound)"].iter().enumerate() {
            println!(
                "  {label:<32} {:>6} functions ({:5.1}% of its functions), {:>9} bytes ({:5.1}% of its code)",
                same[level].0,
                100.0 * same[level].0 as f64 / b.bodies.len() as f64,
                same[level].1,
                100.0 * same[level].1 as f64 / b_total as f64
            );
        }
    }
}
