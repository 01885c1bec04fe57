//! One module per command; this file only dispatches.

mod check;
pub mod grade;
mod gradebook;
mod images;
mod new;
mod serve;
mod similar;
mod stats;
mod submit;
mod tokens;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let images_dir = cli.images_dir;
    match cli.command {
        Command::Grade(args) => grade::run(images_dir.as_deref(), args).await,
        Command::Check(args) => check::run(images_dir.as_deref(), args).await,
        Command::Images(command) => images::run(images_dir.as_deref(), command).await,
        Command::New(args) => new::run(args),
        Command::Serve(args) => serve::run(images_dir.as_deref(), args).await,
        Command::Worker(args) => serve::worker(images_dir.as_deref(), args).await,
        Command::Tokens(command) => tokens::run(command).await,
        Command::Submit(args) => submit::run(args).await,
        Command::Stats(args) => stats::run(args).await,
        Command::Similar(args) => similar::run(args),
        Command::Gradebook(args) => gradebook::run(args).await,
    }
}
