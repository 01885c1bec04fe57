//! Finds the runner image recipes when no flag names them.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The `runner-images` folder: the one given, else the nearest one above
/// the current folder, else the nearest one above the grader binary.
pub fn images_dir(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = given {
        return dir
            .canonicalize()
            .with_context(|| format!("no runner image folder at {}", dir.display()));
    }
    let starts = [
        std::env::current_dir().ok(),
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_owned)),
    ];
    for start in starts.into_iter().flatten() {
        for dir in start.ancestors() {
            let candidate = dir.join("runner-images");
            if candidate.is_dir() {
                return Ok(candidate);
            }
        }
    }
    bail!("found no `runner-images` folder above the current folder; name one with --images-dir")
}
