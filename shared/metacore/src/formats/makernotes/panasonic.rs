//! Panasonic maker notes: "Panasonic\0\0\0" + IFD at +12, offsets relative to the TIFF
//! header; handled by the generic IFD walk in `mod.rs`.
