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
    // exp/log tables for generator 3 give the multiplicative inverses in O(256)
    let mut exp = [0u8; 256];
    let mut log = [0u8; 256];
    let mut x = 1u8;
    for (i, e) in exp.iter_mut().enumerate().take(255) {
        *e = x;
        log[x as usize] = i as u8;
        x = gmul(x, 3);
    }
    let mut sbox = [0u8; 256];
    let mut inv = [0u8; 256];
    for (i, slot) in sbox.iter_mut().enumerate() {
        let y = if i == 0 {
            0
        } else {
            exp[(255 - log[i] as usize) % 255]
        };
        let s =
            y ^ y.rotate_left(1) ^ y.rotate_left(2) ^ y.rotate_left(3) ^ y.rotate_left(4) ^ 0x63;
        *slot = s;
        inv[s as usize] = i as u8;
    }
    (sbox, inv)
}

/// AES round keys for a 16- or 32-byte key.
struct Aes {
    w: Vec<[u8; 4]>,
    rounds: usize,
    sbox: [u8; 256],
    inv: [u8; 256],
}

impl Aes {
    fn new(key: &[u8]) -> Option<Aes> {
        let nk = match key.len() {
            16 => 4,
            32 => 8,
            _ => return None,
        };
        let rounds = nk + 6;
        let (sbox, inv) = sboxes();
        let total = 4 * (rounds + 1);
        let mut w = vec![[0u8; 4]; total];
        for i in 0..nk {
            w[i] = [key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]];
        }
        let mut rcon = 1u8;
        for i in nk..total {
            let mut t = w[i - 1];
            if i % nk == 0 {
                t = [
                    sbox[t[1] as usize],
                    sbox[t[2] as usize],
                    sbox[t[3] as usize],
                    sbox[t[0] as usize],
                ];
                t[0] ^= rcon;
                rcon = gmul(rcon, 2);
            } else if nk > 6 && i % nk == 4 {
                t = [
                    sbox[t[0] as usize],
                    sbox[t[1] as usize],
                    sbox[t[2] as usize],
                    sbox[t[3] as usize],
                ];
            }
            for j in 0..4 {
                w[i][j] = w[i - nk][j] ^ t[j];
            }
        }
        Some(Aes {
            w,
            rounds,
            sbox,
            inv,
        })
    }

    fn add_round_key(&self, r: usize, st: &mut [u8; 16]) {
        for c in 0..4 {
            for j in 0..4 {
                st[4 * c + j] ^= self.w[4 * r + c][j];
            }
        }
    }

    fn decrypt_block(&self, st: &mut [u8; 16]) {
        self.add_round_key(self.rounds, st);
        for r in (0..self.rounds).rev() {
            let t = *st;
            for c in 0..4 {
                for row in 0..4 {
                    st[4 * ((c + row) % 4) + row] = t[4 * c + row];
                }
            }
            for b in st.iter_mut() {
                *b = self.inv[*b as usize];
            }
            self.add_round_key(r, st);
            if r > 0 {
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
    }

    fn encrypt_block(&self, st: &mut [u8; 16]) {
        self.add_round_key(0, st);
        for r in 1..=self.rounds {
            for b in st.iter_mut() {
                *b = self.sbox[*b as usize];
            }
            let t = *st;
            for c in 0..4 {
                for row in 0..4 {
                    st[4 * c + row] = t[4 * ((c + row) % 4) + row];
                }
            }
            if r < self.rounds {
                for c in 0..4 {
                    let a = [st[4 * c], st[4 * c + 1], st[4 * c + 2], st[4 * c + 3]];
                    st[4 * c] = gmul(a[0], 2) ^ gmul(a[1], 3) ^ a[2] ^ a[3];
                    st[4 * c + 1] = a[0] ^ gmul(a[1], 2) ^ gmul(a[2], 3) ^ a[3];
                    st[4 * c + 2] = a[0] ^ a[1] ^ gmul(a[2], 2) ^ gmul(a[3], 3);
                    st[4 * c + 3] = gmul(a[0], 3) ^ a[1] ^ a[2] ^ gmul(a[3], 2);
                }
            }
            self.add_round_key(r, st);
        }
    }
}

/// AES-CBC decryption (`iv` given, no padding handling).
fn cbc_decrypt(aes: &Aes, iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut prev = *iv;
    for block in data.chunks_exact(16) {
        let mut st: [u8; 16] = core::array::from_fn(|i| block[i]);
        aes.decrypt_block(&mut st);
        for i in 0..16 {
            st[i] ^= prev[i];
        }
        prev = core::array::from_fn(|i| block[i]);
        out.extend_from_slice(&st);
    }
    out
}

/// AES-CBC decryption with the IV in the first 16 bytes and PKCS#5 padding removed
/// (the PDF AESV2/AESV3 string and stream format).
pub fn aes_cbc_decrypt(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 32 || !data.len().is_multiple_of(16) {
        return None;
    }
    let aes = Aes::new(key)?;
    let iv: [u8; 16] = core::array::from_fn(|i| data[i]);
    let mut out = cbc_decrypt(&aes, &iv, &data[16..]);
    let pad = *out.last()? as usize;
    if (1..=16).contains(&pad) && out.len() >= pad {
        out.truncate(out.len() - pad);
    }
    Some(out)
}

/// AES-128-CBC encryption without padding (the PDF 2.0 hash, Algorithm 2.B).
fn aes128_cbc_encrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let aes = Aes::new(key)?;
    let mut prev: [u8; 16] = core::array::from_fn(|i| iv.get(i).copied().unwrap_or(0));
    let mut out = Vec::with_capacity(data.len());
    for block in data.chunks_exact(16) {
        let mut st: [u8; 16] = core::array::from_fn(|i| block[i] ^ prev[i]);
        aes.encrypt_block(&mut st);
        prev = st;
        out.extend_from_slice(&st);
    }
    Some(out)
}

