//! Fuel and epoch interruption, the runtime side: a store's fuel and epoch deadline (in
//! its `VMRuntimeLimits`, which compiled code reads), what happens when the deadline is
//! reached, and the work behind the `out_of_fuel` / `epoch_interrupt` libcalls.
//!
//! Fuel follows Wasmtime: `limits.fuel_consumed` is minus the remaining fuel; code compiled
//! with `consume_fuel` adds the cost of what it runs and calls `out_of_fuel` once the value
//! is no longer negative, which traps with `OutOfFuel` (there is no async yielding).
//!
//! Epochs: the engine's counter ([`crate::Engine::increment_epoch`]) is compared with
//! `limits.epoch_deadline` at function entries and loop headers by code compiled with
//! `epoch_interruption`; when it is reached, `epoch_interrupt` traps with `Interrupt` or
//! runs the store's callback, which may set a new deadline and resume the code.

use crate::abi::TrapCode;
use crate::caller::Caller;
use crate::deadline::{DeadlineBehavior, UpdateDeadline};
use crate::error::{Error, Result};
use crate::store::{Store, StoreContext, StoreContextMut, StoreInner, StoreOpaque};
use std::panic::AssertUnwindSafe;

impl StoreOpaque {
    fn check_fuel_enabled(&self) -> Result<()> {
        if !self.engine.config().consume_fuel {
            return Err(Error::unsupported(
                "fuel is not enabled: set Config::consume_fuel (and compile with it)",
            ));
        }
        Ok(())
    }

    pub(crate) fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.check_fuel_enabled()?;
        let fuel = i64::try_from(fuel).unwrap_or(i64::MAX);
        self.limits.fuel_consumed = -fuel;
        Ok(())
    }

    pub(crate) fn get_fuel(&self) -> Result<u64> {
        self.check_fuel_enabled()?;
        Ok(u64::try_from(self.limits.fuel_consumed.saturating_neg()).unwrap_or(0))
    }

    pub(crate) fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.limits.epoch_deadline = self
            .engine
            .current_epoch()
            .saturating_add(ticks_beyond_current);
    }
}

impl<T: 'static> StoreInner<T> {
    fn epoch_deadline_callback<F>(&mut self, mut callback: F)
    where
        F: FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + 'static,
    {
        let store: *mut StoreInner<T> = self;
        self.opaque.deadline = DeadlineBehavior::Callback(Box::new(move || {
            // SAFETY: the callback lives in the (boxed, never moving) store it points to and
            // is only called by `epoch_interrupt`, while wasm of that store runs on this
            // thread and no other reference to the store is in use.
            let store = unsafe { &mut *store };
            callback(StoreContextMut(store))
        }));
    }
}

/// The fuel and epoch methods of `Store`, `StoreContextMut` and `Caller`; `$inner` gets
/// the `&mut StoreInner<T>` from `$s: &mut Self`, `$shared` the `&StoreInner<T>` from
/// `$r: &Self`.
macro_rules! interrupt_methods {
    ($ty:ty, |$s:ident| $inner:expr, |$r:ident| $shared:expr) => {
        impl<T: 'static> $ty {
            /// Set the fuel left to `fuel` (capped at `i64::MAX`). Errors unless the engine
            /// has `consume_fuel`. A store starts with no fuel.
            pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
                let $s = self;
                $inner.opaque.set_fuel(fuel)
            }
            /// The fuel left. Errors unless the engine has `consume_fuel`.
            pub fn get_fuel(&self) -> Result<u64> {
                let $r = self;
                $shared.opaque.get_fuel()
            }
            /// Interrupt wasm code once the engine's epoch is `ticks_beyond_current` past
            /// the current one (with `epoch_interruption`; the default deadline is never).
            pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
                let $s = self;
                $inner.opaque.set_epoch_deadline(ticks_beyond_current)
            }
            /// Trap with `Interrupt` when the deadline is reached (the default).
            pub fn epoch_deadline_trap(&mut self) {
                let $s = self;
                $inner.opaque.deadline = DeadlineBehavior::Trap;
            }
            /// Call `callback` when the deadline is reached: `Ok(UpdateDeadline::Continue(
            /// delta))` sets a new deadline `delta` ticks beyond the current epoch and resumes
            /// the wasm code; `Ok(UpdateDeadline::Interrupt)` traps with `Interrupt`; an error
            /// fails the running call with that error (as a host function's would).
            pub fn epoch_deadline_callback<F>(&mut self, callback: F)
            where
                F: FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + 'static,
            {
                let $s = self;
                $inner.epoch_deadline_callback(callback)
            }
        }
    };
}

interrupt_methods!(Store<T>, |s| &mut *s.inner, |r| &*r.inner);
interrupt_methods!(StoreContextMut<'_, T>, |s| &mut *s.0, |r| &*r.0);
interrupt_methods!(Caller<'_, T>, |s| &mut *s.store, |r| &*r.store);

impl<T> StoreContext<'_, T> {
    /// The fuel left. Errors unless the engine has `consume_fuel`.
    pub fn get_fuel(&self) -> Result<u64> {
        self.0.opaque.get_fuel()
    }
}

/// The work of the `out_of_fuel` libcall: there is no way to refuel while wasm runs, so
/// this is always an `OutOfFuel` trap.
pub(crate) fn out_of_fuel(_store: &mut StoreOpaque) -> Result<(), TrapCode> {
    Err(TrapCode::OutOfFuel)
}

/// The work of the `epoch_interrupt` libcall: `Ok` to resume the wasm code (a deadline
/// not reached after all, or moved by the callback), else the error to trap with.
///
/// # Safety
/// `store` is the store whose wasm code is running on this thread (and called the
/// libcall); no reference to it is in use.
pub(crate) unsafe fn epoch_interrupt(store: *mut StoreOpaque) -> Result<()> {
    // SAFETY: see contract; this borrow ends before the callback runs.
    let opaque = unsafe { &mut *store };
    if opaque.engine.current_epoch() < opaque.limits.epoch_deadline {
        return Ok(());
    }
    let mut callback = match std::mem::replace(&mut opaque.deadline, DeadlineBehavior::Running) {
        DeadlineBehavior::Callback(callback) => callback,
        // Trap, or a deadline reached again by wasm the callback itself called.
        other => {
            opaque.deadline = other;
            return Err(Error::trap_code_error(TrapCode::Interrupt));
        }
    };
    let result = std::panic::catch_unwind(AssertUnwindSafe(&mut callback));
    // SAFETY: see contract; the callback's borrow of the store has ended.
    let opaque = unsafe { &mut *store };
    // Put the callback back unless it installed another behavior meanwhile.
    if matches!(opaque.deadline, DeadlineBehavior::Running) {
        opaque.deadline = DeadlineBehavior::Callback(callback);
    }
    match result {
        Ok(Ok(UpdateDeadline::Continue(delta))) => {
            opaque.set_epoch_deadline(delta);
            Ok(())
        }
        Ok(Ok(UpdateDeadline::Interrupt)) => Err(Error::trap_code_error(TrapCode::Interrupt)),
        Ok(Err(error)) => Err(error),
        Err(panic) => Err(Error::from_panic("epoch deadline callback", panic)),
    }
}
