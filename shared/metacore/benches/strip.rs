//! Strip throughput (MB/s of input) for a large JPEG and a large MP4, planning alone and
//! planning plus writing the cleaned file: `cargo bench -p metacore --bench strip`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use metacore::{strip, Keep};
use std::hint::black_box;

#[path = "../tests/strip_util/mod.rs"]
mod strip_util;
use strip_util::{bx, camera_exif, full, XMP};

fn seg(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, marker];
    v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// A JPEG with EXIF, XMP and ~`mb` MB of entropy-coded data (0xFF00 stuffing, RST markers).
fn big_jpeg(mb: usize) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend(seg(0xE0, b"JFIF\0\x01\x02\x01\0\x48\0\x48\0\0"));
    j.extend(seg(0xE1, &[b"Exif\0\0".to_vec(), camera_exif()].concat()));
    j.extend(seg(
        0xE1,
        &[b"http://ns.adobe.com/xap/1.0/\0".as_slice(), XMP.as_bytes()].concat(),
    ));
    j.extend(seg(0xDB, &[0u8; 65]));
    j.extend(seg(
        0xC0,
        &[8, 0x10, 0, 0x10, 0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
    ));
    j.extend(seg(0xC4, &[0u8; 30]));
    j.extend(seg(0xDD, &[0, 64]));
    j.extend(seg(0xDA, &[3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]));
    let mut x = 12345u32;
    let target = j.len() + mb * 1_000_000;
    let mut rst = 0u8;
    while j.len() < target {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let b = (x >> 24) as u8;
        j.push(b);
        if b == 0xFF {
            j.push(0);
        }
        if x.is_multiple_of(4096) {
            j.extend_from_slice(&[0xFF, 0xD0 + rst]);
            rst = (rst + 1) % 8;
        }
    }
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

/// An MP4 with moov (udta, 100k chunk offsets) first and ~`mb` MB of mdat.
fn big_mp4(mb: usize) -> Vec<u8> {
    let chunks = 100_000u32;
    let ftyp = bx(b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    let build = |base: u32| {
        let mut co = chunks.to_be_bytes().to_vec();
        let step = (mb * 1_000_000) as u32 / chunks;
        for i in 0..chunks {
            co.extend_from_slice(&(base + i * step).to_be_bytes());
        }
        let stbl = bx(b"stbl", &full(b"stco", 0, 0, &co));
        let mut hdlr = vec![0u8; 4];
        hdlr.extend_from_slice(b"vide");
        hdlr.extend_from_slice(&[0u8; 13]);
        let mdia = bx(
            b"mdia",
            &[full(b"hdlr", 0, 0, &hdlr), bx(b"minf", &stbl)].concat(),
        );
        let trak = bx(b"trak", &[full(b"tkhd", 0, 3, &[0u8; 80]), mdia].concat());
        let udta = bx(
            b"udta",
            &bx(b"\xa9xyz", b"\0\x12\x15\xc7+48.8584+002.2945/"),
        );
        bx(
            b"moov",
            &[full(b"mvhd", 0, 0, &[0u8; 96]), udta, trak].concat(),
        )
    };
    let moov_len = build(0).len();
    let base = (ftyp.len() + moov_len + 8) as u32;
    let mut f = ftyp;
    f.extend(build(base));
    let body = vec![0x5Au8; mb * 1_000_000];
    f.extend(bx(b"mdat", &body));
    f
}

fn bench(c: &mut Criterion) {
    for (name, file, data) in [
        ("jpeg_16MB", "a.jpg", big_jpeg(16)),
        ("mp4_64MB", "a.mp4", big_mp4(64)),
    ] {
        let mut g = c.benchmark_group(name);
        g.sample_size(10);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function("plan", |b| {
            b.iter(|| strip(black_box(&data), Some(file), Keep::default()).unwrap())
        });
        g.bench_function("plan_and_write", |b| {
            b.iter(|| {
                let plan = strip(black_box(&data), Some(file), Keep::default()).unwrap();
                plan.write_from_slice(&data, &mut std::io::sink()).unwrap();
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