const K256: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 (FIPS 180-4).
pub fn sha256(data: &[u8]) -> Vec<u8> {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bitlen = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bitlen.to_be_bytes());
    for chunk in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K256[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for i in 0..8 {
            h[i] = h[i].wrapping_add(v[i]);
        }
    }
    h.iter().flat_map(|x| x.to_be_bytes()).collect()
}

const K512: [u64; 80] = [
    0x428a2f98d728ae22,
    0x7137449123ef65cd,
    0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc,
    0x3956c25bf348b538,
    0x59f111f1b605d019,
    0x923f82a4af194f9b,
    0xab1c5ed5da6d8118,
    0xd807aa98a3030242,
    0x12835b0145706fbe,
    0x243185be4ee4b28c,
    0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f,
    0x80deb1fe3b1696b1,
    0x9bdc06a725c71235,
    0xc19bf174cf692694,
    0xe49b69c19ef14ad2,
    0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5,
    0x240ca1cc77ac9c65,
    0x2de92c6f592b0275,
    0x4a7484aa6ea6e483,
    0x5cb0a9dcbd41fbd4,
    0x76f988da831153b5,
    0x983e5152ee66dfab,
    0xa831c66d2db43210,
    0xb00327c898fb213f,
    0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2,
    0xd5a79147930aa725,
    0x06ca6351e003826f,
    0x142929670a0e6e70,
    0x27b70a8546d22ffc,
    0x2e1b21385c26c926,
    0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df,
    0x650a73548baf63de,
    0x766a0abb3c77b2a8,
    0x81c2c92e47edaee6,
    0x92722c851482353b,
    0xa2bfe8a14cf10364,
    0xa81a664bbc423001,
    0xc24b8b70d0f89791,
    0xc76c51a30654be30,
    0xd192e819d6ef5218,
    0xd69906245565a910,
    0xf40e35855771202a,
    0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8,
    0x1e376c085141ab53,
    0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63,
    0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc,
    0x78a5636f43172f60,
    0x84c87814a1f0ab72,
    0x8cc702081a6439ec,
    0x90befffa23631e28,
    0xa4506cebde82bde9,
    0xbef9a3f7b2c67915,
    0xc67178f2e372532b,
    0xca273eceea26619c,
    0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e,
    0xf57d4f7fee6ed178,
    0x06f067aa72176fba,
    0x0a637dc5a2c898a6,
    0x113f9804bef90dae,
    0x1b710b35131c471b,
    0x28db77f523047d84,
    0x32caab7b40c72493,
    0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6,
    0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec,
    0x6c44198c4a475817,
];

