//! The calls the C API target makes, one function per group, each checking that what
//! comes back is what went in. Pointers passed are only those the header allows: NULL,
//! objects the library returned, and the test's own live buffers.

use super::Rng;
use arbitrary::Unstructured;
use std::mem::MaybeUninit;
use wasmaot::config::{wasm_engine_delete, wasm_engine_new};
use wasmaot::error::{
    wasmtime_error_delete, wasmtime_error_exit_status, wasmtime_error_message, wasmtime_error_new,
    wasmtime_error_t,
};
use wasmaot::module::{wasmtime_module_validate, wasmtime_wat2wasm};
use wasmaot::ptr::take_box;
use wasmaot::types::*;
use wasmaot::vec::{
    wasm_byte_vec_copy, wasm_byte_vec_delete, wasm_byte_vec_new, wasm_byte_vec_new_empty,
    wasm_byte_vec_new_uninitialized, wasm_byte_vec_t,
};

type Check = Result<(), String>;

/// One call (or a few that belong together), chosen by `u`.
pub fn call(u: &mut Unstructured) -> Check {
    match u.int_in_range(0..=10).unwrap_or(0) {
        0 => valtype(kind(u)),
        1 => functype(u),
        2 => globaltype(kind(u), u.arbitrary().unwrap_or(0)),
        3 => tabletype(kind(u), limits(u)),
        4 => memorytype(limits(u)),
        5 => wasmtime_memorytype(u),
        6 => byte_vec(&bytes(u)),
        7 => wat2wasm(u),
        8 => error(&bytes(u)),
        9 => validate(u),
        _ => nulls(),
    }
}

/// A value kind: mostly a real one, sometimes any byte.
fn kind(u: &mut Unstructured) -> u8 {
    let real = [
        WASM_I32,
        WASM_I64,
        WASM_F32,
        WASM_F64,
        WASM_V128,
        WASM_EXTERNREF,
        WASM_FUNCREF,
        WASMAOT_EXNREF,
        WASMAOT_ANYREF,
    ];
    match u.ratio(7, 8) {
        Ok(true) => *u.choose(&real).unwrap_or(&WASM_I32),
        _ => u.arbitrary().unwrap_or(0),
    }
}

/// The value kinds: v23's, and wasmaot's `exnref` (130) and `anyref` (131, `wasmaot.h`).
fn is_kind(k: u8) -> bool {
    matches!(k, 0..=4 | 128..=131)
}

fn limits(u: &mut Unstructured) -> wasm_limits_t {
    let mut edge = || {
        *u.choose(&[0, 1, 65536, u32::MAX - 1, u32::MAX])
            .unwrap_or(&0)
    };
    wasm_limits_t {
        min: edge(),
        max: edge(),
    }
}

fn bytes(u: &mut Unstructured) -> Vec<u8> {
    let len = u.int_in_range(0..=300).unwrap_or(0);
    u.bytes(len).unwrap_or_default().to_vec()
}

fn mismatch(what: &str, given: impl std::fmt::Debug, got: impl std::fmt::Debug) -> Check {
    Err(format!("{what}: given {given:?}, got back {got:?}"))
}

fn valtype(k: u8) -> Check {
    // SAFETY: wasm_valtype_new returns NULL or a new object the caller owns.
    let t = unsafe { take_box(wasm_valtype_new(k)) };
    let Some(t) = t else {
        return if is_kind(k) {
            mismatch("wasm_valtype_new", k, "NULL")
        } else {
            Ok(())
        };
    };
    let copy = wasm_valtype_copy(Some(&t));
    let kinds = (
        wasm_valtype_kind(Some(&t)),
        wasm_valtype_kind(copy.as_deref()),
    );
    wasm_valtype_delete(copy);
    wasm_valtype_delete(Some(t));
    if !is_kind(k) || kinds != (k, k) {
        return mismatch("wasm_valtype_new/kind/copy", k, kinds);
    }
    Ok(())
}

