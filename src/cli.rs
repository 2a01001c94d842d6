//! The command line (SPEC §1): the only place clap types appear. Values are raw here;
//! [`crate::config`] resolves them against the environment and the config file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The long-help section on where credentials and settings come from (SPEC §1), shared
/// by the top-level help and the commands that talk to the API.
macro_rules! credentials_help {
    () => {
        "Credentials: give exactly one of --secret-key-file PATH, --secret-key K \
         (DESK_SECRET_KEY) or --usersig SIG (DESK_USERSIG), plus --sdkappid N (DESK_SDKAPPID). \
         The first source that holds any credential decides, in this order: flags, \
         environment, config file; two credentials in that one source are an error.\n\n\
         Settings: flags win over environment variables, those over the config file \
         (./desk-archive.toml, or --config PATH; keys are the long flag names, e.g. \
         `concurrency = 16`, `json = true`), that over defaults.\n\n\
         Environment: DESK_SDKAPPID, DESK_IDENTIFIER, DESK_SECRET_KEY, DESK_USERSIG, \
         DESK_REGION, DESK_ENDPOINT, DESK_SOURCE_ORGANIZATION; SOURCE_DATE_EPOCH fixes the \
         archive's date stamp; NO_COLOR turns colour off."
    };
}

/// The API regions `--region` takes (the names of `fetch::Region`; a test keeps them equal).
pub const REGIONS: &[&str] = &[
    "china",
    "singapore",
    "seoul",
    "tokyo",
    "frankfurt",
    "mumbai",
    "silicon-valley",
    "jakarta",
];

/// The page languages `--lang` takes.
pub const LANGS: &[&str] = &["en", "zh-CN"];

/// The sender roles the selection filters take.
pub const ROLES: &[&str] = &["customer", "agent", "system"];

/// A value parser that takes any string but names the values that exist, so shell
/// completions offer them. The value itself is checked in [`crate::config`], with the
/// same message whether it came from a flag, the environment or the config file.
#[derive(Clone, Copy, Debug)]
pub struct Suggest(pub &'static [&'static str]);

impl clap::builder::TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.0.iter().map(|v| clap::builder::PossibleValue::new(*v)),
        ))
    }
}

