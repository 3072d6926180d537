//! Functions: wasm functions of instances and host functions, calling them from the host,
//! and the shim through which wasm calls host functions.

use crate::abi::{FuncType, HOST_CTX_MAGIC, VMCTX_MAGIC};
use crate::caller::Caller;
use crate::code_memory::CodeMemory;
use crate::error::{Error, Result};
use crate::handles::Func;
use crate::store::{AsContext, AsContextMut, StoreInner, StoreOpaque};
use crate::traphandlers;
use crate::values::Val;
use crate::vm::func::FuncData;
use crate::vm::func::FuncKind;
use crate::vm::func::HostContext;
use crate::vmcontext::{ctx_magic, vmctx_instance, VMFuncRef, ValRaw};
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

/// The Rust closure behind a host function.
pub(crate) type HostFn<T> = dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync;

/// The Rust side of a host call: the callback's arguments plus the frame pointer and
/// return address at the call (for backtraces; 0 where unknown).
type HostShim<T> =
    unsafe extern "C" fn(*mut VMHostFuncContext<T>, *mut u8, *mut ValRaw, usize, usize, usize);

/// `VMHostFuncContext`: the `vmctx` of a host function's `VMFuncRef`.
///
/// Laid out as `abi::VMOffsets` says: `callback` (what host trampolines call) is an
/// assembly thunk that appends the caller's frame pointer and return address to the
/// arguments and jumps to `shim`.
#[repr(C)]
pub(crate) struct VMHostFuncContext<T: 'static> {
    magic: u32,
    callback: traphandlers::HostCallback,
    shim: HostShim<T>,
    funcref: VMFuncRef,
    store: *mut StoreInner<T>,
    ty: Arc<FuncType>,
    func: Arc<HostFn<T>>,
    /// The code holding this function's wasm→host trampoline.
    trampoline_code: Option<Arc<CodeMemory>>,
}

