//! The translator's state while it walks one function body: the wasm value stack (as
//! Cranelift SSA values), the stack of open control frames, and whether the code being
//! translated is reachable.

use cranelift_codegen::ir::{self, types, Block, Inst, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::FunctionBuilder;

/// What an `if` without its `else` yet needs when the `else` (or the `end`) arrives.
#[derive(Debug, Clone, Copy)]
pub enum ElseData {
    /// The block type has as many params as results (or none): the false edge goes
    /// straight to the frame's exit block; an `else` replaces that edge with a new block.
    NoElse {
        /// The conditional branch whose false edge is retargeted by an `else`.
        branch_inst: Inst,
        /// The block the false edge goes to (the exit, until an `else` comes).
        placeholder: Block,
    },
    /// The `else` block was created up front (the params and results differ).
    WithElse { else_block: Block },
}

/// One open `block`, `loop` or `if`.
#[derive(Debug)]
pub enum ControlFrame {
    If {
        destination: Block,
        else_data: ElseData,
        num_param_values: usize,
        num_return_values: usize,
        /// Value-stack height below the frame's params.
        original_stack_size: usize,
        exit_is_branched_to: bool,
        /// Whether the `if` itself was reachable (its `else` then is too).
        head_is_reachable: bool,
        /// Whether the end of the consequent was reachable (set at `else`).
        consequent_ends_reachable: Option<bool>,
        /// The block type's params, kept so `else` can push them again.
        blocktype_params: Vec<Value>,
    },
    Block {
        destination: Block,
        num_param_values: usize,
        num_return_values: usize,
        original_stack_size: usize,
        exit_is_branched_to: bool,
    },
    Loop {
        destination: Block,
        header: Block,
        num_param_values: usize,
        num_return_values: usize,
        original_stack_size: usize,
    },
}

impl ControlFrame {
    pub fn num_return_values(&self) -> usize {
        match *self {
            ControlFrame::If {
                num_return_values, ..
            }
            | ControlFrame::Block {
                num_return_values, ..
            }
            | ControlFrame::Loop {
                num_return_values, ..
            } => num_return_values,
        }
    }

    pub fn num_param_values(&self) -> usize {
        match *self {
            ControlFrame::If {
                num_param_values, ..
            }
            | ControlFrame::Block {
                num_param_values, ..
            }
            | ControlFrame::Loop {
                num_param_values, ..
            } => num_param_values,
        }
    }

    /// The block that follows the frame's `end`.
    pub fn following_code(&self) -> Block {
        match *self {
            ControlFrame::If { destination, .. }
            | ControlFrame::Block { destination, .. }
            | ControlFrame::Loop { destination, .. } => destination,
        }
    }

    /// Where a branch to this frame goes: the loop header, or the code after the end.
    pub fn br_destination(&self) -> Block {
        match *self {
            ControlFrame::If { destination, .. } | ControlFrame::Block { destination, .. } => {
                destination
            }
            ControlFrame::Loop { header, .. } => header,
        }
    }

    /// How many values a branch to this frame carries.
    pub fn br_arity(&self) -> usize {
        if self.is_loop() {
            self.num_param_values()
        } else {
            self.num_return_values()
        }
    }

    /// Value-stack height below the frame's params.
    pub fn original_stack_size(&self) -> usize {
        match *self {
            ControlFrame::If {
                original_stack_size,
                ..
            }
            | ControlFrame::Block {
                original_stack_size,
                ..
            }
            | ControlFrame::Loop {
                original_stack_size,
                ..
            } => original_stack_size,
        }
    }

    pub fn is_loop(&self) -> bool {
        matches!(self, ControlFrame::Loop { .. })
    }

    /// Whether some branch targets the frame's exit (a loop's exit is only reached by
    /// falling through its end).
    pub fn exit_is_branched_to(&self) -> bool {
        match *self {
            ControlFrame::If {
                exit_is_branched_to,
                ..
            }
            | ControlFrame::Block {
                exit_is_branched_to,
                ..
            } => exit_is_branched_to,
            ControlFrame::Loop { .. } => false,
        }
    }

    /// Record a branch to the frame (its exit then is reachable).
    pub fn set_branched_to_exit(&mut self) {
        match self {
            ControlFrame::If {
                exit_is_branched_to,
                ..
            }
            | ControlFrame::Block {
                exit_is_branched_to,
                ..
            } => *exit_is_branched_to = true,
            ControlFrame::Loop { .. } => {}
        }
    }
}

/// The value stack, the control stack and reachability.
#[derive(Default)]
pub struct State {
    pub stack: Vec<Value>,
    pub control: Vec<ControlFrame>,
    /// False after an unconditional transfer of control, until the next `else`/`end`
    /// makes code reachable again.
    pub reachable: bool,
    /// Exception handlers in force, outermost first.
    pub handlers: Vec<super::exceptions::HandlerScope>,
    /// Legacy `try`s being translated, outermost first.
    pub tries: Vec<super::exceptions::LegacyTry>,
}

impl State {
    pub fn clear(&mut self) {
        self.stack.clear();
        self.control.clear();
        self.handlers.clear();
        self.tries.clear();
        self.reachable = true;
    }

    pub fn push1(&mut self, v: Value) {
        self.stack.push(v);
    }

    pub fn pushn(&mut self, vals: &[Value]) {
        self.stack.extend_from_slice(vals);
    }

    pub fn pop1(&mut self) -> Value {
        self.stack.pop().expect("validated: value stack not empty")
    }

    /// Pop two values; returns them in push order.
    pub fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop1();
        let a = self.pop1();
        (a, b)
    }

    /// Pop three values; returns them in push order.
    pub fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop1();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    pub fn peek1(&self) -> Value {
        *self.stack.last().expect("validated: value stack not empty")
    }

    /// The top `n` values, in push order.
    pub fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    pub fn peekn_mut(&mut self, n: usize) -> &mut [Value] {
        let len = self.stack.len();
        &mut self.stack[len - n..]
    }

    /// Drop the top `n` values.
    pub fn popn(&mut self, n: usize) {
        let len = self.stack.len();
        self.stack.truncate(len - n);
    }

    /// The frame `depth` levels out (0 = innermost), as branches count.
    pub fn frame_mut(&mut self, depth: u32) -> &mut ControlFrame {
        let i = self.control.len() - 1 - depth as usize;
        &mut self.control[i]
    }
}

/// Flags of a bitcast between vector types: lanes are numbered as wasm numbers them.
pub fn lane_order() -> MemFlagsData {
    MemFlagsData::new().with_endianness(ir::Endianness::Little)
}

/// `v` as a value of vector type `ty` (no code when it already is).
pub fn bitcast_to(b: &mut FunctionBuilder, ty: ir::Type, v: Value) -> Value {
    if b.func.dfg.value_type(v) == ty {
        v
    } else {
        b.ins().bitcast(ty, lane_order(), v)
    }
}

/// Vector values cross control-flow edges, locals, globals and calls as `I8X16`, the type
/// `v128` is declared with; other values are unchanged.
pub fn canonical(b: &mut FunctionBuilder, v: Value) -> Value {
    let ty = b.func.dfg.value_type(v);
    if ty.is_vector() && ty != types::I8X16 {
        b.ins().bitcast(types::I8X16, lane_order(), v)
    } else {
        v
    }
}

/// `canonical` applied to each of `vals` in place.
pub fn canonicalize(b: &mut FunctionBuilder, vals: &mut [Value]) {
    for v in vals {
        *v = canonical(b, *v);
    }
}
