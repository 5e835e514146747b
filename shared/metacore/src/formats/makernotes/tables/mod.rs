//! Tag tables generated from ExifTool's (see the module docs of `makernotes`).

mod apple;
mod canon;
mod canonraw;
mod casio;
mod fujifilm;
mod kodak;
mod minolta;
mod nikon;
pub mod nikon_lens;
mod olympus;
mod panasonic;
mod pentax;
mod reconyx;
mod ricoh;
mod samsung;
mod sanyo;
mod sony;

/// Finds a table by ExifTool's name (`Image::ExifTool::Canon::Main`).
pub fn lookup(name: &str) -> Option<&'static super::Table> {
    let rest = name.strip_prefix("Image::ExifTool::")?;
    let vendor = match crate::bytes::find_str(rest, "::") {
        Some(i) => &rest[..i],
        None => rest,
    };
    match vendor {
        "Apple" => apple::lookup(name),
        "Canon" | "CanonCustom" => canon::lookup(name),
        "CanonRaw" => canonraw::lookup(name),
        "Casio" => casio::lookup(name),
        "FujiFilm" => fujifilm::lookup(name),
        "Kodak" => kodak::lookup(name),
        "Minolta" => minolta::lookup(name),
        "Nikon" | "NikonCustom" | "NikonSettings" => nikon::lookup(name),
        "Olympus" => olympus::lookup(name),
        "Panasonic" => panasonic::lookup(name),
        "Pentax" => pentax::lookup(name),
        "Reconyx" => reconyx::lookup(name),
        "Ricoh" => ricoh::lookup(name),
        "Samsung" => samsung::lookup(name),
        "Sanyo" => sanyo::lookup(name),
        "Sony" => sony::lookup(name),
        _ => None,
    }
}
