//! Linux perf map (`GOJIT_PERF_MAP=1`): names of JIT code for `perf report`.

use std::sync::{Mutex, OnceLock};

/// `/tmp/perf-<pid>.map`, when `GOJIT_PERF_MAP=1`: one line per published function so that
/// `perf report` names JIT code by Go function and tier.
pub(super) struct PerfMap(Mutex<std::fs::File>);

impl PerfMap {
    pub(super) fn write(&self, start: usize, len: usize, name: &str) {
        use std::io::Write;
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(f, "{start:x} {len:x} {name}");
    }
}

pub(super) fn perf_map() -> Option<&'static PerfMap> {
    static MAP: OnceLock<Option<PerfMap>> = OnceLock::new();
    MAP.get_or_init(|| {
        if std::env::var_os("GOJIT_PERF_MAP").is_none_or(|v| v.is_empty() || v == "0") {
            return None;
        }
        let path = format!("/tmp/perf-{}.map", std::process::id());
        std::fs::File::create(path)
            .ok()
            .map(|f| PerfMap(Mutex::new(f)))
    })
    .as_ref()
}
