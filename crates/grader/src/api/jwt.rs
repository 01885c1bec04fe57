//! HS256 JSON Web Tokens the grader mints itself, to probe how an app
//! treats tokens: valid, expired, signed with another key, tampered with.
//! The app gets the job's key as `JWT_SECRET`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signs `claims` (a JSON object) with `key`.
pub fn sign(claims: &serde_json::Value, key: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// `token` with its payload changed (`sub` replaced, or a claim added) but
/// its signature kept: what an attacker who edits a token sends.
pub fn tamper(token: &str) -> String {
    let mut parts = token.splitn(3, '.');
    let (Some(header), Some(payload), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return format!("{token}x");
    };
    let mut claims: serde_json::Value = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(object) = claims.as_object_mut() {
        let sub = object
            .get("sub")
            .and_then(|sub| sub.as_str())
            .map_or_else(|| "admin".to_owned(), |sub| format!("{sub}-admin"));
        object.insert("sub".to_owned(), serde_json::Value::String(sub));
        object.insert("admin".to_owned(), serde_json::Value::Bool(true));
    }
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_a_known_hs256_signature() {
        // jwt.io's example key and claims, signed with the same header.
        let claims = serde_json::json!({"sub": "1234567890"});
        let token = sign(&claims, b"your-256-bit-secret");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        assert_eq!(parts[1], "eyJzdWIiOiIxMjM0NTY3ODkwIn0");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"your-256-bit-secret").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        assert_eq!(
            parts[2],
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
    }

    #[test]
    fn tampering_keeps_the_signature_and_changes_the_subject() {
        let token = sign(&serde_json::json!({"sub": "ann"}), b"key");
        let forged = tamper(&token);
        assert_eq!(token.rsplit('.').next(), forged.rsplit('.').next());
        assert_ne!(token, forged);
        let payload = forged.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["sub"], "ann-admin");
    }
}