/// Archive Tencent Cloud Chat desk sessions as a verifiable static website.
#[derive(Debug, Parser)]
#[command(
    name = "desk-archive",
    version,
    about,
    long_about = None,
    max_term_width = 100,
    after_long_help = format!("{}\n\n{}", credentials_help!(), crate::ExitCode::TABLE)
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Options every command takes.
    #[command(flatten)]
    pub general: GeneralArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch every listed session, then render the site.
    #[command(
        override_usage = "desk-archive archive --sessions <FILE> --out <DIR> [OPTIONS]",
        after_help = "Example:\n  DESK_SDKAPPID=1400000000 DESK_SECRET_KEY=... \\\n    desk-archive archive --sessions sessions.txt --out archive",
        after_long_help = concat!(
            "Example:\n  DESK_SDKAPPID=1400000000 DESK_SECRET_KEY=... \\\n    desk-archive archive --sessions sessions.txt --out archive\n\n",
            credentials_help!()
        )
    )]
    Archive(ArchiveArgs),
    /// Fetch only: write or refresh raw records under DIR/data/records/.
    #[command(
        override_usage = "desk-archive fetch --sessions <FILE> --out <DIR> [OPTIONS]",
        after_help = "Example:\n  desk-archive fetch --sessions sessions.csv --out archive \\\n    --secret-key-file key.txt --sdkappid 1400000000",
        after_long_help = concat!(
            "Example:\n  desk-archive fetch --sessions sessions.csv --out archive \\\n    --secret-key-file key.txt --sdkappid 1400000000\n\n",
            credentials_help!()
        )
    )]
    Fetch(FetchArgs),
    /// Receive the desk session-event callback and archive every session as it goes quiet.
    #[command(
        after_help = "Example:\n  desk-archive listen --out archive --sdkappid 1400000000 \\\n    --secret-key-file key.txt",
        after_long_help = concat!(
            "Example:\n  desk-archive listen --out archive --sdkappid 1400000000 \\\n    --secret-key-file key.txt\n\n",
            "Point the desk's session-event callback (Settings > Developer Settings) at \
             https://<your proxy>/desk/callback. Each event is journaled and synced before it \
             is answered; a session is fetched --settle seconds after its last event, and the \
             site is rendered at most every --render-every seconds. GET /healthz and \
             GET /metrics on --admin-bind. SIGTERM or Ctrl-C: stop accepting, render, exit 0.\n\n",
            credentials_help!()
        )
    )]
    Listen(Box<ListenArgs>),
    /// (Re)build the site in DIR from raw records, without the network.
    #[command(
        override_usage = "desk-archive render --out <DIR> [--records <RDIR|URL>] [OPTIONS]",
        after_help = "Example:\n  desk-archive render --records examples/demo/records --out site"
    )]
    Render(RenderArgs),
    /// Validate an archive (a BagIt bag): exit 0 only if every file matches.
    #[command(after_help = "Example:\n  desk-archive verify archive")]
    Verify(VerifyArgs),
    /// Find messages in an archive's raw records, grep-style.
    #[command(
        after_help = "Examples:\n  desk-archive search archive refund\n  desk-archive search archive -i --role agent --since 2024-11-01 'order 7712'\n  desk-archive search archive 退款 -l\n  desk-archive search archive --regex '1[3-9]\\d{9}' --json\n\nExit codes: 0 found, 1 nothing found, 2 error (as grep)."
    )]
    Search(SearchArgs),
    /// Serve an archive's site (DIR/data/) read-only on loopback, so site search works.
    #[command(
        after_help = "Example:\n  desk-archive serve archive            # then open http://127.0.0.1:8000/\n\nRead-only: GET and HEAD of files under DIR/data/ only (never a symbolic link), answered only\nfor the Host it listens on, localhost or an --allow-host NAME. Stop with Ctrl-C (exit 0)."
    )]
    Serve(ServeArgs),
    /// One session as one self-contained HTML file (or PDF), optionally redacted.
    #[command(
        after_help = "Examples:\n  desk-archive share archive 3f2a…-session-id --redact external\n  desk-archive share archive s-1 --redact external --pdf \\\n    --out s-1.pdf"
    )]
    Share(ShareArgs),
    /// A new bag holding only the selected sessions (legal production, hand-over).
    #[command(
        override_usage = "desk-archive export <DIR> --out <DIR2> [OPTIONS]",
        after_help = "Example:\n  desk-archive export archive --out export --agent agent_7 \\\n    --since 2024-01-01 --redact external"
    )]
    Export(ExportArgs),
    /// Upload the site (or the whole bag) to object storage, incrementally.
    #[command(
        after_help = "Example:\n  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \\\n    desk-archive publish archive --to s3://my-bucket/desk\n  TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... \\\n    desk-archive publish archive \\\n    --to cos://examplebucket-1250000000/desk --cos-region ap-guangzhou"
    )]
    Publish(PublishArgs),
    /// Erase sessions (an erasure request): records, pages, media no other session uses.
    #[command(
        override_usage = "desk-archive erase <DIR> (--session <ID>... | --sessions <FILE> | --account <A>) --reason <TEXT> [OPTIONS]",
        after_help = "Examples:\n  desk-archive erase archive --session 0b9c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3 \\\n    --reason \"GDPR request #4711\"\n  desk-archive erase archive --account customer-4711 \\\n    --reason \"PIPL request 2026-031\" --dry-run"
    )]
    Erase(EraseArgs),
    /// Put sessions on legal hold (erase and prune refuse them), lift or list holds.
    #[command(
        override_usage = "desk-archive hold <DIR> (--session <ID>... | --account <A>) --reason <TEXT>\n       desk-archive hold <DIR> --release (--session <ID>... | --account <A>)\n       desk-archive hold <DIR> --list",
        after_help = "Examples:\n  desk-archive hold archive --account customer-4711 --reason \"matter 2026-17\"\n  desk-archive hold archive --list\n  desk-archive hold archive --release --account customer-4711"
    )]
    Hold(HoldArgs),
    /// Erase sessions whose last message is older than the retention period.
    #[command(
        after_help = "Examples:\n  desk-archive prune archive --set-retention-days 1095\n  desk-archive prune archive --dry-run\n  desk-archive prune archive --retention-days 1460"
    )]
    Prune(PruneArgs),
    /// Print a UserSig for the admin account, for use with curl or other tools.
    #[command(
        override_usage = "desk-archive usersig --sdkappid <N> --secret-key-file <PATH> [OPTIONS]\n       desk-archive usersig --sdkappid <N> --secret-key <K> [OPTIONS]",
        after_help = "Example:\n  desk-archive usersig --sdkappid 1400000000 --secret-key-file key.txt"
    )]
    Usersig(UsersigArgs),
    /// Print a shell completion script on standard output.
    #[command(
        after_help = "Example:\n  desk-archive completions bash \\\n    > ~/.local/share/bash-completion/completions/desk-archive"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on standard output.
    #[command(after_help = "Example:\n  desk-archive man > desk-archive.1 && man ./desk-archive.1")]
    Man,
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct GeneralArgs {
    /// Print only errors.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "General"
    )]
    pub quiet: bool,
    /// Print more detail (debug log lines).
    #[arg(short, long, global = true, help_heading = "General")]
    pub verbose: bool,
    /// Read options from this TOML file instead of ./desk-archive.toml.
    #[arg(long, global = true, value_name = "PATH", help_heading = "General")]
    pub config: Option<PathBuf>,
}

