//! Runner images, built from Debian packages without any registry.
//!
//! A recipe is a folder `runner-images/<name>/` with `packages.txt` (Debian
//! 12 packages, one a line), `harness/` (files copied to `/opt/grader`, on
//! top of the shared `runner-images/common/`) and, optionally,
//! `customize.sh`, run with the new root filesystem as `$1` after the
//! packages are in, and the shared build steps `runner-images/build/` as
//! `$2` (scripts recipes call, never copied into an image). `mmdebstrap` makes a root filesystem tar; the engine
//! imports it (`docker import`, the create-image-from-source API). The tag is
//! a hash of the recipe and of the build procedure, so an unchanged recipe
//! is found already built and nothing happens.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use bollard::query_parameters::{CreateImageOptionsBuilder, RemoveImageOptionsBuilder};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncBufReadExt;

use crate::{DockerSandbox, SandboxError};

/// Bump when the build procedure changes in a way the recipe files do not show.
const PROCEDURE: &str = "grader-image-build v3";
/// The folder beside the recipes whose files every image gets.
const COMMON: &str = "common";
/// The folder beside the recipes with build steps their `customize.sh` may
/// call; hashed into every recipe, copied into none.
const BUILD: &str = "build";
/// A recipe's own shell step, run after the packages are in.
const CUSTOMIZE_SCRIPT: &str = "customize.sh";
const SUITE: &str = "bookworm";
/// Debian sources used unless `GRADER_DEBIAN_SOURCES` (lines separated by
/// `|`) says otherwise.
const DEFAULT_SOURCES: &[&str] = &[
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
];
/// Paths left out of every image: documentation, manuals, translations.
const EXCLUDED: &[&str] = &[
    "/usr/share/doc/*",
    "/usr/share/man/*",
    "/usr/share/info/*",
    "/usr/share/locale/*",
    "/usr/share/lintian/*",
];
/// Shell run in the new root filesystem (`$1`) after the packages are in.
const CUSTOMIZE: &[&str] = &[
    r#"rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/cache/debconf/*-old "$1"/var/log/*"#,
    r#"mkdir -p "$1"/opt/grader "$1"/work"#,
    // The scratch tmpfs mounted there takes this folder's mode (spec.rs):
    // open to every job's user, each entry its maker's, as /tmp.
    r#"chmod 1777 "$1"/work"#,
    r#"echo 'grader:x:1000:1000:grader:/work:/usr/sbin/nologin' >> "$1"/etc/passwd"#,
    r#"echo 'grader:x:1000:' >> "$1"/etc/group"#,
    // The users learners' jobs run as, one each (spec::POOL_FIRST_UID,
    // spec::POOL_UIDS): PostgreSQL will not start as a uid without a name.
    r#"for uid in $(seq 20000 21023); do echo "job$uid:x:$uid:$uid:grader job:/work:/usr/sbin/nologin" >> "$1"/etc/passwd; echo "job$uid:x:$uid:" >> "$1"/etc/group; done"#,
];

/// One runner image's recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    pub name: String,
    pub dir: PathBuf,
    pub packages: Vec<String>,
    /// Hex SHA-256 of the recipe's files and the build procedure.
    pub hash: String,
}

impl Recipe {
    /// Reads the recipe in `dir`, whose folder name is the image's name.
    pub fn load(dir: &Path) -> Result<Recipe, SandboxError> {
        let read_error = |path: &Path| {
            let path = path.to_owned();
            move |source| SandboxError::Recipe { path, source }
        };
        let name = dir
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_owned();
        let packages_path = dir.join("packages.txt");
        let packages_text =
            std::fs::read_to_string(&packages_path).map_err(read_error(&packages_path))?;
        let packages: Vec<String> = packages_text
            .lines()
            .map(|line| line.split('#').next().unwrap_or_default().trim())
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();

        let mut hasher = Sha256::new();
        hasher.update(PROCEDURE);
        for part in EXCLUDED.iter().chain(CUSTOMIZE) {
            hasher.update([0]);
            hasher.update(part);
        }
        for package in &packages {
            hasher.update([1]);
            hasher.update(package);
        }
        // The shared folders are optional; the recipe's harness is not.
        let mut folders = vec![(3u8, dir.join("harness"))];
        for (tag, shared) in [(2u8, beside(dir, COMMON)), (5u8, beside(dir, BUILD))] {
            if shared.is_dir() {
                folders.push((tag, shared));
            }
        }
        for (tag, folder) in &folders {
            let mut files = Vec::new();
            collect_files(folder, &mut files).map_err(read_error(folder))?;
            files.sort();
            for file in files {
                let contents = std::fs::read(&file).map_err(read_error(&file))?;
                let relative = file.strip_prefix(folder).unwrap_or(&file);
                hasher.update([*tag]);
                hasher.update(relative.to_string_lossy().as_bytes());
                hasher.update([0]);
                hasher.update(&contents);
            }
        }
        let script = dir.join(CUSTOMIZE_SCRIPT);
        if script.is_file() {
            let contents = std::fs::read(&script).map_err(read_error(&script))?;
            hasher.update([4]);
            hasher.update(&contents);
        }
        Ok(Recipe {
            name,
            dir: dir.to_owned(),
            packages,
            hash: hex::encode(hasher.finalize()),
        })
    }

