//! Webhooks: a submission may name a `callback_url`, and its result is
//! POSTed there once graded, in its submitter's view, signed.
//!
//! Only hosts the operator allows are accepted ([`Webhooks::check`]). The
//! delivery is stored with the result, in one transaction
//! ([`crate::store::Store::finish`]); the [`crate::delivery::send`] loop
//! of every node with the secret claims
//! due deliveries from the store, so none is lost when a node stops, and
//! tries each again with exponential backoff, a bounded number of times.
//!
//! The signature: `X-Grader-Timestamp` is the time of sending (seconds
//! since the Unix epoch), and `X-Grader-Signature` is `sha256=` and the
//! hex HMAC-SHA256, keyed with the service's webhook secret, of the
//! timestamp, a `.`, and the body's bytes. A receiver recomputes it,
//! compares in constant time, and refuses an old timestamp.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The longest a callback URL may be.
const MAX_URL: usize = 2048;

/// The operator's webhook settings.
#[derive(Clone)]
pub struct Webhooks {
    /// `host:port` (or `host`, for port 80) a callback may point at; none
    /// by default.
    pub allow: Vec<String>,
    /// The key of every signature.
    pub secret: Vec<u8>,
    /// Attempts per delivery before it is given up.
    pub attempts: u32,
    /// The wait after the first failed attempt; doubled after each.
    pub backoff: Duration,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Webhooks")
            .field("allow", &self.allow)
            .field("secret", &"<hidden>")
            .field("attempts", &self.attempts)
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl Default for Webhooks {
    fn default() -> Self {
        Webhooks {
            allow: Vec::new(),
            secret: Vec::new(),
            attempts: 8,
            backoff: Duration::from_secs(2),
        }
    }
}

impl Webhooks {
    /// Whether `url` may receive results: an `http` URL of an allowed host
    /// (and port). The error says why not.
    pub fn check(&self, url: &str) -> Result<(), String> {
        if url.len() > MAX_URL {
            return Err(format!("`callback_url` is over {MAX_URL} characters"));
        }
        let parsed = reqwest::Url::parse(url)
            .map_err(|error| format!("`callback_url` is not a URL: {error}"))?;
        if parsed.scheme() != "http" {
            return Err(format!(
                "`callback_url` must be an http:// URL (found {}://); put TLS in front of \
                 the receiver on the operator's network",
                parsed.scheme()
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("`callback_url` may not carry credentials".to_owned());
        }
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = parsed.port_or_known_default().unwrap_or(80);
        // `host:port`, or `host` for its default port only.
        let allowed = self.allow.iter().any(|entry| {
            let entry = entry.to_ascii_lowercase();
            let with_port = entry
                .rsplit_once(':')
                .and_then(|(host, port)| Some((host.to_owned(), port.parse::<u16>().ok()?)));
            match with_port {
                Some((entry_host, entry_port)) => entry_host == host && entry_port == port,
                None => entry == host && parsed.port().is_none(),
            }
        });
        if !allowed {
            return Err(if self.allow.is_empty() {
                "this service delivers no webhooks (the operator allows no callback host)"
                    .to_owned()
            } else {
                format!("`callback_url`'s host {host}:{port} is not one the operator allows")
            });
        }
        Ok(())
    }

    /// `X-Grader-Signature` of `body` sent at `timestamp`.
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        signature(&self.secret, timestamp, body)
    }

    /// The wait before attempt `attempts + 1`, after `attempts` failed.
    pub(crate) fn backoff_after(&self, attempts: i64) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
        self.backoff.saturating_mul(1 << doublings)
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The `User-Agent` of every delivery: the product and its version.
pub const USER_AGENT: &str = concat!("grader-webhooks/", env!("CARGO_PKG_VERSION"));

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn allowing(hosts: &[&str]) -> Webhooks {
        Webhooks {
            allow: hosts.iter().map(|host| (*host).to_owned()).collect(),
            ..Webhooks::default()
        }
    }

    #[test]
    fn only_allowed_hosts_and_ports_are_accepted() {
        let webhooks = allowing(&["lms.example", "127.0.0.1:9000"]);
        assert!(webhooks.check("http://lms.example/hook").is_ok());
        assert!(webhooks.check("http://LMS.example/hook").is_ok());
        assert!(webhooks.check("http://lms.example:81/hook").is_err());
        assert!(webhooks.check("http://127.0.0.1:9000/").is_ok());
        assert!(webhooks.check("http://127.0.0.1:9001/").is_err());
        assert!(webhooks.check("http://127.0.0.1/").is_err());
        assert!(webhooks.check("http://lms.example.evil/").is_err());
        assert!(webhooks.check("http://user:pw@lms.example/").is_err());
        assert!(webhooks.check("ftp://lms.example/").is_err());
        assert!(webhooks.check("not a url").is_err());
        let none = allowing(&[]);
        let refused = none.check("http://lms.example/").unwrap_err();
        assert!(refused.contains("allows no callback host"), "{refused}");
    }

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        let secret = b"s3cret";
        let signed = signature(secret, 1_700_000_000, b"{\"a\":1}");
        assert!(signed.starts_with("sha256=") && signed.len() == 7 + 64);
        assert_ne!(signed, signature(secret, 1_700_000_001, b"{\"a\":1}"));
        assert_ne!(signed, signature(secret, 1_700_000_000, b"{\"a\":2}"));
        assert_ne!(signed, signature(b"other", 1_700_000_000, b"{\"a\":1}"));
        // The same as any HMAC-SHA256 implementation gives: Python's
        // hmac.new(b"key", b"1.body", "sha256").hexdigest().
        assert_eq!(
            signature(b"key", 1, b"body"),
            "sha256=91b5374b153842ad05b2c4eab9349b8321b14703165bd3fb8b034dfb8be98ae5"
        );
    }

    #[test]
    fn backoff_doubles_from_the_first_wait() {
        let webhooks = Webhooks {
            backoff: Duration::from_secs(2),
            ..Webhooks::default()
        };
        let waits: Vec<u64> = (1..=4)
            .map(|attempts| webhooks.backoff_after(attempts).as_secs())
            .collect();
        assert_eq!(waits, [2, 4, 8, 16]);
    }
}
