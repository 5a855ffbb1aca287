//! Computes `GOJIT_CODEGEN_HASH`: a hash of every source file that decides what machine code
//! gojit produces or what compiled code may assume (the translator, the jit, and the runtime's
//! side of the contract: builtins, vmctx, trampolines). It is part of the code-cache key, so code
//! cached by one build is never loaded by a build that would generate different code.

use std::path::Path;

fn hash_dir(dir: &Path, h: &mut u64) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            hash_dir(&p, h);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let bytes = std::fs::read(&p).unwrap_or_default();
            for &b in p.to_string_lossy().as_bytes().iter().chain(&bytes) {
                *h = (*h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
}

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for dir in ["../frontend/src", "../jit/src", "src"] {
        let d = manifest.join(dir);
        println!("cargo:rerun-if-changed={}", d.display());
        hash_dir(&d, &mut h);
    }
    println!("cargo:rustc-env=GOJIT_CODEGEN_HASH={h:016x}");
}
