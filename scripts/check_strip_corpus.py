#!/usr/bin/env python3
"""Check the strippers on a corpus with outside tools: every cleaned file must show no EXIF,
IPTC, XMP, MakerNotes, Photoshop or GPS tags to `exiftool -G0 -a`, and must decode (with
ImageMagick) to exactly the pixels of the original.

    scripts/check_strip_corpus.py [CORPUS_DIR ...]      (default: ../shared/corpus/exif-samples)

Files the core refuses to clean (damaged, or a format it cannot clean) are counted, not
failed: the service answers those with an error instead of a file. Exits 1 on any leak or
pixel difference, and prints a summary line "N passed, N failed".
"""
import hashlib, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
FORBIDDEN = {"EXIF", "IPTC", "XMP", "MakerNotes", "Photoshop", "GPS"}
# ExifTool groups whose mere presence is fine (structure, derived values, colour, file facts).
# In a TIFF the image structure itself lives in IFD0, which ExifTool reports as group EXIF:
# these tags describe how to decode the pixels, not the picture's story, and must stay.
TIFF_STRUCTURE = {
    "SubfileType", "OldSubfileType", "ImageWidth", "ImageHeight", "BitsPerSample", "Compression",
    "PhotometricInterpretation", "FillOrder", "StripOffsets", "SamplesPerPixel", "RowsPerStrip",
    "StripByteCounts", "XResolution", "YResolution", "PlanarConfiguration", "ResolutionUnit",
    "Predictor", "ColorMap", "TileWidth", "TileLength", "TileOffsets", "TileByteCounts",
    "ExtraSamples", "SampleFormat", "YCbCrCoefficients", "YCbCrSubSampling", "YCbCrPositioning",
    "ReferenceBlackWhite", "TransferFunction", "WhitePoint", "PrimaryChromaticities",
}
IMAGE_EXT = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".heic", ".heif", ".avif"}


def exiftool_groups(path):
    out = subprocess.run(["exiftool", "-json", "-G0", "-a", "-q", "-q", path], capture_output=True, text=True)
    rows = json.loads(out.stdout or "[{}]")
    tags = {}
    for k, v in (rows[0] if rows else {}).items():
        if ":" in k:
            g, t = k.split(":", 1)
            tags.setdefault(g, []).append(t)
    return tags


def pixels(path):
    """SHA-256 of the decoded pixels (first frame/page), or None when ImageMagick cannot decode."""
    out = subprocess.run(["convert", path + "[0]", "-depth", "16", "rgba:-"], capture_output=True)
    if out.returncode != 0 or not out.stdout:
        return None
    return hashlib.sha256(out.stdout).hexdigest()


def main():
    for tool in ("exiftool", "convert"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (apt-get install -y libimage-exiftool-perl imagemagick)")
    dirs = sys.argv[1:] or [os.path.join(ROOT, "..", "shared", "corpus", "exif-samples")]
    files = sorted(os.path.join(d, f) for root in dirs for d, _, fs in os.walk(root) for f in fs
                   if os.path.splitext(f)[1].lower() in IMAGE_EXT)
    if not files:
        print("no corpus files found: nothing to check")
        print("0 passed, 0 failed")
        return 0
    # The debug profile shares the test build's artifacts: no extra optimised build in CI.
    profile = os.environ.get("STRIP_CHECK_PROFILE", "dev")
    subprocess.run(["cargo", "build", "-q", "--profile", profile, "-p", "metacore", "--example", "strip"], check=True, cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    strip = os.path.join(target, "debug" if profile == "dev" else profile, "examples", "strip")
    passed = failed = refused = undecodable = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            rel = os.path.relpath(path, dirs[0])
            out = os.path.join(tmp, "clean" + os.path.splitext(path)[1])
            r = subprocess.run([strip, path, out], capture_output=True, text=True)
            if r.returncode in (3, 4):
                refused += 1
                print(f"refused  {rel}: {r.stderr.strip()}")
                continue
            if r.returncode != 0:
                failed += 1
                print(f"FAIL     {rel}: strip exited {r.returncode}: {r.stderr.strip()}")
                continue
            problems = []
            groups = exiftool_groups(out)
            if os.path.splitext(path)[1].lower() in (".tif", ".tiff") and "EXIF" in groups:
                groups["EXIF"] = [t for t in groups["EXIF"] if t not in TIFF_STRUCTURE]
            leaks = {g: t for g, t in groups.items() if g in FORBIDDEN and t}
            gps = [t for ts in groups.values() for t in ts if t.startswith("GPS")]
            if leaks:
                problems.append(f"metadata left: {leaks}")
            if gps:
                problems.append(f"GPS left: {gps}")
            before, after = pixels(path), pixels(out)
            if before is None:
                undecodable += 1
            elif before != after:
                problems.append("decoded pixels differ")
            if problems:
                failed += 1
                print(f"FAIL     {rel}: " + "; ".join(problems))
            else:
                passed += 1
    print(f"checked {len(files)} files: {refused} refused (damaged or not cleanable), "
          f"{undecodable} not decodable by ImageMagick before cleaning (leak check only)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
