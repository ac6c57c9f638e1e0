//! Webhook signature helpers: HMAC over the raw body, compared in constant time.

use hmac::{KeyInit, Mac};

/// Checks a hex HMAC-SHA256 signature of `body` under `secret`, in constant time.
#[must_use]
pub fn verify_hmac_sha256_hex(secret: &[u8], body: &[u8], signature_hex: &str) -> bool {
    let Ok(expected) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Signs `body` with HMAC-SHA256 under `secret`, as lowercase hex (fakes and tests).
#[must_use]
pub fn sign_hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify() {
        let sig = sign_hmac_sha256_hex(b"k", b"{\"a\":1}");
        assert!(verify_hmac_sha256_hex(b"k", b"{\"a\":1}", &sig));
        assert!(!verify_hmac_sha256_hex(b"k", b"{\"a\":2}", &sig));
        assert!(!verify_hmac_sha256_hex(b"other", b"{\"a\":1}", &sig));
        assert!(!verify_hmac_sha256_hex(b"k", b"{\"a\":1}", "zz"));
    }
}