/// A vector of value types of `kinds` (NULL elements for invalid kinds).
fn valtype_vec(kinds: &[u8]) -> wasm_valtype_vec_t {
    let elems: Vec<*mut wasm_valtype_t> = kinds.iter().map(|k| wasm_valtype_new(*k)).collect();
    let mut v = MaybeUninit::uninit();
    // SAFETY: `elems` holds `len` initialised `wasm_valtype_t *`, each NULL or owned (the
    // C layout of `Option<Box<wasm_valtype_t>>`); they move into the vector and `elems`
    // is not used again.
    unsafe { wasm_valtype_vec_new(Some(&mut v), elems.len(), elems.as_ptr().cast()) };
    // SAFETY: wasm_valtype_vec_new wrote the vector.
    unsafe { v.assume_init() }
}

/// The kinds in a vector of value types.
fn kinds_of(v: &wasm_valtype_vec_t) -> Vec<u8> {
    // SAFETY: the vector is one the library made or returned: `size` live elements.
    let elems = unsafe { v.as_slice() };
    elems
        .iter()
        .map(|e| wasm_valtype_kind(e.as_deref()))
        .collect()
}

fn functype(u: &mut Unstructured) -> Check {
    let kinds = |u: &mut Unstructured| -> Vec<u8> {
        (0..u.int_in_range(0..=6).unwrap_or(0))
            .map(|_| kind(u))
            .collect()
    };
    let (pk, rk) = (kinds(u), kinds(u));
    let (mut params, mut results) = (valtype_vec(&pk), valtype_vec(&rk));
    // SAFETY: both vectors were made by the library and own their elements, which move
    // into the type; the result is NULL or a new object the caller owns.
    let f = unsafe { take_box(wasm_functype_new(Some(&mut params), Some(&mut results))) };
    let valid = pk.iter().chain(&rk).all(|k| is_kind(*k));
    let Some(f) = f else {
        return if valid {
            mismatch("wasm_functype_new", (pk, rk), "NULL")
        } else {
            Ok(())
        };
    };
    let copy = wasm_functype_copy(Some(&f));
    let got = [
        kinds_of(wasm_functype_params(Some(&f))),
        kinds_of(wasm_functype_results(Some(&f))),
        kinds_of(wasm_functype_params(copy.as_deref())),
        kinds_of(wasm_functype_results(copy.as_deref())),
    ];
    let as_extern = wasm_functype_as_externtype_const(&*f);
    // SAFETY: a view of `f`, which is live.
    let kind = wasm_externtype_kind(unsafe { as_extern.as_ref() });
    wasm_functype_delete(copy);
    wasm_functype_delete(Some(f));
    if !valid || got != [pk.clone(), rk.clone(), pk.clone(), rk.clone()] || kind != 0 {
        return mismatch(
            "wasm_functype_new/params/results/copy",
            (pk, rk),
            (got, kind),
        );
    }
    Ok(())
}

fn globaltype(k: u8, mutability: u8) -> Check {
    // SAFETY: NULL or a new valtype the caller owns; it moves into the global type,
    // which is NULL or a new object the caller owns.
    let g = unsafe {
        take_box(wasm_globaltype_new(
            take_box(wasm_valtype_new(k)),
            mutability,
        ))
    };
    let valid = is_kind(k) && mutability <= 1;
    let Some(g) = g else {
        return if valid {
            mismatch("wasm_globaltype_new", (k, mutability), "NULL")
        } else {
            Ok(())
        };
    };
    let got = (
        wasm_valtype_kind(wasm_globaltype_content(Some(&g))),
        wasm_globaltype_mutability(Some(&g)),
    );
    wasm_globaltype_delete(Some(g));
    if !valid || got != (k, mutability) {
        return mismatch(
            "wasm_globaltype_new/content/mutability",
            (k, mutability),
            got,
        );
    }
    Ok(())
}

fn tabletype(k: u8, l: wasm_limits_t) -> Check {
    // SAFETY: as in `globaltype`.
    let t = unsafe { take_box(wasm_tabletype_new(take_box(wasm_valtype_new(k)), Some(&l))) };
    let valid = matches!(
        k,
        WASM_EXTERNREF | WASM_FUNCREF | WASMAOT_EXNREF | WASMAOT_ANYREF
    );
    let Some(t) = t else {
        return if valid {
            mismatch("wasm_tabletype_new", (k, l), "NULL")
        } else {
            Ok(())
        };
    };
    let element = wasm_valtype_kind(wasm_tabletype_element(Some(&t)));
    let got = wasm_tabletype_limits(Some(&t)).map(|g| (g.min, g.max));
    wasm_tabletype_delete(Some(t));
    if !valid || element != k || got != Some((l.min, l.max)) {
        return mismatch("wasm_tabletype_new/element/limits", (k, l), (element, got));
    }
    Ok(())
}

