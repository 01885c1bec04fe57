//! The report channel: authenticated lines a harness writes among whatever
//! else a job prints.
//!
//! Every job gets a fresh [`Key`] in its manifest. The harness writes each
//! event as `@@grader:<seq>:<mac> <json>`, where `mac` is HMAC-SHA256 over
//! `"<seq> <json>"` with that key (the first 128 bits, in hex) and `seq`
//! counts the job's lines from 0 (`runner-images/common/grader_channel.py`).
//! Learner code is kept off the container's stdout (docker-init, which
//! holds it, is root's; the harness is not dumpable), and never sees the
//! key; the channel does not rely on the first: a line that does not
//! verify is not a report line, and a gap in `seq` says that lines were
//! taken — by learner code, since the harness writes every line it numbers.

use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "@@grader:";
/// Hex digits of the MAC on each line.
const MAC_HEX: usize = 32;

/// A job's secret for its report lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    /// 256 fresh random bits.
    pub fn new() -> Key {
        Key(hex::encode(rand::random::<[u8; 32]>()))
    }

    /// The key a job manifest carries (`as_str`): what a stand-in for the
    /// harness signs with in tests.
    pub fn from_manifest(text: &str) -> Key {
        Key(text.to_owned())
    }

    /// The key as the job manifest carries it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn mac(&self, seq: u64, payload: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.as_bytes())
            .expect("HMAC takes a key of any size");
        mac.update(format!("{seq} {payload}").as_bytes());
        let mut digest = hex::encode(mac.finalize().into_bytes());
        digest.truncate(MAC_HEX);
        digest
    }

    /// `payload` as the harness writes it, for tests.
    pub fn sign(&self, seq: u64, payload: &str) -> String {
        format!("{PREFIX}{seq}:{} {payload}", self.mac(seq, payload))
    }
}

impl Default for Key {
    fn default() -> Self {
        Key::new()
    }
}

/// What a job's output said through the channel.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Lines {
    /// The verified payloads, in order.
    pub payloads: Vec<String>,
    /// Whether verified lines are missing before the last one seen (their
    /// `seq` skipped).
    pub gap: bool,
    /// Every other non-empty line (pytest's summary, what code printed,
    /// lines that claim to be report lines and are not).
    pub other: Vec<String>,
}

/// Reads `output` for lines signed with `key`.
pub fn read(output: &[u8], key: &Key) -> Lines {
    let mut lines = Lines::default();
    let mut next = 0u64;
    for line in String::from_utf8_lossy(output).lines() {
        match verify(line, key) {
            Some((seq, payload)) if seq >= next => {
                lines.gap |= seq != next;
                next = seq + 1;
                lines.payloads.push(payload.to_owned());
            }
            // A verified line again (copied by learner code): not news.
            Some(_) => {}
            None if line.is_empty() => {}
            None => lines.other.push(line.to_owned()),
        }
    }
    lines
}

fn verify<'a>(line: &'a str, key: &Key) -> Option<(u64, &'a str)> {
    let rest = line.strip_prefix(PREFIX)?;
    let (seq, rest) = rest.split_once(':')?;
    let (mac, payload) = rest.split_once(' ')?;
    let seq: u64 = seq.parse().ok()?;
    let expected = key.mac(seq, payload);
    // Constant time, though a learner cannot time this comparison.
    let same = mac.len() == expected.len()
        && mac
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0;
    same.then_some((seq, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(lines: &[String]) -> Vec<u8> {
        lines
            .iter()
            .map(|line| format!("{line}\n"))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn only_lines_signed_with_the_jobs_key_count() {
        let key = Key::new();
        let other = Key::new();
        let read = read(
            &output(&[
                key.sign(0, r#"{"event":"a"}"#),
                other.sign(1, r#"{"event":"forged"}"#),
                format!("@@grader:1:{} {{\"event\":\"guessed\"}}", "0".repeat(32)),
                "plain text".to_owned(),
                key.sign(1, r#"{"event":"b"}"#),
            ]),
            &key,
        );
        assert_eq!(read.payloads, [r#"{"event":"a"}"#, r#"{"event":"b"}"#]);
        assert!(!read.gap);
        assert_eq!(read.other.len(), 3);
    }

    #[test]
    fn a_changed_payload_does_not_verify() {
        let key = Key::new();
        let line = key
            .sign(0, r#"{"outcome":"failed"}"#)
            .replace("failed", "passed");
        assert!(read(&output(&[line]), &key).payloads.is_empty());
    }

    #[test]
    fn a_missing_line_is_a_gap_and_a_replayed_one_is_ignored() {
        let key = Key::new();
        let first = key.sign(0, "{}");
        let read = read(&output(&[first.clone(), key.sign(2, "{}"), first]), &key);
        assert_eq!(read.payloads.len(), 2);
        assert!(read.gap);
    }

    proptest::proptest! {
        /// Whatever a container prints, reading it never panics, and a
        /// line that is not signed with the key is never a payload.
        #[test]
        fn any_output_reads_without_panic_and_forges_nothing(
            output in proptest::collection::vec(proptest::num::u8::ANY, 0..4096),
        ) {
            let key = Key::new();
            let read = read(&output, &key);
            proptest::prop_assert!(read.payloads.is_empty());
        }

        /// Signed lines among garbage (each on its own line, as the harness
        /// writes them: after a newline) come out whole and in order; the
        /// garbage never reaches the payloads.
        #[test]
        fn signed_lines_survive_any_garbage_around_them(
            payloads in proptest::collection::vec("[ -~]{0,64}", 0..20),
            garbage in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..64), 20),
        ) {
            let key = Key::new();
            let mut output = Vec::new();
            for (seq, payload) in payloads.iter().enumerate() {
                output.extend_from_slice(&garbage[seq]);
                output.extend_from_slice(format!("\n{}\n", key.sign(seq as u64, payload)).as_bytes());
            }
            let read = read(&output, &key);
            proptest::prop_assert_eq!(&read.payloads, &payloads);
            proptest::prop_assert!(!read.gap);
        }
    }

    #[test]
    fn garbage_before_a_line_on_the_same_line_is_cut_off_by_its_newline() {
        let key = Key::new();
        let mut bytes = b"half a line with no end".to_vec();
        bytes.extend_from_slice(format!("\n{}\n", key.sign(0, "{}")).as_bytes());
        assert_eq!(read(&bytes, &key).payloads, ["{}"]);
    }
}
