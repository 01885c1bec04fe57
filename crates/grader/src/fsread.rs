//! Reading the files of a submission or an exercise folder without following
//! a link and without opening anything but a regular file.
//!
//! The grader runs as root in course CI and reads folders others wrote: a
//! learner's submission, an exercise folder a pull request changed. A
//! symbolic link there (`fizzbuzz.py -> /etc/shadow`) would have the host's
//! file packed into the job and quoted back in an error message; a FIFO
//! would hang the read; a device would never end. So every such read goes
//! through here. [`read`] opens the last component with `O_NOFOLLOW |
//! O_NONBLOCK`, checks that the opened descriptor is a regular file (so
//! nothing can be swapped in between the check and the read) and reads
//! through a size cap. [`read_in`] also refuses a link at any folder between
//! a base and the file; [`files_in`] walks a folder and refuses a link or a
//! special file anywhere under it.
//!
//! A path someone named (the submission folder on the command line, the
//! exercise folder, the `base` of the `_in` functions) is followed: that
//! person chose it. What is inside it is not.
//!
//! Limit: the folders between `base` and a file are checked before the file
//! is opened, so a process on the same machine that swaps one of them for a
//! link in between could still win. The threat here is what a folder holds,
//! not a second local user racing the grader.

use std::fs::FileType;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use crate::units::ByteSize;

/// Why a file of a submission or an exercise was not read.
#[derive(Debug, thiserror::Error)]
pub enum FsReadError {
    #[error("`{}` is a symbolic link; submissions and exercises may hold only regular files", path.display())]
    Link { path: PathBuf },
    #[error("`{}` is a {kind}; submissions and exercises may hold only regular files", path.display())]
    Special { path: PathBuf, kind: &'static str },
    #[error("`{}` is {size} bytes, more than the {limit} allowed", path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: ByteSize,
    },
    #[error("`{}` is not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    #[error("`{}` is not a relative path inside its folder", path.display())]
    Outside { path: PathBuf },
    #[error("read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl FsReadError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            FsReadError::Link { path }
            | FsReadError::Special { path, .. }
            | FsReadError::TooLarge { path, .. }
            | FsReadError::NotText { path }
            | FsReadError::Outside { path }
            | FsReadError::Io { path, .. } => path,
        }
    }

    /// The message followed by its cause, for a seam that carries only
    /// text.
    pub fn with_cause(&self) -> String {
        match self {
            FsReadError::Io { source, .. } => format!("{self}: {source}"),
            _ => self.to_string(),
        }
    }

    /// Nothing is there: a missing file, not a refused one.
    pub fn is_not_found(&self) -> bool {
        matches!(self, FsReadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FsReadError + '_ {
    move |source| FsReadError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads the regular file at `path`, refusing a link there, anything that
/// is not a regular file, and more than `cap` bytes.
pub fn read(path: &Path, cap: u64) -> Result<Vec<u8>, FsReadError> {
    // By the entry's own type first, so a device or a FIFO is never opened.
    let entry = std::fs::symlink_metadata(path).map_err(io(path))?;
    refuse_unless_regular(path, entry.file_type())?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|source| match source.raw_os_error() {
            Some(libc::ELOOP) => FsReadError::Link {
                path: path.to_owned(),
            },
            _ => io(path)(source),
        })?;
    // Then the descriptor: what is read is what was checked.
    let opened = file.metadata().map_err(io(path))?;
    refuse_unless_regular(path, opened.file_type())?;
    let too_large = |size| FsReadError::TooLarge {
        path: path.to_owned(),
        size,
        limit: ByteSize(cap),
    };
    if opened.len() > cap {
        return Err(too_large(opened.len()));
    }
    let mut contents = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut contents)
        .map_err(io(path))?;
    if contents.len() as u64 > cap {
        // It grew after the check.
        return Err(too_large(contents.len() as u64));
    }
    Ok(contents)
}

/// [`read`], as UTF-8 text.
pub fn read_to_string(path: &Path, cap: u64) -> Result<String, FsReadError> {
    String::from_utf8(read(path, cap)?).map_err(|_| FsReadError::NotText {
        path: path.to_owned(),
    })
}

/// Reads `relative` under `base`, refusing a link at any of its
/// components; `base` itself is followed.
pub fn read_in(base: &Path, relative: &Path, cap: u64) -> Result<Vec<u8>, FsReadError> {
    if let Some(parent) = relative.parent() {
        dir_in(base, parent)?;
    }
    check_relative(base, relative)?;
    read(&base.join(relative), cap)
}

