//! Control operators: `block`, `loop`, `if`/`else`, `end`, `br`, `br_if`, `br_table`, `return`,
//! `unreachable`, and the skipping of unreachable code.
//!
//! Each wasm block is a Cranelift block `dest` that receives the block's results as parameters;
//! a loop's branch target is its header. Code after an unconditional branch is unreachable: its
//! operators are skipped, only counting nested blocks so the matching `else`/`end` is found.

use super::{FuncTranslator, TranslateError};
use crate::traps::Trap;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, Type, Value, types};
use wasmparser::{BlockType, Operator};

#[derive(Debug)]
pub(crate) enum FrameKind {
    /// The function body; `dest` is the return block.
    Function,
    Block,
    Loop {
        header: Block,
    },
    If {
        /// The else block while no `else` has been seen (it is the false edge of the `if`).
        else_block: Option<Block>,
        /// Whether the `if` itself was reachable (so its else path is).
        head_reachable: bool,
        /// Whether the end of the then-arm was reachable (known once `else` is seen).
        then_end_reachable: bool,
    },
}

#[derive(Debug)]
pub(crate) struct ControlFrame {
    pub(crate) kind: FrameKind,
    /// The block after `end`, with one parameter per result.
    pub(crate) dest: Block,
    pub(crate) num_params: usize,
    pub(crate) num_results: usize,
    /// Operand stack height below the block's parameters.
    pub(crate) stack_height: usize,
    /// Whether some branch targets `dest`.
    pub(crate) dest_branched_to: bool,
    /// For a Go dispatch loop: the recorded resume-point table (see `go_dispatch`).
    pub(crate) dispatch: Option<Box<super::go_dispatch::DispatchTable>>,
}

impl ControlFrame {
    pub(crate) fn function(exit: Block, num_results: usize) -> Self {
        ControlFrame {
            kind: FrameKind::Function,
            dest: exit,
            num_params: 0,
            num_results,
            stack_height: 0,
            dest_branched_to: false,
            dispatch: None,
        }
    }

    /// Where a branch to this frame goes, and how many values it carries.
    fn branch_target(&self) -> (Block, usize) {
        match self.kind {
            FrameKind::Loop { header } => (header, self.num_params),
            _ => (self.dest, self.num_results),
        }
    }
}

fn args(vals: &[Value]) -> Vec<BlockArg> {
    vals.iter().map(|v| BlockArg::Value(*v)).collect()
}

