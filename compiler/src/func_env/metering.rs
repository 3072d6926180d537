//! Fuel metering and epoch checks, Wasmtime's `consume_fuel` and `epoch_interruption`.
//!
//! Fuel: `VMRuntimeLimits::fuel_consumed` holds `-remaining`. A function keeps it in a
//! variable, adds 1 for being called and each operator's cost (1, or 0 for control
//! markers; Wasmtime's units, so a program consumes what it does there) at every point where
//! control may leave straight-line code, writes it back around calls and returns, and
//! calls `out_of_fuel` at function entry and loop headers once it is non-negative.
//!
//! Epochs: at function entry and loop headers, `*limits.epoch_counter >=
//! limits.epoch_deadline` calls `epoch_interrupt`, which traps or returns with a new deadline.

use super::{trusted_ro, FuncEnv};
use cranelift_codegen::ir::{condcodes::IntCC, types, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::{FunctionBuilder, Variable};
use wasmaot_abi::Libcall;
use wasmparser::Operator;

/// Per-function fuel bookkeeping.
pub struct Fuel {
    var: Variable,
    /// Cost of the operators translated since the variable was last updated.
    pending: i64,
}

impl Fuel {
    pub fn new(builder: &mut FunctionBuilder) -> Fuel {
        Fuel {
            var: builder.declare_var(types::I64),
            // Every call of a function costs 1 beyond its operators, as in Wasmtime
            // (whose count starts at 1), so an empty function consumes fuel too.
            pending: 1,
        }
    }
}

fn cost(op: &Operator) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

fn leaves_straight_line(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Unreachable
            | Operator::Return
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
    )
}

fn is_call(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
    )
}

impl FuncEnv<'_> {
    fn limits(&mut self, builder: &mut FunctionBuilder) -> Value {
        let ptr = self.pointer_type();
        let vmctx = self.vmctx(builder);
        builder.ins().load(
            ptr,
            trusted_ro(),
            vmctx,
            self.offsets.vmctx_runtime_limits() as i32,
        )
    }

    fn call_vmctx_libcall(&mut self, builder: &mut FunctionBuilder, call: Libcall) {
        self.call_libcall(builder, call, &[]);
    }

    fn fuel_load(&mut self, builder: &mut FunctionBuilder) {
        let Some(var) = self.fuel.as_ref().map(|f| f.var) else {
            return;
        };
        let limits = self.limits(builder);
        let v = builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            limits,
            self.offsets.limits_fuel_consumed() as i32,
        );
        builder.def_var(var, v);
    }

    fn fuel_save(&mut self, builder: &mut FunctionBuilder) {
        let Some(var) = self.fuel.as_ref().map(|f| f.var) else {
            return;
        };
        let limits = self.limits(builder);
        let v = builder.use_var(var);
        builder.ins().store(
            MemFlagsData::trusted(),
            v,
            limits,
            self.offsets.limits_fuel_consumed() as i32,
        );
    }

    fn fuel_flush(&mut self, builder: &mut FunctionBuilder) {
        let Some(fuel) = self.fuel.as_mut() else {
            return;
        };
        if fuel.pending == 0 {
            return;
        }
        let (var, pending) = (fuel.var, fuel.pending);
        fuel.pending = 0;
        let v = builder.use_var(var);
        let v = builder.ins().iadd_imm_s(v, pending);
        builder.def_var(var, v);
    }

    fn fuel_check(&mut self, builder: &mut FunctionBuilder) {
        let Some(var) = self.fuel.as_ref().map(|f| f.var) else {
            return;
        };
        let v = builder.use_var(var);
        let exhausted = builder
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, v, 0);
        let out_of_fuel = builder.create_block();
        let continuation = builder.create_block();
        builder
            .ins()
            .brif(exhausted, out_of_fuel, &[], continuation, &[]);
        builder.switch_to_block(out_of_fuel);
        builder.seal_block(out_of_fuel);
        builder.set_cold_block(out_of_fuel);
        self.fuel_save(builder);
        self.call_vmctx_libcall(builder, Libcall::OutOfFuel);
        self.fuel_load(builder);
        builder.ins().jump(continuation, &[]);
        builder.switch_to_block(continuation);
        builder.seal_block(continuation);
    }

    fn epoch_check(&mut self, builder: &mut FunctionBuilder) {
        if !self.tunables.epoch_interruption {
            return;
        }
        let ptr = self.pointer_type();
        let limits = self.limits(builder);
        let counter = builder.ins().load(
            ptr,
            trusted_ro(),
            limits,
            self.offsets.limits_epoch_counter() as i32,
        );
        let epoch = builder
            .ins()
            .load(types::I64, MemFlagsData::trusted(), counter, 0);
        let deadline = builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            limits,
            self.offsets.limits_epoch_deadline() as i32,
        );
        let reached = builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
        let interrupt = builder.create_block();
        let continuation = builder.create_block();
        builder
            .ins()
            .brif(reached, interrupt, &[], continuation, &[]);
        builder.switch_to_block(interrupt);
        builder.seal_block(interrupt);
        builder.set_cold_block(interrupt);
        self.fuel_save(builder);
        self.call_vmctx_libcall(builder, Libcall::EpochInterrupt);
        self.fuel_load(builder);
        builder.ins().jump(continuation, &[]);
        builder.switch_to_block(continuation);
        builder.seal_block(continuation);
    }

    /// At function entry: load the fuel counter and check both limits.
    pub(super) fn metering_function_entry(&mut self, builder: &mut FunctionBuilder) {
        if self.fuel.is_some() {
            self.fuel_load(builder);
            self.fuel_check(builder);
        }
        self.epoch_check(builder);
    }

    pub(super) fn metering_before_op(&mut self, op: &Operator, builder: &mut FunctionBuilder) {
        let Some(fuel) = self.fuel.as_mut() else {
            return;
        };
        fuel.pending += cost(op);
        if leaves_straight_line(op) {
            self.fuel_flush(builder);
        }
        if is_call(op) {
            self.fuel_save(builder);
        }
    }

    pub(super) fn metering_after_op(&mut self, op: &Operator, builder: &mut FunctionBuilder) {
        if matches!(op, Operator::Call { .. } | Operator::CallIndirect { .. }) {
            self.fuel_load(builder);
        }
    }

    pub(super) fn metering_loop_header(&mut self, builder: &mut FunctionBuilder) {
        self.fuel_flush(builder);
        self.fuel_check(builder);
        self.epoch_check(builder);
    }

    pub(super) fn metering_before_return(&mut self, builder: &mut FunctionBuilder) {
        self.fuel_flush(builder);
        self.fuel_save(builder);
    }
}