    /// The image's repository, e.g. `grader-python`.
    pub fn repository(&self) -> String {
        format!("grader-{}", self.name)
    }

    /// The image's full tag, e.g. `grader-python:3f2a9c0d1e2b4a5f`.
    pub fn tag(&self) -> String {
        format!("{}:{}", self.repository(), &self.hash[..16])
    }
}

/// `runner-images/<name>/`, beside the recipe's own folder.
fn beside(recipe_dir: &Path, name: &str) -> PathBuf {
    recipe_dir
        .parent()
        .map_or_else(|| PathBuf::from(name), |root| root.join(name))
}

/// Python's bytecode caches: made by whoever ran a harness file on this
/// machine, never part of a recipe (not hashed, removed from the image).
const BYTECODE_CACHE: &str = "__pycache__";

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() && entry.file_name() == BYTECODE_CACHE {
            continue;
        }
        if kind.is_dir() {
            collect_files(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// Every recipe under `root` (a folder holding one folder per image), by name.
pub fn discover(root: &Path) -> Result<Vec<Recipe>, SandboxError> {
    let entries = std::fs::read_dir(root).map_err(|source| SandboxError::Recipe {
        path: root.to_owned(),
        source,
    })?;
    let mut recipes = Vec::new();
    for entry in entries.flatten() {
        if entry.path().join("packages.txt").is_file() {
            recipes.push(Recipe::load(&entry.path())?);
        }
    }
    recipes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(recipes)
}

/// Where an image stands against its recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageState {
    /// The image for the current recipe is there.
    Current {
        size: u64,
    },
    /// Only images of older recipes are there, under these tags.
    Stale {
        tags: Vec<String>,
    },
    Missing,
}

/// What the build reports while it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildEvent {
    UpToDate { tag: String },
    Bootstrapping { tag: String },
    Progress { line: String },
    Importing { bytes: u64 },
    Built { tag: String, size: u64 },
    RemovedStale { tag: String },
}

impl DockerSandbox {
    /// Where the image of `recipe` stands.
    pub async fn image_state(&self, recipe: &Recipe) -> Result<ImageState, SandboxError> {
        match self.docker().inspect_image(&recipe.tag()).await {
            Ok(image) => {
                return Ok(ImageState::Current {
                    size: image.size.unwrap_or_default().max(0) as u64,
                });
            }
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(source) => {
                return Err(SandboxError::Engine {
                    action: "inspect an image",
                    source,
                });
            }
        }
        let tags = self.tags_of(&recipe.repository()).await?;
        Ok(if tags.is_empty() {
            ImageState::Missing
        } else {
            ImageState::Stale { tags }
        })
    }

    async fn tags_of(&self, repository: &str) -> Result<Vec<String>, SandboxError> {
        let images = self
            .docker()
            .list_images(None::<bollard::query_parameters::ListImagesOptions>)
            .await
            .map_err(|source| SandboxError::Engine {
                action: "list images",
                source,
            })?;
        let prefix = format!("{repository}:");
        Ok(images
            .into_iter()
            .flat_map(|image| image.repo_tags)
            .filter(|tag| tag.starts_with(&prefix))
            .collect())
    }

