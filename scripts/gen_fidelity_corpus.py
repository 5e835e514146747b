#!/usr/bin/env python3
"""Generate a varied corpus of files with real metadata, to score the core against ExifTool
on formats the sample corpus lacks (PNG, WebP, GIF, BMP, PSD, JPEG XL, DNG, TIFF, MP4/MOV/
M4A/3GP, MKV/WebM, AVI/WAV, MP3, FLAC, Ogg/Opus, PDF, DOCX/XLSX/PPTX, ODF).

    scripts/gen_fidelity_corpus.py [OUT_DIR]      (default /work/fidelity-corpus)

Needs (Debian 12): apt-get install -y libimage-exiftool-perl ffmpeg imagemagick sox flac
vorbis-tools opus-tools lame ghostscript webp libjxl-tools mkvtoolnix, optionally libreoffice-{writer,calc,impress}-nogui (and exiftool's
recommended libarchive-zip-perl, without which ExifTool calls every Office file ZIP)
and from PyPI: Pillow pillow-heif pikepdf mutagen python-docx openpyxl python-pptx reportlab
odfpy.
A step whose tool is missing is skipped with a note. Metadata is written by the encoders,
by mutagen and the Office libraries, and by `exiftool` (EXIF/GPS/IPTC/XMP, QuickTime Keys,
ItemList and UserData tags). Dates are fixed so two runs give the same tags.
"""
import os
import shutil
import subprocess
import sys

OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "/work/fidelity-corpus")
TMP = os.path.join(OUT, ".tmp")
SKIPPED = []

# Tags written into images (exiftool syntax). Groups: EXIF (with GPS), XMP, IPTC.
EXIF_TAGS = [
    "-EXIF:Make=Fidelity Cam", "-EXIF:Model=FC-100", "-EXIF:Software=gen_fidelity_corpus 1.0",
    "-EXIF:Artist=Ada Lovelace", "-EXIF:Copyright=(c) 2024 Ada", "-EXIF:ImageDescription=A test image",
    "-EXIF:DateTimeOriginal=2024:05:06 07:08:09", "-EXIF:CreateDate=2024:05:06 07:08:09",
    "-EXIF:ModifyDate=2024:05:07 10:11:12", "-EXIF:SubSecTimeOriginal=123",
    "-EXIF:OffsetTimeOriginal=+02:00", "-EXIF:ExposureTime=1/250", "-EXIF:FNumber=5.6",
    "-EXIF:ISO=200", "-EXIF:FocalLength=35", "-EXIF:FocalLengthIn35mmFormat=52",
    "-EXIF:ExposureProgram=Aperture-priority AE", "-EXIF:MeteringMode=Multi-segment",
    "-EXIF:Flash=No Flash", "-EXIF:WhiteBalance=Auto", "-EXIF:ExposureCompensation=-0.7",
    "-EXIF:LensModel=FC 35mm F1.8", "-EXIF:LensMake=Fidelity", "-EXIF:Orientation#=1",
    "-EXIF:XResolution=300", "-EXIF:YResolution=300", "-EXIF:ResolutionUnit=inches",
    "-EXIF:UserComment=generated", "-EXIF:ColorSpace=sRGB",
    "-GPSLatitude=48.8583", "-GPSLatitudeRef=N", "-GPSLongitude=2.2945", "-GPSLongitudeRef=E",
    "-GPSAltitude=35.5", "-GPSAltitudeRef=Above Sea Level", "-GPSDateStamp=2024:05:06",
    "-GPSTimeStamp=05:08:09", "-GPSSpeed=12.5", "-GPSSpeedRef=K", "-GPSImgDirection=123.4",
    "-GPSImgDirectionRef=T",
]
XMP_TAGS = [
    "-XMP-dc:Title=Eiffel test", "-XMP-dc:Description=A generated test file",
    "-XMP-dc:Subject=tower", "-XMP-dc:Subject=paris", "-XMP-dc:Subject=test",
    "-XMP-dc:Creator=Ada Lovelace", "-XMP-dc:Rights=CC-BY 4.0", "-XMP-xmp:Rating=4",
    "-XMP-xmp:Label=Red", "-XMP-xmp:CreatorTool=gen_fidelity_corpus",
    "-XMP-xmp:CreateDate=2024:05:06 07:08:09+02:00", "-XMP-photoshop:City=Paris",
    "-XMP-photoshop:Country=France", "-XMP-photoshop:Headline=Tower",
    "-XMP-iptcCore:Location=Champ de Mars", "-XMP-xmpRights:Marked=True",
]
IPTC_TAGS = [
    "-IPTC:ObjectName=Eiffel", "-IPTC:Keywords=tower", "-IPTC:Keywords=paris",
    "-IPTC:By-line=Ada Lovelace", "-IPTC:City=Paris", "-IPTC:Country-PrimaryLocationName=France",
    "-IPTC:Caption-Abstract=A caption", "-IPTC:CopyrightNotice=(c) Ada",
    "-IPTC:DateCreated=2024:05:06", "-IPTC:TimeCreated=07:08:09+02:00",
    "-IPTC:Urgency=5", "-IPTC:Category=NEW", "-IPTC:CodedCharacterSet=UTF8",
]
ALL_IMAGE = EXIF_TAGS + XMP_TAGS + IPTC_TAGS


def have(tool):
    return shutil.which(tool) is not None


def run(*cmd, check=True):
    if not have(cmd[0]):
        SKIPPED.append(cmd[0])
        return False
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 and check:
        print("failed:", " ".join(cmd)[:200], "\n", res.stderr[-600:], file=sys.stderr)
        return False
    return True


def out(name):
    return os.path.join(OUT, name)


def tmp(name):
    return os.path.join(TMP, name)


def et(path, *tags):
    """Write tags with exiftool in place."""
    return run("exiftool", "-q", "-q", "-overwrite_original", "-m", *tags, path)


def base_images():
    run("convert", "-size", "160x120", "-seed", "7", "plasma:red-blue", tmp("rgb.png"))
    run("convert", "-size", "160x120", "gradient:white-black", tmp("gray.png"))
    run("convert", "-size", "96x64", "-seed", "3", "plasma:green-yellow", "-alpha", "set",
        "-channel", "A", "-evaluate", "set", "60%", "+channel", tmp("alpha.png"))


