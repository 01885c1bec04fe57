//! A byte buffer with a hard cap: what does not fit is counted, not kept.

use serde::Serialize;

/// Output captured from one stream of a job, cut at a cap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Captured {
    /// The bytes kept, at most the cap.
    pub bytes: Vec<u8>,
    /// How many bytes came in total, kept or not.
    pub total: u64,
}

impl Captured {
    /// Whether some of the output was cut.
    pub fn truncated(&self) -> bool {
        self.total > self.bytes.len() as u64
    }

    /// The kept bytes as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Appends what fits under `cap`; returns false when something did not fit.
    pub(crate) fn push(&mut self, chunk: &[u8], cap: usize) -> bool {
        self.total += chunk.len() as u64;
        let room = cap.saturating_sub(self.bytes.len());
        let take = room.min(chunk.len());
        self.bytes.extend_from_slice(&chunk[..take]);
        take == chunk.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_keeps_up_to_the_cap_and_counts_the_rest() {
        let mut captured = Captured::default();
        assert!(captured.push(b"hello ", 8));
        assert!(!captured.push(b"world", 8));
        assert_eq!(captured.bytes, b"hello wo");
        assert_eq!(captured.total, 11);
        assert!(captured.truncated());
    }

    #[test]
    fn push_at_exactly_the_cap_is_not_truncated() {
        let mut captured = Captured::default();
        assert!(captured.push(b"12345678", 8));
        assert!(!captured.truncated());
    }
}
