//! Handles: `Copy` indices into the `Store` that created them, tagged with its id. Using
//! one with another store is an error (or yields an empty value for the infallible
//! accessors), never a crash. What each can do is in the file of its kind (`func.rs`,
//! `table.rs`, `memory.rs`, `global.rs`, `instance.rs`, `tag.rs`, `exception.rs`).

/// A memory in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

/// A table in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

/// A global in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

/// A function in a store: a wasm function of an instance or a host function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

/// An instance of a module in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

/// A tag (Wasm exception handling) in a store: defined by an instance or by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

/// An exception thrown in a store (an `exnref` value): opaque to the host. It lives as
/// long as its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExnRef {
    pub(crate) store: u64,
    pub(crate) index: u32,
}
