//! The grader's end of the tunnel to a learner's app.
//!
//! The app's container has no network. Its harness relays connections over
//! the job's stdin and stdout as frames (`runner-images/api/harness/
//! grader_api.py` documents them); this side listens on a loopback port of
//! the host for the HTTP client, and turns each accepted connection into
//! frames and back. The listener is on the host's loopback, so a local
//! process could connect to it too while a grading runs; the app itself
//! can reach nothing.
//!
//! The frame stream comes from the container and is read as untrusted: a
//! malformed one ends the tunnel ([`Ended::Broken`]), and once the stream
//! has ended a new connection is refused at once rather than left waiting
//! for an app that is gone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

const OPEN: u8 = 1;
const DATA: u8 = 2;
const CLOSE: u8 = 3;
const EXIT: u8 = 4;
const RESTART: u8 = 5;
const HEADER: usize = 9;
/// Largest frame accepted from the container.
const MAX_FRAME: usize = 1 << 20;

type Conns = Arc<Mutex<HashMap<u32, mpsc::UnboundedSender<Bytes>>>>;

/// Why the frame stream from the container ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The job's stdout closed: its container stopped.
    Closed,
    /// It sent something that is not a frame of the protocol.
    Broken,
}

/// A running tunnel: connect an HTTP client to [`Tunnel::addr`].
#[derive(Debug)]
pub struct Tunnel {
    pub addr: SocketAddr,
    /// Frames to the job, for [`Tunnel::restart`].
    to_job: mpsc::UnboundedSender<Bytes>,
    /// The app's exit code, once its process has ended.
    exited: watch::Receiver<Option<i32>>,
    /// Set, before the connections are dropped, when the stream ends.
    ended: watch::Receiver<Option<Ended>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Tunnel {
    /// Starts relaying between a loopback port and the job's `session`
    /// (its input and output; the caller keeps `done`).
    pub async fn start(
        input: mpsc::UnboundedSender<Bytes>,
        output: mpsc::UnboundedReceiver<Bytes>,
    ) -> std::io::Result<Tunnel> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let conns: Conns = Arc::default();
        let (exit_tx, exited) = watch::channel(None);
        let (ended_tx, ended) = watch::channel(None);
        // Only `forward` holds the job's input: aborting it closes the
        // job's stdin, whatever connections are still open.
        let (to_job, mut frames) = mpsc::unbounded_channel::<Bytes>();
        let forward = tokio::spawn(async move {
            while let Some(frame) = frames.recv().await {
                if input.send(frame).is_err() {
                    break;
                }
            }
        });
        let accept = tokio::spawn(accept(
            listener,
            to_job.clone(),
            Arc::clone(&conns),
            ended.clone(),
        ));
        let demux = tokio::spawn(demux(output, conns, exit_tx, ended_tx));
        Ok(Tunnel {
            addr,
            to_job,
            exited,
            ended,
            tasks: vec![forward, accept, demux],
        })
    }

    /// The app's exit code if it has ended.
    pub fn exit_code(&self) -> Option<i32> {
        *self.exited.borrow()
    }

    /// Asks the harness to stop the app and start it again; false when the
    /// tunnel is gone. The caller waits for it to answer again.
    pub fn restart(&self) -> bool {
        self.to_job.send(frame(RESTART, 0, &[])).is_ok()
    }

    /// Whether, and why, the frame stream has ended: nothing more can
    /// reach the app.
    pub fn ended(&self) -> Option<Ended> {
        *self.ended.borrow()
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        // Closes the job's stdin, which ends the job.
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn frame(kind: u8, conn: u32, payload: &[u8]) -> Bytes {
    let mut bytes = BytesMut::with_capacity(HEADER + payload.len());
    bytes.extend_from_slice(&[kind]);
    bytes.extend_from_slice(&conn.to_be_bytes());
    bytes.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes.freeze()
}

async fn accept(
    listener: TcpListener,
    input: mpsc::UnboundedSender<Bytes>,
    conns: Conns,
    ended: watch::Receiver<Option<Ended>>,
) {
    let mut next: u32 = 1;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors, say: not a reason to spin.
                tracing::debug!(%error, "the tunnel could not accept a connection");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        if ended.borrow().is_some() {
            // Nothing would ever answer it: refused, the client knows now.
            drop(stream);
            continue;
        }
        let conn = next;
        next = next.wrapping_add(1).max(1);
        let (to_socket, mut from_job) = mpsc::unbounded_channel::<Bytes>();
        if let Ok(mut map) = conns.lock() {
            map.insert(conn, to_socket);
        }
        if input.send(frame(OPEN, conn, &[])).is_err() {
            return;
        }
        let (mut reader, mut writer) = stream.into_split();
        let input = input.clone();
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                match reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if input.send(frame(DATA, conn, &buffer[..n])).is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = input.send(frame(CLOSE, conn, &[]));
        });
        tokio::spawn(async move {
            while let Some(bytes) = from_job.recv().await {
                if writer.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            let _ = writer.shutdown().await;
        });
    }
}

/// Reads frames from the job's stdout: data to its connection, a close to
/// the end of it, the app's exit to `exit`. A malformed stream ends the
/// tunnel: it came from the container and is not trusted. Why it ended goes
/// to `ended` before the connections are dropped, so a client that sees its
/// connection fail can already tell why.
async fn demux(
    mut output: mpsc::UnboundedReceiver<Bytes>,
    conns: Conns,
    exit: watch::Sender<Option<i32>>,
    ended: watch::Sender<Option<Ended>>,
) {
    let why = read_frames(&mut output, &conns, &exit).await;
    let _ = ended.send(Some(why));
    drop_all(&conns);
}