/// [`read_in`], as UTF-8 text.
pub fn read_to_string_in(base: &Path, relative: &Path, cap: u64) -> Result<String, FsReadError> {
    let path = base.join(relative);
    String::from_utf8(read_in(base, relative, cap)?).map_err(|_| FsReadError::NotText { path })
}

/// `base` joined with `relative`, once every component of `relative` is
/// found to be a folder and not a link; `base` itself is followed.
pub fn dir_in(base: &Path, relative: &Path) -> Result<PathBuf, FsReadError> {
    check_relative(base, relative)?;
    let mut path = base.to_owned();
    for component in relative.components() {
        path.push(component);
        let entry = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        let kind = entry.file_type();
        if kind.is_symlink() {
            return Err(FsReadError::Link { path });
        }
        if !kind.is_dir() {
            return Err(FsReadError::Io {
                path,
                source: std::io::ErrorKind::NotADirectory.into(),
            });
        }
    }
    Ok(path)
}

/// Every regular file under `dir`, as paths relative to it, sorted. `dir`
/// itself is followed; a link or a special file anywhere under it is
/// refused.
pub fn files(dir: &Path) -> Result<Vec<PathBuf>, FsReadError> {
    files_in(dir, Path::new(""))
}

/// [`files`] of `relative` under `base`, refusing a link at any component
/// of `relative` too.
pub fn files_in(base: &Path, relative: &Path) -> Result<Vec<PathBuf>, FsReadError> {
    let root = dir_in(base, relative)?;
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(folder) = pending.pop() {
        let here = root.join(&folder);
        let mut entries = std::fs::read_dir(&here)
            .map_err(io(&here))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io(&here))?;
        // In name order, so that of several refusals the same one is told.
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries.iter().rev() {
            let relative = folder.join(entry.file_name());
            let path = root.join(&relative);
            // The entry's own type: a link is not followed.
            let kind = entry.file_type().map_err(io(&path))?;
            if kind.is_dir() {
                pending.push(relative);
            } else {
                refuse_unless_regular(&path, kind)?;
                found.push(relative);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn check_relative(base: &Path, relative: &Path) -> Result<(), FsReadError> {
    if relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
    {
        Ok(())
    } else {
        Err(FsReadError::Outside {
            path: base.join(relative),
        })
    }
}

fn refuse_unless_regular(path: &Path, kind: FileType) -> Result<(), FsReadError> {
    let path = path.to_owned();
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_symlink() {
        return Err(FsReadError::Link { path });
    }
    let kind = if kind.is_dir() {
        "directory"
    } else if kind.is_fifo() {
        "named pipe (FIFO)"
    } else if kind.is_socket() {
        "socket"
    } else if kind.is_char_device() {
        "character device"
    } else if kind.is_block_device() {
        "block device"
    } else {
        "special file"
    };
    Err(FsReadError::Special { path, kind })
}

#[cfg(test)]
// A test that unwraps fails with the error it met.
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    const SECRET: &str = "host-secret-4f1c";

    /// A folder, and outside it a file holding [`SECRET`] to link to.
    fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let temp = tempfile::tempdir().unwrap();
        let secret = temp.path().join("secret.txt");
        std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
        let dir = temp.path().join("folder");
        std::fs::create_dir(&dir).unwrap();
        (temp, dir, secret)
    }

    fn refused(error: FsReadError, path: &Path, what: &str) {
        let message = error.to_string();
        assert!(
            message.contains(&format!("`{}` is a {what};", path.display())),
            "{message}"
        );
        assert!(!message.contains(SECRET), "{message}");
    }

    #[test]
    fn a_regular_file_is_read_whole() {
        let (_temp, dir, _) = scratch();
        std::fs::write(dir.join("a.py"), "print(1)\n").unwrap();
        assert_eq!(read(&dir.join("a.py"), 100).unwrap(), b"print(1)\n");
        assert_eq!(
            read_to_string_in(&dir, Path::new("a.py"), 100).unwrap(),
            "print(1)\n"
        );
    }

    #[test]
    fn a_link_to_a_file_is_refused_and_its_target_never_read() {
        let (_temp, dir, secret) = scratch();
        let link = dir.join("a.py");
        symlink(&secret, &link).unwrap();
        refused(read(&link, 100).unwrap_err(), &link, "symbolic link");
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let (_temp, dir, _) = scratch();
        let fifo = dir.join("a.py");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        refused(read(&fifo, 100).unwrap_err(), &fifo, "named pipe (FIFO)");
    }

    #[test]
    fn a_directory_a_socket_and_a_device_are_refused() {
        let (_temp, dir, _) = scratch();
        refused(read(&dir, 100).unwrap_err(), &dir, "directory");
        let socket = dir.join("a.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        refused(read(&socket, 100).unwrap_err(), &socket, "socket");
        let null = Path::new("/dev/null");
        refused(read(null, 100).unwrap_err(), null, "character device");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_with_its_size() {
        let (_temp, dir, _) = scratch();
        let path = dir.join("big.txt");
        std::fs::write(&path, "x".repeat(2048)).unwrap();
        let message = read(&path, 1024).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "`{}` is 2048 bytes, more than the 1KiB allowed",
                path.display()
            )
        );
        assert_eq!(read(&path, 2048).unwrap().len(), 2048);
    }

    #[test]
    fn a_missing_file_is_not_found_rather_than_refused() {
        let (_temp, dir, _) = scratch();
        assert!(read(&dir.join("none.py"), 100).unwrap_err().is_not_found());
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        let (_temp, dir, _) = scratch();
        std::fs::write(dir.join("a.txt"), [0xff, 0xfe]).unwrap();
        let error = read_to_string(&dir.join("a.txt"), 100).unwrap_err();
        assert!(matches!(error, FsReadError::NotText { .. }), "{error}");
    }

    #[test]
    fn a_linked_folder_on_the_way_to_a_file_is_refused() {
        let (temp, dir, _) = scratch();
        let elsewhere = temp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("a.py"), SECRET).unwrap();
        symlink(&elsewhere, dir.join("tests")).unwrap();
        let error = read_in(&dir, Path::new("tests/a.py"), 100).unwrap_err();
        refused(error, &dir.join("tests"), "symbolic link");
        let error = files_in(&dir, Path::new("tests")).unwrap_err();
        refused(error, &dir.join("tests"), "symbolic link");
    }

    #[test]
    fn a_path_that_climbs_out_is_refused() {
        let (_temp, dir, _) = scratch();
        let error = read_in(&dir, Path::new("../secret.txt"), 100).unwrap_err();
        assert!(matches!(error, FsReadError::Outside { .. }), "{error}");
    }

    #[test]
    fn the_walk_lists_regular_files_in_order() {
        let (_temp, dir, _) = scratch();
        std::fs::create_dir_all(dir.join("b/c")).unwrap();
        std::fs::write(dir.join("b/c/d.py"), "").unwrap();
        std::fs::write(dir.join("b/a.py"), "").unwrap();
        std::fs::write(dir.join("z.py"), "").unwrap();
        let found = files(&dir).unwrap();
        let expected: Vec<PathBuf> = ["b/a.py", "b/c/d.py", "z.py"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn the_walk_refuses_a_link_deep_inside() {
        let (_temp, dir, secret) = scratch();
        std::fs::create_dir_all(dir.join("b/c")).unwrap();
        std::fs::write(dir.join("b/a.py"), "").unwrap();
        symlink(&secret, dir.join("b/c/d.py")).unwrap();
        let error = files(&dir).unwrap_err();
        refused(error, &dir.join("b/c/d.py"), "symbolic link");
    }

    #[test]
    fn the_walk_refuses_a_link_to_a_folder_and_a_fifo() {
        let (temp, dir, _) = scratch();
        symlink(temp.path(), dir.join("up")).unwrap();
        refused(files(&dir).unwrap_err(), &dir.join("up"), "symbolic link");
        std::fs::remove_file(dir.join("up")).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.join("pipe"))
            .status()
            .unwrap();
        assert!(status.success());
        refused(
            files(&dir).unwrap_err(),
            &dir.join("pipe"),
            "named pipe (FIFO)",
        );
    }

    #[test]
    fn the_named_folder_itself_may_be_a_link() {
        let (temp, dir, _) = scratch();
        std::fs::write(dir.join("a.py"), "").unwrap();
        let named = temp.path().join("named");
        symlink(&dir, &named).unwrap();
        assert_eq!(files(&named).unwrap(), vec![PathBuf::from("a.py")]);
        assert_eq!(read_in(&named, Path::new("a.py"), 10).unwrap(), b"");
    }
}