def images():
    rgb, gray, alpha = tmp("rgb.png"), tmp("gray.png"), tmp("alpha.png")
    # JPEG: full EXIF/GPS/XMP/IPTC; progressive + ICC; grayscale JFIF only; CMYK Adobe.
    run("convert", rgb, "-quality", "85", out("jpeg_full.jpg"))
    et(out("jpeg_full.jpg"), *ALL_IMAGE)
    run("convert", rgb, "-interlace", "JPEG", "-quality", "70", "-density", "72",
        "-units", "PixelsPerInch", out("jpeg_progressive.jpg"))
    et(out("jpeg_progressive.jpg"), "-ICC_Profile<=" + icc_path(), *XMP_TAGS)
    run("convert", gray, "-quality", "90", out("jpeg_gray.jpg"))
    run("convert", rgb, "-colorspace", "CMYK", out("jpeg_cmyk.jpg"))
    et(out("jpeg_cmyk.jpg"), *IPTC_TAGS)
    run("convert", rgb, "-sampling-factor", "4:4:4", "-comment", "a JPEG comment", out("jpeg_comment.jpg"))
    et(out("jpeg_comment.jpg"), *EXIF_TAGS[:12], "-ThumbnailImage<=" + tmp("thumb.jpg"))

    # PNG: text chunks, eXIf, XMP in iTXt, gamma/chromaticity, palette, 16-bit, ICC.
    run("convert", rgb, "-set", "Title", "PNG title", "-set", "Author", "Ada",
        "-set", "Comment", "png comment", out("png_text.png"))
    shutil.copy(rgb, out("png_exif_xmp.png"))
    et(out("png_exif_xmp.png"), *EXIF_TAGS, *XMP_TAGS)
    run("convert", rgb, "-colors", "16", "PNG8:" + out("png_palette.png"))
    run("convert", gray, "-depth", "16", out("png_gray16.png"))
    shutil.copy(alpha, out("png_alpha.png"))
    et(out("png_alpha.png"), "-PNG:Title=alpha", "-PNG:Description=semi transparent",
       "-PNG:Software=gen", "-PNG:CreationTime=2024:05:06 07:08:09")
    run("convert", rgb, "-profile", icc_path(), out("png_icc.png"))
    run("convert", rgb, "-density", "300", "-units", "PixelsPerInch", "-gamma", "0.45455",
        out("png_phys.png"))

    # WebP: lossy, lossless with alpha, extended with EXIF+XMP, animated.
    run("cwebp", "-q", "80", "-quiet", rgb, "-o", out("webp_lossy.webp"))
    run("cwebp", "-lossless", "-quiet", alpha, "-o", out("webp_lossless_alpha.webp"))
    run("cwebp", "-q", "70", "-quiet", rgb, "-o", out("webp_meta.webp"))
    et(out("webp_meta.webp"), *EXIF_TAGS, *XMP_TAGS)
    run("cwebp", "-q", "70", "-quiet", "-metadata", "icc", tmp("rgb_icc.png"), "-o", out("webp_icc.webp"))
    run("convert", "-delay", "20", rgb, gray, "-loop", "0", tmp("anim.gif"))
    run("gif2webp", "-q", "60", "-quiet", tmp("anim.gif"), "-o", out("webp_anim.webp"))

    # GIF: static with comment, animated, with XMP.
    run("convert", rgb, "-comment", "gif comment", out("gif_static.gif"))
    shutil.copy(tmp("anim.gif"), out("gif_anim.gif"))
    run("convert", rgb, "-colors", "32", out("gif_xmp.gif"))
    et(out("gif_xmp.gif"), *XMP_TAGS)

    # BMP: v3 24-bit, v5 with alpha, 8-bit palette, 1-bit, RLE.
    run("convert", rgb, "BMP3:" + out("bmp_v3.bmp"))
    run("convert", alpha, "BMP:" + out("bmp_v5_alpha.bmp"))
    run("convert", rgb, "-colors", "200", "-type", "Palette", "BMP3:" + out("bmp_8bit.bmp"))
    run("convert", gray, "-monochrome", "BMP3:" + out("bmp_1bit.bmp"))
    run("convert", rgb, "-type", "TrueColor", "-define", "bmp:format=bmp2", out("bmp_v2.bmp"))

    # PSD: flat and layered, with IPTC/XMP/EXIF written by exiftool.
    run("convert", rgb, out("psd_flat.psd"))
    et(out("psd_flat.psd"), *IPTC_TAGS, *XMP_TAGS)
    run("convert", rgb, "(", gray, ")", "(", alpha, ")", out("psd_layers.psd"))
    et(out("psd_layers.psd"), *EXIF_TAGS[:20])

    # TIFF: uncompressed, LZW, deflate with tags, 16-bit gray, multi-page, big-endian.
    run("convert", rgb, "-compress", "none", out("tiff_plain.tif"))
    run("convert", rgb, "-compress", "lzw", out("tiff_lzw.tif"))
    et(out("tiff_lzw.tif"), *ALL_IMAGE)
    run("convert", gray, "-depth", "16", "-compress", "zip", out("tiff_gray16.tif"))
    run("convert", rgb, gray, "-compress", "lzw", out("tiff_multipage.tif"))
    run("convert", rgb, "-endian", "MSB", out("tiff_msb.tif"))
    et(out("tiff_msb.tif"), *EXIF_TAGS[:25])

    # JPEG XL: from PNG (with EXIF/XMP boxes when cjxl keeps them) and from JPEG (jbrd).
    run("cjxl", rgb, tmp("plain.jxl"), "-q", "90", "--quiet")
    if os.path.exists(tmp("plain.jxl")):
        shutil.copy(tmp("plain.jxl"), out("jxl_plain.jxl"))
    run("cjxl", out("jpeg_full.jpg"), out("jxl_from_jpeg.jxl"), "--quiet")
    run("cjxl", alpha, out("jxl_lossless_alpha.jxl"), "-d", "0", "--quiet")

    # DNG: a TIFF made into a DNG by exiftool's DNG tags.
    run("convert", rgb, "-compress", "none", tmp("dng.tif"))
    if os.path.exists(tmp("dng.tif")):
        shutil.copy(tmp("dng.tif"), out("dng_synthetic.dng"))
        et(out("dng_synthetic.dng"), "-DNGVersion=1.4.0.0", "-DNGBackwardVersion=1.1.0.0",
           "-UniqueCameraModel=Fidelity FC-100", "-BaselineExposure=0.25",
           "-CalibrationIlluminant1=D65", "-ColorMatrix1=1 0 0 0 1 0 0 0 1",
           "-AsShotNeutral=0.5 1 0.7", *EXIF_TAGS)


def icc_path():
    """An sRGB ICC profile: the one Ghostscript ships, else one ImageMagick extracts."""
    for cand in ("/usr/share/color/icc/ghostscript/srgb.icc",
                 "/usr/share/ghostscript/iccprofiles/srgb.icc",
                 "/usr/share/color/icc/sRGB.icc"):
        if os.path.exists(cand):
            return cand
    for root, _, files in os.walk("/usr/share"):
        for f in files:
            if f.lower() in ("srgb.icc", "default_rgb.icc"):
                return os.path.join(root, f)
    return "/nonexistent.icc"