/// `archive`: what `fetch` takes, plus the page options.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// Input, credentials, fetching, media and output.
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Page options.
    #[command(flatten)]
    pub pages: PageArgs,
}

/// `fetch` (and the first part of `archive`). It renders nothing, so it has no page
/// options.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// File of SessionIds, one a line (or a CSV with a SessionId column); `-` reads stdin.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub sessions: Option<String>,
    /// Take only shard I of N of the listed sessions (by a hash of the SessionId), so
    /// that N machines fetch disjoint shares, e.g. --shard 0/4.
    #[arg(long, value_name = "I/N", help_heading = "Input")]
    pub shard: Option<String>,
    /// Credentials and endpoint.
    #[command(flatten)]
    pub api: ApiArgs,
    /// Fetch tuning.
    #[command(flatten)]
    pub tuning: TuningArgs,
    /// The archive directory (a BagIt bag; the site is DIR/data).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: Option<PathBuf>,
    /// Written to bag-info.txt [env: DESK_SOURCE_ORGANIZATION].
    #[arg(long, value_name = "TEXT", help_heading = "Output")]
    pub source_organization: Option<String>,
    /// Fetch listed sessions that were erased, too (they are skipped otherwise).
    #[arg(long, help_heading = "Input")]
    pub include_erased: bool,
    /// Changed evidence and the archive's lock.
    #[command(flatten)]
    pub write: WriteArgs,
    /// Print the run summary as one JSON object on standard output.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

