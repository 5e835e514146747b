//! Small, valid files of every format the core reads, built in code: the fuzzer's seeds
//! where the corpus has none.

fn be16(v: u16) -> [u8; 2] {
    v.to_be_bytes()
}
fn be32(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}
fn le16(v: u16) -> [u8; 2] {
    v.to_le_bytes()
}
fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

/// An ISO BMFF box.
pub fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = be32(8 + body.len() as u32).to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v
}

fn full(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0];
    b.extend_from_slice(body);
    bx(kind, &b)
}

/// A little big-endian TIFF with Make, Model, an Exif IFD and a GPS IFD.
pub fn tiff() -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0: 4 entries at 8; values after.
    let entries: [(u16, u16, u32, u32); 4] = [
        (0x010f, 2, 6, 62),
        (0x0110, 2, 8, 68),
        (0x8769, 4, 1, 76),
        (0x8825, 4, 1, 106),
    ];
    t.extend_from_slice(&be16(entries.len() as u16));
    for (tag, typ, n, v) in entries {
        t.extend_from_slice(&be16(tag));
        t.extend_from_slice(&be16(typ));
        t.extend_from_slice(&be32(n));
        t.extend_from_slice(&be32(v));
    }
    t.extend_from_slice(&be32(0));
    t.extend_from_slice(b"Canon\0EOS 5D\0\0");
    // Exif IFD at 76: ExposureTime rational at 94.
    t.extend_from_slice(&be16(1));
    t.extend_from_slice(&be16(0x829a));
    t.extend_from_slice(&be16(5));
    t.extend_from_slice(&be32(1));
    t.extend_from_slice(&be32(94));
    t.extend_from_slice(&be32(0));
    t.extend_from_slice(&be32(1));
    t.extend_from_slice(&be32(250));
    // GPS IFD at 106: latitude ref.
    t.extend_from_slice(&be16(1));
    t.extend_from_slice(&be16(1));
    t.extend_from_slice(&be16(2));
    t.extend_from_slice(&be32(2));
    t.extend_from_slice(b"N\0\0\0");
    t.extend_from_slice(&be32(0));
    t
}

pub fn jpeg() -> Vec<u8> {
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff());
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE1];
    v.extend_from_slice(&be16(app1.len() as u16 + 2));
    v.extend_from_slice(&app1);
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator><rdf:Seq><rdf:li>A</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>";
    v.extend_from_slice(&[0xFF, 0xE1]);
    v.extend_from_slice(&be16(xmp.len() as u16 + 2));
    v.extend_from_slice(xmp);
    let sof = [0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0];
    v.extend_from_slice(&sof);
    v.extend_from_slice(&[
        0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9,
    ]);
    v
}

fn png_chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = be32(body.len() as u32).to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v.extend_from_slice(&[0, 0, 0, 0]);
    v
}

pub fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
    v.extend(png_chunk(b"tEXt", b"Author\0Jane"));
    v.extend(png_chunk(b"eXIf", &tiff()));
    v.extend(png_chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]));
    v.extend(png_chunk(b"IEND", &[]));
    v
}

pub fn gif() -> Vec<u8> {
    let mut v = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff".to_vec();
    v.extend_from_slice(b"\x21\xfe\x05hello\x00");
    v.extend_from_slice(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00");
    v.extend_from_slice(b"\x2c\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\x00\x3b");
    v
}

fn riff(form: &[u8; 4], chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = form.to_vec();
    for (id, data) in chunks {
        body.extend_from_slice(*id);
        body.extend_from_slice(&le32(data.len() as u32));
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&le32(body.len() as u32));
    v.extend(body);
    v
}

pub fn webp() -> Vec<u8> {
    let mut vp8x = vec![0x08, 0, 0, 0];
    vp8x.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    riff(
        b"WEBP",
        &[
            (b"VP8X", vp8x),
            (b"VP8L", vec![0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11]),
            (b"EXIF", tiff()),
        ],
    )
}

pub fn wav() -> Vec<u8> {
    let mut fmt = le16(1).to_vec();
    fmt.extend_from_slice(&le16(2));
    fmt.extend_from_slice(&le32(44100));
    fmt.extend_from_slice(&le32(176400));
    fmt.extend_from_slice(&le16(4));
    fmt.extend_from_slice(&le16(16));
    let mut info = b"INFO".to_vec();
    info.extend_from_slice(b"IART");
    info.extend_from_slice(&le32(5));
    info.extend_from_slice(b"Jane\0\0");
    riff(
        b"WAVE",
        &[(b"fmt ", fmt), (b"LIST", info), (b"data", vec![0; 16])],
    )
}

/// AIFF-C: FVER, COMM (with compression), NAME, COMT and an ID3 chunk.
pub fn aiff() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, tag: &[u8; 4], body: &[u8]) {
        out.extend_from_slice(tag);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(body);
        if body.len() % 2 == 1 {
            out.push(0);
        }
    }
    let mut comm = vec![0, 1, 0, 0, 0xac, 0x44, 0, 16];
    comm.extend_from_slice(&[0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]);
    comm.extend_from_slice(b"sowt\x0enot compressed\0");
    let mut comt = vec![0, 1, 0xe1, 0xb8, 0x59, 0xc0, 0, 1, 0, 3];
    comt.extend_from_slice(b"Hi!\0");
    let mut body = b"AIFC".to_vec();
    chunk(&mut body, b"FVER", &[0xa2, 0x80, 0x51, 0x40]);
    chunk(&mut body, b"COMM", &comm);
    chunk(&mut body, b"NAME", b"Track");
    chunk(&mut body, b"COMT", &comt);
    chunk(
        &mut body,
        b"ID3 ",
        b"ID3\x03\0\0\0\0\0\x0fTIT2\0\0\0\x05\0\0\0Song",
    );
    chunk(&mut body, b"SSND", &[0; 8]);
    let mut out = b"FORM".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend(body);
    out
}

