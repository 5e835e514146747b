//! GIF: keeps the screen and image descriptors, colour tables, graphic control and plain
//! text extensions and the NETSCAPE2.0/ANIMEXTS1.0 looping extensions (and the ICC
//! extension when asked); drops comments, XMP and every other application extension, and
//! anything after the trailer. Image data is copied.

use super::{malformed, xmp, Out, StripError};
use crate::source::{Source, Window};

const MAX_BLOCKS: usize = 1_000_000;
/// Most bytes of an XMP extension read for the receipt and `keep`.
const MAX_XMP: usize = 16 << 20;

/// End of the sub-block chain starting at `pos` (just past the 0 terminator).
fn sub_blocks_end(w: &mut Window, mut pos: usize) -> Result<usize, StripError> {
    let len = w.len() as usize;
    loop {
        let n = w
            .byte(pos as u64)?
            .ok_or_else(|| malformed("truncated GIF data sub-blocks"))? as usize;
        pos += 1;
        if n == 0 {
            return Ok(pos);
        }
        pos += n;
        if pos > len {
            return Err(malformed("truncated GIF data sub-block"));
        }
    }
}

/// With keep=copyright, a new XMP application extension holding only dc:rights and
/// dc:creator (taken from the removed XMP).
fn kept_xmp(out: &mut Out, old: Option<&[u8]>) {
    let Some(old) = old.filter(|_| out.keep.copyright) else {
        return;
    };
    let rights = xmp::rights(old);
    let creator = xmp::creator(old);
    let Some(x) = xmp::minimal(rights.as_deref(), creator.as_deref()) else {
        return;
    };
    out.kept("copyright");
    let mut ext = b"\x21\xFF\x0bXMP DataXMP".to_vec();
    ext.extend_from_slice(x.as_bytes());
    // The "magic trailer" that lets GIF readers skip the packet as data sub-blocks.
    ext.push(1);
    ext.extend((0..=255u8).rev());
    ext.push(0);
    out.data(&ext);
}

pub fn strip(src: &dyn Source, out: &mut Out) -> Result<(), StripError> {
    // The block walk (image data is a chain of sub-blocks of at most 255 bytes) reads
    // through a window, so a large GIF is never paged in whole.
    let mut w = Window::new(src);
    let data_len = usize::try_from(w.len()).map_err(|_| malformed("file too large"))?;
    let head = w.get(0, 13)?;
    if head.len() < 13 || !(head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a")) {
        return Err(malformed("not a GIF file"));
    }
    let packed = head[10];
    let mut pos = 13usize;
    if packed & 0x80 != 0 {
        pos += 3 << ((packed & 7) + 1);
    }
    if pos > data_len {
        return Err(malformed("truncated global colour table"));
    }
    out.copy(0, pos);
    let mut blocks = 0;
    let mut xmp_text: Option<Vec<u8>> = None;
    while pos < data_len {
        blocks += 1;
        if blocks > MAX_BLOCKS {
            return Err(malformed("too many GIF blocks"));
        }
        let start = pos;
        match w.byte(pos as u64)?.unwrap_or(0) {
            0x3B => {
                kept_xmp(out, xmp_text.as_deref());
                out.copy(pos, 1);
                pos += 1;
                if pos < data_len {
                    out.removed("trailer", 1);
                }
                return Ok(());
            }
            0x2C => {
                let d = w.get(pos as u64, 10)?;
                if d.len() < 10 {
                    return Err(malformed("truncated image descriptor"));
                }
                let mut p = pos + 10;
                if d[9] & 0x80 != 0 {
                    p += 3 << ((d[9] & 7) + 1);
                }
                p += 1; // LZW minimum code size
                let end = sub_blocks_end(&mut w, p)?;
                out.copy_range(start, end);
                pos = end;
            }
            0x21 => {
                let label = w
                    .byte(pos as u64 + 1)?
                    .ok_or_else(|| malformed("truncated extension"))?;
                let end = sub_blocks_end(&mut w, pos + 2)?;
                let keep = match label {
                    0xF9 | 0x01 => true,
                    0xFE => {
                        out.removed("comment", 1);
                        false
                    }
                    0xFF => {
                        let id = w.get(pos as u64 + 2, 12)?.to_vec();
                        let ident = id.get(1..).unwrap_or(&[]);
                        if id.first() == Some(&11)
                            && (ident.starts_with(b"NETSCAPE2.0")
                                || ident.starts_with(b"ANIMEXTS1.0"))
                        {
                            true
                        } else if ident.starts_with(b"ICCRGBG1012") {
                            if out.keep.icc {
                                out.kept("icc_profile");
                            } else {
                                out.removed("icc_profile", 1);
                            }
                            out.keep.icc
                        } else if ident.starts_with(b"XMP DataXMP") {
                            let x = w.read_vec(pos as u64 + 14, (end - pos - 14).min(MAX_XMP))?;
                            out.removed("xmp", xmp::count_props(&x));
                            xmp_text.get_or_insert(x);
                            false
                        } else {
                            out.removed("gif", 1);
                            false
                        }
                    }
                    _ => {
                        out.removed("gif", 1);
                        false
                    }
                };
                if keep {
                    out.copy_range(start, end);
                }
                pos = end;
            }
            b => {
                return Err(malformed(format!(
                    "unexpected GIF block 0x{b:02x} at offset {pos}"
                )))
            }
        }
    }
    // No trailer: end the stream properly.
    kept_xmp(out, xmp_text.as_deref());
    out.data(&[0x3B]);
    Ok(())
}
