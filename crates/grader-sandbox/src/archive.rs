//! A job's input: an uncompressed tar stream the grader builds itself.
//!
//! Only regular files, with plain relative names (no `..`, no absolute path,
//! no empty or `.` part), each under a size cap, the whole under another.
//! What reaches a container is nothing but these bytes.

use std::collections::BTreeMap;

/// Largest single file, unless a caller asks for less.
pub const MAX_FILE: u64 = 8 * 1024 * 1024;
/// Largest archive, all files together.
pub const MAX_TOTAL: u64 = 32 * 1024 * 1024;
/// Most files in one archive.
pub const MAX_FILES: usize = 1000;
/// Where the job manifest goes: the entry script reads it into memory and
/// never writes it to the work directory.
pub const MANIFEST: &str = ".grader/job.json";

/// A file that cannot go into a job's input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("`{name}` is not a plain relative file name ({why})")]
    BadName { name: String, why: &'static str },
    #[error("`{name}` is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { name: String, size: u64, limit: u64 },
    #[error("the files add up to more than {limit} bytes")]
    TotalTooLarge { limit: u64 },
    #[error("more than {limit} files")]
    TooManyFiles { limit: usize },
    #[error("`{name}` is given twice")]
    Duplicate { name: String },
}

/// Files for one job, keyed by their relative name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Archive {
    files: BTreeMap<String, Vec<u8>>,
    total: u64,
}

impl Archive {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one file, checking its name and size.
    pub fn add(&mut self, name: &str, contents: impl Into<Vec<u8>>) -> Result<(), ArchiveError> {
        let contents = contents.into();
        check_name(name)?;
        let size = contents.len() as u64;
        if size > MAX_FILE {
            return Err(ArchiveError::TooLarge {
                name: name.to_owned(),
                size,
                limit: MAX_FILE,
            });
        }
        if self.total + size > MAX_TOTAL {
            return Err(ArchiveError::TotalTooLarge { limit: MAX_TOTAL });
        }
        if self.files.len() >= MAX_FILES {
            return Err(ArchiveError::TooManyFiles { limit: MAX_FILES });
        }
        if self.files.contains_key(name) {
            return Err(ArchiveError::Duplicate {
                name: name.to_owned(),
            });
        }
        self.total += size;
        self.files.insert(name.to_owned(), contents);
        Ok(())
    }

    /// Adds the job manifest (JSON), which tells the entry script what to run.
    pub fn set_manifest(&mut self, json: impl Into<Vec<u8>>) -> Result<(), ArchiveError> {
        self.add(MANIFEST, json)
    }

    /// The contents of the file `name`, if the archive holds one (the
    /// manifest is [`MANIFEST`]): what a stand-in for the harness reads in
    /// tests.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files as an uncompressed tar stream: regular files only, mode
    /// 0644, owned by nobody in particular, no directory entries. The
    /// manifest comes first, so the entry script knows the job (and its
    /// key) before it reads any file.
    pub fn to_tar(&self) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::with_capacity(self.total as usize + 4096));
        let manifest = self.files.get_key_value(MANIFEST);
        let others = self.files.iter().filter(|(name, _)| *name != MANIFEST);
        for (name, contents) in manifest.into_iter().chain(others) {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_uid(0);
            header.set_gid(0);
            // Names were checked; ustar's 100-byte name field is extended
            // with GNU long names by `append_data` when needed.
            builder
                .append_data(&mut header, name, contents.as_slice())
                .expect("writing a tar into memory cannot fail");
        }
        let mut tar = builder
            .into_inner()
            .expect("finishing a tar in memory cannot fail");
        // Whole records, as tar(1) writes them: a reader that reads a
        // record at a time then stops at the archive's end without waiting
        // for bytes that belong to what follows it (an interactive job's
        // stream).
        tar.resize(tar.len().div_ceil(RECORD) * RECORD, 0);
        tar
    }
}

/// tar's record: 20 blocks of 512 bytes.
const RECORD: usize = 10240;

/// Checks that `name` is a plain relative path of regular components.
pub fn check_name(name: &str) -> Result<(), ArchiveError> {
    let bad = |why| {
        Err(ArchiveError::BadName {
            name: name.to_owned(),
            why,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.starts_with('/') {
        return bad("absolute");
    }
    if name.len() > 255 {
        return bad("longer than 255 bytes");
    }
    if name.contains('\\') || name.contains('\0') || name.chars().any(char::is_control) {
        return bad("contains a backslash or a control character");
    }
    for part in name.split('/') {
        match part {
            "" => return bad("empty path component"),
            "." | ".." => return bad("`.` or `..` component"),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_escape_the_work_directory_are_refused() {
        for name in [
            "../x",
            "/etc/passwd",
            "a/../../x",
            "a//b",
            "./a",
            "",
            "a\\b",
            "a\nb",
        ] {
            assert!(check_name(name).is_err(), "{name:?} should be refused");
        }
        for name in ["a.py", "tests/test_a.py", ".grader/job.json", "a b.txt"] {
            assert!(check_name(name).is_ok(), "{name:?} should be accepted");
        }
    }

    #[test]
    fn the_tar_holds_only_regular_files_with_the_given_names_manifest_first() {
        let mut archive = Archive::new();
        archive.add("b.py", "print(2)").unwrap();
        archive.add("tests/test_a.py", "x").unwrap();
        archive
            .add("+first.txt", "sorts before the manifest")
            .unwrap();
        archive.set_manifest("{}").unwrap();
        let tar = archive.to_tar();
        let mut reader = tar::Archive::new(tar.as_slice());
        let entries: Vec<(String, tar::EntryType)> = reader
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                (
                    entry.path().unwrap().display().to_string(),
                    entry.header().entry_type(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            vec![
                (MANIFEST.to_owned(), tar::EntryType::Regular),
                ("+first.txt".to_owned(), tar::EntryType::Regular),
                ("b.py".to_owned(), tar::EntryType::Regular),
                ("tests/test_a.py".to_owned(), tar::EntryType::Regular),
            ]
        );
    }

    #[test]
    fn oversized_and_duplicate_files_are_refused() {
        let mut archive = Archive::new();
        let big = vec![0u8; MAX_FILE as usize + 1];
        assert!(matches!(
            archive.add("big.bin", big),
            Err(ArchiveError::TooLarge { .. })
        ));
        archive.add("a.py", "").unwrap();
        assert!(matches!(
            archive.add("a.py", ""),
            Err(ArchiveError::Duplicate { .. })
        ));
    }
}
