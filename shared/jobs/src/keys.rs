//! API keys: generated with 160 bits of randomness, stored only as their SHA-256 (a fast
//! hash is enough for keys of that entropy; nothing can be guessed from the store), never
//! logged.

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::backend::ApiKey;

/// SHA-256 of the key, hex.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A new key (`mk_` + 40 hex digits) and its stored record.
pub fn generate(name: &str) -> (String, ApiKey) {
    let mut raw = [0u8; 20];
    rand::rng().fill_bytes(&mut raw);
    let key = format!("mk_{}", hex::encode(raw));
    let mut id = [0u8; 6];
    rand::rng().fill_bytes(&mut id);
    let rec = ApiKey {
        id: format!("key_{}", hex::encode(id)),
        name: name.to_string(),
        hash: hash(&key),
        created_at: crate::now_secs(),
        revoked: false,
    };
    (key, rec)
}

/// The record of a key given in configuration (`API_KEYS`): its id is derived from its
/// hash, so every gateway with the same configuration gives it the same owner id.
pub fn from_config(key: &str) -> ApiKey {
    let h = hash(key);
    ApiKey {
        id: format!("cfg_{}", &h[..12]),
        name: "from configuration".into(),
        hash: h,
        created_at: 0,
        revoked: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_hashed() {
        let (a, ra) = generate("a");
        let (b, _) = generate("b");
        assert_ne!(a, b);
        assert!(a.starts_with("mk_") && a.len() == 43);
        assert_eq!(ra.hash, hash(&a));
        assert!(!ra.hash.contains(&a[3..]));
        assert_eq!(from_config("x").id, from_config("x").id);
    }
}