pub fn avi() -> Vec<u8> {
    let mut hdrl = b"hdrl".to_vec();
    hdrl.extend_from_slice(b"avih");
    hdrl.extend_from_slice(&le32(56));
    let mut avih = vec![0u8; 56];
    avih[..4].copy_from_slice(&le32(33366));
    avih[16..20].copy_from_slice(&le32(10));
    avih[32..36].copy_from_slice(&le32(320));
    avih[36..40].copy_from_slice(&le32(240));
    hdrl.extend(avih);
    riff(b"AVI ", &[(b"LIST", hdrl), (b"JUNK", vec![0; 4])])
}

pub fn bmp() -> Vec<u8> {
    let mut v = b"BM".to_vec();
    v.extend_from_slice(&le32(58));
    v.extend_from_slice(&[0, 0, 0, 0]);
    v.extend_from_slice(&le32(54));
    v.extend_from_slice(&le32(40));
    v.extend_from_slice(&le32(1));
    v.extend_from_slice(&le32(1));
    v.extend_from_slice(&le16(1));
    v.extend_from_slice(&le16(24));
    v.extend_from_slice(&[0; 24]);
    v.extend_from_slice(&[0, 0, 255, 0]);
    v
}

pub fn psd() -> Vec<u8> {
    let mut v = b"8BPS\0\x01\0\0\0\0\0\0\0\x03\0\0\0\x01\0\0\0\x01\0\x08\0\x03".to_vec();
    v.extend_from_slice(&be32(0));
    let iptc = b"\x1c\x02\x50\x00\x04Jane";
    let mut res = b"8BIM\x04\x04\0\0".to_vec();
    res.extend_from_slice(&be32(iptc.len() as u32));
    res.extend_from_slice(iptc);
    v.extend_from_slice(&be32(res.len() as u32));
    v.extend(res);
    v.extend_from_slice(&be32(0));
    v.extend_from_slice(&[0, 0]);
    v
}

pub fn jxl() -> Vec<u8> {
    let mut v = bx(b"JXL ", &[0x0d, 0x0a, 0x87, 0x0a]);
    v.extend(bx(b"ftyp", b"jxl \0\0\0\0jxl "));
    let mut exif = vec![0, 0, 0, 0];
    exif.extend(tiff());
    v.extend(bx(b"Exif", &exif));
    v.extend(bx(b"jxlc", &[0xff, 0x0a, 0xf8, 0x1f, 0, 0]));
    v
}