impl<T: 'static> HostContext for VMHostFuncContext<T> {
    fn funcref(&self) -> *const VMFuncRef {
        &self.funcref
    }
    fn has_trampoline(&self) -> bool {
        self.funcref.wasm_call != 0
    }
    fn set_trampoline(&mut self, address: usize, code: Arc<CodeMemory>) {
        self.funcref.wasm_call = address;
        self.trampoline_code = Some(code);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Func {
    /// A host function of type `ty`.
    pub fn new<T: 'static, F>(mut store: impl AsContextMut<Data = T>, ty: FuncType, func: F) -> Func
    where
        F: Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    {
        let ctx = store.as_context_mut();
        Func::new_arc(ctx.0, ty, Arc::new(func))
    }

    pub(crate) fn new_arc<T: 'static>(
        store: &mut StoreInner<T>,
        ty: FuncType,
        func: Arc<HostFn<T>>,
    ) -> Func {
        let engine = &store.opaque.engine;
        let type_id = engine.type_id(&ty);
        let trampoline = engine.host_trampoline(type_id);
        Func::new_prepared(store, Arc::new(ty), type_id, trampoline, func)
    }

    /// A host function whose engine-wide type id and wasm→host trampoline (if known) were
    /// looked up beforehand (`InstancePre` does it once, not per instantiation).
    pub(crate) fn new_prepared<T: 'static>(
        store: &mut StoreInner<T>,
        ty: Arc<FuncType>,
        type_id: u32,
        trampoline: Option<(usize, Arc<CodeMemory>)>,
        func: Arc<HostFn<T>>,
    ) -> Func {
        let store_ptr: *mut StoreInner<T> = store;
        let opaque = &mut store.opaque;
        let mut ctx = Box::new(VMHostFuncContext::<T> {
            magic: HOST_CTX_MAGIC,
            callback: traphandlers::host_callback(),
            shim: host_shim::<T>,
            funcref: VMFuncRef {
                wasm_call: 0,
                type_id,
                vmctx: std::ptr::null_mut(),
            },
            store: store_ptr,
            ty: ty.clone(),
            func,
            trampoline_code: None,
        });
        ctx.funcref.vmctx = (&mut *ctx as *mut VMHostFuncContext<T>).cast();
        if let Some((address, code)) = trampoline {
            ctx.set_trampoline(address, code);
        }
        let pending = !ctx.has_trampoline();
        let funcref = ctx.funcref();
        let index = opaque.funcs.len() as u32;
        opaque.funcs.push(FuncData {
            funcref,
            ty,
            kind: FuncKind::Host(ctx),
        });
        opaque.funcref_to_func.insert(funcref as usize, index);
        if pending {
            opaque.pending_host_funcs.push(index);
        }
        Func {
            store: opaque.id,
            index,
        }
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let ctx = store.as_context();
        match ctx.0.opaque.funcs.get(self.index as usize) {
            Some(f) if ctx.0.opaque.id == self.store => (*f.ty).clone(),
            _ => FuncType::default(),
        }
    }

    /// Call the function with `params`, writing its results into `results`.
    pub fn call<T: 'static>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let ctx = store.as_context_mut();
        let inner: *mut StoreInner<T> = ctx.0;
        // SAFETY: `inner` comes from the exclusive borrow above; we use it only through
        // this pointer until we return, re-borrowing for short non-overlapping periods.
        let opaque = unsafe { &mut (*inner).opaque };
        opaque.check(self.store, "function")?;
        let data = opaque
            .funcs
            .get(self.index as usize)
            .ok_or_else(|| Error::ty("invalid function handle"))?;
        let ty = data.ty.clone();
        if params.len() != ty.params.len() {
            return Err(Error::ty(format!(
                "expected {} arguments, got {}",
                ty.params.len(),
                params.len()
            )));
        }
        for (i, (p, t)) in params.iter().zip(&ty.params).enumerate() {
            if p.ty() != *t {
                return Err(Error::ty(format!(
                    "argument {}: expected {t}, found {}",
                    i + 1,
                    p.ty()
                )));
            }
        }
        if ty.params.iter().any(|t| t.is_ref()) {
            check_exact_args(opaque, data.type_id(), params, &ty)?;
        }
        if results.len() != ty.results.len() {
            return Err(Error::ty(format!(
                "expected {} results, got room for {}",
                ty.results.len(),
                results.len()
            )));
        }
        match &data.kind {
            FuncKind::Host(ctx) => {
                let Some(host) = ctx.as_any().downcast_ref::<VMHostFuncContext<T>>() else {
                    return Err(Error::ty("host function of a different store type"));
                };
                let func = host.func.clone();
                for (r, t) in results.iter_mut().zip(&ty.results) {
                    *r = Val::default_for(*t);
                }
                // SAFETY: see above; no other borrow of the store is live.
                let store = unsafe { &mut *inner };
                let caller = Caller {
                    store,
                    instance: None,
                };
                func(caller, params, results)?;
                for (i, (r, t)) in results.iter().zip(&ty.results).enumerate() {
                    check_result(i, r, *t)?;
                }
                Ok(())
            }
            FuncKind::Wasm { entry } => {
                let entry = *entry;
                if entry == 0 {
                    return Err(Error::unsupported(format!(
                        "the module has no entry trampoline for functions of type {ty}"
                    )));
                }
                let funcref = data.funcref;
                // Small signatures use a stack buffer.
                let n = ty.params.len().max(ty.results.len()).max(1);
                let mut small = [ValRaw::default(); 8];
                let mut large = Vec::new();
                let values: &mut [ValRaw] = if n <= small.len() {
                    &mut small[..n]
                } else {
                    large.resize(n, ValRaw::default());
                    &mut large
                };
                for (slot, p) in values.iter_mut().zip(params) {
                    *slot = ValRaw::from_u128(opaque.val_to_raw(p)?);
                }
                invoke_wasm(opaque as *mut StoreOpaque, funcref, entry, values)?;
                // SAFETY: as above; the call has returned.
                let opaque = unsafe { &mut (*inner).opaque };
                for (i, r) in results.iter_mut().enumerate() {
                    *r = opaque.raw_to_val(ty.results[i], values[i].as_u128());
                }
                Ok(())
            }
        }
    }
}