/// `listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The archive directory (a BagIt bag; the site is DIR/data).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: Option<PathBuf>,
    /// Where to receive callbacks [default: 127.0.0.1:8787]; put a TLS reverse proxy in
    /// front for the internet.
    #[arg(long, value_name = "ADDR", help_heading = "Callbacks")]
    pub bind: Option<String>,
    /// Where to serve /healthz and /metrics [default: 127.0.0.1:8788].
    #[arg(long, value_name = "ADDR", help_heading = "Callbacks")]
    pub admin_bind: Option<String>,
    /// The callback path [default: /desk/callback].
    #[arg(long, value_name = "P", help_heading = "Callbacks")]
    pub path: Option<String>,
    /// Least seconds between two renders [default: 60].
    #[arg(long, value_name = "SECS", help_heading = "Rendering")]
    pub render_every: Option<f64>,
    /// Most sessions waiting to be fetched; new ones beyond get 503 [default: 100000].
    #[arg(long, value_name = "N", help_heading = "Callbacks")]
    pub max_pending: Option<usize>,
    /// Check the Chat webhook authentication (Sign, RequestTime) with the token in FILE.
    #[arg(long, value_name = "FILE", help_heading = "Callbacks")]
    pub callback_token_file: Option<PathBuf>,
    /// Allow a non-loopback --bind without --callback-token-file (anyone who knows the
    /// SdkAppid could then make the archive fetch sessions).
    #[arg(long, help_heading = "Callbacks")]
    pub insecure_open_callback: bool,
    /// After each render, publish the site to object storage (like `publish DIR --to
    /// URL`): s3://, cos://, gs://, az:// or file:// URL.
    #[arg(long, value_name = "URL", help_heading = "Object storage")]
    pub publish_to: Option<String>,
    /// Object store options (with --publish-to).
    #[command(flatten)]
    pub store: StoreArgs,
    /// Credentials and endpoint (the secret key: a UserSig cannot be renewed).
    #[command(flatten)]
    pub api: ApiArgs,
    /// Fetch tuning.
    #[command(flatten)]
    pub tuning: TuningArgs,
    /// Page options.
    #[command(flatten)]
    pub pages: PageArgs,
    /// Written to bag-info.txt [env: DESK_SOURCE_ORGANIZATION].
    #[arg(long, value_name = "TEXT", help_heading = "Output")]
    pub source_organization: Option<String>,
    /// Fetch sessions that were erased, too, when callbacks report them (they are skipped
    /// otherwise).
    #[arg(long, help_heading = "Input")]
    pub include_erased: bool,
    /// Changed evidence and the archive's lock.
    #[command(flatten)]
    pub write: WriteArgs,
}