def video():
    src = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    ff = ["ffmpeg", "-y", "-loglevel", "error"]
    meta = ["-metadata", "title=Test clip", "-metadata", "artist=Ada", "-metadata",
            "comment=generated", "-metadata", "creation_time=2024-05-06T07:08:09Z",
            "-metadata", "date=2024"]
    # MP4 (h264+aac) with ItemList tags, ©xyz location, then XMP and GPS from exiftool.
    run(*ff, *src, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        *meta, "-metadata", "location=+48.8583+002.2945/", out("mp4_h264.mp4"))
    et(out("mp4_h264.mp4"), "-XMP-dc:Title=xmp title", "-XMP-dc:Subject=video")
    # MP4 with moov before mdat (faststart), mpeg4 video.
    run(*ff, *src, "-c:v", "mpeg4", "-c:a", "aac", "-shortest", "-movflags", "+faststart",
        *meta, out("mp4_faststart.mp4"))
    # MOV with Apple-style Keys (com.apple.quicktime.*), as iPhones write.
    run(*ff, *src, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        "-movflags", "use_metadata_tags", "-metadata", "com.apple.quicktime.make=Apple",
        "-metadata", "com.apple.quicktime.model=iPhone 15 Pro",
        "-metadata", "com.apple.quicktime.software=17.4.1",
        "-metadata", "com.apple.quicktime.creationdate=2024-05-06T07:08:09+0200",
        "-metadata", "com.apple.quicktime.location.ISO6709=+48.8583+002.2945+035.000/",
        out("mov_apple_keys.mov"))
    # MOV with UserData tags (©nam, ©day, ©xyz) from exiftool.
    run(*ff, *src, "-c:v", "mpeg4", "-c:a", "pcm_s16le", "-shortest", out("mov_userdata.mov"))
    et(out("mov_userdata.mov"), "-UserData:Title=Userdata title", "-UserData:Artist=Ada",
       "-UserData:ContentCreateDate=2024:05:06 07:08:09", "-UserData:Make=Fidelity",
       "-UserData:Model=FC-100", "-UserData:GPSCoordinates=48.8583 N, 2.2945 E, 35 m",
       "-Keys:Description=keys description", "-Keys:Author=Ada L")
    # M4A with iTunes tags.
    run(*ff, "-f", "lavfi", "-i", "sine=frequency=330:duration=2", "-c:a", "aac",
        "-metadata", "title=Song", "-metadata", "artist=Band", "-metadata", "album=Album",
        "-metadata", "genre=Rock", "-metadata", "track=3/12", "-metadata", "date=2021",
        "-metadata", "composer=Someone", "-metadata", "album_artist=Band",
        out("m4a_itunes.m4a"))
    # 3GP (h263 + aac) and 3G2.
    run(*ff, "-f", "lavfi", "-i", "testsrc=size=176x144:rate=10:duration=1", "-f", "lavfi",
        "-i", "sine=duration=1", "-c:v", "h263", "-c:a", "aac", "-ar", "16000", "-ac", "1",
        "-shortest", *meta, out("3gp_h263.3gp"))
    # MKV and WebM with tags.
    run(*ff, *src, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "flac", "-shortest",
        *meta, out("mkv_h264.mkv"))
    run(*ff, *src, "-c:v", "libvpx-vp9", "-b:v", "100k", "-c:a", "libopus", "-shortest",
        "-metadata", "title=WebM clip", out("webm_vp9.webm"))
    run(*ff, "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-c:v",
        "libvpx", "-b:v", "100k", out("webm_vp8_noaudio.webm"))
    # AVI (mpeg4 + mp3, INFO tags) and MJPEG AVI.
    run(*ff, *src, "-c:v", "mpeg4", "-c:a", "libmp3lame", "-shortest", "-metadata",
        "title=AVI clip", "-metadata", "artist=Ada", "-metadata", "comment=avi comment",
        "-metadata", "date=2024", out("avi_mpeg4.avi"))
    run(*ff, *src, "-c:v", "mjpeg", "-c:a", "pcm_s16le", "-shortest", out("avi_mjpeg.avi"))
    # MPEG-TS is left out: not in the list of formats to score.


def audio():
    ff = ["ffmpeg", "-y", "-loglevel", "error"]
    sine = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
    # WAV: 16-bit with INFO, 24-bit, float, 8 kHz mono u8, broadcast WAV (bext).
    run(*ff, *sine, "-metadata", "title=Wave", "-metadata", "artist=Ada", "-metadata",
        "comment=wav comment", "-metadata", "date=2024", "-metadata", "genre=Test",
        out("wav_info.wav"))
    run(*ff, *sine, "-c:a", "pcm_s24le", "-ac", "2", out("wav_24bit_stereo.wav"))
    run(*ff, *sine, "-c:a", "pcm_f32le", out("wav_float.wav"))
    run(*ff, *sine, "-c:a", "pcm_u8", "-ar", "8000", out("wav_u8_8k.wav"))
    run(*ff, *sine, "-write_bext", "1", "-metadata", "description=bext description",
        "-metadata", "originator=gen", "-metadata", "origination_date=2024-05-06",
        "-metadata", "origination_time=07:08:09", out("wav_bext.wav"))
    run("sox", "-n", "-r", "22050", "-c", "1", out("wav_sox.wav"), "synth", "1", "sine", "300")
    wav = out("wav_info.wav")
    # MP3: lame CBR with ID3v2.3+v1, VBR (Xing), mono 22 kHz, ID3v2.4 with APIC by mutagen,
    # no tags at all.
    run("lame", "--quiet", "-b", "128", "--tt", "Title", "--ta", "Artist", "--tl", "Album",
        "--ty", "2020", "--tn", "4/10", "--tg", "Rock", "--tc", "a comment", "--add-id3v2",
        wav, out("mp3_cbr_id3.mp3"))
    run("lame", "--quiet", "-V", "4", "--id3v1-only", "--tt", "V1 only", "--ta", "Someone",
        wav, out("mp3_vbr_v1.mp3"))
    run("lame", "--quiet", "-m", "m", "--resample", "22.05", "-b", "64", "--id3v2-only",
        "--tt", "Mono", wav, out("mp3_mono.mp3"))
    run("lame", "--quiet", "-b", "192", wav, out("mp3_notags.mp3"))
    run("lame", "--quiet", "-V", "2", "--vbr-new", wav, out("mp3_v24_apic.mp3"))
    mp3_mutagen(out("mp3_v24_apic.mp3"))
    # FLAC: tags and a picture, 24-bit.
    run("flac", "--silent", "-f", "-T", "TITLE=Flac song", "-T", "ARTIST=Ada", "-T",
        "ALBUM=Flac album", "-T", "DATE=2022", "-T", "TRACKNUMBER=7", "-T", "GENRE=Jazz",
        "--picture=3||cover||" + out("jpeg_gray.jpg"), wav, "-o", out("flac_tags.flac"))
    run(*ff, *sine, "-c:a", "pcm_s24le", "-ac", "2", tmp("s24.wav"))
    run("flac", "--silent", "-f", tmp("s24.wav"), "-o", out("flac_24bit.flac"))
    # Ogg Vorbis and Opus.
    run("oggenc", "-Q", "-q", "3", "-t", "Vorbis song", "-a", "Ada", "-l", "Ogg album",
        "-d", "2023", "-N", "2", "-G", "Classical", "-c", "COMMENT=ogg comment", wav,
        "-o", out("ogg_vorbis.ogg"))
    run("opusenc", "--quiet", "--title", "Opus song", "--artist", "Ada", "--album",
        "Opus album", "--date", "2023", "--comment", "GENRE=Pop", wav, out("opus_tags.opus"))
    run("opusenc", "--quiet", "--bitrate", "24", wav, out("opus_plain.opus"))
    # AIFF from sox (ExifTool reads it; a format the service may be sent).
    run("sox", wav, out("aiff_sox.aiff"))
    # M4A ALAC.
    run(*ff, *sine, "-c:a", "alac", "-metadata", "title=Lossless", out("m4a_alac.m4a"))


