//! Go's scheduler, driven from the host: the park-until-idle pump of [`CallMode::ParkUntilIdle`]
//! export calls, and how it finds the Go runtime functions it calls.
//!
//! [`CallMode::ParkUntilIdle`]: crate::CallMode::ParkUntilIdle

use super::instance::InstanceInner;
use crate::error::Error;
use crate::func::IDLE_ROUND_LIMIT;
use gojit_frontend::ValType;
use gojit_frontend::module::ModuleInfo;
use gojit_frontend::vmctx;

/// The Go runtime functions the park-until-idle pump calls, found by name and type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GoScheduler {
    gosched: u32,
    loop_export: u32,
}

impl InstanceInner {
    /// Runs Go's scheduler until no goroutine other than the caller's is runnable: repeatedly
    /// yields (`runtime.Gosched`) from a frame that looks like the export wrapper's, and lets
    /// `wasm_pc_f_loop_export` run goroutines until that frame is reached again. A round in
    /// which the loop dispatched only once (resuming the yielder itself) ran no other goroutine;
    /// two such rounds in a row mean idle (one can be a false positive: the scheduler checks the
    /// global run queue only every 61st tick).
    pub(crate) fn pump_until_idle(&mut self, export: u32) -> Result<(), Error> {
        let Some(go) = self.scheduler else {
            return Err(Error::Call(
                "park-until-idle needs Go's runtime.Gosched and wasm_pc_f_loop_export (not a Go module, or names stripped)".into(),
            ));
        };
        let info = self.module.info.clone();
        let pc_f = 0x1000 + u64::from(export - info.num_imports());
        let return_pc = (pc_f << 16) | 1;
        let mut quiet_rounds = 0;
        for _ in 0..IDLE_ROUND_LIMIT {
            let before = self.vmctx[vmctx::DISPATCHES as usize / 8];
            // Push the return PC the export wrapper pushes before calling its Go function.
            let sp = (self.global_word(0) as u32).wrapping_sub(8);
            self.vmctx[vmctx::global(0) as usize / 8] = u64::from(sp);
            let mem = self
                .memory
                .as_mut()
                .ok_or_else(|| Error::Call("Go module without memory".into()))?;
            let Some(slot) = mem.bytes_mut().get_mut(sp as usize..sp as usize + 8) else {
                return Err(Error::Call(format!(
                    "Go stack pointer {sp:#x} outside memory"
                )));
            };
            slot.copy_from_slice(&return_pc.to_le_bytes());
            let mut slots = [0u64];
            self.call_raw(go.gosched, &mut slots)?;
            if slots[0] as u32 != 0 {
                let mut slots = [pc_f];
                self.call_raw(go.loop_export, &mut slots)?;
            }
            let dispatched = self.vmctx[vmctx::DISPATCHES as usize / 8] - before;
            if dispatched <= 1 {
                quiet_rounds += 1;
                if quiet_rounds == 2 {
                    return Ok(());
                }
            } else {
                quiet_rounds = 0;
            }
        }
        Err(Error::Call(format!(
            "{} did not become idle: goroutines were still runnable after {IDLE_ROUND_LIMIT} scheduler rounds",
            info.func_name(export)
        )))
    }
}

pub(crate) fn find_go_scheduler(info: &ModuleInfo) -> Option<GoScheduler> {
    let by_name = |name: &str| {
        info.names
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(&i, _)| i)
    };
    let gosched = by_name("runtime.Gosched")?;
    let ty = info.func_type(gosched);
    if ty.params != [ValType::I32] || ty.results != [ValType::I32] {
        return None;
    }
    let loop_export =
        (0..info.num_funcs()).find(|&i| gojit_frontend::translate::is_go_export_loop(info, i))?;
    Some(GoScheduler {
        gosched,
        loop_export,
    })
}
