//! The guard: what keeps every command and request within bounds, and how
//! it fails when it cannot. Errors and their kinds (`error`), reading what a
//! user hands in (`input`), the documented limits and their cheap checks
//! (`limits`), time and memory for one piece of work (`budget`, `memory`).
//!
//! The lowest wing: everything else may call it, and it calls nothing of
//! the crate above it.

pub mod budget;
pub mod error;
pub mod input;
pub mod limits;
pub mod memory;