def mp3_mutagen(path):
    try:
        from mutagen.id3 import ID3, TIT2, TPE1, TALB, TDRC, TRCK, TCON, COMM, APIC, TXXX, USLT, TPOS, TBPM
    except ImportError:
        SKIPPED.append("mutagen")
        return
    if not os.path.exists(path):
        return
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Mutagen title"))
    tags.add(TPE1(encoding=3, text="Mutagen artist"))
    tags.add(TALB(encoding=3, text="Mutagen album"))
    tags.add(TDRC(encoding=3, text="2024-05-06"))
    tags.add(TRCK(encoding=3, text="2/9"))
    tags.add(TPOS(encoding=3, text="1/2"))
    tags.add(TCON(encoding=3, text="(17)"))
    tags.add(TBPM(encoding=3, text="120"))
    tags.add(COMM(encoding=3, lang="eng", desc="", text="mutagen comment"))
    tags.add(TXXX(encoding=3, desc="MyField", text="custom value"))
    tags.add(USLT(encoding=3, lang="eng", desc="", text="la la la"))
    with open(out("jpeg_gray.jpg"), "rb") as fh:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=fh.read()))
    tags.save(path, v2_version=4)


def documents():
    # PDF: reportlab with Info, Ghostscript from PostScript, exiftool adds XMP + Info.
    try:
        from reportlab.pdfgen import canvas
        c = canvas.Canvas(out("pdf_reportlab.pdf"))
        c.setTitle("ReportLab title")
        c.setAuthor("Ada Lovelace")
        c.setSubject("Testing")
        c.setKeywords("alpha, beta")
        c.setCreator("gen_fidelity_corpus")
        c.drawString(72, 720, "Hello PDF")
        c.showPage()
        c.drawString(72, 720, "Page two")
        c.save()
    except ImportError:
        SKIPPED.append("reportlab")
    with open(tmp("doc.ps"), "w") as fh:
        fh.write("%!PS\n/Helvetica findfont 20 scalefont setfont 72 700 moveto (Ghostscript) show showpage\n")
    run("gs", "-q", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-dCompatibilityLevel=1.5",
        "-sOutputFile=" + out("pdf_gs.pdf"), tmp("doc.ps"))
    run("gs", "-q", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-dCompatibilityLevel=1.7",
        "-sOutputFile=" + out("pdf_gs_xmp.pdf"), tmp("doc.ps"))
    et(out("pdf_gs_xmp.pdf"), "-PDF:Title=Updated title", "-PDF:Author=Ada",
       "-PDF:Keywords=one, two", "-XMP-dc:Title=XMP pdf title", "-XMP-dc:Creator=Ada",
       "-XMP-pdf:Producer=gen", "-XMP-xmp:CreateDate=2024:05:06 07:08:09+02:00")
    try:
        from reportlab.pdfgen import canvas
        from reportlab.lib import pdfencrypt
        c = canvas.Canvas(out("pdf_image.pdf"), pageCompression=1)
        c.setTitle("Image page")
        c.drawImage(tmp("rgb.png"), 72, 500, 160, 120)
        c.save()
        enc = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=1, canModify=0)
        c = canvas.Canvas(out("pdf_encrypted.pdf"), encrypt=enc)
        c.setTitle("Encrypted title")
        c.setAuthor("Ada")
        c.drawString(72, 720, "Secret")
        c.save()
    except ImportError:
        SKIPPED.append("reportlab")
    # Office Open XML.
    try:
        import docx
        d = docx.Document()
        d.add_heading("Heading", 0)
        d.add_paragraph("Some text for the document. " * 20)
        p = d.core_properties
        p.title, p.author, p.subject, p.keywords = "Docx title", "Ada", "Subject", "k1, k2"
        p.comments, p.category, p.last_modified_by = "a comment", "Cat", "Bob"
        import datetime
        p.created = datetime.datetime(2024, 5, 6, 7, 8, 9)
        p.modified = datetime.datetime(2024, 5, 7, 10, 11, 12)
        p.revision = 3
        d.save(out("office.docx"))
    except ImportError:
        SKIPPED.append("python-docx")
    try:
        import openpyxl
        wb = openpyxl.Workbook()
        ws = wb.active
        for i in range(1, 20):
            ws.append([i, i * i, f"row {i}"])
        wb.create_sheet("Second")
        wb.properties.title = "Xlsx title"
        wb.properties.creator = "Ada"
        wb.properties.keywords = "sheet"
        wb.properties.description = "xlsx description"
        wb.save(out("office.xlsx"))
    except ImportError:
        SKIPPED.append("openpyxl")
    try:
        import pptx
        pr = pptx.Presentation()
        s = pr.slides.add_slide(pr.slide_layouts[0])
        s.shapes.title.text = "Slide"
        pr.slides.add_slide(pr.slide_layouts[1])
        pr.core_properties.title = "Pptx title"
        pr.core_properties.author = "Ada"
        pr.core_properties.revision = 2
        pr.save(out("office.pptx"))
    except ImportError:
        SKIPPED.append("python-pptx")
    # OpenDocument (odfpy).
    try:
        from odf.opendocument import OpenDocumentText, OpenDocumentSpreadsheet, OpenDocumentPresentation
        from odf import text, dc, meta, table
        doc = OpenDocumentText()
        doc.meta.addElement(dc.Title(text="ODT title"))
        doc.meta.addElement(dc.Creator(text="Ada"))
        doc.meta.addElement(dc.Description(text="odt description"))
        doc.meta.addElement(meta.Keyword(text="odf"))
        doc.meta.addElement(meta.CreationDate(text="2024-05-06T07:08:09"))
        doc.meta.addElement(meta.InitialCreator(text="Ada"))
        doc.text.addElement(text.P(text="Hello ODT"))
        doc.save(out("odf_text.odt"))
        ods = OpenDocumentSpreadsheet()
        ods.meta.addElement(dc.Title(text="ODS title"))
        t = table.Table(name="Sheet1")
        ods.spreadsheet.addElement(t)
        ods.save(out("odf_sheet.ods"))
        odp = OpenDocumentPresentation()
        odp.meta.addElement(dc.Title(text="ODP title"))
        odp.save(out("odf_slides.odp"))
    except ImportError:
        SKIPPED.append("odfpy")