type EntryTrampoline = unsafe extern "C" fn(*const VMFuncRef, *mut u8, *mut ValRaw);

/// Call `funcref` through the entry trampoline at `entry` with `values` (params in,
/// results out), catching traps.
///
/// Takes the store as a raw pointer: host functions called by the wasm code borrow it
/// again while this call is active.
pub(crate) fn invoke_wasm(
    store: *mut StoreOpaque,
    funcref: *const VMFuncRef,
    entry: usize,
    values: &mut [ValRaw],
) -> Result<()> {
    // SAFETY: the caller passes its live store; the borrow ends before wasm runs.
    let (limits, max_stack) = unsafe {
        let store = &mut *store;
        let limits: *mut crate::vmcontext::VMRuntimeLimits = &mut *store.limits;
        (limits, store.engine.config().max_wasm_stack)
    };
    // SAFETY: `entry` is the address of an entry trampoline in code kept alive by the
    // store (the defining instance's module), with the documented signature.
    let trampoline: EntryTrampoline =
        unsafe { std::mem::transmute::<usize, EntryTrampoline>(entry) };
    // SAFETY: `funcref` points to a live VMFuncRef owned by the store.
    let caller_vmctx = unsafe { (*funcref).vmctx };
    let values = values.as_mut_ptr();
    traphandlers::catch_traps(limits, max_stack, move || {
        // SAFETY: calling compiled code per the entry-trampoline contract; the closure
        // captures only raw pointers, so a trap skips no destructors.
        unsafe { trampoline(funcref, caller_vmctx, values) }
    })
}

/// The `callback` of every host function of stores with data `T`: converts values,
/// calls the closure, and on error or panic unwinds to the innermost entry.
unsafe extern "C" fn host_shim<T: 'static>(
    ctx: *mut VMHostFuncContext<T>,
    caller_vmctx: *mut u8,
    values: *mut ValRaw,
    len: usize,
    fp: usize,
    pc: usize,
) {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: called by a host trampoline with our own context and its value array.
        unsafe { host_call(ctx, caller_vmctx, values, len) }
    }));
    let error = match result {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e,
        Err(panic) => Error::from_panic("host function", panic),
    };
    // SAFETY: we are called from wasm inside `catch_traps`; `error` moves into the trap
    // record, so nothing in this frame needs dropping.
    unsafe { traphandlers::raise_error(error, pc, fp) }
}

const _: () = {
    use std::mem::offset_of;
    let o = crate::vmcontext::HOST_FIXED_OFFSETS;
    assert!(offset_of!(VMHostFuncContext<()>, magic) == o.host_ctx_magic() as usize);
    assert!(offset_of!(VMHostFuncContext<()>, callback) == o.host_ctx_callback() as usize);
    assert!(offset_of!(VMHostFuncContext<()>, shim) == o.host_ctx_shim() as usize);
};

