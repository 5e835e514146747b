#!/bin/sh
# Regenerates ../*.rs from the ExifTool installed on this machine (perl modules under
# Image::ExifTool): dump.pl writes each vendor's tag tables as JSON, gen.py turns them into
# Rust tables. Run from anywhere; needs perl with Image::ExifTool and JSON::PP, python3.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for r in CanonRaw::Main Canon::Main Nikon::Main Nikon::Type2 Olympus::Main FujiFilm::Main Apple::Main \
         Casio::Main Casio::Type2 Panasonic::Main Kodak::Main Kodak::Type3 Kodak::Type4 Sanyo::Main \
         Ricoh::Main Ricoh::Text Minolta::Main Reconyx::Main Pentax::Main Sony::Main Samsung::Type2; do
  perl "$HERE/dump.pl" "Image::ExifTool::$r" > "$TMP/$(echo $r | tr ':' '_' | tr A-Z a-z).json"
done
g() { out=$1; shift; python3 "$HERE/gen.py" "$OUT/$out" "$@"; }
cd "$TMP"
g canon.rs canon__main.json
g canonraw.rs canonraw__main.json
g nikon.rs nikon__main.json nikon__type2.json
g olympus.rs olympus__main.json
g fujifilm.rs fujifilm__main.json
g apple.rs apple__main.json
g casio.rs casio__main.json casio__type2.json
g panasonic.rs panasonic__main.json
g kodak.rs kodak__main.json kodak__type3.json kodak__type4.json
g sanyo.rs sanyo__main.json
g ricoh.rs ricoh__main.json ricoh__text.json
g minolta.rs minolta__main.json
g reconyx.rs reconyx__main.json
g pentax.rs pentax__main.json
g sony.rs sony__main.json
g samsung.rs samsung__type2.json
perl "$HERE/nikon_lens.pl" > "$OUT/nikon_lens.rs"
echo "now run: cargo fmt -p metacore"