# Tags that real editors write and the first batch lacks: XMP structures and lang-alt lists
# (Lightroom, Photoshop), extra EXIF and GPS fields, non-ASCII text.
XMP_RICH = [
    "-XMP-dc:Title-de=Eiffelturm", "-XMP-dc:Title=Eiffel Tower", "-XMP-dc:Description=Ünïcödé ✓",
    "-XMP-xmpMM:DocumentID=xmp.did:0123456789", "-XMP-xmpMM:InstanceID=xmp.iid:abcdef",
    "-XMP-xmpMM:HistoryAction=created", "-XMP-xmpMM:HistoryWhen=2024:05:06 07:08:09+02:00",
    "-XMP-xmpMM:HistorySoftwareAgent=Adobe Photoshop Lightroom Classic 13.0",
    "-XMP-crs:Version=16.0", "-XMP-crs:Exposure2012=+0.50", "-XMP-crs:WhiteBalance=As Shot",
    "-XMP-crs:Temperature=5400", "-XMP-crs:HasCrop=False",
    "-XMP-photoshop:DateCreated=2024:05:06 07:08:09.123+02:00", "-XMP-photoshop:ColorMode=RGB",
    "-XMP-exif:GPSLatitude=40.6892", "-XMP-exif:GPSLongitude=-74.0445",
    "-XMP-exif:GPSAltitude=93", "-XMP-exif:GPSAltitudeRef=Above Sea Level",
    "-XMP-aux:Lens=EF24-70mm f/2.8L USM", "-XMP-aux:SerialNumber=1234567",
    "-XMP-tiff:Make=XmpMake", "-XMP-tiff:Orientation=Rotate 90 CW",
    "-XMP-lr:HierarchicalSubject=places|usa|nyc", "-XMP-mwg-rs:RegionAppliedToDimensionsW=160",
    "-XMP-mwg-rs:RegionAppliedToDimensionsH=120", "-XMP-mwg-rs:RegionAppliedToDimensionsUnit=pixel",
    "-XMP-mwg-rs:RegionName=Face", "-XMP-mwg-rs:RegionType=Face",
    "-XMP-mwg-rs:RegionAreaX=0.5", "-XMP-mwg-rs:RegionAreaY=0.5", "-XMP-mwg-rs:RegionAreaW=0.2",
    "-XMP-mwg-rs:RegionAreaH=0.3", "-XMP-mwg-rs:RegionAreaUnit=normalized",
    "-XMP-iptcExt:PersonInImage=Ada", "-XMP-plus:ImageSupplierName=Supplier",
    "-XMP-xmp:MetadataDate=2024:05:08 01:02:03Z", "-XMP-xmp:ModifyDate=2024:05:07 10:11:12-05:00",
]
EXIF_MORE = [
    "-EXIF:Make=Canon", "-EXIF:Model=Canon EOS 5D Mark IV", "-EXIF:ExposureTime=2.5",
    "-EXIF:FNumber=2.8", "-EXIF:ISO=6400", "-EXIF:FocalLength=24", "-EXIF:ExposureCompensation=+1/3",
    "-EXIF:ExposureMode=Manual", "-EXIF:SceneCaptureType=Night", "-EXIF:Contrast=High",
    "-EXIF:Saturation=Low", "-EXIF:Sharpness=Soft", "-EXIF:DigitalZoomRatio=1",
    "-EXIF:SubjectDistance=3.5", "-EXIF:SubjectDistanceRange=Close", "-EXIF:LensInfo=24 70 2.8 2.8",
    "-EXIF:BodySerialNumber=012345678", "-EXIF:LensSerialNumber=0000abc",
    "-EXIF:CameraOwnerName=Ada", "-EXIF:Flash=Fired, Return detected",
    "-EXIF:LightSource=Daylight", "-EXIF:SensingMethod=One-chip color area",
    "-EXIF:FocalPlaneXResolution=6720", "-EXIF:FocalPlaneYResolution=4480",
    "-EXIF:FocalPlaneResolutionUnit=inches", "-EXIF:MaxApertureValue=2.8",
    "-EXIF:ShutterSpeedValue=0.4", "-EXIF:ApertureValue=2.8", "-EXIF:BrightnessValue=-2.5",
    "-EXIF:DateTimeOriginal=2023:12:31 23:59:59", "-EXIF:SubSecTimeOriginal=05",
    "-EXIF:OffsetTime=-05:00", "-EXIF:OffsetTimeOriginal=-05:00", "-EXIF:SubSecTime=50",
    "-EXIF:ModifyDate=2024:01:01 00:00:00", "-EXIF:Artist=Zoë Ünïcode",
    "-EXIF:GainControl=Low gain up", "-EXIF:CustomRendered=Normal",
    "-EXIF:ImageUniqueID=0123456789abcdef0123456789abcdef", "-EXIF:Orientation#=6",
    "-GPSVersionID=2.3.0.0", "-GPSLatitude=33.8688", "-GPSLatitudeRef=S",
    "-GPSLongitude=151.2093", "-GPSLongitudeRef=E", "-GPSAltitude=2.5",
    "-GPSAltitudeRef=Below Sea Level", "-GPSMapDatum=WGS-84", "-GPSMeasureMode=3-Dimensional",
    "-GPSDOP=1.2", "-GPSProcessingMethod=GPS", "-GPSDateStamp=2023:12:31",
    "-GPSTimeStamp=12:59:59.5", "-GPSHPositioningError=5",
    "-GPSDestBearing=270", "-GPSDestBearingRef=M", "-GPSTrack=90.5", "-GPSTrackRef=T",
]


