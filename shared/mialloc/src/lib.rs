//! mimalloc as the global allocator of the service binaries (and of the core's benchmark
//! and `dump` example, so that their figures are the service's).
//!
//! The `mimalloc` crate's allocator sends every request through `mi_malloc_aligned`, whose
//! checks cost the metadata core ~3 % of its instructions per camera JPEG (460.3 k ->
//! 445.4 k without them, `scripts/bench/camera_instr.sh`): the core allocates a small
//! `String` or `Vec` per tag. Requests whose alignment every mimalloc block has anyway go
//! to `mi_malloc` and friends instead; the rest still go to the aligned functions.
//!
//! Why the core uses mimalloc at all: glibc's malloc was ~28 % of its instructions
//! (BENCHMARKS.md section 1).
#![allow(unsafe_code)]

use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// The alignment every block `mi_malloc` returns has: its blocks are whole machine words
/// (the smallest size class is one word) carved from word-aligned pages, as C's `malloc`
/// contract requires of an allocation that can hold a word.
const WORD: usize = std::mem::size_of::<usize>();

/// mimalloc, with the unaligned entry points for word-or-less alignments.
pub struct MiMalloc;

// SAFETY: every method returns what the mimalloc function it calls returns: a block of
// at least the requested size, or null on failure. Blocks from `mi_malloc`, `mi_zalloc`
// and `mi_realloc` are word-aligned (see `WORD`), so they serve layouts aligned to at most
// a word; larger alignments go to the `_aligned` functions, which honour `layout.align()`.
// `mi_free` frees blocks from all of them, and `mi_realloc` keeps the old contents.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_malloc(layout.size()) as *mut u8
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_zalloc(layout.size()) as *mut u8
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_alignment_asked_for_and_keep_their_bytes() {
        let a = MiMalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 8, 15, 16, 24, 100, 1000, 70_000] {
                let l = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = a.alloc(l);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    std::ptr::write_bytes(p, 0xAB, size);
                    let q = a.realloc(p, l, size * 3);
                    assert_eq!(q as usize % align, 0, "realloc size {size} align {align}");
                    assert!(std::slice::from_raw_parts(q, size)
                        .iter()
                        .all(|&b| b == 0xAB));
                    a.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    let z = a.alloc_zeroed(l);
                    assert_eq!(z as usize % align, 0);
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    a.dealloc(z, l);
                }
            }
        }
    }
}
