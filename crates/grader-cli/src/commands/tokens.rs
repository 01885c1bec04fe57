//! `grader tokens create`: an API token for the service.

use std::process::ExitCode;

use anyhow::Context;
use grader_server::auth::Role;
use grader_server::store::{self, Database};

use crate::cli::{TokenRole, TokensCommand};

pub async fn run(command: TokensCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokensCommand::Create { name, role, db } => {
            let database = store::open(&db)
                .await
                .with_context(|| format!("could not open the database {}", store::redacted(&db)))?;
            let role = match role {
                TokenRole::Learner => Role::Learner,
                TokenRole::Author => Role::Author,
                TokenRole::Admin => Role::Admin,
            };
            let created = match &database {
                Database::Sqlite(store) => {
                    grader_server::auth::create_token(store, &name, role).await
                }
                Database::Postgres(store) => {
                    grader_server::auth::create_token(store, &name, role).await
                }
            };
            let token = created.context("could not store the token")?;
            let role = role.as_str();
            let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            eprintln!("{article} {role} token for {name}; it is shown only now:");
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