def variety():
    """A second batch: encoders, structures and values that real devices and editors
    produce and the first batch does not."""
    rgb, gray, alpha = tmp("rgb.png"), tmp("gray.png"), tmp("alpha.png")
    ff = ["ffmpeg", "-y", "-loglevel", "error"]
    # JPEG from Pillow (no JFIF density), with camera-like EXIF, rich XMP and Latin-1 IPTC.
    try:
        from PIL import Image
        im = Image.open(rgb).convert("RGB")
        im.save(out("jpeg_pillow_rich.jpg"), quality=80)
        im.save(out("jpeg_pillow_night.jpg"), quality=60, subsampling=2)
        im.resize((640, 480)).save(tmp("big.png"))
        Image.open(tmp("big.png")).save(out("avif_pillow.avif"), quality=50)
        Image.open(tmp("big.png")).save(out("webp_pillow_exif.webp"), quality=70,
                                           exif=Image.Exif().tobytes())
        im.save(out("tiff_pillow_jpeg.tif"), compression="jpeg")
        im.save(out("tiff_pillow_deflate.tif"), compression="tiff_adobe_deflate", dpi=(150, 150))
        im.save(out("png_pillow_dpi.png"), dpi=(96, 96))
    except ImportError:
        SKIPPED.append("Pillow")
    et(out("jpeg_pillow_rich.jpg"), *EXIF_TAGS, *XMP_RICH)
    et(out("jpeg_pillow_night.jpg"), *EXIF_MORE, "-charset", "iptc=Latin",
       "-IPTC:Keywords=café", "-IPTC:City=Zürich", "-IPTC:ObjectName=Nacht")
    et(out("avif_pillow.avif"), *EXIF_MORE[:30], *XMP_TAGS)
    et(out("webp_pillow_exif.webp"), *EXIF_MORE)
    et(out("tiff_pillow_jpeg.tif"), *EXIF_MORE, *IPTC_TAGS)
    et(out("tiff_pillow_deflate.tif"), *XMP_RICH)
    et(out("png_pillow_dpi.png"), *EXIF_MORE, *XMP_RICH)
    try:
        import pillow_heif
        from PIL import Image
        pillow_heif.register_heif_opener()
        Image.open(tmp("big.png")).convert("RGB").save(out("heic_pillow.heic"), quality=60)
        et(out("heic_pillow.heic"), *EXIF_TAGS, *XMP_TAGS)
    except ImportError:
        SKIPPED.append("pillow-heif")
    # JPEG with everything at once as a phone writes it: thumbnail, EXIF, GPS, XMP, ICC.
    run("convert", rgb, "-resize", "400x300", "-quality", "92", out("jpeg_phone.jpg"))
    et(out("jpeg_phone.jpg"), *EXIF_MORE, "-ThumbnailImage<=" + tmp("thumb.jpg"),
       "-ICC_Profile<=" + icc_path(), "-XMP-dc:Subject=phone")
    # PNG: zTXt, iTXt with language, tIME, sBIT/bKGD; APNG; PNG with XMP only.
    run("convert", rgb, "-define", "png:compression-level=9", "-set", "Description",
        "A long description " * 30, "-background", "#336699", "-define",
        "png:bit-depth=8", out("png_ztxt_bkgd.png"))
    run(*ff, "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=1", "-plays", "0",
        "-f", "apng", out("png_apng.png"))
    shutil.copy(gray, out("png_xmp_rich.png"))
    et(out("png_xmp_rich.png"), *XMP_RICH, "-PNG:Copyright=© Ada", "-PNG:Comment=ünïcode")
    # GIF87a, GIF with loop count and XMP + comment.
    run("convert", gray, "-resize", "40x30", "GIF87:" + out("gif87a.gif"))
    run("convert", "-delay", "50", rgb, gray, alpha, "-loop", "3", out("gif_loop3.gif"))
    et(out("gif_loop3.gif"), "-Comment=loop three", *XMP_RICH[:8])
    # TIFF: tiled, planar, CMYK with ICC, float.
    run("convert", rgb, "-define", "tiff:tile-geometry=64x64", out("tiff_tiled.tif"))
    run("convert", rgb, "-interlace", "Plane", out("tiff_planar.tif"))
    run("convert", rgb, "-colorspace", "CMYK", "-compress", "lzw", out("tiff_cmyk.tif"))
    run("convert", gray, "-depth", "32", "-define", "quantum:format=floating-point", out("tiff_float.tif"))
    # PSD: CMYK, 16-bit.
    run("convert", rgb, "-colorspace", "CMYK", out("psd_cmyk.psd"))
    run("convert", rgb, "-depth", "16", out("psd_16bit.psd"))
    et(out("psd_16bit.psd"), *XMP_RICH)
    # WebP: everything (ICC + EXIF + XMP + alpha), animated with img2webp.
    run("cwebp", "-quiet", "-metadata", "all", tmp("rgb_icc.png"), "-o", out("webp_all.webp"))
    et(out("webp_all.webp"), *EXIF_MORE, *XMP_RICH)
    run("img2webp", "-loop", "2", "-lossy", "-d", "100", rgb, gray, "-o", out("webp_img2webp.webp"))
    # JPEG XL with XMP (exiftool writes Exif/XML boxes into a JXL container).
    if os.path.exists(tmp("plain.jxl")):
        shutil.copy(tmp("plain.jxl"), out("jxl_exif_xmp.jxl"))
        et(out("jxl_exif_xmp.jxl"), *EXIF_TAGS, *XMP_TAGS)
    # Video: HEVC MOV with rotation, AV1 MP4, ProRes MOV with timecode, subtitles + chapters,
    # multiple audio tracks, Theora Ogg, MKV from mkvmerge with tags and attachments.
    src = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    run(*ff, *src, "-c:v", "libx265", "-x265-params", "log-level=error", "-tag:v", "hvc1",
        "-c:a", "aac", "-shortest", "-metadata:s:v", "rotate=90", "-metadata",
        "creation_time=2023-01-02T03:04:05Z", out("mov_hevc_rotated.mov"))
    et(out("mov_hevc_rotated.mov"), "-Keys:Make=Apple", "-Keys:Model=iPhone 12",
       "-Keys:GPSCoordinates=37.3349 N, 122.0090 W, 10 m", "-Keys:CreationDate=2023:01:02 05:04:05+02:00",
       "-Keys:Software=16.1", "-XMP-xmp:Rating=5")
    run(*ff, "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-c:v",
        "libaom-av1", "-cpu-used", "8", "-b:v", "50k", out("mp4_av1.mp4"))
    run(*ff, *src, "-c:v", "prores_ks", "-profile:v", "0", "-c:a", "pcm_s24le",
        "-timecode", "01:02:03:04", "-shortest", out("mov_prores_tc.mov"))
    with open(tmp("subs.srt"), "w") as fh:
        fh.write("1\n00:00:00,000 --> 00:00:00,500\nHello\n\n")
    with open(tmp("chapters.txt"), "w") as fh:
        fh.write(";FFMETADATA1\ntitle=Chaptered\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=One\n"
                 "[CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=Two\n")
    run(*ff, *src, "-i", tmp("subs.srt"), "-i", tmp("chapters.txt"), "-map", "0:v", "-map",
        "1:a", "-map", "1:a", "-map", "2:s", "-map_metadata", "3", "-map_chapters", "3",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-c:s", "mov_text",
        "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fra", "-shortest",
        out("mp4_subs_chapters.mp4"))
    run(*ff, *src, "-c:v", "libtheora", "-c:a", "libvorbis", "-shortest", "-metadata",
        "title=Theora", out("ogv_theora.ogv"))
    run(*ff, *src, "-c:v", "mpeg4", "-c:a", "aac", "-shortest", "-f", "mp4", "-brand",
        "M4V ", out("m4v_video.m4v"))
    run(*ff, "-f", "lavfi", "-i", "testsrc=size=176x144:rate=10:duration=1", "-c:v", "mpeg4",
        "-f", "3g2", out("3g2_mpeg4.3g2"))
    if os.path.exists(out("mkv_h264.mkv")):
        with open(tmp("tags.xml"), "w") as fh:
            fh.write('<?xml version="1.0"?><Tags><Tag><Targets><TargetTypeValue>50</TargetTypeValue>'
                     '</Targets><Simple><Name>ARTIST</Name><String>Mkv Artist</String></Simple>'
                     '<Simple><Name>DATE_RELEASED</Name><String>2020</String></Simple></Tag></Tags>')
        run("mkvmerge", "-q", "-o", out("mkv_mkvmerge.mkv"), "--title", "Merged",
            "--global-tags", tmp("tags.xml"), "--attach-file", tmp("thumb.jpg"),
            "--language", "0:ger", out("mkv_h264.mkv"), check=False)
    # Audio: MP2, AC3 in a WAV-less raw file is skipped (not scored); MP3 at MPEG-2.5 8 kHz,
    # ID3v2.3 with UTF-16 text and many frames; ID3v1.1 with track; Ogg FLAC; Speex.
    wav = out("wav_info.wav")
    run(*ff, "-i", wav, "-c:a", "mp2", "-b:a", "128k", "-metadata", "title=Layer two",
        out("mp2_layer2.mp2"))
    run("lame", "--quiet", "--resample", "8", "-b", "16", "--tt", "Low rate", wav, out("mp3_mpeg25.mp3"))
    run("lame", "--quiet", "-b", "96", wav, out("mp3_id3v23_utf16.mp3"))
    try:
        from mutagen.id3 import (ID3, TIT2, TPE1, TPE2, TCOM, TCOP, TYER, TRCK, TCON, WXXX,
                                 POPM, PRIV, TSSE, TLEN, TXXX, COMM, TKEY, TENC)
        from mutagen.id3 import ID3v1SaveOptions
        t = ID3()
        t.add(TIT2(encoding=1, text="Ünïcode title ♫"))
        t.add(TPE1(encoding=1, text="Björk"))
        t.add(TPE2(encoding=0, text="Album Artist"))
        t.add(TCOM(encoding=1, text="Composer"))
        t.add(TCOP(encoding=0, text="2020 Label"))
        t.add(TYER(encoding=0, text="1999"))
        t.add(TRCK(encoding=0, text="5"))
        t.add(TCON(encoding=0, text="Electronic"))
        t.add(WXXX(encoding=0, desc="", url="http://example.com"))
        t.add(POPM(email="a@b.c", rating=196, count=3))
        t.add(PRIV(owner="owner", data=b"\x00\x01"))
        t.add(TSSE(encoding=0, text="LAME 3.100"))
        t.add(TLEN(encoding=0, text="2000"))
        t.add(TKEY(encoding=0, text="Am"))
        t.add(TENC(encoding=0, text="enc"))
        t.add(TXXX(encoding=1, desc="REPLAYGAIN_TRACK_GAIN", text="-3.21 dB"))
        t.add(COMM(encoding=1, lang="deu", desc="note", text="Kommentar"))
        if os.path.exists(out("mp3_id3v23_utf16.mp3")):
            t.save(out("mp3_id3v23_utf16.mp3"), v2_version=3, v1=ID3v1SaveOptions.CREATE)
    except ImportError:
        SKIPPED.append("mutagen")
    run(*ff, "-i", wav, "-c:a", "flac", "-metadata", "title=Ogg flac", "-f", "ogg", out("oga_flac.oga"))
    run(*ff, "-i", wav, "-ar", "16000", "-c:a", "libspeex", "-metadata", "title=Speex", out("spx_speex.spx"))
    run(*ff, "-i", wav, "-c:a", "libvorbis", "-metadata", "title=ff vorbis", "-metadata",
        "artist=Ada", out("ogg_ffmpeg_vorbis.ogg"))
    run(*ff, "-i", wav, "-c:a", "aac", "-f", "adts", out("aac_adts.aac"))
    # AIFF with an ID3 chunk, AIFF-C with NAME/AUTH/(c)/ANNO chunks.
    run(*ff, "-i", wav, "-metadata", "title=Aiff title", "-metadata", "artist=Ada",
        "-write_id3v2", "1", out("aiff_id3.aiff"))
    run(*ff, "-i", wav, "-c:a", "pcm_s16le", "-f", "aiff", "-metadata", "comment=note",
        "-metadata", "copyright=cc", "-metadata", "author=Ada", out("aifc_sowt.aifc"))
    # PDF: non-ASCII Info strings, object and xref streams (pikepdf), incremental update.
    try:
        import pikepdf
        if os.path.exists(out("pdf_reportlab.pdf")):
            with pikepdf.open(out("pdf_reportlab.pdf")) as pdf:
                pdf.docinfo["/Title"] = "Tïtle with ünïcode ✓"
                pdf.docinfo["/Author"] = "Zoë"
                pdf.docinfo["/CreationDate"] = "D:20240506070809+02'00'"
                pdf.docinfo["/ModDate"] = "D:20240507101112Z"
                with pdf.open_metadata() as m:
                    m["dc:title"] = "XMP title"
                    m["dc:creator"] = ["Ada", "Bob"]
                    m["pdf:Keywords"] = "kw"
                pdf.save(out("pdf_objstreams.pdf"), object_stream_mode=pikepdf.ObjectStreamMode.generate)
            with pikepdf.open(out("pdf_gs.pdf")) as pdf:
                pdf.save(out("pdf_linearized.pdf"), linearize=True)
    except ImportError:
        SKIPPED.append("pikepdf")
    # Office files laid out as Word, Excel and PowerPoint write them (app.xml with
    # statistics, HeadingPairs/TitlesOfParts vectors, custom properties).
    office_like(out("office_wordlike.docx"), "word")
    office_like(out("office_excellike.xlsx"), "xl")
    odf_rich(out("odf_rich.odt"))


