//! The warm pool: a job finds a container ready, each container serves one
//! job only, and draining or closing leaves nothing behind.

use std::time::Duration;

use grader_sandbox::{Ending, Runner, WarmPool};

use crate::support::{assert_container_gone, job, python, quick_limits, sandbox};

async fn idle_after_refill(pool: &WarmPool, want: usize) {
    for _ in 0..100 {
        if pool.idle() == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {want} warm containers, found {}", pool.idle());
}

#[tokio::test]
async fn a_warm_container_serves_one_job_and_is_replaced() {
    let sandbox = sandbox().await;
    let pool = WarmPool::new(sandbox.clone(), 1, Duration::from_secs(60));
    let job = job(quick_limits());
    // Each job leaves a file behind and says whether it found one: a
    // container used twice would find the first job's.
    let code = "import os\nprint(os.path.exists('/work/left-behind'))\nopen('/work/left-behind', 'w').write('x')";

    let first = pool.run(&job, python(code)).await.unwrap();
    assert_eq!(first.ending, Ending::Exited { code: 0 });
    assert_eq!(first.stdout.text(), "False\n");
    idle_after_refill(&pool, 1).await;

    let second = pool.run(&job, python(code)).await.unwrap();
    assert_eq!(
        second.stdout.text(),
        "False\n",
        "a container served two jobs"
    );
    idle_after_refill(&pool, 1).await;

    // Another job (other limits) never takes that container.
    let mut other = quick_limits();
    other.pids = 32;
    let third = pool
        .run(&crate::support::job(other), python(code))
        .await
        .unwrap();
    assert_eq!(third.stdout.text(), "False\n");
    idle_after_refill(&pool, 2).await;

    pool.drain().await;
    assert_eq!(pool.idle(), 0);
}

#[tokio::test]
async fn draining_removes_every_waiting_container() {
    let pool = WarmPool::new(sandbox().await, 1, Duration::from_secs(60));
    pool.run(&job(quick_limits()), python("print(1)"))
        .await
        .unwrap();
    idle_after_refill(&pool, 1).await;
    let waiting = pool.idle_containers();
    assert_eq!(waiting.len(), 1);
    pool.drain().await;
    for id in waiting {
        assert_container_gone(&id).await;
    }
}

#[tokio::test]
async fn a_closed_pool_keeps_no_container_and_prepares_none() {
    let pool = WarmPool::new(sandbox().await, 1, Duration::from_secs(60));
    let job = job(quick_limits());
    pool.run(&job, python("print(1)")).await.unwrap();
    // The refill this job started is under way: closing waits for it and
    // removes what it made.
    pool.close(Duration::from_secs(30)).await;
    assert_eq!(pool.idle(), 0);
    // Jobs still run, cold, and nothing is prepared after them.
    let outcome = pool.run(&job, python("print(2)")).await.unwrap();
    assert_eq!(outcome.stdout.text(), "2\n");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(pool.idle(), 0, "a closed pool prepared a container");
}