/// Credentials and endpoint (each also read from the environment variable named).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Credentials")]
pub struct ApiArgs {
    /// The application's SDKAppID [env: DESK_SDKAPPID].
    #[arg(long, value_name = "N")]
    pub sdkappid: Option<String>,
    /// Admin account [env: DESK_IDENTIFIER] [default: admin].
    #[arg(long, value_name = "ID")]
    pub identifier: Option<String>,
    /// The app's secret key; UserSigs are generated from it [env: DESK_SECRET_KEY].
    #[arg(long, value_name = "K")]
    pub secret_key: Option<String>,
    /// Read the secret key from this file.
    #[arg(long, value_name = "PATH")]
    pub secret_key_file: Option<PathBuf>,
    /// A ready UserSig instead of the key [env: DESK_USERSIG].
    #[arg(long, value_name = "SIG")]
    pub usersig: Option<String>,
    /// API region: china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley,
    /// jakarta [env: DESK_REGION] [default: china].
    #[arg(long, value_name = "R", value_parser = Suggest(REGIONS), hide_possible_values = true)]
    pub region: Option<String>,
    /// Base URL overriding the region, e.g. http://127.0.0.1:8080 [env: DESK_ENDPOINT].
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

/// Fetch tuning.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Fetching")]
pub struct TuningArgs {
    /// At most N requests (and so sessions) in flight [default: 8].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// At most R requests per second over all sessions [default: 50].
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// Retries per page after the first try [default: 6].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Per-request timeout in seconds [default: 30].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Re-fetch sessions that already have a complete record.
    #[arg(long)]
    pub refresh: bool,
    /// Seconds a session must be quiet to count as over: a session with no session-end
    /// message whose last message is younger than this when fetched is still open and
    /// fetched again by the next run (0 turns this off); `listen` fetches a session this
    /// long after its last event [default: 600].
    #[arg(long, value_name = "SECS")]
    pub settle: Option<f64>,
    /// First backoff ceiling in milliseconds (tests use a tiny one) [default: 500].
    #[arg(long, value_name = "MS", hide = true)]
    pub backoff_ms: Option<u64>,
    /// The circuit breaker's window in milliseconds (tests use a short one) [default:
    /// 30000].
    #[arg(long, value_name = "MS", hide = true)]
    pub breaker_window_ms: Option<u64>,
    /// Do not download message media (images, files, audio, video) into the archive.
    #[arg(long, help_heading = "Media")]
    pub no_media: bool,
    /// Skip media objects larger than N bytes [default: 104857600, 100 MiB].
    #[arg(long, value_name = "N", help_heading = "Media")]
    pub max_media_bytes: Option<u64>,
    /// Give up on a media object after this many seconds in all, however slowly it
    /// arrives [default: 300].
    #[arg(long, value_name = "SECS", help_heading = "Media")]
    pub media_timeout: Option<f64>,
    /// Let media downloads reach HOST even if it resolves to a non-public address
    /// (repeatable).
    #[arg(long, value_name = "HOST", help_heading = "Media")]
    pub media_allow_host: Vec<String>,
}

/// Page options.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Rendering")]
pub struct PageArgs {
    /// Time zone for displayed times (IANA name) [default: UTC].
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,
    /// Title of the site.
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Language of the pages: en or zh-CN [default: en].
    #[arg(long, value_name = "LANG", value_parser = Suggest(LANGS), hide_possible_values = true)]
    pub lang: Option<String>,
    /// Do not write the Markdown pages.
    #[arg(long, conflicts_with = "markdown_pages")]
    pub no_markdown_pages: bool,
    /// Write the Markdown pages again after --no-markdown-pages (the default).
    #[arg(long)]
    pub markdown_pages: bool,
    /// Do not build the site search index (data/search/), and remove an existing one.
    #[arg(long, conflicts_with = "search")]
    pub no_search: bool,
    /// Build the site search index again after --no-search (the default).
    #[arg(long)]
    pub search: bool,
    /// Show remote https images that were not captured inline; without it they are links
    /// and opening the archive makes no request outside it.
    #[arg(long, conflicts_with = "no_remote_images")]
    pub remote_images: bool,
    /// Show remote images as links again after --remote-images (the default).
    #[arg(long)]
    pub no_remote_images: bool,
    /// Render threads [default: one per core].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The archive directory to (re)build.
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: Option<PathBuf>,
    /// Import raw records from this directory (any file names), or from object storage
    /// (s3://, cos://, gs://, az://, file:// URL), before rendering.
    #[arg(long, value_name = "RDIR|URL", help_heading = "Input")]
    pub records: Option<PathBuf>,
    /// With --records: import the records in its sub-folders too.
    #[arg(long, help_heading = "Input")]
    pub recursive: bool,
    /// With --records: import records of erased sessions, too (they are skipped otherwise).
    #[arg(long, help_heading = "Input")]
    pub include_erased: bool,
    /// Object store options (with --records URL).
    #[command(flatten)]
    pub store: StoreArgs,
    /// Page options.
    #[command(flatten)]
    pub pages: PageArgs,
    /// Written to bag-info.txt [env: DESK_SOURCE_ORGANIZATION].
    #[arg(long, value_name = "TEXT", help_heading = "Output")]
    pub source_organization: Option<String>,
    /// Changed evidence and the archive's lock.
    #[command(flatten)]
    pub write: WriteArgs,
    /// Print the run summary as one JSON object on standard output.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

/// How a writing command treats changed evidence and another writer (SPEC §9).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Output")]
pub struct WriteArgs {
    /// Take records, media, coverage.json, holds.json or the audit log that changed since the
    /// last manifest as they are (each is named in a warning and in the audit log) instead of
    /// stopping with exit 3.
    #[arg(long)]
    pub accept_changes: bool,
    /// Seconds to wait for another command that holds the archive [default: 60].
    #[arg(long, value_name = "SECS")]
    pub lock_wait: Option<u64>,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Check a publish target instead: every object there against DIR's manifests.
    #[arg(long, value_name = "URL")]
    pub remote: Option<String>,
    /// Seconds to wait for a command that is writing the archive [default: 60].
    #[arg(long, value_name = "SECS")]
    pub lock_wait: Option<u64>,
    /// Print the result as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
    /// Object store options (with --remote).
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// What to look for: a fixed string, or a regular expression with --regex. May be left
    /// out when a filter is given.
    #[arg(value_name = "PATTERN")]
    pub pattern: Option<String>,
    /// Ignore case (Unicode-aware).
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// PATTERN is a regular expression (Rust regex syntax), not a fixed string.
    #[arg(long)]
    pub regex: bool,
    /// Only messages sent by this role (repeatable).
    #[arg(long, value_name = "ROLE", value_enum)]
    pub role: Vec<RoleArg>,
    /// Only messages sent by this account (repeatable).
    #[arg(long, value_name = "A")]
    pub account: Vec<String>,
    /// Only sessions this agent account served (repeatable).
    #[arg(long, value_name = "A")]
    pub agent: Vec<String>,
    /// Only this session, by SessionId (repeatable).
    #[arg(long, value_name = "ID")]
    pub session: Vec<String>,
    /// Only messages on or after this local day (YYYY-MM-DD, in --timezone).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only messages on or before this local day (YYYY-MM-DD, in --timezone).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only sessions whose metadata column KEY is exactly VALUE (repeatable; all must hold).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Print only the SessionId of each session with a match.
    #[arg(short = 'l', long, conflicts_with = "count")]
    pub sessions_with_matches: bool,
    /// Print each session with a match and its number of matching messages.
    #[arg(short = 'c', long)]
    pub count: bool,
    /// Print JSON Lines: one object per match (session_id, stem, page, index, timestamp_ms,
    /// role, account, text).
    #[arg(long)]
    pub json: bool,
    /// Time zone of the times shown and of --since/--until (IANA name) [default: the
    /// archive's, else UTC].
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,
    /// Colour the matches: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Seconds to wait for a command that is writing the archive [default: 60].
    #[arg(long, value_name = "SECS")]
    pub lock_wait: Option<u64>,
}

/// A sender role for `search --role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// The customer (FromAccountRole 1).
    Customer,
    /// An agent, human or bot (2).
    Agent,
    /// The system (3).
    System,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Address to listen on [default: 127.0.0.1:8000].
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Also answer requests whose Host is NAME (repeatable), e.g. a name in /etc/hosts.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
    /// Seconds a request waits for a command that is writing the archive (then 503)
    /// [default: 60].
    #[arg(long, value_name = "SECS")]
    pub lock_wait: Option<u64>,
}

/// Redaction options of `share` and `export`.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Redaction")]
pub struct RedactArgs {
    /// Redaction profile: external, internal (nothing redacted) or a TOML profile file.
    #[arg(long, value_name = "PROFILE")]
    pub redact: Option<String>,
    /// Replace SessionIds with a hash too (needs --redact).
    #[arg(long)]
    pub redact_session_id: bool,
    /// Write a JSON log of every redaction (rule, message, element, field, span; never
    /// the value) to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Keep images, files, voice and video instead of placeholders.
    #[arg(long)]
    pub keep_media: bool,
}

/// `share`.
#[derive(Debug, Args)]
pub struct ShareArgs {
    /// The archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The session: its SessionId or its file stem.
    #[arg(value_name = "SESSION")]
    pub session: String,
    /// Output file, `-` for standard output [default: <stem>.html (or .pdf) here].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Largest total size of images inlined into the file [default: 5242880, 5 MiB].
    #[arg(long, value_name = "N")]
    pub max_inline_bytes: Option<u64>,
    /// Print to PDF with a local Chromium or Chrome.
    #[arg(long)]
    pub pdf: bool,
    /// The browser for --pdf [default: chromium, chromium-browser, google-chrome or
    /// chrome on PATH].
    #[arg(long, value_name = "PATH")]
    pub chrome: Option<PathBuf>,
    /// Seconds to wait for a command that holds the source archive (to read it, and to
    /// log the disclosure in its audit log) [default: 60].
    #[arg(long, value_name = "SECS")]
    pub lock_wait: Option<u64>,
    /// Time zone for displayed times (IANA name) [default: UTC].
    #[arg(long, value_name = "TZ", help_heading = "Rendering")]
    pub timezone: Option<String>,
    /// Language: en or zh-CN [default: en].
    #[arg(
        long,
        value_name = "LANG",
        help_heading = "Rendering",
        value_parser = Suggest(LANGS),
        hide_possible_values = true
    )]
    pub lang: Option<String>,
    /// Title shown above the session.
    #[arg(long, value_name = "TEXT", help_heading = "Rendering")]
    pub title: Option<String>,
    /// Redaction.
    #[command(flatten)]
    pub redaction: RedactArgs,
}

