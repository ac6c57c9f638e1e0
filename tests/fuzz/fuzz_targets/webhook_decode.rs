//! Fuzz target: the Greenhouse webhook decoder through its public API. Each input is one delivery body,
//! signed with the test secret (so decoding is reached) and also checked against a wrong signature (which
//! must be refused); a body must decode to events or a `WebhookError`, never a panic.
#![no_main]

use hirewire_connectors::greenhouse::webhook::{decode_delivery, verify_signature};
use hirewire_sdk::WebhookError;
use hirewire_sdk::webhook::sign_hmac_sha256_hex;
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

const SECRET: &str = "fuzz-webhook-secret";

fn headers(signature: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_str(signature) {
        headers.insert("signature", value);
    }
    headers.insert("greenhouse-event-id", http::HeaderValue::from_static("fuzz-delivery-1"));
    headers
}

fuzz_target!(|body: &[u8]| {
    let secret = SecretString::from(SECRET.to_owned());
    let signed = headers(&format!("sha256 {}", sign_hmac_sha256_hex(SECRET.as_bytes(), body)));
    assert!(verify_signature(&secret, &signed, body).is_ok());
    match decode_delivery(Some(&secret), &signed, body) {
        Ok(events) => {
            for event in events {
                assert_eq!(event.delivery_id.as_deref(), Some("fuzz-delivery-1"));
            }
        }
        Err(WebhookError::BadSignature) => panic!("a correctly signed body was refused as badly signed"),
        Err(_) => {}
    }
    // The body's first line as a signature header: never accepted unless it is the right one.
    let forged = String::from_utf8_lossy(body.split(|b| *b == b'\n').next().unwrap_or_default()).into_owned();
    let forged_headers = headers(&forged);
    if verify_signature(&secret, &forged_headers, body).is_ok() {
        let expected = sign_hmac_sha256_hex(SECRET.as_bytes(), body);
        assert!(forged.to_ascii_lowercase().contains(&expected), "accepted a forged signature: {forged}");
    }
});