fn memorytype(l: wasm_limits_t) -> Check {
    // SAFETY: NULL or a new object the caller owns.
    let Some(m) = (unsafe { take_box(wasm_memorytype_new(Some(&l))) }) else {
        return mismatch("wasm_memorytype_new", l, "NULL");
    };
    let got = wasm_memorytype_limits(Some(&m)).map(|g| (g.min, g.max));
    let minimum = wasmtime_memorytype_minimum(Some(&m));
    wasm_memorytype_delete(Some(m));
    if got != Some((l.min, l.max)) || minimum != u64::from(l.min) {
        return mismatch("wasm_memorytype_new/limits", l, (got, minimum));
    }
    Ok(())
}

fn wasmtime_memorytype(u: &mut Unstructured) -> Check {
    let (min, max): (u64, u64) = (u.arbitrary().unwrap_or(0), u.arbitrary().unwrap_or(0));
    let (present, is64): (bool, bool) = (
        u.arbitrary().unwrap_or(false),
        u.arbitrary().unwrap_or(false),
    );
    // SAFETY: NULL or a new object the caller owns.
    let Some(m) = (unsafe { take_box(wasmtime_memorytype_new(min, present, max, is64)) }) else {
        return mismatch("wasmtime_memorytype_new", (min, present, max, is64), "NULL");
    };
    let mut out = MaybeUninit::uninit();
    let has_max = wasmtime_memorytype_maximum(Some(&m), Some(&mut out));
    // SAFETY: written when it returned true.
    let got_max = has_max.then(|| unsafe { out.assume_init() });
    let got = (
        wasmtime_memorytype_minimum(Some(&m)),
        got_max,
        wasmtime_memorytype_is64(Some(&m)),
    );
    let _ = wasm_memorytype_limits(Some(&m));
    wasm_memorytype_delete(Some(m));
    if got != (min, present.then_some(max), is64) {
        return mismatch(
            "wasmtime_memorytype_new/minimum/maximum/is64",
            (min, max, is64),
            got,
        );
    }
    Ok(())
}

/// The bytes of a vector the library made.
fn contents(v: &wasm_byte_vec_t) -> Vec<u8> {
    // SAFETY: the library made the vector: `size` live bytes.
    unsafe { v.as_slice() }.to_vec()
}

/// Delete a byte vector the library made.
fn delete_bytes(mut v: wasm_byte_vec_t) {
    // SAFETY: the library made the vector and it still owns its bytes.
    unsafe { wasm_byte_vec_delete(Some(&mut v)) }
}

fn byte_vec(data: &[u8]) -> Check {
    let (mut a, mut b, mut c) = (
        MaybeUninit::uninit(),
        MaybeUninit::uninit(),
        MaybeUninit::uninit(),
    );
    // SAFETY: `data` is `len` readable bytes, copied (bytes have no ownership to move).
    unsafe { wasm_byte_vec_new(Some(&mut a), data.len(), data.as_ptr()) };
    // SAFETY: written by wasm_byte_vec_new.
    let a = unsafe { a.assume_init() };
    // SAFETY: `a` is a valid vector.
    unsafe { wasm_byte_vec_copy(Some(&mut b), Some(&a)) };
    // SAFETY: written by wasm_byte_vec_copy.
    let b = unsafe { b.assume_init() };
    wasm_byte_vec_new_uninitialized(Some(&mut c), data.len());
    // SAFETY: written by wasm_byte_vec_new_uninitialized.
    let c = unsafe { c.assume_init() };
    let got = (contents(&a), contents(&b), c.size);
    let mut empty = MaybeUninit::uninit();
    wasm_byte_vec_new_empty(Some(&mut empty));
    // SAFETY: written by wasm_byte_vec_new_empty.
    let empty = unsafe { empty.assume_init() };
    let empty_size = empty.size;
    for v in [a, b, c, empty] {
        delete_bytes(v);
    }
    if got != (data.to_vec(), data.to_vec(), data.len()) || empty_size != 0 {
        return mismatch("wasm_byte_vec_new/copy/new_uninitialized", data, got);
    }
    Ok(())
}

