//! How much heap the process holds, for the `--memory` ceiling.
//!
//! The system allocator is wrapped to keep one running total (an atomic
//! add per allocation, invisible next to the allocation itself). The
//! loader and the watchdog (`budget.rs`) compare it with the ceiling and
//! stop the work with a clear error, rather than leave it to the system's
//! out-of-memory killer.

use crate::guard::error::Kind;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting.
pub struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            HELD.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            HELD.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(pointer, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            HELD.fetch_add(new_size, Ordering::Relaxed);
            HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

/// Bytes of heap the process holds now.
pub fn held() -> u64 {
    HELD.load(Ordering::Relaxed) as u64
}

/// The error for a process over its ceiling.
pub fn over_ceiling(what: &str, ceiling: u64) -> crate::guard::error::Failure {
    crate::guard::error::Failure::new(
        Kind::Exhausted,
        format!(
            "{what} stopped: it needed more than {} of memory (raise the ceiling with --memory)",
            crate::guard::input::show_size(ceiling)
        ),
    )
}

/// Keeps every thread on glibc's main allocator arena. A command does its
/// work on one worker thread (`budget::supervise`), and glibc gives each
/// new thread an arena of its own, which cost 3–7% of a whole `query cast`
/// (measured with bench/defences.py, and gone with MALLOC_ARENA_MAX=1).
/// The server does not call it: its threads allocate at the same time.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