async fn read_frames(
    output: &mut mpsc::UnboundedReceiver<Bytes>,
    conns: &Conns,
    exit: &watch::Sender<Option<i32>>,
) -> Ended {
    let mut buffer = BytesMut::new();
    while let Some(chunk) = output.recv().await {
        buffer.extend_from_slice(&chunk);
        while buffer.len() >= HEADER {
            let kind = buffer[0];
            let conn = u32::from_be_bytes([buffer[1], buffer[2], buffer[3], buffer[4]]);
            let length = u32::from_be_bytes([buffer[5], buffer[6], buffer[7], buffer[8]]) as usize;
            if length > MAX_FRAME {
                tracing::warn!(length, "the app's tunnel sent an oversized frame");
                return Ended::Broken;
            }
            if buffer.len() < HEADER + length {
                break;
            }
            buffer.advance(HEADER);
            let payload = buffer.split_to(length).freeze();
            match kind {
                DATA => {
                    let sender = conns.lock().ok().and_then(|map| map.get(&conn).cloned());
                    if let Some(sender) = sender {
                        let _ = sender.send(payload);
                    }
                }
                CLOSE => {
                    if let Ok(mut map) = conns.lock() {
                        map.remove(&conn);
                    }
                }
                EXIT => {
                    let code = std::str::from_utf8(&payload)
                        .ok()
                        .and_then(|text| text.trim().parse().ok())
                        .unwrap_or(-1);
                    let _ = exit.send(Some(code));
                }
                _ => {
                    tracing::warn!(kind, "the app's tunnel sent an unknown frame");
                    return Ended::Broken;
                }
            }
        }
    }
    Ended::Closed
}

fn drop_all(conns: &Conns) {
    if let Ok(mut map) = conns.lock() {
        map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake harness: answers every connection with a fixed HTTP response.
    async fn fake_harness(
        mut from_grader: mpsc::UnboundedReceiver<Bytes>,
        to_grader: mpsc::UnboundedSender<Bytes>,
    ) {
        let mut buffer = BytesMut::new();
        while let Some(chunk) = from_grader.recv().await {
            buffer.extend_from_slice(&chunk);
            while buffer.len() >= HEADER {
                let length =
                    u32::from_be_bytes([buffer[5], buffer[6], buffer[7], buffer[8]]) as usize;
                if buffer.len() < HEADER + length {
                    break;
                }
                let kind = buffer[0];
                let conn = u32::from_be_bytes([buffer[1], buffer[2], buffer[3], buffer[4]]);
                buffer.advance(HEADER + length);
                if kind == DATA {
                    let body = "hello";
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    // Split mid-header, to prove frames are reassembled.
                    let whole = frame(DATA, conn, response.as_bytes());
                    let (a, b) = whole.split_at(5);
                    to_grader.send(Bytes::copy_from_slice(a)).unwrap();
                    to_grader.send(Bytes::copy_from_slice(b)).unwrap();
                    to_grader.send(frame(CLOSE, conn, &[])).unwrap();
                }
            }
        }
    }

    #[tokio::test]
    async fn http_goes_through_frames_both_ways() {
        let (input, from_grader) = mpsc::unbounded_channel();
        let (to_grader, output) = mpsc::unbounded_channel();
        tokio::spawn(fake_harness(from_grader, to_grader.clone()));
        let tunnel = Tunnel::start(input, output).await.unwrap();
        let client = reqwest::Client::new();
        for _ in 0..3 {
            let response = client
                .get(format!("http://{}/anything", tunnel.addr))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.text().await.unwrap(), "hello");
        }
        assert_eq!(tunnel.exit_code(), None);
        to_grader.send(frame(EXIT, 0, b"3")).unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(tunnel.exit_code(), Some(3));
        assert_eq!(tunnel.ended(), None);
    }

    async fn ended(tunnel: &Tunnel) -> Ended {
        for _ in 0..200 {
            if let Some(ended) = tunnel.ended() {
                return ended;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the tunnel did not end");
    }

    /// Connects through the tunnel; the error must come at once.
    async fn refused_at_once(tunnel: &Tunnel) {
        let started = std::time::Instant::now();
        let error = reqwest::Client::new()
            .get(format!("http://{}/", tunnel.addr))
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .await
            .unwrap_err();
        assert!(!error.is_timeout(), "{error}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[tokio::test]
    async fn what_is_not_a_frame_breaks_the_tunnel_and_nothing_waits_on_it() {
        // A header announcing more than a frame may hold.
        let mut oversized = frame(DATA, 1, &[]).to_vec();
        oversized[5..9].copy_from_slice(&(MAX_FRAME as u32 + 1).to_be_bytes());
        for garbage in [frame(9, 1, b"not a kind"), Bytes::from(oversized)] {
            let (input, _from_grader) = mpsc::unbounded_channel();
            let (to_grader, output) = mpsc::unbounded_channel();
            let tunnel = Tunnel::start(input, output).await.unwrap();
            to_grader.send(garbage).unwrap();
            assert_eq!(ended(&tunnel).await, Ended::Broken);
            refused_at_once(&tunnel).await;
        }
    }

    #[tokio::test]
    async fn the_end_of_the_jobs_stdout_closes_the_tunnel() {
        let (input, _from_grader) = mpsc::unbounded_channel();
        let (to_grader, output) = mpsc::unbounded_channel::<Bytes>();
        let tunnel = Tunnel::start(input, output).await.unwrap();
        drop(to_grader);
        assert_eq!(ended(&tunnel).await, Ended::Closed);
        assert_eq!(tunnel.exit_code(), None);
        refused_at_once(&tunnel).await;
    }
}
