//! The PDF standard security handler (revisions 2-4: RC4 and AES-128), enough to read the
//! Info strings of documents that have an owner password only (an empty user password), as
//! ExifTool does. MD5, RC4 and AES-128 decryption are implemented here (small, no I/O).

/// MD5 (RFC 1321).
pub fn md5(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let (mut a0, mut b0, mut c0, mut d0) =
        (0x67452301u32, 0xefcdab89u32, 0x98badcfeu32, 0x10325476u32);
    let mut msg = data.to_vec();
    let bitlen = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bitlen.to_le_bytes());
    for chunk in msg.chunks_exact(64) {
        let m: Vec<u32> = chunk
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    let mut out = [0u8; 16];
    out[..4].copy_from_slice(&a0.to_le_bytes());
    out[4..8].copy_from_slice(&b0.to_le_bytes());
    out[8..12].copy_from_slice(&c0.to_le_bytes());
    out[12..].copy_from_slice(&d0.to_le_bytes());
    out
}

/// RC4 (encryption and decryption are the same operation).
pub fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    if key.is_empty() {
        return data.to_vec();
    }
    let mut s: [u8; 256] = [0; 256];
    for (i, v) in s.iter_mut().enumerate() {
        *v = i as u8;
    }
    let mut j: u8 = 0;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, j as usize);
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|&b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[i as usize]);
            s.swap(i as usize, j as usize);
            b ^ s[s[i as usize].wrapping_add(s[j as usize]) as usize]
        })
        .collect()
}

fn gmul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

fn sboxes() -> ([u8; 256], [u8; 256]) {
    let mut sbox = [0u8; 256];
    let mut inv = [0u8; 256];
    #[allow(clippy::needless_range_loop)]
    for x in 0..256usize {
        // multiplicative inverse in GF(2^8)
        let mut y = 0u8;
        if x != 0 {
            for c in 1..=255u8 {
                if gmul(x as u8, c) == 1 {
                    y = c;
                    break;
                }
            }
        }
        let s =
            y ^ y.rotate_left(1) ^ y.rotate_left(2) ^ y.rotate_left(3) ^ y.rotate_left(4) ^ 0x63;
        sbox[x] = s;
        inv[s as usize] = x as u8;
    }
    (sbox, inv)
}

/// AES-128-CBC decryption with the IV in the first 16 bytes and PKCS#5 padding removed
/// (the PDF AESV2 string and stream format).
pub fn aes128_cbc_decrypt(key: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 32 || !data.len().is_multiple_of(16) {
        return None;
    }
    let (sbox, inv) = sboxes();
    // key expansion
    let mut w = [[0u8; 4]; 44];
    for i in 0..4 {
        w[i] = [key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]];
    }
    let mut rcon = 1u8;
    for i in 4..44 {
        let mut t = w[i - 1];
        if i % 4 == 0 {
            t = [
                sbox[t[1] as usize],
                sbox[t[2] as usize],
                sbox[t[3] as usize],
                sbox[t[0] as usize],
            ];
            t[0] ^= rcon;
            rcon = gmul(rcon, 2);
        }
        for j in 0..4 {
            w[i][j] = w[i - 4][j] ^ t[j];
        }
    }
    let round_key = |r: usize, st: &mut [u8; 16]| {
        for c in 0..4 {
            for j in 0..4 {
                st[4 * c + j] ^= w[4 * r + c][j];
            }
        }
    };
    let mut out = Vec::with_capacity(data.len() - 16);
    let mut prev: [u8; 16] = data[..16].try_into().ok()?;
    for block in data[16..].chunks_exact(16) {
        let mut st: [u8; 16] = block.try_into().ok()?;
        round_key(10, &mut st);
        for r in (0..10).rev() {
            // inverse shift rows
            let t = st;
            for c in 0..4 {
                for row in 0..4 {
                    st[4 * ((c + row) % 4) + row] = t[4 * c + row];
                }
            }
            // inverse sub bytes
            for b in st.iter_mut() {
                *b = inv[*b as usize];
            }
            round_key(r, &mut st);
            if r > 0 {
                // inverse mix columns
                for c in 0..4 {
                    let a = [st[4 * c], st[4 * c + 1], st[4 * c + 2], st[4 * c + 3]];
                    st[4 * c] = gmul(a[0], 14) ^ gmul(a[1], 11) ^ gmul(a[2], 13) ^ gmul(a[3], 9);
                    st[4 * c + 1] =
                        gmul(a[0], 9) ^ gmul(a[1], 14) ^ gmul(a[2], 11) ^ gmul(a[3], 13);
                    st[4 * c + 2] =
                        gmul(a[0], 13) ^ gmul(a[1], 9) ^ gmul(a[2], 14) ^ gmul(a[3], 11);
                    st[4 * c + 3] =
                        gmul(a[0], 11) ^ gmul(a[1], 13) ^ gmul(a[2], 9) ^ gmul(a[3], 14);
                }
            }
        }
        for i in 0..16 {
            st[i] ^= prev[i];
        }
        prev = block.try_into().ok()?;
        out.extend_from_slice(&st);
    }
    let pad = *out.last()? as usize;
    if (1..=16).contains(&pad) && out.len() >= pad {
        out.truncate(out.len() - pad);
    }
    Some(out)
}

