//! Decoding a wasm function body into the interpreter's code: one pass over the operators that
//! resolves every branch to an instruction index plus the operand-stack height to keep (the
//! module was validated, so heights are static), and drops unreachable code.

use super::ops::{BinOp, BrTarget, LoadKind, Op, StoreKind, UnOp};
use gojit_frontend::module::{ModuleInfo, ValType};
use wasmparser::{BlockType, Operator};

/// A function ready for the interpreter.
pub(crate) struct InterpFunc {
    pub(crate) code: Vec<Op>,
    /// Branch tables: `Op::BrTable` names a range (the last entry is the default).
    pub(crate) br_tables: Vec<BrTarget>,
    /// Parameters plus declared locals.
    pub(crate) num_locals: u32,
    /// Deepest operand stack (above the locals).
    pub(crate) max_stack: u32,
    /// Number of results (0 or 1: gojit's wasm feature set has no multi-value).
    pub(crate) num_results: u32,
    /// Whether the result (if any) is a float (returned in a vector register).
    pub(crate) float_result: bool,
}

/// The interpreter cannot run a function (an operator or signature it does not support, or
/// bytes it cannot read); it is compiled instead, which reports any real error.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl From<wasmparser::BinaryReaderError> for Unsupported {
    fn from(_: wasmparser::BinaryReaderError) -> Self {
        Unsupported
    }
}

/// Where a forward branch's target gets patched in once the block ends.
enum Fixup {
    Op(usize),
    Table(usize),
}

struct Frame {
    /// Operand height at the block's start.
    height: u32,
    /// Values a branch to this frame keeps: the loop's parameters (none here) or the block's
    /// results.
    branch_arity: u32,
    results: u32,
    /// Loops: the instruction a branch jumps back to, and the loop's site (byte offset).
    loop_start: Option<(u32, u32)>,
    fixups: Vec<Fixup>,
    /// `if`: the `BrUnless` to patch at `else` (or `end`).
    if_branch: Option<usize>,
}

/// Decodes defined function `index` of `module`.
pub(crate) fn decode(module: &ModuleInfo, index: u32) -> Result<InterpFunc, Unsupported> {
    let ty = module.func_type(index);
    if ty.results.len() > 1 {
        return Err(Unsupported);
    }
    let body = module.body(index);
    let mut num_locals = ty.params.len() as u32;
    for local in body.get_locals_reader()? {
        let (count, _) = local?;
        num_locals = num_locals.checked_add(count).ok_or(Unsupported)?;
    }
    let mut d = Decoder {
        module,
        code: Vec::new(),
        br_tables: Vec::new(),
        frames: Vec::new(),
        height: 0,
        max: 0,
        unreachable_depth: None,
    };
    d.frames.push(Frame {
        height: 0,
        branch_arity: ty.results.len() as u32,
        results: ty.results.len() as u32,
        loop_start: None,
        fixups: Vec::new(),
        if_branch: None,
    });
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset()?;
        d.operator(op, offset as u32)?;
    }
    Ok(InterpFunc {
        code: d.code,
        br_tables: d.br_tables,
        num_locals,
        max_stack: d.max + 1,
        num_results: ty.results.len() as u32,
        float_result: matches!(ty.results.first(), Some(ValType::F32 | ValType::F64)),
    })
}

struct Decoder<'m> {
    module: &'m ModuleInfo,
    code: Vec<Op>,
    br_tables: Vec<BrTarget>,
    frames: Vec<Frame>,
    /// Operand stack height (above the locals) at the current operator.
    height: u32,
    max: u32,
    /// While skipping unreachable code: the blocks opened since.
    unreachable_depth: Option<u32>,
}