/// The session filters of `export`: those of `search`, plus `--sessions FILE`. A filter
/// given twice accepts either value; different filters must all hold.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Selection")]
pub struct SelectArgs {
    /// Sessions with a message sent by this role: customer, agent or system (repeatable).
    #[arg(long, value_name = "ROLE", value_parser = Suggest(ROLES), hide_possible_values = true)]
    pub role: Vec<String>,
    /// Sessions with a message sent by this account (repeatable).
    #[arg(long, value_name = "A")]
    pub account: Vec<String>,
    /// Sessions this agent account served (repeatable).
    #[arg(long, value_name = "A")]
    pub agent: Vec<String>,
    /// This session, by SessionId or file stem (repeatable).
    #[arg(long, value_name = "ID")]
    pub session: Vec<String>,
    /// Sessions listed in FILE (as for archive); `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub sessions: Option<String>,
    /// Sessions with a message on or after this local day (YYYY-MM-DD, in --timezone).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Sessions with a message on or before this local day (YYYY-MM-DD, in --timezone).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Sessions whose metadata column KEY is exactly VALUE (repeatable; all must hold).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The source archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The new bag (must not exist, or be empty).
    #[arg(long, value_name = "DIR2")]
    pub out: Option<PathBuf>,
    /// Seconds to wait for a command that holds the source archive (to read it, and to
    /// log the disclosure in its audit log) [default: 60].
    #[arg(long, value_name = "SECS")]
    pub lock_wait: Option<u64>,
    /// Which sessions (the filters of `search`).
    #[command(flatten)]
    pub filters: SelectArgs,
    /// Redaction.
    #[command(flatten)]
    pub redaction: RedactArgs,
    /// Pseudonyms numbered per session (default) or across the whole export.
    #[arg(long, value_name = "SCOPE", value_parser = ["per-session", "per-export"], help_heading = "Redaction")]
    pub pseudonyms: Option<String>,
    /// Page options (--timezone also sets the zone of --since and --until).
    #[command(flatten)]
    pub pages: PageArgs,
}

