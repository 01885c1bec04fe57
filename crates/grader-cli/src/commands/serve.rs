//! `grader serve` (the HTTP submission service) and `grader worker` (a
//! grading node without HTTP): one node each, on a database either shares
//! with other nodes.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use grader::{Grader, Images};
use grader_sandbox::{DockerSandbox, ForkPool, Learners, WarmPool};
use grader_server::store::{self, Database};
use grader_server::{AppState, Config, Store};
use tokio::net::TcpListener;

use crate::cli::{Isolation, NodeArgs, ServeArgs, WorkerArgs};
use crate::locate;

/// How long a warm container may wait for its job.
const WARM_AGE: std::time::Duration = std::time::Duration::from_secs(600);
/// How long a stop waits for warm containers still being started.
const WARM_CLOSE: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn run(images_dir: Option<&Path>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if !args.webhook_allow.is_empty() && args.node.webhook_secret.is_none() {
        anyhow::bail!(
            "--webhook-allow needs --webhook-secret (or GRADER_WEBHOOK_SECRET): \
             deliveries are signed with it"
        );
    }
    let mut config = Config {
        queue_capacity: args.queue_capacity.max(1),
        pending_per_token: args.pending_per_token.max(1),
        max_body: args.max_body,
        rate_burst: args.rate_burst,
        rate_per_second: args.rate_per_second,
        ..node_config(&args.node)
    };
    config.webhooks.allow = args.webhook_allow;
    node(images_dir, &args.node, config, Some(&args.listen)).await
}

pub async fn worker(images_dir: Option<&Path>, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let config = Config {
        workers: args.node.workers.max(1),
        ..node_config(&args.node)
    };
    node(images_dir, &args.node, config, None).await
}

fn node_config(args: &NodeArgs) -> Config {
    let mut config = Config {
        workers: args.workers,
        lease: args.lease,
        grace: args.grace,
        ..Config::default()
    };
    if let Some(secret) = &args.webhook_secret {
        config.webhooks.secret = secret.clone().into_bytes();
    }
    config
}

/// A node, in the order that fails early and says so: the database opened
/// and brought up to date, the exercises loaded (none is an error), then
/// the address listened on (for `serve`), and only then "serving on".
async fn node(
    images_dir: Option<&Path>,
    args: &NodeArgs,
    config: Config,
    listen: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let database = store::open(&args.db)
        .await
        .with_context(|| format!("could not open the database {}", store::redacted(&args.db)))?;
    match database {
        Database::Sqlite(store) => run_node(images_dir, args, store, config, listen).await,
        Database::Postgres(store) => run_node(images_dir, args, store, config, listen).await,
    }
}

async fn run_node<S: Store>(
    images_dir: Option<&Path>,
    args: &NodeArgs,
    store: S,
    config: Config,
    listen: Option<&str>,
) -> anyhow::Result<ExitCode> {
    if args.isolation == Isolation::Fork && !grader_sandbox::engine_is_local() {
        anyhow::bail!(
            "--isolation fork needs the Docker engine on this machine (DOCKER_HOST is {}): \
             its containers reach a socket of this process; use --isolation container",
            std::env::var("DOCKER_HOST").unwrap_or_default()
        );
    }
    let catalog = grader_server::catalog::Catalog::load(&args.exercises);
    let served = catalog.all().count();
    if served == 0 {
        // A node without exercises would take nothing from the queue, or,
        // as a front end, accept nothing: a wrong folder, most likely.
        anyhow::bail!(
            "no exercise to serve under {}: --exercises (or GRADER_EXERCISES) must name the \
             folder that holds <track>/<slug>/exercise.yaml",
            args.exercises.display()
        );
    }
    warn_of_unserved(&store, &catalog, &config, args).await?;
    let listener = match listen {
        Some(address) => Some(
            TcpListener::bind(address)
                .await
                .with_context(|| format!("could not listen on {address}"))?,
        ),
        None => None,
    };
    match &listener {
        Some(listener) => eprintln!(
            "grader: serving on http://{} ({served} exercises, {} workers, database {})",
            listener.local_addr()?,
            config.workers,
            store::redacted(&args.db)
        ),
        None => eprintln!(
            "grader: grading node {} ({served} exercises, {} workers, database {})",
            config.node,
            config.workers,
            store::redacted(&args.db)
        ),
    }
    let images = Images::new(locate::images_dir(images_dir)?);
    let sandbox = DockerSandbox::connect().await?;
    sandbox.sweep().await?;
    let state = AppState::new(store, catalog, config);
    let pool = match args.isolation {
        // A container for each grading at once, kept between them.
        Isolation::Fork => Learners::Fork(ForkPool::new(
            sandbox.clone(),
            args.warm.max(state.config.workers),
            WARM_AGE,
        )),
        Isolation::Container => {
            Learners::Container(WarmPool::new(sandbox.clone(), args.warm, WARM_AGE))
        }
    };
    let grader = Grader::new(pool.clone(), images);
    // A node killed on this machine leaves its containers; whichever node
    // lives on removes them, every half lease (the lease its submissions
    // come back to the queue after).
    let sweeper = tokio::spawn(sweep_every(sandbox.clone(), state.config.lease / 2));
    let served = grader_server::run(listener, state, grader, shutdown()).await;
    sweeper.abort();
    // Every grading has ended or been handed back: no container of this
    // process is in use. The warm ones go, then whatever a cancelled
    // grading left (its removal may still be on its way).
    pool.close(WARM_CLOSE).await;
    if let Err(error) = sandbox.remove_own().await {
        eprintln!("grader: could not remove this process's containers: {error}");
    }
    served?;
    eprintln!("grader: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Says what waits in the queue for an exercise that neither this node
/// nor any live one grades: most likely a folder that is not the course's.
async fn warn_of_unserved<S: Store>(
    store: &S,
    catalog: &grader_server::catalog::Catalog,
    config: &Config,
    args: &NodeArgs,
) -> anyhow::Result<()> {
    let waiting: Vec<String> = store
        .unserved()
        .await
        .with_context(|| format!("could not read the queue in {}", store::redacted(&args.db)))?
        .into_iter()
        .filter(|each| catalog.get(&each.exercise).is_none() || config.workers == 0)
        .map(|each| format!("{} ({} queued)", each.exercise, each.queued))
        .collect();
    if !waiting.is_empty() {
        eprintln!(
            "grader: warning: no live node grades {}; they wait until one that serves them \
             starts (this node's --exercises is {})",
            waiting.join(", "),
            args.exercises.display()
        );
    }
    Ok(())
}

/// Removes, every `period`, the containers that grader processes which
/// died on this machine left.
async fn sweep_every(sandbox: DockerSandbox, period: std::time::Duration) {
    let mut every = tokio::time::interval(period);
    loop {
        every.tick().await;
        if let Err(error) = sandbox.sweep().await {
            tracing::warn!(%error, "could not sweep leftover containers");
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