/// SHA-512 or, with `bits` 384, SHA-384.
pub fn sha512(data: &[u8], bits: usize) -> Vec<u8> {
    let mut h: [u64; 8] = if bits == 384 {
        [
            0xcbbb9d5dc1059ed8,
            0x629a292a367cd507,
            0x9159015a3070dd17,
            0x152fecd8f70e5939,
            0x67332667ffc00b31,
            0x8eb44a8768581511,
            0xdb0c2e0d64f98fa7,
            0x47b5481dbefa4fa4,
        ]
    } else {
        [
            0x6a09e667f3bcc908,
            0xbb67ae8584caa73b,
            0x3c6ef372fe94f82b,
            0xa54ff53a5f1d36f1,
            0x510e527fade682d1,
            0x9b05688c2b3e6c1f,
            0x1f83d9abfb41bd6b,
            0x5be0cd19137e2179,
        ]
    };
    let mut msg = data.to_vec();
    let bitlen = (data.len() as u128).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 128 != 112 {
        msg.push(0);
    }
    msg.extend_from_slice(&bitlen.to_be_bytes());
    for chunk in msg.chunks_exact(128) {
        let mut w = [0u64; 80];
        for i in 0..16 {
            w[i] = u64::from_be_bytes(core::array::from_fn(|j| chunk[8 * i + j]));
        }
        for i in 16..80 {
            let s0 = w[i - 15].rotate_right(1) ^ w[i - 15].rotate_right(8) ^ (w[i - 15] >> 7);
            let s1 = w[i - 2].rotate_right(19) ^ w[i - 2].rotate_right(61) ^ (w[i - 2] >> 6);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..80 {
            let s1 = v[4].rotate_right(14) ^ v[4].rotate_right(18) ^ v[4].rotate_right(41);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K512[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(28) ^ v[0].rotate_right(34) ^ v[0].rotate_right(39);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for i in 0..8 {
            h[i] = h[i].wrapping_add(v[i]);
        }
    }
    let out: Vec<u8> = h.iter().flat_map(|x| x.to_be_bytes()).collect();
    out[..bits / 8].to_vec()
}

/// The revision 5/6 password hash (ISO 32000-2 Algorithm 2.B; revision 5 is plain SHA-256).
fn hash_r6(r: u32, password: &[u8], salt: &[u8], udata: &[u8]) -> Option<Vec<u8>> {
    let mut input = password.to_vec();
    input.extend_from_slice(salt);
    input.extend_from_slice(udata);
    let mut k = sha256(&input);
    if r < 6 {
        return Some(k);
    }
    let mut i = 0usize;
    loop {
        let mut k1 = Vec::new();
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let e = aes128_cbc_encrypt(k.get(..16)?, k.get(16..32)?, &k1)?;
        let sum: u32 = e[..16].iter().map(|&b| b as u32).sum();
        k = match sum % 3 {
            0 => sha256(&e),
            1 => sha512(&e, 384),
            _ => sha512(&e, 512),
        };
        let last = *e.last()? as usize;
        i += 1;
        if i >= 64 && last + 32 <= i {
            break;
        }
        if i > 2000 {
            return None;
        }
    }
    k.truncate(32);
    Some(k)
}

/// The file key of a revision 5/6 document for the empty user password.
pub fn key_r6(r: u32, u: &[u8], ue: &[u8]) -> Option<Vec<u8>> {
    let check = hash_r6(r, b"", u.get(32..40)?, &[])?;
    if check != u.get(..32)? {
        return None;
    }
    let k = hash_r6(r, b"", u.get(40..48)?, &[])?;
    let aes = Aes::new(&k)?;
    let key = cbc_decrypt(&aes, &[0; 16], ue.get(..32)?);
    Some(key)
}

const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// A document key for the empty user password.
pub struct Crypt {
    key: Vec<u8>,
    aes: bool,
    /// AESV3: the file key is used directly.
    aes256: bool,
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
    /// /UE for revisions 5 and 6.
    pub ue: &'a [u8],
}

impl Crypt {
    /// Derives the key for the empty user password (Algorithm 2) and checks it against /U.
    /// `None` means the document needs a password.
    pub fn new(p: &Params) -> Option<Crypt> {
        if p.v == 5 {
            let key = key_r6(p.r, p.u, p.ue)?;
            return Some(Crypt {
                key,
                aes: true,
                aes256: true,
                strings: p.strings,
                streams: p.streams,
                meta: p.encrypt_metadata,
            });
        }
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
            aes256: false,
        })
    }

    /// Decrypts a string or stream of object `num` generation `gen` (Algorithm 1).
    pub fn decrypt(&self, num: u32, gen: u32, data: &[u8]) -> Vec<u8> {
        if self.aes256 {
            return aes_cbc_decrypt(&self.key, data).unwrap_or_default();
        }
        let mut k = self.key.clone();
        k.extend_from_slice(&num.to_le_bytes()[..3]);
        k.extend_from_slice(&gen.to_le_bytes()[..2]);
        if self.aes {
            k.extend_from_slice(b"sAlT");
        }
        let h = md5(&k);
        let n = (self.key.len() + 5).min(16);
        if self.aes {
            aes_cbc_decrypt(&h, data).unwrap_or_default()
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
    fn sha_vectors() {
        let hex = |d: Vec<u8>| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(sha512(b"abc", 384)),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(
            hex(sha512(b"abc", 512)),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn aes256_and_encrypt_roundtrip() {
        // FIPS-197 C.3: AES-256
        let key: Vec<u8> = (0..32).collect();
        let aes = Aes::new(&key).unwrap();
        let mut st: [u8; 16] = core::array::from_fn(|i| (i * 0x11) as u8);
        aes.encrypt_block(&mut st);
        assert_eq!(
            st,
            [
                0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49,
                0x60, 0x89
            ]
        );
        aes.decrypt_block(&mut st);
        assert_eq!(st, core::array::from_fn(|i| (i * 0x11) as u8));
    }

    #[test]
    fn revision6_key_and_strings() {
        let cbc_encrypt = |key: &[u8], iv: &[u8; 16], data: &[u8]| {
            let aes = Aes::new(key).unwrap();
            let mut prev = *iv;
            let mut out = Vec::new();
            for block in data.chunks_exact(16) {
                let mut st: [u8; 16] = core::array::from_fn(|i| block[i] ^ prev[i]);
                aes.encrypt_block(&mut st);
                prev = st;
                out.extend_from_slice(&st);
            }
            out
        };
        let file_key: Vec<u8> = (100..132).collect();
        let (vsalt, ksalt) = (b"vsalt123", b"ksalt456");
        let mut u = hash_r6(6, b"", vsalt, &[]).unwrap();
        u.extend_from_slice(vsalt);
        u.extend_from_slice(ksalt);
        let ue = cbc_encrypt(&hash_r6(6, b"", ksalt, &[]).unwrap(), &[0; 16], &file_key);
        assert_eq!(key_r6(6, &u, &ue).unwrap(), file_key);
        let iv = [7u8; 16];
        let mut pt = b"Hello AES-256".to_vec();
        let pad = 16 - pt.len() % 16;
        pt.extend(std::iter::repeat_n(pad as u8, pad));
        let mut enc = iv.to_vec();
        enc.extend(cbc_encrypt(&file_key, &iv, &pt));
        let c = Crypt {
            key: file_key,
            aes: true,
            aes256: true,
            strings: true,
            streams: true,
            meta: true,
        };
        assert_eq!(c.decrypt(1, 0, &enc), b"Hello AES-256");
        // a wrong validation hash means a password is needed
        let mut bad = u.clone();
        bad[0] ^= 1;
        assert!(key_r6(6, &bad, &ue).is_none());
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
        let pt = aes_cbc_decrypt(&key, &data).unwrap();
        let want: Vec<u8> = (0..16).map(|i| (i * 0x11) as u8).collect();
        // the last byte 0xff is not valid padding, so nothing is stripped
        assert_eq!(pt, want);
    }
}