impl FuncTranslator<'_, '_> {
    fn block_type(&self, bt: BlockType) -> (Vec<Type>, Vec<Type>) {
        match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![wasm_type(t)]),
            BlockType::FuncType(i) => {
                let ft = &self.module.types[i as usize];
                (
                    ft.params.iter().map(|t| super::clif_type(*t)).collect(),
                    ft.results.iter().map(|t| super::clif_type(*t)).collect(),
                )
            }
        }
    }

    fn block_with_params(&mut self, tys: &[Type]) -> Block {
        let b = self.builder.create_block();
        for &t in tys {
            self.builder.append_block_param(b, t);
        }
        b
    }

    /// Marks the frame `depth` levels up as a branch target and returns (target, arity).
    fn branch_to(&mut self, depth: u32) -> (Block, usize) {
        let i = self.control.len() - 1 - depth as usize;
        let frame = &mut self.control[i];
        if !matches!(frame.kind, FrameKind::Loop { .. }) {
            frame.dest_branched_to = true;
        }
        frame.branch_target()
    }

    pub(crate) fn translate_control(&mut self, op: Operator<'_>) -> Result<(), TranslateError> {
        match op {
            Operator::Block { blockty } => {
                let (params, results) = self.block_type(blockty);
                let dest = self.block_with_params(&results);
                self.control.push(ControlFrame {
                    kind: FrameKind::Block,
                    dest,
                    num_params: params.len(),
                    num_results: results.len(),
                    stack_height: self.stack.len() - params.len(),
                    dest_branched_to: false,
                    dispatch: None,
                });
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_type(blockty);
                let header = self.block_with_params(&params);
                let dest = self.block_with_params(&results);
                let n = params.len();
                let a = args(self.peekn(n));
                self.builder.ins().jump(header, &a);
                self.stack.truncate(self.stack.len() - n);
                if n == 0 {
                    self.block_starts_here(header, self.stack.len());
                }
                self.builder.switch_to_block(header);
                let hp = self.builder.block_params(header).to_vec();
                self.stack.extend(hp);
                self.control.push(ControlFrame {
                    kind: FrameKind::Loop { header },
                    dest,
                    num_params: n,
                    num_results: results.len(),
                    stack_height: self.stack.len() - n,
                    dest_branched_to: false,
                    dispatch: None,
                });
                if n == 0 {
                    self.dispatch_scan.loop_frame = Some(self.control.len() - 1);
                }
            }
            Operator::If { blockty } => {
                let cond = self.pop();
                let (params, results) = self.block_type(blockty);
                let n = params.len();
                let then_block = self.block_with_params(&params);
                let else_block = self.block_with_params(&params);
                let dest = self.block_with_params(&results);
                let a = args(self.peekn(n));
                self.builder
                    .ins()
                    .brif(cond, then_block, &a, else_block, &a);
                self.stack.truncate(self.stack.len() - n);
                self.builder.seal_block(then_block);
                self.builder.switch_to_block(then_block);
                let tp = self.builder.block_params(then_block).to_vec();
                self.stack.extend(tp);
                self.control.push(ControlFrame {
                    kind: FrameKind::If {
                        else_block: Some(else_block),
                        head_reachable: true,
                        then_end_reachable: false,
                    },
                    dest,
                    num_params: n,
                    num_results: results.len(),
                    stack_height: self.stack.len() - n,
                    dest_branched_to: false,
                    dispatch: None,
                });
            }
            Operator::Else => {
                let frame = self.control.last().expect("else outside if");
                let (dest, nres, height) = (frame.dest, frame.num_results, frame.stack_height);
                let a = args(self.peekn(nres));
                self.builder.ins().jump(dest, &a);
                self.enter_else(true, height);
            }
            Operator::End => {
                let frame = self.control.last().expect("end outside block");
                let (dest, nres) = (frame.dest, frame.num_results);
                let a = args(self.peekn(nres));
                self.builder.ins().jump(dest, &a);
                let frame = self.control.last_mut().expect("frame");
                frame.dest_branched_to = true;
                self.close_frame();
            }
            Operator::Br { relative_depth } => {
                let (target, n) = self.branch_to(relative_depth);
                let target = self.threaded(relative_depth).unwrap_or(target);
                let a = args(self.peekn(n));
                let osr_ok = self.osr_possible(relative_depth, n);
                self.interrupt_check_if_backward(&[target]);
                self.tier_tick_if_backward(target, osr_ok);
                self.builder.ins().jump(target, &a);
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (target, n) = self.branch_to(relative_depth);
                let target = self.threaded(relative_depth).unwrap_or(target);
                let a = args(self.peekn(n));
                let next = self.builder.create_block();
                // Checked whether or not the branch is taken: no block split, and an interrupt
                // only fires one iteration earlier.
                self.interrupt_check_if_backward(&[target]);
                if self.ticks_backward_branch(target) {
                    // The tick runs only where the branch is taken: one that moves the call
                    // into OSR code resumes at the loop's header, which is right only then
                    // (a loop's exit test falling through must not run the body once more).
                    let taken = self.builder.create_block();
                    self.builder.ins().brif(cond, taken, &[], next, &[]);
                    self.builder.seal_block(taken);
                    self.builder.switch_to_block(taken);
                    let osr_ok = self.osr_possible(relative_depth, n);
                    self.tier_tick_if_backward(target, osr_ok);
                    self.builder.ins().jump(target, &a);
                } else {
                    self.builder.ins().brif(cond, target, &a, next, &[]);
                }
                self.builder.seal_block(next);
                self.builder.switch_to_block(next);
            }
            Operator::BrTable { targets } => {
                let index = self.pop();
                let depths: Vec<u32> = targets.targets().collect::<Result<_, _>>()?;
                self.record_dispatch(index, &depths, targets.default());
                let (default, n) = self.branch_to(targets.default());
                let a = args(self.peekn(n));
                let mut table = Vec::with_capacity(depths.len());
                let mut target0 = None;
                let mut targets = vec![default];
                for d in depths {
                    let (target, _) = self.branch_to(d);
                    target0.get_or_insert(target);
                    targets.push(target);
                    table.push(self.builder.func.dfg.block_call(target, &a));
                }
                self.interrupt_check_if_backward(&targets);
                let default = self.builder.func.dfg.block_call(default, &a);
                let jt = self
                    .builder
                    .create_jump_table(JumpTableData::new(default, &table));
                if let Some(t0) = target0.and_then(|t| self.fast_entry_target(index, t)) {
                    let dispatch = self.builder.create_block();
                    self.builder.ins().brif(index, dispatch, &[], t0, &a);
                    self.builder.seal_block(dispatch);
                    self.builder.switch_to_block(dispatch);
                }
                self.builder.ins().br_table(index, jt);
                self.reachable = false;
            }
            Operator::Return => {
                let n = self.control[0].num_results;
                let vals = self.peekn(n).to_vec();
                if self.inline.active {
                    // An inlined callee returns to its inline exit.
                    self.control[0].dest_branched_to = true;
                    let exit = self.control[0].dest;
                    self.builder.ins().jump(exit, &args(&vals));
                } else {
                    self.builder.ins().return_(&vals);
                }
                self.reachable = false;
            }
            Operator::Unreachable => {
                self.trap(Trap::Unreachable);
                self.reachable = false;
            }
            other => unreachable!("not a control operator: {other:?}"),
        }
        Ok(())
    }

    /// Whether a backward branch `depth` levels up carrying `n` values can move to optimized
    /// code: it carries none and no operand lives below its target (Go's code has none).
    fn osr_possible(&self, depth: u32, n: usize) -> bool {
        let i = self.control.len() - 1 - depth as usize;
        n == 0 && self.control[i].stack_height == 0
    }

    /// The direct target of a branch `depth` levels up if it goes to a Go dispatch loop with a
    /// constant resume point (see `go_dispatch`).
    fn threaded(&mut self, depth: u32) -> Option<Block> {
        let i = self.control.len() - 1 - depth as usize;
        if !matches!(self.control[i].kind, FrameKind::Loop { .. })
            || self.control[i].num_params != 0
        {
            return None;
        }
        self.dispatch_target(i)
    }

    /// Switches to the else arm of the innermost `if`; `then_end_reachable` says whether the
    /// then arm fell through (or ended by branching to `dest`).
    fn enter_else(&mut self, then_end_reachable: bool, height: usize) {
        let frame = self.control.last_mut().expect("else outside if");
        let FrameKind::If {
            else_block,
            head_reachable,
            then_end_reachable: ter,
        } = &mut frame.kind
        else {
            unreachable!("else outside if")
        };
        *ter = then_end_reachable;
        let else_block = else_block.take().expect("second else");
        let head = *head_reachable;
        let nparams = frame.num_params;
        self.stack.truncate(height);
        self.builder.seal_block(else_block);
        self.builder.switch_to_block(else_block);
        let ep = self.builder.block_params(else_block).to_vec();
        debug_assert_eq!(ep.len(), nparams);
        self.stack.extend(ep);
        self.reachable = head;
    }

    /// Pops the innermost frame at its `end` (the current position has already jumped to its
    /// destination or is unreachable) and continues after it.
    fn close_frame(&mut self) {
        let frame = self.control.pop().expect("end outside block");
        let mut dest_reachable = frame.dest_branched_to;
        if matches!(frame.kind, FrameKind::Block) && frame.num_results == 0 {
            dest_reachable |= self.block_starts_here(frame.dest, frame.stack_height);
        }
        match frame.kind {
            FrameKind::Loop { header } => {
                self.builder.seal_block(header);
                if let Some(table) = &frame.dispatch {
                    // Direct jumps to these could only come from inside the loop: all known now.
                    for &b in table.targets.iter().chain([&table.default]) {
                        if self.deferred_seal.remove(&b) {
                            self.builder.seal_block(b);
                        }
                    }
                }
            }
            FrameKind::If {
                else_block: Some(else_block),
                head_reachable,
                ..
            } => {
                // An `if` without `else`: its false edge runs an empty else arm (params = results).
                self.builder.seal_block(else_block);
                self.builder.switch_to_block(else_block);
                let p = args(self.builder.block_params(else_block));
                self.builder.ins().jump(frame.dest, &p);
                dest_reachable |= head_reachable;
            }
            FrameKind::If {
                then_end_reachable, ..
            } => dest_reachable |= then_end_reachable,
            FrameKind::Block | FrameKind::Function => {}
        }
        self.stack.truncate(frame.stack_height);
        if !self.deferred_seal.contains(&frame.dest) {
            self.builder.seal_block(frame.dest);
        }
        if matches!(frame.kind, FrameKind::Function) {
            if self.inline.active {
                // The caller continues at the inline exit (see `go_inline::inline_call`).
                self.inline.exit_reachable = dest_reachable;
            } else if dest_reachable {
                self.builder.switch_to_block(frame.dest);
                let rets = self.builder.block_params(frame.dest).to_vec();
                self.builder.ins().return_(&rets);
            }
            self.reachable = false;
            return;
        }
        if dest_reachable {
            self.builder.switch_to_block(frame.dest);
            let p = self.builder.block_params(frame.dest).to_vec();
            self.stack.extend(p);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
    }

    /// Handles an operator in unreachable code: only block structure matters.
    pub(crate) fn translate_unreachable(&mut self, op: Operator<'_>) -> Result<(), TranslateError> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.unreachable_depth += 1;
            }
            Operator::Else if self.unreachable_depth == 0 => {
                let height = self.control.last().expect("else outside if").stack_height;
                self.enter_else(false, height);
            }
            Operator::End if self.unreachable_depth == 0 => self.close_frame(),
            Operator::End => self.unreachable_depth -= 1,
            _ => {}
        }
        Ok(())
    }
}

fn wasm_type(t: wasmparser::ValType) -> Type {
    match t {
        wasmparser::ValType::I32 => types::I32,
        wasmparser::ValType::I64 => types::I64,
        wasmparser::ValType::F32 => types::F32,
        wasmparser::ValType::F64 => types::F64,
        // Validation with gojit's feature set admits no other block result type.
        other => unreachable!("block result type {other} in validated code"),
    }
}
