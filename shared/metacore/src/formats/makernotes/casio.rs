//! Casio maker notes: "QVC\0" type 2 (IFD at +6) or a bare type 1 IFD, offsets relative to
//! the TIFF header; handled by the generic IFD walk in `mod.rs`.
