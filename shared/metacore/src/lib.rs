//! The metadata core: bytes in, metadata (ExifTool's family-0 groups, tag names and print
//! conversions) or a lossless strip plan out.
//!
//! Invariants, kept by every module below:
//! - no I/O, no async, no network: callers hand in bytes (a buffer or a memory map), and
//!   for passes over a large file's data a [`Source`] they read themselves (`pread`);
//! - no input may panic, hang or allocate without bound: every offset and length is checked,
//!   sizes, counts and nesting depth are capped, IFD chains are cycle-checked, and a
//!   [`Budget`] bounds the time spent on one file;
//! - a damaged file yields what could be read plus a warning, never an error.

#![forbid(unsafe_code)]

pub mod bytes;
pub mod detect;
pub mod formats;
pub mod model;
pub mod source;
pub mod strip;

pub use detect::{detect, FileKind};
pub use model::{Budget, Group, Metadata};
pub use source::Source;
pub use strip::{strip, strip_with_source, Keep, Piece, StripError, StripPlan};

/// Extracts every piece of metadata from `data`. `file_name` is only used for the `file`
/// group's `Name` and as a hint when the content's magic number is ambiguous.
pub fn extract(data: &[u8], file_name: Option<&str>) -> Metadata {
    extract_with_budget(data, file_name, Budget::default())
}

/// Like [`extract`], with an explicit time budget.
pub fn extract_with_budget(data: &[u8], file_name: Option<&str>, budget: Budget) -> Metadata {
    let mut meta = Metadata::new(budget);
    let kind = detect(data, file_name);
    formats::file_group(&mut meta, data, file_name, kind);
    if let Some(kind) = kind {
        formats::extract_into(&mut meta, data, kind);
    } else if !data.is_empty() {
        meta.warn("Unknown file type");
    }
    formats::composite(&mut meta);
    meta
}