def office_like(path, kind):
    import zipfile
    ctype = {"word": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
             "xl": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"}[kind]
    main = {"word": "word/document.xml", "xl": "xl/workbook.xml"}[kind]
    app = ("Microsoft Office Word" if kind == "word" else "Microsoft Excel")
    parts = {
        "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/{main}" ContentType="{ctype}"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{main}"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>',
        main: ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hi</w:t></w:r></w:p></w:body></w:document>'
               if kind == "word" else
               '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Data" sheetId="1"/></sheets></workbook>'),
        "docProps/core.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Quarterly Report</dc:title><dc:subject>Finance</dc:subject><dc:creator>Ada Lovelace</dc:creator><cp:keywords>q1; report</cp:keywords><dc:description>Résumé ✓</dc:description><cp:lastModifiedBy>Charles Babbage</cp:lastModifiedBy><cp:revision>12</cp:revision><cp:lastPrinted>2024-04-01T09:00:00Z</cp:lastPrinted><dcterms:created xsi:type="dcterms:W3CDTF">2024-03-01T08:15:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2024-05-06T17:45:30Z</dcterms:modified><cp:category>Reports</cp:category><cp:contentStatus>Draft</cp:contentStatus></cp:coreProperties>',
        "docProps/app.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>Normal.dotm</Template><TotalTime>42</TotalTime><Pages>3</Pages><Words>512</Words><Characters>2919</Characters><Application>{app}</Application><DocSecurity>0</DocSecurity><Lines>24</Lines><Paragraphs>6</Paragraphs><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Title</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>Quarterly Report</vt:lpstr></vt:vector></TitlesOfParts><Company>Analytical Engines Ltd</Company><LinksUpToDate>false</LinksUpToDate><CharactersWithSpaces>3425</CharactersWithSpaces><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0000</AppVersion></Properties>',
        "docProps/custom.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Project"><vt:lpwstr>Engine</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="Reviewed"><vt:bool>true</vt:bool></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="Budget"><vt:i4>1000</vt:i4></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="Due"><vt:filetime>2024-06-01T00:00:00Z</vt:filetime></property></Properties>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 6, 7, 8, 10))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)


def odf_rich(path):
    import zipfile
    meta = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"><office:meta>'
            '<meta:creation-date>2024-05-06T07:08:09.123456789</meta:creation-date><dc:date>2024-05-07T10:11:12.5</dc:date>'
            '<meta:editing-duration>PT1H2M3S</meta:editing-duration><meta:editing-cycles>4</meta:editing-cycles>'
            '<meta:generator>LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2</meta:generator>'
            '<dc:title>Rich ODT</dc:title><dc:subject>Subj</dc:subject><dc:description>Ünïcode</dc:description>'
            '<meta:keyword>one</meta:keyword><meta:keyword>two</meta:keyword><dc:creator>Ada</dc:creator><meta:initial-creator>Bob</meta:initial-creator><dc:language>en-GB</dc:language>'
            '<meta:document-statistic meta:table-count="1" meta:image-count="0" meta:object-count="0" meta:page-count="2" meta:paragraph-count="5" meta:word-count="42" meta:character-count="250" meta:non-whitespace-character-count="208"/>'
            '<meta:user-defined meta:name="Project">Engine</meta:user-defined><meta:user-defined meta:name="Score" meta:value-type="float">3.5</meta:user-defined>'
            '</office:meta></office:document-meta>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", date_time=(2024, 5, 6, 7, 8, 10)), "application/vnd.oasis.opendocument.text")
        i = zipfile.ZipInfo("meta.xml", date_time=(2024, 5, 6, 7, 8, 10))
        i.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(i, meta)
        i = zipfile.ZipInfo("content.xml", date_time=(2024, 5, 6, 7, 8, 10))
        i.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(i, '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.3"><office:body><office:text/></office:body></office:document-content>')


SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                       "corpus", "exif-samples", "jpg")
# (camera JPEG of the sample corpus, container its EXIF, maker notes, XMP and ICC go into)
TRANSPLANTS = [
    ("Canon_40D.jpg", "png"), ("Nikon_D70.jpg", "webp"), ("Olympus_C8080WZ.jpg", "tif"),
    ("Pentax_K10D.jpg", "psd"), ("Sony_HDR-HC3.jpg", "png"), ("Fujifilm_FinePix_E500.jpg", "webp"),
    ("Panasonic_DMC-FZ30.jpg", "tif"), ("Kodak_CX7530.jpg", "jxl"), ("Canon_PowerShot_S40.jpg", "heic"),
    ("Konica_Minolta_DiMAGE_Z3.jpg", "avif"), ("Nikon_COOLPIX_P1.jpg", "psd"),
]


def transplants():
    """Real maker notes in other containers: exiftool copies every writable tag of a camera
    JPEG from the sample corpus (when it is there) into a file of another format."""
    if not os.path.isdir(SAMPLES):
        SKIPPED.append("sample corpus (for maker-note transplants)")
        return
    bases = {"png": tmp("rgb.png"), "webp": out("webp_lossy.webp"), "tif": out("tiff_lzw.tif"),
             "psd": out("psd_flat.psd"), "jxl": tmp("plain.jxl"), "heic": out("heic_pillow.heic"),
             "avif": out("avif_pillow.avif")}
    for src, ext in TRANSPLANTS:
        base = bases[ext]
        if not os.path.exists(base) or not os.path.exists(os.path.join(SAMPLES, src)):
            continue
        dst = out("mn_" + os.path.splitext(src)[0].lower() + "." + ext)
        if ext in ("tif", "psd", "heic", "avif"):
            # a clean copy: the base already carries tags of its own
            shutil.copy(base, dst)
            et(dst, "-all=")
        else:
            shutil.copy(base, dst)
        et(dst, "-tagsFromFile", os.path.join(SAMPLES, src), "-all:all", "-icc_profile")


def profiles_and_conversions():
    """A third batch: every ICC profile Ghostscript ships (v2 and v4, RGB, gray, CMYK, Lab)
    embedded in a JPEG; PNG and TIFF files ImageMagick converts from a tagged JPEG (EXIF
    and XMP as 'Raw profile' text chunks and TIFF tags); a JPEG whose XMP is too big for
    one segment (Extended XMP); a JPEG whose little-endian EXIF Pillow wrote."""
    icc_dir = os.path.dirname(icc_path())
    for name in sorted(os.listdir(icc_dir)) if os.path.isdir(icc_dir) else []:
        if not name.endswith(".icc"):
            continue
        dst = out("icc_" + name[:-4] + ".jpg")
        run("convert", tmp("rgb.png"), "-quality", "60", dst)
        et(dst, "-ICC_Profile<=" + os.path.join(icc_dir, name))
    if os.path.exists(out("jpeg_full.jpg")):
        run("convert", out("jpeg_full.jpg"), out("png_from_jpeg_magick.png"))
        run("convert", out("jpeg_full.jpg"), "-compress", "zip", out("tiff_from_jpeg_magick.tif"))
        run("convert", out("jpeg_full.jpg"), "-quality", "50", out("jpeg_magick_resaved.jpg"))
    dst = out("jpeg_extended_xmp.jpg")
    run("convert", tmp("rgb.png"), dst)
    et(dst, "-XMP-dc:Description=" + "Long text for Extended XMP. " * 3000, *XMP_TAGS[:6])
    try:
        from PIL import Image
        ex = Image.Exif()
        ex[0x010F] = "PillowMake"
        ex[0x0110] = "PillowModel"
        ex[0x0112] = 3
        ex[0x0131] = "Pillow"
        ex[0x0132] = "2024:05:06 07:08:09"
        ifd = ex.get_ifd(0x8769)
        ifd[0x829A] = 1 / 60
        ifd[0x829D] = 2.8
        ifd[0x8827] = 800
        ifd[0x9003] = "2024:05:06 07:08:09"
        ifd[0x920A] = 50.0
        ifd[0xA405] = 75
        gps = ex.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (51.0, 30.0, 26.13)
        gps[3] = "W"
        gps[4] = (0.0, 7.0, 40.01)
        Image.open(tmp("rgb.png")).convert("RGB").save(out("jpeg_pillow_exif_ii.jpg"), exif=ex)
    except ImportError:
        SKIPPED.append("Pillow")


def libreoffice():
    """Office files as LibreOffice writes them (when `soffice` is installed: Debian's
    libreoffice-writer-nogui, -calc-nogui, -impress-nogui): each generated OOXML file to
    ODF and back, and a DOCX printed to PDF."""
    if not have("soffice"):
        SKIPPED.append("soffice")
        return
    lo = ["soffice", "--headless", "--convert-to"]
    for src, fmt in (("office.docx", "odt"), ("office.xlsx", "ods"), ("office.pptx", "odp")):
        if os.path.exists(out(src)):
            run(*lo, fmt, out(src), "--outdir", tmp("lo"), check=False)
    for name, fmt, back in (("office.odt", "docx", "MS Word 2007 XML"),
                            ("office.ods", "xlsx", "Calc MS Excel 2007 XML"),
                            ("office.odp", "pptx", "Impress MS PowerPoint 2007 XML")):
        src = os.path.join(TMP, "lo", name)
        if os.path.exists(src):
            shutil.copy(src, out("lo_" + name))
            run(*lo, f"{fmt}:{back}", src, "--outdir", tmp("lo2"), check=False)
            conv = os.path.join(TMP, "lo2", name.rsplit(".", 1)[0] + "." + fmt)
            if os.path.exists(conv):
                shutil.copy(conv, out("lo_office." + fmt))
    if os.path.exists(out("office.docx")):
        run(*lo, "pdf", out("office.docx"), "--outdir", tmp("lo3"), check=False)
        if os.path.exists(os.path.join(TMP, "lo3", "office.pdf")):
            shutil.copy(os.path.join(TMP, "lo3", "office.pdf"), out("lo_office.pdf"))


def main():
    os.makedirs(TMP, exist_ok=True)
    base_images()
    run("convert", tmp("rgb.png"), "-resize", "32x24", tmp("thumb.jpg"))
    run("convert", tmp("rgb.png"), "-profile", icc_path(), tmp("rgb_icc.png"))
    images()
    video()
    audio()
    documents()
    variety()
    transplants()
    profiles_and_conversions()
    libreoffice()
    shutil.rmtree(TMP, ignore_errors=True)
    n = len([f for f in os.listdir(OUT) if not f.startswith(".")])
    print(f"{n} files in {OUT}")
    if SKIPPED:
        print("skipped (missing tool or library):", ", ".join(sorted(set(SKIPPED))))


if __name__ == "__main__":
    main()
