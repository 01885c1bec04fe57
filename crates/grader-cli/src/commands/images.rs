//! `grader images build` and `grader images list`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use grader_sandbox::DockerSandbox;
use grader_sandbox::images::{self, BuildEvent, ImageState};

use crate::cli::ImagesCommand;
use crate::locate;

pub async fn run(images_dir: Option<&Path>, command: ImagesCommand) -> anyhow::Result<ExitCode> {
    let dir = locate::images_dir(images_dir)?;
    let recipes = images::discover(&dir)?;
    let sandbox = DockerSandbox::connect().await?;
    match command {
        ImagesCommand::List => {
            println!("{:<10} {:<30} {:<8} {:>8}", "IMAGE", "TAG", "STATE", "SIZE");
            for recipe in &recipes {
                let (state, size) = match sandbox.image_state(recipe).await? {
                    ImageState::Current { size } => ("current", mib(size)),
                    ImageState::Stale { .. } => ("stale", String::from("-")),
                    ImageState::Missing => ("missing", String::from("-")),
                };
                println!(
                    "{:<10} {:<30} {:<8} {:>8}",
                    recipe.name,
                    recipe.tag(),
                    state,
                    size
                );
            }
        }
        ImagesCommand::Build { force, verbose } => {
            let mut changed = 0;
            for recipe in &recipes {
                let started = Instant::now();
                let mut built = false;
                sandbox
                    .build_image(recipe, force, |event| match event {
                        BuildEvent::UpToDate { tag } => {
                            println!("{tag}: up to date, nothing to do")
                        }
                        BuildEvent::Bootstrapping { tag } => {
                            println!(
                                "{tag}: bootstrapping Debian 12 with {} …",
                                recipe.packages.join(", ")
                            )
                        }
                        BuildEvent::Progress { line } => {
                            if verbose || line.starts_with("I: ") {
                                eprintln!("  {line}");
                            }
                        }
                        BuildEvent::Importing { bytes } => {
                            println!(
                                "{}: importing a {} root filesystem",
                                recipe.tag(),
                                mib(bytes)
                            )
                        }
                        BuildEvent::Built { tag, size } => {
                            built = true;
                            println!(
                                "{tag}: built, {} in {:.1}s",
                                mib(size),
                                started.elapsed().as_secs_f64()
                            )
                        }
                        BuildEvent::RemovedStale { tag } => println!("{tag}: removed (stale)"),
                    })
                    .await
                    .with_context(|| format!("could not build the `{}` image", recipe.name))?;
                changed += usize::from(built);
            }
            if changed == 0 {
                println!("all {} images are current; nothing changed", recipes.len());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}