/// `publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Where to: s3://bucket/prefix, cos://bucket-appid/prefix, gs://bucket/prefix,
    /// az://container/prefix or file:///path.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Publish the whole bag (tag files and all), not only the site in data/.
    #[arg(long)]
    pub bag: bool,
    /// Also delete objects under the prefix that the archive does not hold.
    #[arg(long)]
    pub delete: bool,
    /// Only list what would be uploaded and deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// At most N uploads in flight [default: 16].
    #[arg(long, value_name = "N")]
    pub upload_concurrency: Option<usize>,
    /// Seconds to wait for a command that is writing the archive [default: 60].
    #[arg(long, value_name = "SECS")]
    pub lock_wait: Option<u64>,
    /// Print the result as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
    /// Object store options.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Object store options (`publish`, `verify --remote`, `render --records URL`).
/// Credentials are never flags: the store's environment variables or a file.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Object storage")]
pub struct StoreArgs {
    /// Base URL of an S3-compatible store such as MinIO or Ceph, e.g.
    /// https://minio.internal:9000 [env: DESK_STORE_ENDPOINT].
    #[arg(long, value_name = "URL")]
    pub store_endpoint: Option<String>,
    /// Read the store's credentials from FILE: NAME=value lines with the store's own
    /// variable names (AWS_ACCESS_KEY_ID=…, TENCENTCLOUD_SECRET_KEY=…).
    #[arg(long, value_name = "FILE")]
    pub store_credentials: Option<PathBuf>,
    /// Region of a cos:// bucket, e.g. ap-guangzhou [env: DESK_COS_REGION].
    #[arg(long, value_name = "R")]
    pub cos_region: Option<String>,
    /// Retries of a failed store request (tests use 0) [default: 6].
    #[arg(long, value_name = "N", hide = true)]
    pub store_retries: Option<usize>,
}

