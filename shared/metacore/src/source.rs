//! Random-access input for the scans whose cost grows with the file size.
//!
//! Parsers take the input as a byte slice, which for a large file is a memory map: reading
//! a header touches one page, and only the touched pages count in the process's RSS. A
//! scan over the *data* of a file (the entropy-coded scan of a JPEG looking for its next
//! marker, the pages of an Ogg stream, the objects of a PDF) would touch every page and
//! so map the whole file into memory. Such scans read the input through a [`Source`]
//! instead, a [`Window`] at a time: a 2 GiB file costs one window of memory, whatever its
//! size. The core still does no I/O itself: a caller with a file implements [`Source`]
//! with `pread`; a byte slice implements it by copying.

use std::io;

/// The input, read by offset. Implementations must hold the same bytes as the slice handed
/// to the parser alongside them.
pub trait Source {
    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Reads up to `buf.len()` bytes at `offset` and returns how many were read (0 at or
    /// past the end). Like `pread`: a short read is not an error.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let Some(rest) = usize::try_from(offset).ok().and_then(|o| self.get(o..)) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.as_slice().read_at(offset, buf)
    }
}

/// Size of the buffer a [`Window`] reads through, and so the most any scan asks of a
/// [`Source`] at once.
pub const WINDOW: usize = 256 * 1024;

/// A forward-moving buffered view of a [`Source`]: holds at most [`WINDOW`] bytes. A
/// sequential scan reads each byte of the source once (a request that straddles the end of
/// the buffer re-reads at most the few bytes it asked for).
pub struct Window<'a> {
    src: &'a dyn Source,
    len: u64,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    start: u64,
}

impl<'a> Window<'a> {
    pub fn new(src: &'a dyn Source) -> Self {
        Window {
            src,
            len: src.len(),
            buf: Vec::new(),
            start: 0,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Up to `n` (at most [`WINDOW`]) bytes at `off`; fewer only at the end of the input.
    pub fn get(&mut self, off: u64, n: usize) -> io::Result<&[u8]> {
        let n = n.min(WINDOW);
        let end = off.saturating_add(n as u64).min(self.len);
        let have_end = self.start + self.buf.len() as u64;
        if off < self.start || end > have_end {
            self.fill(off)?;
        }
        let s = (off.saturating_sub(self.start)) as usize;
        let e = (end.saturating_sub(self.start)) as usize;
        Ok(self.buf.get(s..e.max(s)).unwrap_or(&[]))
    }

    /// The byte at `off`, `None` past the end.
    pub fn byte(&mut self, off: u64) -> io::Result<Option<u8>> {
        Ok(self.get(off, 1)?.first().copied())
    }

    /// Offset of the first byte at or after `from` for which `pred` holds.
    pub fn find(&mut self, mut from: u64, pred: impl Fn(u8) -> bool) -> io::Result<Option<u64>> {
        while from < self.len {
            let chunk = self.rest_of_window(from)?;
            if chunk.is_empty() {
                break;
            }
            if let Some(i) = chunk.iter().position(|&b| pred(b)) {
                return Ok(Some(from + i as u64));
            }
            from += chunk.len() as u64;
        }
        Ok(None)
    }

    /// Offset of the first occurrence of `pat` (shorter than [`WINDOW`]) at or after `from`.
    pub fn find_pattern(&mut self, mut from: u64, pat: &[u8]) -> io::Result<Option<u64>> {
        let Some(&first) = pat.first() else {
            return Ok(Some(from));
        };
        while let Some(at) = self.find(from, |b| b == first)? {
            if self.get(at, pat.len())? == pat {
                return Ok(Some(at));
            }
            from = at + 1;
        }
        Ok(None)
    }

    /// `n` bytes at `off` as an owned buffer (any size; read in one request, past the
    /// window, so callers cap `n`). Shorter only at the end of the input.
    pub fn read_vec(&mut self, off: u64, n: usize) -> io::Result<Vec<u8>> {
        if n <= WINDOW {
            return Ok(self.get(off, n)?.to_vec());
        }
        let n = usize::try_from((self.len.saturating_sub(off)).min(n as u64)).unwrap_or(0);
        let mut v = vec![0u8; n];
        let got = read_full(self.src, off, &mut v)?;
        v.truncate(got);
        Ok(v)
    }

    /// The buffered bytes from `off` on (refilled from `off` only when it is outside the
    /// buffer, so a scan never re-reads what it has).
    fn rest_of_window(&mut self, off: u64) -> io::Result<&[u8]> {
        if off < self.start || off >= self.start + self.buf.len() as u64 {
            self.fill(off)?;
        }
        let s = (off - self.start) as usize;
        Ok(self.buf.get(s..).unwrap_or(&[]))
    }

    fn fill(&mut self, off: u64) -> io::Result<()> {
        let n = usize::try_from(self.len.saturating_sub(off).min(WINDOW as u64)).unwrap_or(0);
        self.buf.resize(n, 0);
        let got = read_full(self.src, off, &mut self.buf)?;
        self.buf.truncate(got);
        self.start = off;
        Ok(())
    }
}

/// Fills `buf` from `off`, looping over short reads; returns how many bytes were read.
fn read_full(src: &dyn Source, off: u64, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match src.read_at(off + got as u64, &mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;

    /// A source that counts what is asked of it.
    pub struct Counting<'a> {
        pub data: &'a [u8],
        pub bytes_read: Cell<u64>,
        pub requests: Cell<u64>,
        pub largest: Cell<usize>,
    }

    impl<'a> Counting<'a> {
        pub fn new(data: &'a [u8]) -> Self {
            Counting {
                data,
                bytes_read: Cell::new(0),
                requests: Cell::new(0),
                largest: Cell::new(0),
            }
        }
    }

    impl Source for Counting<'_> {
        fn len(&self) -> u64 {
            self.data.len() as u64
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
            self.largest.set(self.largest.get().max(buf.len()));
            self.requests.set(self.requests.get() + 1);
            let n = self.data.read_at(offset, buf)?;
            self.bytes_read.set(self.bytes_read.get() + n as u64);
            Ok(n)
        }
    }

    #[test]
    fn window_finds_across_refills() {
        let mut d = vec![0u8; 3 * WINDOW + 17];
        d[WINDOW - 1] = 0xFF;
        d[WINDOW] = 0xD9;
        d[2 * WINDOW + 5] = 7;
        let src = Counting::new(&d);
        let mut w = Window::new(&src);
        assert_eq!(
            w.find_pattern(0, &[0xFF, 0xD9]).unwrap(),
            Some(WINDOW as u64 - 1)
        );
        assert_eq!(
            w.find(WINDOW as u64, |b| b == 7).unwrap(),
            Some(2 * WINDOW as u64 + 5)
        );
        assert_eq!(w.find(2 * WINDOW as u64 + 6, |b| b != 0).unwrap(), None);
        assert_eq!(w.get(d.len() as u64 - 2, 10).unwrap().len(), 2);
        assert_eq!(w.byte(d.len() as u64).unwrap(), None);
        assert!(src.largest.get() <= WINDOW);
        assert!(
            src.bytes_read.get() <= d.len() as u64 + 16,
            "{}",
            src.bytes_read.get()
        );
    }
}