const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// A document key for the empty user password.
pub struct Crypt {
    key: Vec<u8>,
    aes: bool,
    pub strings: bool,
    pub streams: bool,
    /// Whether the XMP metadata stream is encrypted too.
    pub meta: bool,
}

pub struct Params<'a> {
    pub v: u32,
    pub r: u32,
    pub length_bits: u32,
    pub o: &'a [u8],
    pub u: &'a [u8],
    pub p: i64,
    pub id0: &'a [u8],
    pub encrypt_metadata: bool,
    pub aes: bool,
    pub strings: bool,
    pub streams: bool,
}

impl Crypt {
    /// Derives the key for the empty user password (Algorithm 2) and checks it against /U.
    /// `None` means the document needs a password.
    pub fn new(p: &Params) -> Option<Crypt> {
        let n = if p.r <= 2 {
            5
        } else {
            (p.length_bits / 8).clamp(5, 16) as usize
        };
        let mut buf = PAD.to_vec();
        buf.extend_from_slice(p.o.get(..32)?);
        buf.extend_from_slice(&(p.p as i32).to_le_bytes());
        buf.extend_from_slice(p.id0);
        if p.r >= 4 && !p.encrypt_metadata {
            buf.extend_from_slice(&[0xff; 4]);
        }
        let mut key = md5(&buf).to_vec();
        if p.r >= 3 {
            for _ in 0..50 {
                key = md5(&key[..n]).to_vec();
            }
        }
        key.truncate(n);
        // validate against /U
        let ok = if p.r <= 2 {
            rc4(&key, &PAD) == p.u.get(..32)?
        } else {
            let mut b = PAD.to_vec();
            b.extend_from_slice(p.id0);
            let mut x = rc4(&key, &md5(&b));
            for i in 1..=19u8 {
                let k: Vec<u8> = key.iter().map(|c| c ^ i).collect();
                x = rc4(&k, &x);
            }
            x.get(..16) == p.u.get(..16)
        };
        if !ok {
            return None;
        }
        Some(Crypt {
            key,
            aes: p.aes,
            strings: p.strings,
            streams: p.streams,
            meta: p.v < 4 || p.encrypt_metadata,
        })
    }

    /// Decrypts a string or stream of object `num` generation `gen` (Algorithm 1).
    pub fn decrypt(&self, num: u32, gen: u32, data: &[u8]) -> Vec<u8> {
        let mut k = self.key.clone();
        k.extend_from_slice(&num.to_le_bytes()[..3]);
        k.extend_from_slice(&gen.to_le_bytes()[..2]);
        if self.aes {
            k.extend_from_slice(b"sAlT");
        }
        let h = md5(&k);
        let n = (self.key.len() + 5).min(16);
        if self.aes {
            aes128_cbc_decrypt(&h, data).unwrap_or_default()
        } else {
            rc4(&h[..n], data)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_vectors() {
        let hex = |d: [u8; 16]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            hex(md5(b"The quick brown fox jumps over the lazy dog")),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
    }

    #[test]
    fn rc4_vector() {
        let c = rc4(b"Key", b"Plaintext");
        assert_eq!(c, [0xBB, 0xF3, 0x16, 0xE8, 0xD9, 0x40, 0xAF, 0x0A, 0xD3]);
    }

    #[test]
    fn aes_vector() {
        // FIPS-197 C.1: key 000102..0f, plaintext 00112233..ff
        let key: [u8; 16] = core::array::from_fn(|i| i as u8);
        let ct = [
            0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4,
            0xc5, 0x5a,
        ];
        // CBC with a zero IV and no padding block: append a full padding block we can strip
        let mut data = vec![0u8; 16];
        data.extend_from_slice(&ct);
        let pt = aes128_cbc_decrypt(&key, &data).unwrap();
        let want: Vec<u8> = (0..16).map(|i| (i * 0x11) as u8).collect();
        // the last byte 0xff is not valid padding, so nothing is stripped
        assert_eq!(pt, want);
    }
}
