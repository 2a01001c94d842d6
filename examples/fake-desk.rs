//! A fake desk API on 127.0.0.1 that serves raw records like `describe_chat_messages`,
//! for trying desk-archive (and benchmarking its fetcher) without a Tencent account:
//!
//! ```text
//! cargo run --release --example fake-desk -- --port 8080 --records DIR \
//!     [--latency-ms 20] [--fault-rate 0.05] [--sdkappid N --secret-key K [--identifier admin]]
//! desk-archive fetch --endpoint http://127.0.0.1:8080 --sdkappid N --secret-key K ...
//! ```
//!
//! With `--secret-key`, UserSigs are verified like the real API does (70001, 70009, …);
//! without it, any credentials are accepted.

#[path = "../tests/integration/fetch/server.rs"]
mod server;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use desk_archive::records::Record;
use server::{FakeDesk, Options};

/// Command-line arguments.
struct Args {
    port: u16,
    records: String,
    options: Options,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("fake-desk: {message}");
            eprintln!(
                "usage: fake-desk --port P --records DIR [--latency-ms L] [--fault-rate F] \
                 [--sdkappid N --secret-key K [--identifier ID]]"
            );
            return ExitCode::from(2);
        }
    };
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fake-desk: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: Args) -> Result<(), String> {
    let desk = FakeDesk::start_on(args.options, args.port)
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let count = load(&desk, Path::new(&args.records))?;
    println!("fake desk API on {} serving {count} sessions", desk.base());
    loop {
        std::thread::park();
    }
}

/// Loads every `*.json` record of `dir` into the server.
fn load(desk: &FakeDesk, dir: &Path) -> Result<usize, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    let mut count = 0;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let record = Record::read(&path).map_err(|e| format!("{e}"))?;
            let messages = record.messages.iter().map(|m| m.get().to_owned()).collect();
            desk.add_session(&record.session_id, messages);
            count += 1;
        }
    }
    Ok(count)
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut port, mut records, mut options) = (None, None, Options::default());
    let (mut sdkappid, mut key, mut identifier) = (None, None, "admin".to_owned());
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => port = Some(number(&flag, &value()?)?),
            "--records" => records = Some(value()?),
            "--latency-ms" => options.latency = Duration::from_millis(number(&flag, &value()?)?),
            "--fault-rate" => options.fault_rate = number(&flag, &value()?)?,
            "--sdkappid" => sdkappid = Some(number(&flag, &value()?)?),
            "--secret-key" => key = Some(value()?),
            "--identifier" => identifier = value()?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    options.verify = match (sdkappid, key) {
        (Some(sdkappid), Some(key)) => Some((sdkappid, key, identifier)),
        (None, None) => None,
        _ => return Err("--sdkappid and --secret-key go together".to_owned()),
    };
    Ok(Args {
        port: port.ok_or("--port is required")?,
        records: records.ok_or("--records is required")?,
        options,
    })
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag}: `{text}` is not a valid number"))
}