    /// Builds the image of `recipe` unless it is current; then removes the
    /// images of older recipes of the same name.
    pub async fn build_image(
        &self,
        recipe: &Recipe,
        force: bool,
        mut progress: impl FnMut(BuildEvent),
    ) -> Result<(), SandboxError> {
        let tag = recipe.tag();
        if !force && matches!(self.image_state(recipe).await?, ImageState::Current { .. }) {
            progress(BuildEvent::UpToDate { tag });
            return Ok(());
        }
        progress(BuildEvent::Bootstrapping { tag: tag.clone() });
        let scratch = tempfile_dir(&recipe.name)?;
        let rootfs = scratch.path().join("rootfs.tar");
        let result = async {
            bootstrap(recipe, &rootfs, &mut progress).await?;
            self.import(recipe, &rootfs, &mut progress).await
        }
        .await;
        drop(scratch);
        result?;

        let size = match self.image_state(recipe).await? {
            ImageState::Current { size } => size,
            _ => {
                return Err(SandboxError::Build {
                    image: tag,
                    message: "the engine imported it but does not list it".to_owned(),
                });
            }
        };
        progress(BuildEvent::Built {
            tag: tag.clone(),
            size,
        });
        for old in self.tags_of(&recipe.repository()).await? {
            if old != tag {
                let options = RemoveImageOptionsBuilder::default().build();
                if self
                    .docker()
                    .remove_image(&old, Some(options), None)
                    .await
                    .is_ok()
                {
                    progress(BuildEvent::RemovedStale { tag: old });
                }
            }
        }
        Ok(())
    }

    async fn import(
        &self,
        recipe: &Recipe,
        rootfs: &Path,
        progress: &mut impl FnMut(BuildEvent),
    ) -> Result<(), SandboxError> {
        let tag = recipe.tag();
        let io_error = |source: std::io::Error| SandboxError::Build {
            image: recipe.tag(),
            message: format!("read {}: {source}", rootfs.display()),
        };
        let bytes = std::fs::metadata(rootfs).map_err(io_error)?.len();
        progress(BuildEvent::Importing { bytes });
        let file = tokio::fs::File::open(rootfs).await.map_err(io_error)?;
        let body = tokio_util_stream(file);
        let options = CreateImageOptionsBuilder::default()
            .from_src("-")
            .repo(&recipe.repository())
            .tag(&recipe.hash[..16])
            .changes(vec![
                format!("LABEL dev.grader.image={}", recipe.name),
                format!("LABEL dev.grader.recipe={}", recipe.hash),
                "WORKDIR /work".to_owned(),
                "USER grader".to_owned(),
            ])
            .build();
        let mut stream =
            self.docker()
                .create_image(Some(options), Some(bollard::body_try_stream(body)), None);
        while let Some(step) = stream.next().await {
            step.map_err(|source| SandboxError::Build {
                image: tag.clone(),
                message: format!("the engine refused the import: {source}"),
            })?;
        }
        Ok(())
    }
}

/// Reads a file as a stream of chunks for a request body.
fn tokio_util_stream(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 1 << 20];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(bytes::Bytes::from(buffer)), file))
            }
            Err(error) => Some((Err(error), file)),
        }
    })
}

/// A fresh folder of unpredictable name for one build, removed when
/// dropped: builds run as root, and a predictable name under /tmp is one
/// another local user could have placed first.
fn tempfile_dir(name: &str) -> Result<tempfile::TempDir, SandboxError> {
    tempfile::Builder::new()
        .prefix(&format!("grader-image-{name}-"))
        .tempdir()
        .map_err(|source| SandboxError::Recipe {
            path: std::env::temp_dir(),
            source,
        })
}

/// Runs mmdebstrap to make the root filesystem tar at `out`.
async fn bootstrap(
    recipe: &Recipe,
    out: &Path,
    progress: &mut impl FnMut(BuildEvent),
) -> Result<(), SandboxError> {
    let fail = |message: String| SandboxError::Build {
        image: recipe.tag(),
        message,
    };
    let mut command = mmdebstrap(recipe, out);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|error| {
        fail(format!(
            "could not run mmdebstrap ({error}); install it with `apt-get install mmdebstrap`"
        ))
    })?;
    let tail = follow(&mut child, progress).await;
    let status = child
        .wait()
        .await
        .map_err(|error| fail(format!("mmdebstrap: {error}")))?;
    if !status.success() {
        return Err(fail(format!(
            "mmdebstrap failed ({status}); its last lines:\n{}",
            tail.join("\n")
        )));
    }
    Ok(())
}