/// The message of an error the library returned, which is deleted.
fn take_message(e: Box<wasmtime_error_t>) -> Vec<u8> {
    let mut m = MaybeUninit::uninit();
    let mut status = MaybeUninit::uninit();
    let _ = wasmtime_error_exit_status(Some(&e), Some(&mut status));
    wasmtime_error_message(Some(&e), Some(&mut m));
    wasmtime_error_delete(Some(e));
    // SAFETY: written by wasmtime_error_message.
    let m = unsafe { m.assume_init() };
    let text = contents(&m);
    delete_bytes(m);
    text
}

fn wat2wasm(u: &mut Unstructured) -> Check {
    let text = if u.ratio(1, 2).unwrap_or(false) {
        super::compiler::token_soup(&mut Rng::new(u.arbitrary().unwrap_or(0)))
    } else {
        bytes(u)
    };
    let mut out = MaybeUninit::uninit();
    // SAFETY: `text` is `len` readable bytes; `out` is writable. The result is NULL or a
    // new error the caller owns.
    let e = unsafe {
        take_box(wasmtime_wat2wasm(
            text.as_ptr().cast(),
            text.len(),
            Some(&mut out),
        ))
    };
    if let Some(e) = e {
        return match take_message(e) {
            m if m.is_empty() => Err("wasmtime_wat2wasm failed with an empty message".into()),
            _ => Ok(()),
        };
    }
    // SAFETY: on success the module was written.
    let wasm = unsafe { out.assume_init() };
    let ok = contents(&wasm).starts_with(b"\0asm");
    delete_bytes(wasm);
    if !ok {
        return Err("wasmtime_wat2wasm succeeded without a wasm binary".into());
    }
    Ok(())
}

fn error(text: &[u8]) -> Check {
    let c: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| *b != 0)
        .chain([0])
        .collect();
    // SAFETY: `c` is a NUL-terminated string; the result is a new error the caller owns.
    let Some(e) = (unsafe { take_box(wasmtime_error_new(c.as_ptr().cast())) }) else {
        return mismatch("wasmtime_error_new", &c, "NULL");
    };
    let message = take_message(e);
    let expected = match std::str::from_utf8(&c[..c.len() - 1]) {
        Ok(s) => s.as_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    if message != expected {
        return mismatch("wasmtime_error_new/message", expected, message);
    }
    Ok(())
}

fn validate(u: &mut Unstructured) -> Check {
    let wasm = if u.ratio(1, 2).unwrap_or(false) {
        super::smith::module(&mut Rng::new(u.arbitrary().unwrap_or(0)))
    } else {
        bytes(u)
    };
    // SAFETY: NULL or a new engine the caller owns.
    let engine = unsafe { take_box(wasm_engine_new()) };
    // SAFETY: `wasm` is `len` readable bytes; the result is NULL or a new error.
    let e = unsafe {
        take_box(wasmtime_module_validate(
            engine.as_deref(),
            wasm.as_ptr(),
            wasm.len(),
        ))
    };
    wasm_engine_delete(engine);
    match e.map(take_message) {
        Some(m) if m.is_empty() => Err("validation failed with an empty message".into()),
        _ => Ok(()),
    }
}

/// Every accessor given NULL answers with its default.
fn nulls() -> Check {
    let answers = (
        wasm_valtype_kind(None),
        kinds_of(wasm_functype_params(None)).len(),
        wasm_globaltype_content(None).is_none() && wasm_tabletype_limits(None).is_none(),
        wasm_memorytype_limits(None).is_none() && wasm_externtype_kind(None) == 0,
        wasmtime_memorytype_minimum(None),
    );
    wasm_valtype_delete(None);
    wasmtime_error_delete(None);
    // SAFETY: NULL is allowed: an error, no read.
    let e = unsafe { take_box(wasmtime_wat2wasm(std::ptr::null(), 3, None)) };
    let null_text_refused = e.map(take_message).is_some_and(|m| !m.is_empty());
    if answers != (WASM_I32, 0, true, true, 0) || !null_text_refused {
        return mismatch("NULL arguments", "defaults", (answers, null_text_refused));
    }
    Ok(())
}