/// # Safety
/// `ctx` is a live host context; `values` has `len` slots.
unsafe fn host_call<T: 'static>(
    ctx: *mut VMHostFuncContext<T>,
    caller_vmctx: *mut u8,
    values: *mut ValRaw,
    len: usize,
) -> Result<()> {
    // SAFETY: see contract; the context is owned by the store and outlives the call.
    let (store, ty, func) = unsafe { ((*ctx).store, (*ctx).ty.clone(), (*ctx).func.clone()) };
    let needed = ty.params.len().max(ty.results.len());
    if len < needed {
        return Err(Error::ty(format!(
            "host call with {len} value slots, {needed} needed"
        )));
    }
    // SAFETY: the trampoline passes `len` valid slots.
    let values = unsafe { std::slice::from_raw_parts_mut(values, len) };
    // SAFETY: the store outlives its host functions; wasm holds no borrow of it.
    let store = unsafe { &mut *store };
    // Small signatures use stack buffers.
    const SMALL: usize = 8;
    let (mut small_params, mut small_results) = ([Val::I32(0); SMALL], [Val::I32(0); SMALL]);
    let (mut large_params, mut large_results) = (Vec::new(), Vec::new());
    let params: &mut [Val] = if ty.params.len() <= SMALL {
        &mut small_params[..ty.params.len()]
    } else {
        large_params.resize(ty.params.len(), Val::I32(0));
        &mut large_params
    };
    for ((p, t), v) in params.iter_mut().zip(&ty.params).zip(values.iter()) {
        *p = store.opaque.raw_to_val(*t, v.as_u128());
    }
    let results: &mut [Val] = if ty.results.len() <= SMALL {
        &mut small_results[..ty.results.len()]
    } else {
        large_results.resize(ty.results.len(), Val::I32(0));
        &mut large_results
    };
    for (r, t) in results.iter_mut().zip(&ty.results) {
        *r = Val::default_for(*t);
    }
    let instance = if caller_vmctx.is_null() {
        None
    } else {
        // SAFETY: a non-null caller vmctx is a VMContext or a VMHostFuncContext, both
        // starting with a magic.
        unsafe {
            if ctx_magic(caller_vmctx) == VMCTX_MAGIC {
                let inst = vmctx_instance(caller_vmctx).cast::<crate::vm::instance::InstanceData>();
                (!inst.is_null()).then(|| (*inst).index)
            } else {
                None
            }
        }
    };
    func(
        Caller {
            store: &mut *store,
            instance,
        },
        params,
        results,
    )?;
    for (i, (r, t)) in results.iter().zip(&ty.results).enumerate() {
        check_result(i, r, *t)?;
        values[i] = ValRaw::from_u128(store.opaque.val_to_raw(r)?);
    }
    Ok(())
}

impl StoreOpaque {
    /// Give pending host functions a trampoline if one is now registered.
    pub(crate) fn resolve_pending_host_funcs(&mut self) {
        if self.pending_host_funcs.is_empty() {
            return;
        }
        let engine = self.engine.clone();
        let funcs = &mut self.funcs;
        self.pending_host_funcs.retain(|&i| {
            let Some(FuncData {
                kind: FuncKind::Host(ctx),
                funcref,
                ..
            }) = funcs.get_mut(i as usize)
            else {
                return false;
            };
            // SAFETY: the funcref lives in the host context we own.
            let type_id = unsafe { (**funcref).type_id };
            match engine.host_trampoline(type_id) {
                Some((address, code)) => {
                    ctx.set_trampoline(address, code);
                    false
                }
                None => true,
            }
        });
    }
}

fn check_result(i: usize, val: &Val, ty: crate::ValType) -> Result<()> {
    if val.ty() != ty {
        return Err(Error::ty(format!(
            "host function result {i}: expected {ty}, found {}",
            val.ty()
        )));
    }
    Ok(())
}

/// Check the reference arguments of a call of a function of type `type_id` (flat type
/// `ty`, already matched) against their exact types, as Wasmtime does.
fn check_exact_args(
    store: &crate::store::StoreOpaque,
    type_id: u32,
    params: &[Val],
    ty: &FuncType,
) -> Result<()> {
    let exact = store.engine.exact_params(type_id);
    let refs = params.iter().zip(&ty.params).enumerate();
    let refs = refs.filter(|(_, (_, t))| t.is_ref());
    for ((i, (p, t)), e) in refs.zip(exact) {
        store.check_val_exact(p, *t, Some(e), &format!("argument {}", i + 1))?;
    }
    Ok(())
}