pub fn mp4() -> Vec<u8> {
    let mut v = bx(b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    let mut mvhd = vec![0u8; 96];
    mvhd[8..12].copy_from_slice(&be32(1000));
    mvhd[12..16].copy_from_slice(&be32(5000));
    let mut tkhd = vec![0u8; 80];
    tkhd[72..76].copy_from_slice(&be32(320 << 16));
    tkhd[76..80].copy_from_slice(&be32(240 << 16));
    let mut mdhd = vec![0u8; 20];
    mdhd[8..12].copy_from_slice(&be32(600));
    let mut hdlr = vec![0u8; 4];
    hdlr.extend_from_slice(b"vide");
    hdlr.extend_from_slice(&[0; 12]);
    hdlr.extend_from_slice(b"Video\0");
    let mut stsd_entry = vec![0u8; 78];
    stsd_entry[24..26].copy_from_slice(&be16(320));
    stsd_entry[26..28].copy_from_slice(&be16(240));
    let mut avc1 = be32(8 + stsd_entry.len() as u32).to_vec();
    avc1.extend_from_slice(b"avc1");
    avc1.extend(stsd_entry);
    let mut stsd = be32(1).to_vec();
    stsd.extend(avc1);
    let mut stco = be32(1).to_vec();
    stco.extend_from_slice(&be32(0));
    let stbl = [full(b"stsd", &stsd), full(b"stco", &stco)].concat();
    let minf = bx(b"minf", &bx(b"stbl", &stbl));
    let mdia = bx(
        b"mdia",
        &[full(b"mdhd", &mdhd), full(b"hdlr", &hdlr), minf].concat(),
    );
    let trak = bx(b"trak", &[full(b"tkhd", &tkhd), mdia].concat());
    let mut xyz = be16(18).to_vec();
    xyz.extend_from_slice(&be16(0x15c7));
    xyz.extend_from_slice(b"+48.8577+002.2950/");
    let udta = bx(b"udta", &bx(b"\xa9xyz", &xyz));
    v.extend(bx(b"moov", &[full(b"mvhd", &mvhd), trak, udta].concat()));
    v.extend(bx(b"mdat", &[0u8; 32]));
    v
}

pub fn heic() -> Vec<u8> {
    let mut v = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
    let hdlr = full(b"hdlr", b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
    let pitm = full(b"pitm", &be16(1));
    let infe1 = full(b"infe", &[&[0, 1, 0, 0][..], b"hvc1\0"].concat());
    let infe2 = full(b"infe", &[&[0, 2, 0, 0][..], b"Exif\0"].concat());
    let mut iinf_body = be16(2).to_vec();
    iinf_body.extend(infe1);
    iinf_body.extend(infe2);
    let iinf = full(b"iinf", &iinf_body);
    let mut ispe = be32(64).to_vec();
    ispe.extend_from_slice(&be32(48));
    let ipco = bx(b"ipco", &full(b"ispe", &ispe));
    let ipma = full(b"ipma", &[0, 0, 0, 1, 0, 1, 1, 0x81]);
    let iprp = bx(b"iprp", &[ipco, ipma].concat());
    let mut exif = vec![0, 0, 0, 0];
    exif.extend(tiff());
    let idat = bx(b"idat", &exif);
    let mut iloc = vec![0x44, 0x00];
    iloc.extend_from_slice(&be16(1));
    iloc.extend_from_slice(&be16(2));
    iloc.extend_from_slice(&be16(1));
    iloc.extend_from_slice(&be16(0));
    iloc.extend_from_slice(&be16(1));
    iloc.extend_from_slice(&be32(0));
    iloc.extend_from_slice(&be32(exif.len() as u32));
    let mut iloc_full = vec![1, 0, 0, 0];
    iloc_full.extend(iloc);
    let iloc = bx(b"iloc", &iloc_full);
    v.extend(full(
        b"meta",
        &[hdlr, pitm, iinf, iprp, idat, iloc].concat(),
    ));
    v
}

pub fn mp3() -> Vec<u8> {
    let frame = |id: &[u8; 4], body: &[u8]| {
        let mut f = id.to_vec();
        f.extend_from_slice(&be32(body.len() as u32));
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(body);
        f
    };
    let frames = [
        frame(b"TIT2", b"\0Song"),
        frame(b"TPE1", b"\0Jane"),
        frame(b"COMM", b"\0eng\0hello"),
    ]
    .concat();
    let n = frames.len() as u32;
    let mut v = b"ID3\x03\0\0".to_vec();
    v.extend_from_slice(&[
        ((n >> 21) & 0x7f) as u8,
        ((n >> 14) & 0x7f) as u8,
        ((n >> 7) & 0x7f) as u8,
        (n & 0x7f) as u8,
    ]);
    v.extend(frames);
    for _ in 0..3 {
        let mut fr = vec![0xFF, 0xFB, 0x90, 0x64];
        fr.resize(417, 0);
        v.extend(fr);
    }
    let mut v1 = b"TAG".to_vec();
    v1.resize(128, 0);
    v.extend(v1);
    v
}

fn vorbis_comment() -> Vec<u8> {
    let mut v = le32(6).to_vec();
    v.extend_from_slice(b"vendor");
    v.extend_from_slice(&le32(2));
    for c in ["TITLE=Song", "ARTIST=Jane"] {
        v.extend_from_slice(&le32(c.len() as u32));
        v.extend_from_slice(c.as_bytes());
    }
    v
}

pub fn flac() -> Vec<u8> {
    let mut v = b"fLaC".to_vec();
    let mut si = vec![0u8; 34];
    si[10] = 0x0A;
    si[11] = 0xC4;
    si[12] = 0x42;
    si[13] = 0xF0;
    v.push(0);
    v.extend_from_slice(&be32(34)[1..]);
    v.extend(si);
    let vc = vorbis_comment();
    v.push(0x84);
    v.extend_from_slice(&be32(vc.len() as u32)[1..]);
    v.extend(vc);
    v.extend_from_slice(&[0xFF, 0xF8, 0x69, 0x08, 0, 0]);
    v
}

fn ogg_page(seq: u32, flags: u8, packet: &[u8]) -> Vec<u8> {
    let mut v = b"OggS\0".to_vec();
    v.push(flags);
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&le32(1));
    v.extend_from_slice(&le32(seq));
    v.extend_from_slice(&[0; 4]);
    let mut segs = Vec::new();
    let mut n = packet.len();
    while n >= 255 {
        segs.push(255u8);
        n -= 255;
    }
    segs.push(n as u8);
    v.push(segs.len() as u8);
    v.extend(segs);
    v.extend_from_slice(packet);
    v
}

pub fn ogg() -> Vec<u8> {
    let mut id = b"\x01vorbis\0\0\0\0\x02".to_vec();
    id.extend_from_slice(&le32(44100));
    id.extend_from_slice(&[0; 12]);
    id.extend_from_slice(&[0xb8, 1]);
    let mut comment = b"\x03vorbis".to_vec();
    comment.extend(vorbis_comment());
    comment.push(1);
    [
        ogg_page(0, 2, &id),
        ogg_page(1, 0, &comment),
        ogg_page(2, 4, &[0; 20]),
    ]
    .concat()
}

pub fn opus() -> Vec<u8> {
    let mut head = b"OpusHead\x01\x02\x38\x01".to_vec();
    head.extend_from_slice(&le32(48000));
    head.extend_from_slice(&[0, 0, 0]);
    let mut tags = b"OpusTags".to_vec();
    tags.extend(vorbis_comment());
    [
        ogg_page(0, 2, &head),
        ogg_page(1, 0, &tags),
        ogg_page(2, 4, &[0; 20]),
    ]
    .concat()
}

fn ebml(id: &[u8], body: &[u8]) -> Vec<u8> {
    let mut v = id.to_vec();
    v.push(0x80 | 0x08);
    let len = body.len() as u64;
    v.extend_from_slice(&len.to_be_bytes()[1..]);
    v[id.len()] = 0x01;
    v.extend_from_slice(body);
    v
}

pub fn mkv() -> Vec<u8> {
    let header = ebml(&[0x1A, 0x45, 0xDF, 0xA3], &ebml(&[0x42, 0x82], b"matroska"));
    let info = ebml(
        &[0x15, 0x49, 0xA9, 0x66],
        &[
            ebml(&[0x2A, 0xD7, 0xB1], &[0x0F, 0x42, 0x40]),
            ebml(&[0x4D, 0x80], b"muxer"),
            ebml(&[0x44, 0x89], &1000f32.to_be_bytes()),
        ]
        .concat(),
    );
    let video = ebml(
        &[0xE0],
        &[ebml(&[0xB0], &[0x01, 0x40]), ebml(&[0xBA], &[0xF0])].concat(),
    );
    let track = ebml(
        &[0xAE],
        &[ebml(&[0xD7], &[1]), ebml(&[0x86], b"V_VP8"), video].concat(),
    );
    let tracks = ebml(&[0x16, 0x54, 0xAE, 0x6B], &track);
    let segment = ebml(&[0x18, 0x53, 0x80, 0x67], &[info, tracks].concat());
    [header, segment].concat()
}

pub fn pdf() -> Vec<u8> {
    let objs = [
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>\nendobj\n".to_string(),
        "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n".to_string(),
        "3 0 obj\n<< /Title (A \\(test\\)) /Author <FEFF004A0061006E0065> /CreationDate (D:20240315103000+01'00') >>\nendobj\n".to_string(),
        "4 0 obj\n<< /Type /Metadata /Subtype /XML /Length 120 >>\nstream\n<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'></rdf:RDF></x:xmpmeta>\nendstream\nendobj\n".to_string(),
    ];
    let mut v = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for o in &objs {
        offsets.push(v.len());
        v.extend_from_slice(o.as_bytes());
    }
    let xref = v.len();
    v.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        v.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    v.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    v
}

pub fn docx() -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let files: [(&str, &str); 4] = [
            ("[Content_Types].xml", "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>"),
            ("word/document.xml", "<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'/>"),
            ("docProps/core.xml", "<cp:coreProperties xmlns:cp='http://schemas.openxmlformats.org/package/2006/metadata/core-properties' xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator>Jane</dc:creator><dc:title>T</dc:title></cp:coreProperties>"),
            ("docProps/app.xml", "<Properties xmlns='http://schemas.openxmlformats.org/officeDocument/2006/extended-properties'><Application>Word</Application><Pages>1</Pages></Properties>"),
        ];
        for (name, body) in files {
            if z.start_file(name, opts).is_ok() {
                let _ = z.write_all(body.as_bytes());
            }
        }
        let _ = z.finish();
    }
    buf.into_inner()
}