impl Decoder<'_> {
    fn pop(&mut self, n: u32) {
        self.height -= n;
    }

    fn push(&mut self, n: u32) {
        self.height += n;
        self.max = self.max.max(self.height);
    }

    fn emit(&mut self, op: Op) {
        self.code.push(op);
    }

    fn block_results(&self, ty: BlockType) -> Result<u32, Unsupported> {
        match ty {
            BlockType::Empty => Ok(0),
            BlockType::Type(_) => Ok(1),
            BlockType::FuncType(_) => Err(Unsupported),
        }
    }

    /// The target of a branch to relative depth `depth`, recording a fixup for forward ones.
    fn branch(&mut self, depth: u32, fixup: Fixup) -> BrTarget {
        let i = self.frames.len() - 1 - depth as usize;
        let f = &mut self.frames[i];
        match f.loop_start {
            Some((pc, site)) => BrTarget {
                pc,
                height: f.height,
                keep: f.branch_arity,
                back_site: site,
            },
            None => {
                f.fixups.push(fixup);
                BrTarget {
                    pc: u32::MAX,
                    height: f.height,
                    keep: f.branch_arity,
                    back_site: BrTarget::FORWARD,
                }
            }
        }
    }

    /// Opens a block (a loop if `loop_start` is given, an `if` with its branch to patch).
    fn open(&mut self, results: u32, loop_start: Option<(u32, u32)>, if_branch: Option<usize>) {
        self.frames.push(Frame {
            height: self.height,
            // A branch to a loop carries its parameters (none without multi-value).
            branch_arity: if loop_start.is_some() { 0 } else { results },
            results,
            loop_start,
            fixups: Vec::new(),
            if_branch,
        });
    }

    fn patch(&mut self, fixup: Fixup, pc: u32) {
        match fixup {
            Fixup::Op(i) => match &mut self.code[i] {
                Op::Br(t) | Op::BrIf(t) => t.pc = pc,
                Op::BrUnless(target) => *target = pc,
                _ => unreachable!("fixup of a non-branch"),
            },
            Fixup::Table(i) => self.br_tables[i].pc = pc,
        }
    }

    fn unreachable(&mut self) {
        self.unreachable_depth = Some(0);
    }

    fn end_frame(&mut self) {
        let f = self.frames.pop().expect("end of a frame");
        let pc = self.code.len() as u32;
        if let Some(i) = f.if_branch {
            self.patch(Fixup::Op(i), pc);
        }
        for fx in f.fixups {
            self.patch(fx, pc);
        }
        self.height = f.height + f.results;
        self.max = self.max.max(self.height);
        if self.frames.is_empty() {
            self.emit(Op::Return);
        }
    }

    fn operator(&mut self, op: Operator<'_>, offset: u32) -> Result<(), Unsupported> {
        if let Some(depth) = self.unreachable_depth {
            match op {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    self.unreachable_depth = Some(depth + 1);
                }
                Operator::Else if depth == 0 => {
                    self.unreachable_depth = None;
                    self.enter_else();
                }
                Operator::End if depth == 0 => {
                    self.unreachable_depth = None;
                    self.end_frame();
                }
                Operator::End => self.unreachable_depth = Some(depth - 1),
                _ => {}
            }
            return Ok(());
        }
        use Operator as O;
        match op {
            O::Unreachable => {
                self.emit(Op::Unreachable);
                self.unreachable();
            }
            O::Nop => {}
            O::Block { blockty } => {
                let results = self.block_results(blockty)?;
                self.open(results, None, None);
            }
            O::Loop { blockty } => {
                let results = self.block_results(blockty)?;
                let start = (self.code.len() as u32, offset);
                self.open(results, Some(start), None);
            }
            O::If { blockty } => {
                let results = self.block_results(blockty)?;
                self.pop(1);
                let at = self.code.len();
                self.emit(Op::BrUnless(u32::MAX));
                self.open(results, None, Some(at));
            }
            O::Else => {
                // The then-arm falls through to the end.
                let target = self.branch(0, Fixup::Op(self.code.len()));
                self.emit(Op::Br(target));
                self.enter_else();
            }
            O::End => self.end_frame(),
            O::Br { relative_depth } => {
                let t = self.branch(relative_depth, Fixup::Op(self.code.len()));
                self.emit(Op::Br(t));
                self.unreachable();
            }
            O::BrIf { relative_depth } => {
                self.pop(1);
                let t = self.branch(relative_depth, Fixup::Op(self.code.len()));
                self.emit(Op::BrIf(t));
            }
            O::BrTable { targets } => {
                self.pop(1);
                let start = self.br_tables.len();
                let mut depths = Vec::with_capacity(targets.len() as usize + 1);
                for t in targets.targets() {
                    depths.push(t?);
                }
                depths.push(targets.default());
                for (k, depth) in depths.into_iter().enumerate() {
                    let t = self.branch(depth, Fixup::Table(start + k));
                    self.br_tables.push(t);
                }
                let len = (self.br_tables.len() - start) as u32;
                self.emit(Op::BrTable {
                    start: start as u32,
                    len,
                });
                self.unreachable();
            }
            O::Return => {
                self.emit(Op::Return);
                self.unreachable();
            }
            O::Call { function_index } => {
                let ty = self.module.func_type(function_index);
                if !super::fits_registers(ty) {
                    return Err(Unsupported);
                }
                let (p, r) = (ty.params.len() as u32, ty.results.len() as u32);
                self.pop(p);
                self.push(r);
                self.emit(Op::Call(function_index));
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => {
                if table_index != 0 {
                    return Err(Unsupported);
                }
                let ty = &self.module.types[type_index as usize];
                if !super::fits_registers(ty) {
                    return Err(Unsupported);
                }
                let (p, r) = (ty.params.len() as u32, ty.results.len() as u32);
                self.pop(p + 1);
                self.push(r);
                self.emit(Op::CallIndirect(type_index));
            }
            O::Drop => {
                self.pop(1);
                self.emit(Op::Drop);
            }
            O::Select | O::TypedSelect { .. } => {
                self.pop(3);
                self.push(1);
                self.emit(Op::Select);
            }
            O::LocalGet { local_index } => {
                self.push(1);
                self.emit(Op::LocalGet(local_index));
            }
            O::LocalSet { local_index } => {
                self.pop(1);
                self.emit(Op::LocalSet(local_index));
            }
            O::LocalTee { local_index } => self.emit(Op::LocalTee(local_index)),
            O::GlobalGet { global_index } => {
                self.push(1);
                let ty = self.module.globals[global_index as usize].ty;
                self.emit(if matches!(ty, ValType::I32 | ValType::F32) {
                    Op::GlobalGet32(global_index)
                } else {
                    Op::GlobalGet64(global_index)
                });
            }
            O::GlobalSet { global_index } => {
                self.pop(1);
                self.emit(Op::GlobalSet(global_index));
            }
            O::MemorySize { .. } => {
                self.push(1);
                self.emit(Op::MemorySize);
            }
            O::MemoryGrow { .. } => self.emit(Op::MemoryGrow),
            O::MemoryCopy { .. } => {
                self.pop(3);
                self.emit(Op::MemoryCopy);
            }
            O::MemoryFill { .. } => {
                self.pop(3);
                self.emit(Op::MemoryFill);
            }
            O::I32Const { value } => {
                self.push(1);
                self.emit(Op::Const(value as u32 as u64));
            }
            O::I64Const { value } => {
                self.push(1);
                self.emit(Op::Const(value as u64));
            }
            O::F32Const { value } => {
                self.push(1);
                self.emit(Op::Const(u64::from(value.bits())));
            }
            O::F64Const { value } => {
                self.push(1);
                self.emit(Op::Const(value.bits()));
            }
            other => {
                if let Some((kind, offset)) = LoadKind::of(&other) {
                    self.emit(Op::Load(kind, offset));
                } else if let Some((kind, offset)) = StoreKind::of(&other) {
                    self.pop(2);
                    self.emit(Op::Store(kind, offset));
                } else if let Some(u) = UnOp::of(&other) {
                    self.emit(Op::Un(u));
                } else if let Some(b) = BinOp::of(&other) {
                    self.pop(1);
                    self.emit(Op::Bin(b));
                } else {
                    return Err(Unsupported);
                }
            }
        }
        Ok(())
    }

    fn enter_else(&mut self) {
        let f = self.frames.last_mut().expect("else inside if");
        let i = f.if_branch.take().expect("else of an if");
        let height = f.height;
        let pc = self.code.len() as u32;
        self.patch(Fixup::Op(i), pc);
        self.height = height;
    }
}