/// The mmdebstrap command that makes `recipe`'s root filesystem as a tar
/// at `out`: its packages, without what a job never reads, with the
/// harness (and the shared folders) in /opt/grader and its customize
/// script run.
fn mmdebstrap(recipe: &Recipe, out: &Path) -> tokio::process::Command {
    let harness = recipe.dir.join("harness");
    let mut command = tokio::process::Command::new("mmdebstrap");
    command
        .arg("--variant=essential")
        .arg("--mode=auto")
        .arg(format!("--include={}", recipe.packages.join(",")));
    for path in EXCLUDED {
        command.arg(format!("--dpkgopt=path-exclude={path}"));
    }
    command.arg("--dpkgopt=path-include=/usr/share/doc/*/copyright");
    for hook in CUSTOMIZE {
        command.arg(format!("--customize-hook={hook}"));
    }
    let common = beside(&recipe.dir, COMMON);
    if common.is_dir() {
        command.arg(format!(
            "--customize-hook=sync-in {} /opt/grader",
            common.display()
        ));
    }
    command.arg(format!(
        "--customize-hook=sync-in {} /opt/grader",
        harness.display()
    ));
    command.arg(format!(
        "--customize-hook=find \"$1\"/opt/grader -name {BYTECODE_CACHE} -prune -exec rm -rf {{}} +"
    ));
    let script = recipe.dir.join(CUSTOMIZE_SCRIPT);
    if script.is_file() {
        command.arg(format!(
            "--customize-hook=sh {} \"$1\" {}",
            script.display(),
            beside(&recipe.dir, BUILD).display()
        ));
    }
    command.arg(SUITE).arg(out);
    match std::env::var("GRADER_DEBIAN_SOURCES").ok() {
        Some(sources) => command.args(sources.split('|').map(str::trim)),
        None => command.args(DEFAULT_SOURCES),
    };
    command
}

/// Reads the child's stdout and stderr to their end, as they come (a pipe
/// left full would stall it), each line to `progress`; returns the last
/// twenty lines.
async fn follow(
    child: &mut tokio::process::Child,
    progress: &mut impl FnMut(BuildEvent),
) -> Vec<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut out = tokio::io::BufReader::new(stdout).lines();
    let mut err = tokio::io::BufReader::new(stderr).lines();
    let (mut out_open, mut err_open) = (true, true);
    let mut tail: Vec<String> = Vec::new();
    while out_open || err_open {
        let line = tokio::select! {
            line = out.next_line(), if out_open => match line {
                Ok(Some(line)) => line,
                _ => {
                    out_open = false;
                    continue;
                }
            },
            line = err.next_line(), if err_open => match line {
                Ok(Some(line)) => line,
                _ => {
                    err_open = false;
                    continue;
                }
            },
        };
        if tail.len() == 20 {
            tail.remove(0);
        }
        tail.push(line.clone());
        progress(BuildEvent::Progress { line });
    }
    tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The users the images name are the ones learners' jobs run as.
    #[test]
    fn the_images_name_every_uid_of_the_pool() {
        use crate::spec::{POOL_FIRST_UID, POOL_UIDS};
        let range = format!("$(seq {POOL_FIRST_UID} {})", POOL_FIRST_UID + POOL_UIDS - 1);
        assert!(
            CUSTOMIZE.iter().any(|step| step.contains(&range)),
            "no step adds the users {range}"
        );
    }

    /// A recipe `demo` beside `common/` and `build/`, in a temporary folder.
    fn recipes() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("demo/packages.txt", "python3\n");
        write("demo/harness/run.py", "print('hi')\n");
        write("common/entry.py", "pass\n");
        write("build/step.sh", "true\n");
        root
    }

    #[test]
    fn every_shared_folder_and_the_harness_make_the_tag() {
        let root = recipes();
        let dir = root.path().join("demo");
        let tag = Recipe::load(&dir).unwrap().tag();
        assert_eq!(Recipe::load(&dir).unwrap().tag(), tag, "the same recipe");
        let mut seen = vec![tag];
        for file in ["demo/harness/run.py", "common/entry.py", "build/step.sh"] {
            std::fs::write(root.path().join(file), "changed\n").unwrap();
            let tag = Recipe::load(&dir).unwrap().tag();
            assert!(!seen.contains(&tag), "{file} is not in the tag");
            seen.push(tag);
        }
    }
}
