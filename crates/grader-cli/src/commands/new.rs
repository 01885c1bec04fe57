//! `grader new <track>/<slug> --kind …`: scaffolds an exercise folder.

use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cli::NewArgs;

pub fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    let Some((track, slug)) = args.exercise.split_once('/') else {
        bail!(
            "expected `<track>/<slug>`, e.g. `python/word-count`, found `{}`",
            args.exercise
        );
    };
    if track.is_empty() || track.contains(['/', '\\', '.']) {
        bail!("expected a track name such as `python`, found `{track}`");
    }
    let kind = args.kind;
    let (dir, files) = grader::scaffold::create(&args.dir.join(track), slug, kind)
        .with_context(|| format!("could not create the exercise {track}/{slug}"))?;
    println!("created {}:", dir.display());
    for file in files {
        let relative = file.strip_prefix(&dir).unwrap_or(&file);
        println!("  {}", relative.display());
    }
    println!(
        "\nIt passes as it is; rewrite the statement, the tests, the reference and the\n\
         mutants, then prove it again with:\n  grader check {}",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
