//! How much heap the process holds, for the `--memory` ceiling.
//!
//! The system allocator is wrapped to keep one running total (an atomic
//! add per allocation, invisible next to the allocation itself). The
//! loader and the watchdog (`budget.rs`) compare it with the ceiling and
//! stop the work with a clear error, rather than leave it to the system's
//! out-of-memory killer.
//!
//! The total is what the allocator takes, not what was asked: glibc's
//! malloc gives each block an 8-byte header, rounds it to 16 bytes and
//! never gives less than 32, so a query that builds millions of 16-byte
//! values holds twice their size. Counting the asked sizes let `--why` on
//! a cross product reach 1.6 times `--memory` resident (hostile review,
//! issue 23) where the ceiling promises at most a quarter more.

use crate::guard::error::Kind;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The system allocator, counting.
pub struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);

/// The bytes the system allocator takes for a block of `size` bytes:
/// glibc's chunk (the size plus an 8-byte header, rounded up to 16, at
/// least 32). Other allocators round much the same way.
const fn cost(size: usize) -> usize {
    let chunk = size.saturating_add(8 + 15) & !15;
    if chunk < 32 {
        32
    } else {
        chunk
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            HELD.fetch_add(cost(layout.size()), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            HELD.fetch_add(cost(layout.size()), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(pointer, layout) };
        HELD.fetch_sub(cost(layout.size()), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            HELD.fetch_add(cost(new_size), Ordering::Relaxed);
            HELD.fetch_sub(cost(layout.size()), Ordering::Relaxed);
        }
        moved
    }
}

/// Bytes of heap the process holds now.
pub fn held() -> u64 {
    HELD.load(Ordering::Relaxed) as u64
}

/// Bytes the process has made resident since it first asked: its resident
/// set (Linux's `/proc/self/statm`) above the first reading, which holds
/// the program's own pages that no ceiling can lower; 0 where unknown.
///
/// The heap count misses what the allocator keeps after the work frees it:
/// `--why` on a cross product held 65 MiB of heap and 110 MiB resident at
/// `--memory 64M` (the hostile review measured 1.5 to 1.7 times the
/// ceiling), so a command's watchdog looks at both.
pub fn resident_growth() -> u64 {
    static START: OnceLock<u64> = OnceLock::new();
    let Some(now) = resident() else { return 0 };
    now.saturating_sub(*START.get_or_init(|| now))
}

/// The resident set, in bytes.
fn resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let page = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
    Some(pages * page)
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
