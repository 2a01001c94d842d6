//! Load generator for `desk-archive listen` (`bench/run.sh`, part `listen`): keeps C
//! HTTP/1.1 keep-alive connections busy posting session-event callbacks to a listener on
//! loopback for D seconds, and prints the accepted events per second and the time to the
//! answer (p50, p99).
//!
//! ```text
//! cargo run --release --example listen-load -- --addr 127.0.0.1:8787 --sdkappid N \
//!     --sessions-file ids.txt [--connections 64] [--duration 20] [--answered FILE]
//! ```
//!
//! Each event is a message event of a SessionId picked at random from the file, with a
//! MsgKey never used before (`<run>-<connection>-<n>`). With `--answered FILE`, the
//! SessionId and MsgKey of every event answered 200 are written there, one per line, so
//! that a benchmark can check that none is lost across kill -9. A connection that breaks
//! (the listener killed) is opened again until the time is up.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Args {
    addr: SocketAddr,
    sdkappid: String,
    ids: Vec<String>,
    connections: usize,
    duration: Duration,
    answered: Option<std::path::PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut addr, mut sdkappid, mut file) = (None, None, None);
    let (mut connections, mut duration, mut answered) = (64, 20.0, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => addr = Some(value()?.parse().map_err(|e| format!("--addr: {e}"))?),
            "--sdkappid" => sdkappid = Some(value()?),
            "--sessions-file" => file = Some(value()?),
            "--connections" => connections = value()?.parse().map_err(|e| format!("{e}"))?,
            "--duration" => duration = value()?.parse().map_err(|e| format!("{e}"))?,
            "--answered" => answered = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let file = file.ok_or("missing --sessions-file")?;
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    let ids: Vec<String> = text
        .lines()
        .filter_map(|l| l.split('\t').next())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Err(format!("{file} lists no SessionId"));
    }
    Ok(Args {
        addr: addr.ok_or("missing --addr")?,
        sdkappid: sdkappid.ok_or("missing --sdkappid")?,
        ids,
        connections: connections.max(1),
        duration: Duration::from_secs_f64(duration),
        answered,
    })
}

/// What one connection did.
#[derive(Default)]
struct Tally {
    /// Microseconds from the request's first byte to the answer's last, for each 200.
    latencies: Vec<u32>,
    /// Other answers and broken connections.
    other: u64,
    /// (SessionId, MsgKey) of every event answered 200.
    answered: Vec<(usize, String)>,
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("listen-load: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    let deadline = started + args.duration;
    let run = format!(
        "{:x}",
        started.elapsed().as_nanos() ^ u128::from(std::process::id())
    );
    let tallies: Vec<Tally> = runtime.block_on(async {
        let mut tasks = Vec::new();
        for c in 0..args.connections {
            let (ids, addr, appid, run) = (
                args.ids.clone(),
                args.addr,
                args.sdkappid.clone(),
                run.clone(),
            );
            tasks.push(tokio::spawn(async move {
                connection(c, addr, appid, ids, run, deadline).await
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap_or_default());
        }
        out
    });
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies: Vec<u32> = tallies
        .iter()
        .flat_map(|t| t.latencies.iter().copied())
        .collect();
    latencies.sort_unstable();
    let other: u64 = tallies.iter().map(|t| t.other).sum();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        f64::from(latencies[i]) / 1000.0
    };
    if let Some(path) = &args.answered {
        let mut file =
            std::io::BufWriter::new(std::fs::File::create(path).expect("--answered file"));
        for tally in &tallies {
            for (id, key) in &tally.answered {
                let _ = writeln!(file, "{}\t{key}", args.ids[*id]);
            }
        }
    }
    println!(
        "accepted {} other {} seconds {:.2} events_per_second {:.0} p50_ms {:.2} p99_ms {:.2}",
        latencies.len(),
        other,
        seconds,
        latencies.len() as f64 / seconds,
        pct(0.50),
        pct(0.99)
    );
    ExitCode::SUCCESS
}

/// One keep-alive connection, posting until `deadline`; reconnects after a failure.
async fn connection(
    c: usize,
    addr: SocketAddr,
    sdkappid: String,
    ids: Vec<String>,
    run: String,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut rng = (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut n = 0u64;
    let target = format!(
        "/desk/callback?SdkAppid={sdkappid}&CallbackCommand=Desk.SessionEventNotify&contenttype=json&ClientIP=127.0.0.1&OptPlatform=Web"
    );
    while Instant::now() < deadline {
        let Ok(mut stream) = TcpStream::connect(addr).await else {
            tally.other += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut buf = Vec::with_capacity(4096);
        while Instant::now() < deadline {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let id = (rng % ids.len() as u64) as usize;
            n += 1;
            let key = format!("{run}-{c}-{n}");
            let body = format!(
                r#"{{"CallbackCommand":"Desk.SessionEventNotify","SessionId":"{}","Event":"ChatBot.UserSendMsg","EventTime":{},"MsgKey":"{key}","MsgBody":[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":"hello"}}}}]}}"#,
                ids[id],
                chrono::Utc::now().timestamp_millis()
            );
            let request = format!(
                "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let sent = Instant::now();
            if stream.write_all(request.as_bytes()).await.is_err() {
                tally.other += 1;
                break;
            }
            match read_answer(&mut stream, &mut buf).await {
                Some(200) => {
                    let micros = sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                    tally.latencies.push(micros);
                    tally.answered.push((id, key));
                }
                Some(_) => tally.other += 1,
                None => {
                    tally.other += 1;
                    break;
                }
            }
        }
    }
    tally
}

/// Reads one answer (headers and a Content-Length body); its status, or `None` when the
/// connection broke.
async fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<u16> {
    buf.clear();
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let status = head.split(' ').nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(status);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