/// `erase`.
#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Erase these sessions (repeatable).
    #[arg(long = "session", value_name = "ID", num_args = 1.., required_unless_present_any = ["sessions", "account"], conflicts_with_all = ["sessions", "account"])]
    pub sessions_given: Vec<String>,
    /// Erase the sessions listed in FILE (one SessionId a line, or a CSV with a SessionId
    /// column); `-` reads stdin.
    #[arg(long, value_name = "FILE", conflicts_with = "account")]
    pub sessions: Option<String>,
    /// Erase every session in which account A wrote, whatever its role.
    #[arg(long, value_name = "A")]
    pub account: Option<String>,
    /// Why (kept in coverage.json and the audit log for ever: a ticket number, not a
    /// person's name).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Only list what would be erased.
    #[arg(long)]
    pub dry_run: bool,
    /// Changed evidence and the archive's lock.
    #[command(flatten)]
    pub write: WriteArgs,
    /// Print the result as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}

/// `hold`.
#[derive(Debug, Args)]
pub struct HoldArgs {
    /// The archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Hold (or release) these sessions (repeatable).
    #[arg(long = "session", value_name = "ID", num_args = 1.., conflicts_with_all = ["account", "list"])]
    pub sessions: Vec<String>,
    /// Hold (or release) every session in which account A wrote, also later ones.
    #[arg(long, value_name = "A", conflicts_with = "list")]
    pub account: Option<String>,
    /// Why (a matter or ticket; with --release, lift only the hold for this reason).
    #[arg(long, value_name = "TEXT", conflicts_with = "list")]
    pub reason: Option<String>,
    /// Lift the holds on the sessions or account given.
    #[arg(long, conflicts_with = "list")]
    pub release: bool,
    /// List the holds and the sessions they cover.
    #[arg(long)]
    pub list: bool,
    /// Changed evidence and the archive's lock.
    #[command(flatten)]
    pub write: WriteArgs,
    /// Print the result as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}

/// `prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The archive directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Erase sessions whose last message is older than N days [default: the archive's
    /// own period, set with --set-retention-days; never from a config file].
    #[arg(long, value_name = "N")]
    pub retention_days: Option<u64>,
    /// Set the archive's retention period to N days (in bag-info.txt) and its minimum,
    /// below which no later prune goes without --lower-retention; erases nothing.
    #[arg(long, value_name = "N", conflicts_with_all = ["retention_days", "dry_run"])]
    pub set_retention_days: Option<u64>,
    /// With --set-retention-days: the minimum, if less than N [default: N].
    #[arg(long, value_name = "M", requires = "set_retention_days")]
    pub minimum_days: Option<u64>,
    /// Allow a period below the archive's recorded minimum (and, with
    /// --set-retention-days, lower the minimum).
    #[arg(long)]
    pub lower_retention: bool,
    /// Only list what would be erased.
    #[arg(long)]
    pub dry_run: bool,
    /// Changed evidence and the archive's lock.
    #[command(flatten)]
    pub write: WriteArgs,
    /// Print the result as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}

/// `usersig`.
#[derive(Debug, Args)]
pub struct UsersigArgs {
    /// The application's SDKAppID [env: DESK_SDKAPPID].
    #[arg(long, value_name = "N")]
    pub sdkappid: Option<String>,
    /// Admin account [env: DESK_IDENTIFIER] [default: admin].
    #[arg(long, value_name = "ID")]
    pub identifier: Option<String>,
    /// The app's secret key [env: DESK_SECRET_KEY].
    #[arg(long, value_name = "K")]
    pub secret_key: Option<String>,
    /// Read the secret key from this file.
    #[arg(long, value_name = "PATH")]
    pub secret_key_file: Option<PathBuf>,
    /// Validity in seconds [default: 15552000, 180 days].
    #[arg(long, value_name = "SECS")]
    pub expire: Option<u64>,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Help is wrapped at the terminal's width, and a wrapped example no longer runs when
    /// pasted: every indented line of an example fits 80 columns as written.
    #[test]
    fn examples_fit_80_columns_unwrapped() {
        let cli = Cli::command();
        for sub in cli.get_subcommands() {
            let texts = [sub.get_after_help(), sub.get_after_long_help()];
            for text in texts.into_iter().flatten() {
                for line in text.to_string().lines().filter(|l| l.starts_with("  ")) {
                    assert!(
                        line.chars().count() <= 80,
                        "{}: example line longer than 80 columns: {line}",
                        sub.get_name()
                    );
                }
            }
        }
    }
}
