//! Resolves the command line against the environment and the config file, once
//! (SPEC §1): flags win over environment variables, those over `desk-archive.toml`, and that
//! over defaults. Later stages get plain, validated values and never see clap.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use crate::cli::{
    ApiArgs, ArchiveArgs, Cli, Command, ListenArgs, PageArgs, PublishArgs, RenderArgs, SearchArgs,
    ServeArgs, StoreArgs, UsersigArgs, VerifyArgs,
};
use crate::error::{Error, Result};
use crate::fetch::{Credential, FetchSettings, Region};
use crate::publish::remote_verify::RemoteVerifyConfig;
use crate::publish::{Kind, PublishConfig, StoreSpec, Tuning};
use crate::render::{Lang, RenderOptions};
use crate::usersig::Secret;

mod sharing;
pub use sharing::{ExportTaskConfig, ShareTaskConfig};

/// Name of the config file looked up in the current directory.
pub const DEFAULT_CONFIG_FILE: &str = "desk-archive.toml";

pub use crate::progress::Verbosity;

mod lifecycle;
pub use lifecycle::{EraseConfig, HoldAction, HoldConfig, PruneAction, PruneConfig, Selection};

/// Everything a run needs, resolved and validated.
#[derive(Debug)]
pub struct Config {
    /// How much to print.
    pub verbosity: Verbosity,
    /// Print the run's result as one JSON object on standard output (`--json`).
    pub json: bool,
    /// The task.
    pub task: Task,
    /// Warnings found while resolving (printed by the caller once logging is set up).
    pub warnings: Vec<String>,
}

/// One subcommand's resolved settings.
#[derive(Debug)]
pub enum Task {
    /// `archive`: fetch then render.
    Archive(ArchiveConfig),
    /// `fetch`: fetch only.
    Fetch(ArchiveConfig),
    /// `listen`: receive callbacks and archive sessions as they go quiet.
    Listen(Box<ListenConfig>),
    /// `render`.
    Render(RenderConfig),
    /// `verify DIR`.
    Verify {
        /// The archive to check.
        dir: PathBuf,
        /// How long to wait for a writer.
        lock_wait: std::time::Duration,
    },
    /// `verify --remote URL DIR`.
    VerifyRemote(RemoteVerifyConfig),
    /// `publish DIR --to URL`.
    Publish(PublishConfig),
    /// `erase DIR …`.
    Erase(EraseConfig),
    /// `hold DIR …`.
    Hold(HoldConfig),
    /// `prune DIR …`.
    Prune(PruneConfig),
    /// `usersig`.
    Usersig(UsersigConfig),
    /// `search DIR [PATTERN]`.
    Search(Box<crate::search::SearchConfig>),
    /// `serve DIR`.
    Serve(crate::serve::ServeConfig),
    /// `share DIR SESSION`.
    Share(ShareTaskConfig),
    /// `export DIR --out DIR2`.
    Export(ExportTaskConfig),
    /// `completions SHELL`: print a completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// `man`: print the man page.
    Man,
}

/// Settings of `archive` and `fetch`.
#[derive(Debug)]
pub struct ArchiveConfig {
    /// Sessions file path, or `-` for standard input.
    pub sessions: String,
    /// The archive directory.
    pub out: PathBuf,
    /// How to talk to the API.
    pub fetch: FetchSettings,
    /// Page options (used by `archive`).
    pub render: RenderOptions,
    /// bag-info.txt fields.
    pub bag: BagMeta,
    /// Media capture (SPEC §8).
    pub media: crate::media::MediaSettings,
    /// `--shard I/N`: only the sessions of this share.
    pub shard: Option<crate::shard::Shard>,
    /// Changed evidence and the lock.
    pub write: WriteAccess,
    /// Which page options were given.
    pub said: Said,
    /// `--include-erased`: fetch erased sessions again (never from a file).
    pub include_erased: bool,
}

/// Settings of `listen` (SPEC §10).
#[derive(Debug)]
pub struct ListenConfig {
    /// The archive directory.
    pub out: PathBuf,
    /// How to talk to the API (always with the secret key).
    pub fetch: FetchSettings,
    /// Page options.
    pub render: RenderOptions,
    /// bag-info.txt fields.
    pub bag: BagMeta,
    /// Media capture (SPEC §8).
    pub media: crate::media::MediaSettings,
    /// Changed evidence and the lock.
    pub write: WriteAccess,
    /// Which page options were given.
    pub said: Said,
    /// The servers, the schedule and the callback's authentication.
    pub listen: crate::listen::ListenSettings,
    /// `--publish-to URL`: publish the site after each render.
    pub publish: Option<PublishConfig>,
    /// `--include-erased`: fetch erased sessions the callbacks report (never from a file).
    pub include_erased: bool,
}

/// Which render options the user gave (flag, variable or config key), as opposed to
/// defaults: the others are taken from what the archive remembers (SPEC §1).
#[derive(Debug, Clone, Copy, Default)]
pub struct Said {
    /// `--timezone` or `timezone`.
    pub timezone: bool,
    /// `--lang` or `lang`.
    pub lang: bool,
    /// `--title` or `title`.
    pub title: bool,
    /// `--markdown-pages`, `--no-markdown-pages` or `no-markdown-pages`.
    pub markdown_pages: bool,
    /// `--search`, `--no-search` or `no-search`.
    pub search: bool,
    /// `--remote-images`, `--no-remote-images` or `remote-images`.
    pub remote_images: bool,
}

/// How a writing command treats changed evidence and another writer (SPEC §9).
#[derive(Debug, Clone, Copy)]
pub struct WriteAccess {
    /// `--accept-changes`: take changed primary evidence as it is (never from a file).
    pub accept_changes: bool,
    /// `--lock-wait`: how long to wait for the archive's lock.
    pub lock_wait: std::time::Duration,
}

/// Default `--lock-wait`.
pub const DEFAULT_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Settings of `render`.
#[derive(Debug)]
pub struct RenderConfig {
    /// The archive directory.
    pub out: PathBuf,
    /// Records to import first.
    pub records: Option<PathBuf>,
    /// Import from sub-folders of `records` too (`--recursive`).
    pub recursive: bool,
    /// Records to download from object storage and import first (`--records URL`).
    pub records_remote: Option<StoreSpec>,
    /// Page options.
    pub render: RenderOptions,
    /// bag-info.txt fields.
    pub bag: BagMeta,
    /// Changed evidence and the lock.
    pub write: WriteAccess,
    /// Which page options were given.
    pub said: Said,
    /// `--include-erased`: import records of erased sessions too (never from a file).
    pub include_erased: bool,
}

/// bag-info.txt fields from the configuration.
#[derive(Debug, Clone, Default)]
pub struct BagMeta {
    /// Source-Organization.
    pub source_organization: Option<String>,
    /// External-Identifier (the sdkappid, when known).
    pub external_identifier: Option<String>,
    /// Further fields (`Redaction-Profile` of an export).
    pub extra: Vec<(String, String)>,
}

/// Settings of `usersig`.
#[derive(Debug)]
pub struct UsersigConfig {
    /// SDKAppID.
    pub sdkappid: u64,
    /// Admin account.
    pub identifier: String,
    /// The secret key.
    pub key: Secret,
    /// Validity in seconds.
    pub expire: u64,
}

/// The config file: any long flag's name as a key (SPEC §1). Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    sessions: Option<String>,
    out: Option<PathBuf>,
    records: Option<PathBuf>,
    sdkappid: Option<toml::Value>,
    identifier: Option<String>,
    secret_key: Option<String>,
    secret_key_file: Option<PathBuf>,
    usersig: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
    source_organization: Option<String>,
    concurrency: Option<u64>,
    rate: Option<toml::Value>,
    retries: Option<u64>,
    timeout: Option<toml::Value>,
    refresh: Option<bool>,
    no_media: Option<bool>,
    max_media_bytes: Option<u64>,
    media_allow_host: Option<Vec<String>>,
    media_timeout: Option<toml::Value>,
    timezone: Option<String>,
    title: Option<String>,
    lang: Option<String>,
    no_markdown_pages: Option<bool>,
    no_search: Option<bool>,
    remote_images: Option<bool>,
    jobs: Option<u64>,
    quiet: Option<bool>,
    verbose: Option<bool>,
    expire: Option<u64>,
    json: Option<bool>,
    store_endpoint: Option<String>,
    store_credentials: Option<PathBuf>,
    cos_region: Option<String>,
    upload_concurrency: Option<u64>,
    lock_wait: Option<u64>,
    bind: Option<String>,
    admin_bind: Option<String>,
    path: Option<String>,
    settle: Option<toml::Value>,
    render_every: Option<toml::Value>,
    max_pending: Option<u64>,
    callback_token_file: Option<PathBuf>,
    insecure_open_callback: Option<bool>,
    publish_to: Option<String>,
}

/// Where configuration values come from, besides the command line.
pub struct Sources<'a> {
    /// Reads an environment variable.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The directory in which `desk-archive.toml` is looked for.
    pub cwd: PathBuf,
}

impl Sources<'_> {
    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }
}

impl Config {
    /// Resolves and validates the whole command line.
    pub fn from_cli(cli: Cli, sources: &Sources<'_>) -> Result<Config> {
        let explicit = cli
            .general
            .config
            .clone()
            .or_else(|| sources.var("DESK_ARCHIVE_CONFIG").map(PathBuf::from));
        let (file, file_dir) = load_file(explicit.as_deref(), &sources.cwd, &user_config(sources))?;
        let verbosity = if cli.general.quiet {
            Verbosity::Quiet
        } else if cli.general.verbose {
            Verbosity::Verbose
        } else if file.quiet == Some(true) {
            Verbosity::Quiet
        } else if file.verbose == Some(true) {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        let json = cli.command.json() || file.json == Some(true);
        let mut r = Resolver {
            file,
            file_dir,
            sources,
            warnings: Vec::new(),
        };
        let task = match cli.command {
            Command::Archive(args) => Task::Archive(r.archive(args)?),
            Command::Fetch(args) => Task::Fetch(r.archive(ArchiveArgs {
                fetch: args,
                pages: PageArgs::default(),
            })?),
            Command::Listen(args) => Task::Listen(Box::new(r.listen(*args)?)),
            Command::Render(args) => Task::Render(r.render(args)?),
            Command::Verify(args) => r.verify(args)?,
            Command::Publish(args) => Task::Publish(r.publish(args)?),
            Command::Erase(args) => Task::Erase(r.erase(args)?),
            Command::Hold(args) => Task::Hold(r.hold(args)?),
            Command::Prune(args) => Task::Prune(r.prune(args)?),
            Command::Usersig(args) => Task::Usersig(r.usersig(args)?),
            Command::Search(args) => Task::Search(Box::new(r.search(args)?)),
            Command::Serve(args) => Task::Serve(r.serve(args)?),
            Command::Share(args) => Task::Share(r.share(args)?),
            Command::Export(args) => Task::Export(r.export(args)?),
            Command::Completions(args) => Task::Completions { shell: args.shell },
            Command::Man => Task::Man,
        };
        let json = json && task.reports_json();
        Ok(Config {
            verbosity,
            json,
            task,
            warnings: r.warnings,
        })
    }
}

impl Command {
    /// Whether `--json` was given on the command line.
    fn json(&self) -> bool {
        match self {
            Command::Archive(a) => a.fetch.json,
            Command::Fetch(a) => a.json,
            Command::Render(a) => a.json,
            Command::Verify(a) => a.json,
            Command::Publish(a) => a.json,
            Command::Erase(a) => a.json,
            Command::Hold(a) => a.json,
            Command::Prune(a) => a.json,
            // `search --json` prints JSON Lines, not one report: it is the search's own.
            Command::Usersig(_)
            | Command::Search(_)
            | Command::Serve(_)
            | Command::Share(_)
            | Command::Export(_)
            | Command::Completions(_)
            | Command::Listen(_)
            | Command::Man => false,
        }
    }
}

impl Task {
    /// Whether the task has a JSON report (`json = true` in the config file applies only
    /// to those, so it does not turn a UserSig or a man page into JSON).
    fn reports_json(&self) -> bool {
        matches!(
            self,
            Task::Archive(_)
                | Task::Fetch(_)
                | Task::Render(_)
                | Task::Verify { .. }
                | Task::VerifyRemote(_)
                | Task::Publish(_)
                | Task::Erase(_)
                | Task::Hold(_)
                | Task::Prune(_)
        )
    }
}

/// Reads the config file: the one named by `--config` (must exist), else
/// `desk-archive.toml` in `cwd` when present. Returns it with its directory, against which
/// relative paths in it are resolved.
/// `$XDG_CONFIG_HOME/desk-archive/config.toml`, else `~/.config/desk-archive/config.toml`.
fn user_config(sources: &Sources<'_>) -> Option<PathBuf> {
    let base = sources
        .var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            sources
                .var("HOME")
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("desk-archive").join("config.toml"))
}

/// The config file (SPEC §1): the first of `--config PATH`, `$DESK_ARCHIVE_CONFIG`,
/// `./desk-archive.toml`, `$XDG_CONFIG_HOME/desk-archive/config.toml`. One named
/// explicitly must exist; the others are used when they do. Relative paths in the file
/// are relative to its folder.
fn load_file(
    explicit: Option<&Path>,
    cwd: &Path,
    user: &Option<PathBuf>,
) -> Result<(FileConfig, PathBuf)> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let found = std::iter::once(cwd.join(DEFAULT_CONFIG_FILE))
                .chain(user.clone())
                .find(|p| p.is_file());
            match found {
                Some(path) => path,
                None => return Ok((FileConfig::default(), cwd.to_path_buf())),
            }
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Usage(format!("cannot read config file `{}`: {e}", path.display())))?;
    let file: FileConfig = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(0);
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid")
            .replace("field", "key")
            .replace("expected u64", "expected a whole number");
        // A wrong type's message names the value, not the key: name the key too.
        let key = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().trim_matches('"'))
            .filter(|k| !k.is_empty() && !message.contains(&format!("`{k}`")))
            .map(|k| format!(", key `{k}`"))
            .unwrap_or_default();
        Error::Usage(format!(
            "config file `{}`, line {line}{key}: {message}",
            path.display()
        ))
    })?;
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.to_path_buf());
    let dir = if dir.as_os_str().is_empty() {
        cwd.to_path_buf()
    } else {
        dir
    };
    Ok((file, dir))
}

struct Resolver<'a> {
    file: FileConfig,
    file_dir: PathBuf,
    sources: &'a Sources<'a>,
    warnings: Vec<String>,
}

impl Resolver<'_> {
    fn listen(&mut self, args: ListenArgs) -> Result<ListenConfig> {
        let out = self.out_dir(args.out)?;
        let said = self.said(&args.pages);
        let render = self.render_options(args.pages)?;
        let media = self.media_settings(&args.tuning)?;
        let fetch = self.fetch_settings(args.api, args.tuning)?;
        if matches!(fetch.credential, Credential::UserSig(_)) {
            return Err(usage(
                "`listen` needs the secret key (--secret-key-file, --secret-key or \
                 DESK_SECRET_KEY): a UserSig given with --usersig expires and cannot be renewed",
            ));
        }
        let bag = BagMeta {
            source_organization: self.source_organization(args.source_organization),
            external_identifier: Some(fetch.sdkappid.to_string()),
            extra: Vec::new(),
        };
        let f = &self.file;
        let bind = address(args.bind.or(f.bind.clone()), "--bind", "127.0.0.1:8787")?;
        let admin_bind = address(
            args.admin_bind.or(f.admin_bind.clone()),
            "--admin-bind",
            "127.0.0.1:8788",
        )?;
        let path = args
            .path
            .or(f.path.clone())
            .unwrap_or_else(|| "/desk/callback".to_owned());
        if !path.starts_with('/') || path.contains(['?', '#']) || path.chars().any(char::is_control)
        {
            return Err(usage(format!(
                "--path `{path}` must start with / and hold no ? or #"
            )));
        }
        let seconds = |flag: Option<f64>, key: &str, default: f64| -> Result<Duration> {
            let value = match flag {
                Some(v) => v,
                None => number(self.file_value(key), key)?.unwrap_or(default),
            };
            if !(value.is_finite() && (0.0..1e9).contains(&value)) {
                return Err(usage(format!(
                    "--{key} must be a number of seconds, 0 or more"
                )));
            }
            Ok(Duration::from_secs_f64(value))
        };
        // One `settle` for both of its uses (SPEC §7, §10): a listener fetches a session
        // once it has been quiet that long, which is when a fetch no longer finds it open.
        let settle = fetch.settle;
        let render_every = seconds(args.render_every, "render-every", 60.0)?;
        let max_pending = args
            .max_pending
            .or(self.file.max_pending.map(|n| n as usize))
            .unwrap_or(100_000);
        if max_pending == 0 {
            return Err(usage("--max-pending must be at least 1"));
        }
        let token_file = args.callback_token_file.or_else(|| {
            self.file
                .callback_token_file
                .as_ref()
                .map(|p| self.file_dir.join(p))
        });
        let token = match token_file {
            Some(path) => Some(self.read_token(&path)?),
            None => None,
        };
        let open = args.insecure_open_callback || self.file.insecure_open_callback == Some(true);
        if token.is_none() && !bind.ip().is_loopback() && !open {
            return Err(usage(format!(
                "--bind {bind} is not a loopback address: give --callback-token-file FILE (the \
                 webhook authentication token set in the console), or --insecure-open-callback \
                 to accept callbacks from anyone who knows the SdkAppid"
            )));
        }
        let publish = match args.publish_to.or(self.file.publish_to.clone()) {
            Some(url) => {
                let tuning = store_tuning(&args.store);
                Some(PublishConfig {
                    target: self.store_spec(&url, args.store, "--publish-to")?,
                    dir: out.clone(),
                    kind: Kind::Site,
                    delete: false,
                    dry_run: false,
                    concurrency: self
                        .file
                        .upload_concurrency
                        .map_or(crate::publish::DEFAULT_CONCURRENCY, |n| n.max(1) as usize),
                    tuning,
                    lock_wait: self.lock_wait(args.write.lock_wait),
                })
            }
            None => None,
        };
        let listen = crate::listen::ListenSettings {
            sdkappid: fetch.sdkappid,
            bind,
            admin_bind,
            path,
            settle,
            render_every,
            max_pending,
            token,
        };
        Ok(ListenConfig {
            out,
            fetch,
            render,
            bag,
            media,
            write: self.write_access(&args.write),
            said,
            listen,
            publish,
            include_erased: args.include_erased,
        })
    }

    /// `--settle SECS` or the `settle` key [default: 600 s]: a number of seconds, 0 or
    /// more (fractions allowed, for tests and `listen` on a quiet desk).
    fn settle(&self, flag: Option<f64>) -> Result<Duration> {
        let value = match flag {
            Some(v) => v,
            None => match number(self.file.settle.as_ref(), "settle")? {
                Some(v) => v,
                None => return Ok(crate::model::open::DEFAULT_SETTLE),
            },
        };
        if !(value.is_finite() && (0.0..1e9).contains(&value)) {
            return Err(usage("--settle must be a number of seconds, 0 or more"));
        }
        Ok(Duration::from_secs_f64(value))
    }

    /// A number-valued key of the config file, by its name.
    fn file_value(&self, key: &str) -> Option<&toml::Value> {
        match key {
            "render-every" => self.file.render_every.as_ref(),
            _ => None,
        }
    }

    /// The webhook authentication token (whitespace stripped), like the key file: a file
    /// readable by group or others is used, with a warning.
    fn read_token(&mut self, path: &Path) -> Result<Secret> {
        let (token, warning) = read_key_file(path).map_err(|e| {
            usage(
                e.to_string()
                    .replace("the secret key file", "the callback token file"),
            )
        })?;
        self.warnings
            .extend(warning.map(|w| w.replace("the secret key file", "the callback token file")));
        Ok(token)
    }

    fn archive(
        &mut self,
        ArchiveArgs { fetch: args, pages }: ArchiveArgs,
    ) -> Result<ArchiveConfig> {
        let sessions = args
            .sessions
            .or_else(|| self.file.sessions.clone().map(|s| self.file_path_str(&s)))
            .ok_or_else(|| {
                usage("missing --sessions FILE (a file of SessionIds, or - for stdin)")
            })?;
        let out = self.out_dir(args.out)?;
        // `fetch` renders nothing and takes no page flags, but the config file's page
        // options are still checked: a typo in them should not wait for `render` to show.
        let said = self.said(&pages);
        let render = self.render_options(pages)?;
        let media = self.media_settings(&args.tuning)?;
        let fetch = self.fetch_settings(args.api, args.tuning)?;
        let bag = BagMeta {
            source_organization: self.source_organization(args.source_organization),
            external_identifier: Some(fetch.sdkappid.to_string()),
            extra: Vec::new(),
        };
        let shard = args
            .shard
            .as_deref()
            .map(crate::shard::Shard::parse)
            .transpose()
            .map_err(usage)?;
        Ok(ArchiveConfig {
            sessions,
            out,
            fetch,
            render,
            bag,
            media,
            shard,
            write: self.write_access(&args.write),
            said,
            include_erased: args.include_erased,
        })
    }

    fn publish(&mut self, args: PublishArgs) -> Result<PublishConfig> {
        if !args.dir.is_dir() {
            return Err(usage(format!(
                "archive directory `{}` does not exist",
                args.dir.display()
            )));
        }
        let concurrency = args
            .upload_concurrency
            .or(self.file.upload_concurrency.map(|n| n as usize))
            .unwrap_or(crate::publish::DEFAULT_CONCURRENCY);
        if concurrency == 0 {
            return Err(usage("--upload-concurrency must be at least 1"));
        }
        let tuning = store_tuning(&args.store);
        Ok(PublishConfig {
            target: self.store_spec(&args.to, args.store, "--to")?,
            dir: args.dir,
            kind: if args.bag { Kind::Bag } else { Kind::Site },
            delete: args.delete,
            dry_run: args.dry_run,
            concurrency,
            tuning,
            lock_wait: self.lock_wait(args.lock_wait),
        })
    }

    fn verify(&mut self, args: VerifyArgs) -> Result<Task> {
        let Some(url) = args.remote else {
            return Ok(Task::Verify {
                lock_wait: self.lock_wait(args.lock_wait),
                dir: args.dir,
            });
        };
        if !args.dir.is_dir() {
            return Err(usage(format!(
                "archive directory `{}` does not exist",
                args.dir.display()
            )));
        }
        let tuning = store_tuning(&args.store);
        Ok(Task::VerifyRemote(RemoteVerifyConfig {
            lock_wait: self.lock_wait(args.lock_wait),
            target: self.store_spec(&url, args.store, "--remote")?,
            dir: args.dir,
            tuning,
        }))
    }

    /// A store URL with its endpoint (flag, `DESK_STORE_ENDPOINT`, file), COS region
    /// (flag, `DESK_COS_REGION`, file) and credentials file (flag, file).
    fn store_spec(&self, url: &str, args: StoreArgs, flag: &str) -> Result<StoreSpec> {
        let endpoint = args
            .store_endpoint
            .or_else(|| self.sources.var("DESK_STORE_ENDPOINT"))
            .or_else(|| self.file.store_endpoint.clone());
        let region = args
            .cos_region
            .or_else(|| self.sources.var("DESK_COS_REGION"))
            .or_else(|| self.file.cos_region.clone());
        let credentials = args.store_credentials.or_else(|| {
            self.file
                .store_credentials
                .as_ref()
                .map(|p| self.file_dir.join(p))
        });
        StoreSpec::parse(url, endpoint.as_deref(), region.as_deref(), credentials)
            .map_err(|why| usage(format!("{flag}: {why}")))
    }

    fn media_settings(
        &self,
        tuning: &crate::cli::TuningArgs,
    ) -> Result<crate::media::MediaSettings> {
        let max_bytes = tuning
            .max_media_bytes
            .or(self.file.max_media_bytes)
            .unwrap_or(crate::media::DEFAULT_MAX_BYTES);
        if max_bytes == 0 {
            return Err(usage("--max-media-bytes must be at least 1"));
        }
        let allow_hosts = if tuning.media_allow_host.is_empty() {
            self.file.media_allow_host.clone().unwrap_or_default()
        } else {
            tuning.media_allow_host.clone()
        };
        let deadline = match tuning.media_timeout {
            Some(t) => t,
            None => number(self.file.media_timeout.as_ref(), "media-timeout")?
                .unwrap_or(crate::media::DEFAULT_DEADLINE.as_secs_f64()),
        };
        if !(deadline.is_finite() && deadline > 0.0 && deadline < 1e6) {
            return Err(usage(
                "--media-timeout must be a positive number of seconds",
            ));
        }
        Ok(crate::media::MediaSettings {
            enabled: !(tuning.no_media || self.file.no_media == Some(true)),
            max_bytes,
            allow_hosts,
            deadline: Duration::from_secs_f64(deadline),
            ..crate::media::MediaSettings::default()
        })
    }

    fn render(&mut self, args: RenderArgs) -> Result<RenderConfig> {
        let out = self.out_dir(args.out)?;
        let records = args
            .records
            .or_else(|| self.file.records.as_ref().map(|p| self.file_dir.join(p)));
        let said = self.said(&args.pages);
        let render = self.render_options(args.pages)?;
        let bag = BagMeta {
            source_organization: self.source_organization(args.source_organization),
            external_identifier: None,
            extra: Vec::new(),
        };
        if args.recursive && records.is_none() {
            return Err(usage("--recursive needs --records DIR"));
        }
        // A URL (`s3://…`) names object storage; anything else is a directory.
        let (records, records_remote) = match records {
            Some(r) if r.to_string_lossy().contains("://") => {
                let url = r.to_string_lossy().into_owned();
                (None, Some(self.store_spec(&url, args.store, "--records")?))
            }
            other => (other, None),
        };
        Ok(RenderConfig {
            out,
            records,
            recursive: args.recursive,
            records_remote,
            render,
            bag,
            write: self.write_access(&args.write),
            said,
            include_erased: args.include_erased,
        })
    }

    fn write_access(&self, args: &crate::cli::WriteArgs) -> WriteAccess {
        WriteAccess {
            accept_changes: args.accept_changes,
            lock_wait: self.lock_wait(args.lock_wait),
        }
    }

    fn lock_wait(&self, flag: Option<u64>) -> std::time::Duration {
        flag.or(self.file.lock_wait)
            .map_or(DEFAULT_LOCK_WAIT, std::time::Duration::from_secs)
    }

    fn usersig(&mut self, args: UsersigArgs) -> Result<UsersigConfig> {
        let sdkappid = self.sdkappid(args.sdkappid)?;
        let identifier = self.identifier(args.identifier);
        let api = ApiArgs {
            secret_key: args.secret_key,
            secret_key_file: args.secret_key_file,
            ..ApiArgs::default()
        };
        let key = match self.credential(&api)? {
            Credential::SecretKey(key) => key,
            Credential::UserSig(_) => {
                return Err(usage("`usersig` needs the secret key, not a UserSig"));
            }
        };
        let expire = args.expire.or(self.file.expire).unwrap_or(15_552_000);
        if expire == 0 {
            return Err(usage("--expire must be at least 1 second"));
        }
        Ok(UsersigConfig {
            sdkappid,
            identifier,
            key,
            expire,
        })
    }

    fn search(&mut self, args: SearchArgs) -> Result<crate::search::SearchConfig> {
        use crate::search::{Filters, Matcher, filters, output};
        crate::search::check_archive(&args.dir).map_err(usage)?;
        let timezone = match args.timezone.is_some() || self.file.timezone.is_some() {
            true => self.timezone(args.timezone)?,
            false => remembered_timezone(&args.dir).unwrap_or(chrono_tz::UTC),
        };
        let day = |flag: &str, v: Option<String>| {
            v.map(|v| filters::parse_day(flag, &v))
                .transpose()
                .map_err(usage)
        };
        let filters = Filters {
            roles: args.role.iter().map(|r| role(*r)).collect(),
            accounts: args.account,
            agents: args.agent,
            sessions: args.session,
            metadata: args
                .metadata
                .iter()
                .map(|m| filters::parse_metadata(m))
                .collect::<std::result::Result<_, _>>()
                .map_err(usage)?,
            since: day("--since", args.since)?,
            until: day("--until", args.until)?,
            timezone,
        };
        let matcher = args
            .pattern
            .map(|p| Matcher::new(&p, args.regex, args.ignore_case))
            .transpose()
            .map_err(usage)?;
        if matcher.is_none() && !filters.any() {
            return Err(usage(
                "search needs a PATTERN or a filter (--role, --account, --agent, --session, --since, --until, --metadata)",
            ));
        }
        let mode = if args.sessions_with_matches {
            output::Mode::Sessions
        } else if args.count {
            output::Mode::Counts
        } else {
            output::Mode::Messages
        };
        let colour = match args.color {
            crate::cli::ColorWhen::Always => true,
            crate::cli::ColorWhen::Never => false,
            crate::cli::ColorWhen::Auto => {
                use std::io::IsTerminal;
                self.sources.var("NO_COLOR").is_none() && std::io::stdout().is_terminal()
            }
        };
        Ok(crate::search::SearchConfig {
            dir: args.dir,
            lock_wait: self.lock_wait(args.lock_wait),
            matcher,
            filters,
            style: output::Style {
                mode,
                json: args.json,
                colour: colour && !args.json,
                timezone,
            },
        })
    }

    fn serve(&mut self, args: ServeArgs) -> Result<crate::serve::ServeConfig> {
        crate::serve::check_archive(&args.dir).map_err(usage)?;
        let bind = match args.bind {
            None => std::net::SocketAddr::from(([127, 0, 0, 1], 8000)),
            Some(text) => crate::serve::parse_bind(&text).map_err(usage)?,
        };
        if !bind.ip().is_loopback() {
            self.warnings.push(format!(
                "serving on {bind}, not on loopback: anyone who can reach it can read the archive"
            ));
        }
        Ok(crate::serve::ServeConfig {
            dir: args.dir,
            bind,
            lock_wait: self.lock_wait(args.lock_wait),
            allow_hosts: args
                .allow_host
                .iter()
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            // Set by the command from what the archive remembers.
            remote_images: false,
        })
    }

    /// `--timezone`, else the config file's `timezone`, else UTC.
    fn timezone(&self, flag: Option<String>) -> Result<chrono_tz::Tz> {
        match flag.or_else(|| self.file.timezone.clone()) {
            None => Ok(chrono_tz::UTC),
            Some(name) => chrono_tz::Tz::from_str(&name).map_err(|_| {
                usage(format!(
                    "unknown time zone `{name}` (use an IANA name such as Asia/Shanghai or UTC)"
                ))
            }),
        }
    }

    fn out_dir(&self, flag: Option<PathBuf>) -> Result<PathBuf> {
        let out = flag
            .or_else(|| self.file.out.as_ref().map(|p| self.file_dir.join(p)))
            .ok_or_else(|| usage("missing --out DIR (the archive directory)"))?;
        if out.exists() && !out.is_dir() {
            return Err(usage(format!(
                "--out `{}` is a file, not a directory",
                out.display()
            )));
        }
        check_creatable(&out)?;
        Ok(out)
    }

    fn file_path_str(&self, s: &str) -> String {
        if s == "-" {
            s.to_owned()
        } else {
            self.file_dir.join(s).to_string_lossy().into_owned()
        }
    }

    fn source_organization(&self, flag: Option<String>) -> Option<String> {
        flag.or_else(|| self.sources.var("DESK_SOURCE_ORGANIZATION"))
            .or_else(|| self.file.source_organization.clone())
    }

    fn said(&self, pages: &PageArgs) -> Said {
        let f = &self.file;
        Said {
            timezone: pages.timezone.is_some() || f.timezone.is_some(),
            lang: pages.lang.is_some() || f.lang.is_some(),
            title: pages.title.is_some() || f.title.is_some(),
            markdown_pages: pages.no_markdown_pages
                || pages.markdown_pages
                || f.no_markdown_pages.is_some(),
            search: pages.no_search || pages.search || f.no_search.is_some(),
            remote_images: pages.remote_images
                || pages.no_remote_images
                || f.remote_images.is_some(),
        }
    }

    fn render_options(&self, pages: PageArgs) -> Result<RenderOptions> {
        let timezone = self.timezone(pages.timezone)?;
        let lang = match pages.lang.or_else(|| self.file.lang.clone()) {
            None => Lang::En,
            Some(l) if l.eq_ignore_ascii_case("en") => Lang::En,
            Some(l) if l.eq_ignore_ascii_case("zh-CN") || l.eq_ignore_ascii_case("zh") => {
                Lang::ZhCn
            }
            Some(l) => return Err(usage(format!("unknown --lang `{l}` (use en or zh-CN)"))),
        };
        let jobs = pages.jobs.or(self.file.jobs.map(|j| j as usize));
        if jobs == Some(0) {
            return Err(usage("--jobs must be at least 1"));
        }
        Ok(RenderOptions {
            timezone,
            title: pages
                .title
                .or_else(|| self.file.title.clone())
                .filter(|t| !t.is_empty()),
            lang,
            markdown_pages: pages.markdown_pages
                || !(pages.no_markdown_pages || self.file.no_markdown_pages == Some(true)),
            search: pages.search || !(pages.no_search || self.file.no_search == Some(true)),
            remote_images: pages.remote_images
                || (!pages.no_remote_images && self.file.remote_images == Some(true)),
            jobs,
            progress: None,
            cancel: None,
        })
    }

    fn sdkappid(&self, flag: Option<String>) -> Result<u64> {
        let (text, source) = if let Some(v) = flag {
            (v, "--sdkappid")
        } else if let Some(v) = self.sources.var("DESK_SDKAPPID") {
            (v, "DESK_SDKAPPID")
        } else if let Some(v) = &self.file.sdkappid {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (text, "sdkappid in the config file")
        } else {
            return Err(usage("missing --sdkappid N (or DESK_SDKAPPID)"));
        };
        text.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0 && *n <= u64::from(u32::MAX))
            .ok_or_else(|| {
                usage(format!(
                    "{source}: `{}` is not a valid SDKAppID (a number)",
                    text.trim()
                ))
            })
    }

    fn identifier(&self, flag: Option<String>) -> String {
        flag.or_else(|| self.sources.var("DESK_IDENTIFIER"))
            .or_else(|| self.file.identifier.clone())
            .unwrap_or_else(|| "admin".to_owned())
    }

    fn fetch_settings(
        &mut self,
        api: ApiArgs,
        tuning: crate::cli::TuningArgs,
    ) -> Result<FetchSettings> {
        let sdkappid = self.sdkappid(api.sdkappid.clone())?;
        let identifier = self.identifier(api.identifier.clone());
        let credential = self.credential(&api)?;
        let endpoint = self.endpoint(&api)?;
        let concurrency = tuning
            .concurrency
            .or(self.file.concurrency.map(|c| c as usize))
            .unwrap_or(8);
        if concurrency == 0 {
            return Err(usage("--concurrency must be at least 1"));
        }
        let rate = match tuning.rate {
            Some(r) => r,
            None => number(self.file.rate.as_ref(), "rate")?.unwrap_or(50.0),
        };
        if !(rate.is_finite() && rate > 0.0) {
            return Err(usage(
                "--rate must be a positive number of requests per second",
            ));
        }
        let retries = tuning
            .retries
            .or(self.file.retries.map(|r| r as u32))
            .unwrap_or(6);
        let timeout = match tuning.timeout {
            Some(t) => t,
            None => number(self.file.timeout.as_ref(), "timeout")?.unwrap_or(30.0),
        };
        if !(timeout.is_finite() && timeout > 0.0 && timeout < 1e6) {
            return Err(usage("--timeout must be a positive number of seconds"));
        }
        Ok(FetchSettings {
            endpoint,
            sdkappid,
            identifier,
            credential,
            concurrency,
            rate,
            retries,
            timeout: Duration::from_secs_f64(timeout),
            refresh: tuning.refresh || self.file.refresh == Some(true),
            settle: self.settle(tuning.settle)?,
            backoff_base: Duration::from_millis(tuning.backoff_ms.unwrap_or(500)),
            backoff_cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(60),
            breaker_window: Duration::from_millis(tuning.breaker_window_ms.unwrap_or(30_000)),
            breaker_min_failures: 20,
            cancel: None,
        })
    }

    fn endpoint(&mut self, api: &ApiArgs) -> Result<url::Url> {
        let endpoint = api
            .endpoint
            .clone()
            .map(|e| (e, "--endpoint"))
            .or_else(|| {
                self.sources
                    .var("DESK_ENDPOINT")
                    .map(|e| (e, "DESK_ENDPOINT"))
            })
            .or_else(|| {
                self.file
                    .endpoint
                    .clone()
                    .map(|e| (e, "endpoint in the config file"))
            });
        if let Some((base, source)) = endpoint {
            let (url, warning) = crate::fetch::endpoint_from_base(&base)
                .map_err(|why| usage(format!("{source}: `{base}` is not a usable URL: {why}")))?;
            self.warnings.extend(warning);
            return Ok(url);
        }
        let region = api
            .region
            .clone()
            .map(|r| (r, "--region"))
            .or_else(|| self.sources.var("DESK_REGION").map(|r| (r, "DESK_REGION")))
            .or_else(|| {
                self.file
                    .region
                    .clone()
                    .map(|r| (r, "region in the config file"))
            });
        let region = match region {
            None => Region::China,
            Some((name, source)) => Region::from_str(&name).map_err(|_| {
                usage(format!(
                    "{source}: unknown region `{name}` (use china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley or jakarta)"
                ))
            })?,
        };
        Ok(crate::fetch::endpoint_for_region(region))
    }

    /// The credential: the highest-precedence source (flags, environment, file) that gives
    /// any credential decides; two credentials in that source are a usage error.
    fn credential(&mut self, api: &ApiArgs) -> Result<Credential> {
        let flags = CredentialSource {
            name: "the command line",
            key: api.secret_key.clone(),
            key_file: api.secret_key_file.clone(),
            usersig: api.usersig.clone(),
        };
        let env = CredentialSource {
            name: "the environment",
            key: self.sources.var("DESK_SECRET_KEY"),
            key_file: None,
            usersig: self.sources.var("DESK_USERSIG"),
        };
        let file = CredentialSource {
            name: "the config file",
            key: self.file.secret_key.clone(),
            key_file: self
                .file
                .secret_key_file
                .as_ref()
                .map(|p| self.file_dir.join(p)),
            usersig: self.file.usersig.clone(),
        };
        let source = [flags, env, file].into_iter().find(|s| s.count() > 0).ok_or_else(|| {
            usage("missing credentials: give --secret-key-file PATH, --secret-key K (or DESK_SECRET_KEY) or --usersig SIG (or DESK_USERSIG)")
        })?;
        if source.count() > 1 {
            return Err(usage(format!(
                "two credentials in {}: give only one of the secret key, the secret key file and the UserSig",
                source.name
            )));
        }
        if let Some(sig) = source.usersig {
            return non_empty_secret(sig, "the UserSig").map(Credential::UserSig);
        }
        let key = match source.key {
            Some(key) => non_empty_secret(key, "the secret key")?,
            None => {
                let path = source.key_file.unwrap_or_default();
                let (key, warning) = read_key_file(&path)?;
                self.warnings.extend(warning);
                key
            }
        };
        if !looks_like_a_key(key.expose()) {
            self.warnings.push(format!(
                "the secret key from {} is not 64 hexadecimal characters, as the Chat \
                 console issues them: check that it is the app's key (basic configuration)",
                source.name
            ));
        }
        Ok(Credential::SecretKey(key))
    }
}

struct CredentialSource {
    name: &'static str,
    key: Option<String>,
    key_file: Option<PathBuf>,
    usersig: Option<String>,
}

impl CredentialSource {
    fn count(&self) -> usize {
        usize::from(self.key.is_some())
            + usize::from(self.key_file.is_some())
            + usize::from(self.usersig.is_some())
    }
}

/// Checks, before anything is fetched, that `out` can be made: its nearest existing
/// ancestor must be a directory. (Permissions are left to the first write, which happens
/// before any request: mode bits cannot tell what root, ACLs or read-only mounts allow.)
fn check_creatable(out: &Path) -> Result<()> {
    let Some(existing) = out.ancestors().find(|a| a.exists()) else {
        return Ok(());
    };
    if !existing.is_dir() {
        return Err(usage(format!(
            "--out `{}` cannot be created: `{}` is a file, not a directory",
            out.display(),
            existing.display()
        )));
    }
    Ok(())
}

/// A socket address given as `HOST:PORT` (an IP address; `localhost` means 127.0.0.1).
fn address(value: Option<String>, flag: &str, default: &str) -> Result<std::net::SocketAddr> {
    let text = value.unwrap_or_else(|| default.to_owned());
    let text = text.trim();
    let resolved = match text.strip_prefix("localhost:") {
        Some(port) => format!("127.0.0.1:{port}"),
        None => text.to_owned(),
    };
    resolved.parse().map_err(|_| {
        usage(format!(
            "{flag} `{text}` is not an address: give IP:PORT, e.g. 127.0.0.1:8787 or [::1]:8787"
        ))
    })
}

fn store_tuning(args: &StoreArgs) -> Tuning {
    let mut tuning = Tuning::default();
    if let Some(retries) = args.store_retries {
        tuning.retries = retries;
    }
    tuning
}

/// Whether a secret key has the console's form: 64 hexadecimal characters.
fn looks_like_a_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

fn non_empty_secret(value: String, what: &str) -> Result<Secret> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(usage(format!("{what} is empty")));
    }
    Ok(Secret::new(trimmed.to_owned()))
}

/// Reads the secret key file (whitespace stripped). A file readable by group or others is
/// used, with a warning (SPEC §1).
fn read_key_file(path: &Path) -> Result<(Secret, Option<String>)> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        usage(format!(
            "cannot read the secret key file `{}`: {e}",
            path.display()
        ))
    })?;
    let key = text.trim();
    if key.is_empty() {
        return Err(usage(format!(
            "the secret key file `{}` is empty",
            path.display()
        )));
    }
    let mut warning = None;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            warning = Some(format!(
                "the secret key file `{}` is readable by group or others; `chmod 600` it",
                path.display()
            ));
        }
    }
    Ok((Secret::new(key.to_owned()), warning))
}

fn number(value: Option<&toml::Value>, key: &str) -> Result<Option<f64>> {
    match value {
        None => Ok(None),
        Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
        Some(toml::Value::Float(f)) => Ok(Some(*f)),
        Some(_) => Err(usage(format!("config file: `{key}` must be a number"))),
    }
}

/// The time zone the archive's pages were rendered in, from bag-info.txt's
/// `Desk-Archive-Render-Options` (written by `commands::remember`), so that `search` shows
/// the times the pages show.
fn remembered_timezone(dir: &Path) -> Option<chrono_tz::Tz> {
    let text = crate::bag::info_field(dir, "Desk-Archive-Render-Options")?;
    let options: serde_json::Value = serde_json::from_str(&text).ok()?;
    chrono_tz::Tz::from_str(options.get("timezone")?.as_str()?).ok()
}

fn role(arg: crate::cli::RoleArg) -> crate::model::Role {
    match arg {
        crate::cli::RoleArg::Customer => crate::model::Role::Customer,
        crate::cli::RoleArg::Agent => crate::model::Role::Agent,
        crate::cli::RoleArg::System => crate::model::Role::System,
    }
}

fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

/// The environment variables this tool reads, for documentation and tests.
pub const ENV_VARS: [&str; 10] = [
    "DESK_SDKAPPID",
    "DESK_IDENTIFIER",
    "DESK_SECRET_KEY",
    "DESK_USERSIG",
    "DESK_REGION",
    "DESK_ENDPOINT",
    "DESK_SOURCE_ORGANIZATION",
    "DESK_STORE_ENDPOINT",
    "DESK_COS_REGION",
    "SOURCE_DATE_EPOCH",
];

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use clap::Parser;

    use super::*;

    /// `--region` suggests in completions exactly the regions the fetcher knows.
    #[test]
    fn completion_regions_are_the_fetchers() {
        let names: Vec<&str> = crate::fetch::Region::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names, crate::cli::REGIONS);
    }

    fn resolve(args: &[&str], env: &[(&str, &str)], file: Option<&str>) -> Result<Config> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("create", "tmp", e))?;
        if let Some(text) = file {
            std::fs::write(dir.path().join(DEFAULT_CONFIG_FILE), text)
                .map_err(|e| Error::io("write", "cfg", e))?;
        }
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = |name: &str| env.get(name).cloned();
        let cli = Cli::try_parse_from(args).map_err(|e| Error::Usage(e.to_string()))?;
        Config::from_cli(
            cli,
            &Sources {
                env: &lookup,
                cwd: dir.path().to_path_buf(),
            },
        )
    }

    fn fetch_config(config: &Config) -> &ArchiveConfig {
        match &config.task {
            Task::Fetch(c) | Task::Archive(c) => c,
            other => panic!("not a fetch task: {other:?}"),
        }
    }

    const BASE: [&str; 6] = ["desk-archive", "fetch", "--sessions", "s.txt", "--out", "o"];

    fn with(extra: &[&'static str]) -> Vec<&'static str> {
        BASE.iter().copied().chain(extra.iter().copied()).collect()
    }

    #[test]
    fn flags_win_over_env_over_file() {
        let file = "sdkappid = 1400000003\nconcurrency = 3\nrate = 7\nsecret-key = \"k3\"\n";
        let env = [("DESK_SDKAPPID", "1400000002")];
        let c = resolve(&with(&["--sdkappid", "1400000001"]), &env, Some(file)).unwrap();
        assert_eq!(fetch_config(&c).fetch.sdkappid, 1400000001);
        let c = resolve(&with(&[]), &env, Some(file)).unwrap();
        assert_eq!(fetch_config(&c).fetch.sdkappid, 1400000002);
        let c = resolve(&with(&[]), &[], Some(file)).unwrap();
        let f = &fetch_config(&c).fetch;
        assert_eq!((f.sdkappid, f.concurrency, f.rate), (1400000003, 3, 7.0));
        let c = resolve(&with(&["--concurrency", "5"]), &[], Some(file)).unwrap();
        assert_eq!(fetch_config(&c).fetch.concurrency, 5);
    }

    #[test]
    fn media_timeout_from_flag_or_file_and_checked() {
        let env = [("DESK_SDKAPPID", "1"), ("DESK_SECRET_KEY", "k")];
        let c = resolve(&with(&[]), &env, None).unwrap();
        assert_eq!(fetch_config(&c).media.deadline, Duration::from_secs(300));
        let c = resolve(&with(&[]), &env, Some("media-timeout = 2.5")).unwrap();
        assert_eq!(fetch_config(&c).media.deadline, Duration::from_millis(2500));
        let c = resolve(
            &with(&["--media-timeout", "7"]),
            &env,
            Some("media-timeout = 2"),
        )
        .unwrap();
        assert_eq!(fetch_config(&c).media.deadline, Duration::from_secs(7));
        for bad in ["0", "-1", "inf"] {
            let flag = format!("--media-timeout={bad}");
            let args = with(&[])
                .into_iter()
                .chain([flag.as_str()])
                .collect::<Vec<_>>();
            let err = resolve(&args, &env, None).unwrap_err();
            assert!(err.to_string().contains("--media-timeout"), "{err}");
        }
    }

    #[test]
    fn highest_credential_source_decides() {
        let env = [("DESK_SDKAPPID", "1"), ("DESK_USERSIG", "sig-from-env")];
        let c = resolve(&with(&["--secret-key", "k"]), &env, Some("usersig = \"x\"")).unwrap();
        assert!(matches!(
            fetch_config(&c).fetch.credential,
            Credential::SecretKey(_)
        ));
        let c = resolve(&with(&[]), &env, Some("secret-key = \"x\"")).unwrap();
        assert!(matches!(
            fetch_config(&c).fetch.credential,
            Credential::UserSig(_)
        ));
    }

    #[test]
    fn two_credentials_in_one_source_are_an_error() {
        let env = [
            ("DESK_SDKAPPID", "1"),
            ("DESK_USERSIG", "s"),
            ("DESK_SECRET_KEY", "k"),
        ];
        let err = resolve(&with(&[]), &env, None).unwrap_err();
        assert!(
            err.to_string()
                .contains("two credentials in the environment"),
            "{err}"
        );
        assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        assert!(!err.to_string().contains("k\""));
    }

    #[test]
    fn missing_credentials_and_bad_values_are_usage_errors() {
        let env = [("DESK_SDKAPPID", "1")];
        for (extra, needle) in [
            (vec![], "missing credentials"),
            (
                vec!["--secret-key", "k", "--timezone", "Nowhere/City"],
                "unknown time zone",
            ),
            (
                vec!["--secret-key", "k", "--region", "mars"],
                "unknown region `mars`",
            ),
            (
                vec!["--secret-key", "k", "--concurrency", "0"],
                "--concurrency",
            ),
            (vec!["--secret-key", "k", "--lang", "fr"], "--lang"),
        ] {
            // `archive`: the page options (--timezone, --lang) are not `fetch`'s.
            let args: Vec<&str> = ["desk-archive", "archive"]
                .into_iter()
                .chain(BASE[2..].iter().copied())
                .chain(extra)
                .collect();
            let err = resolve(&args, &env, None).unwrap_err();
            assert!(err.to_string().contains(needle), "{err} lacks {needle}");
            assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        }
        let err = resolve(
            &with(&["--secret-key", "k"]),
            &[("DESK_SDKAPPID", "12ab")],
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("DESK_SDKAPPID: `12ab`"), "{err}");
    }

    #[test]
    fn unknown_config_key_names_key_and_line() {
        let err = resolve(
            &with(&["--secret-key", "k"]),
            &[],
            Some("sdkappid = 1\n\nconcurency = 3\n"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("line 3") && text.contains("concurency"),
            "{text}"
        );
    }

    #[test]
    fn json_comes_from_the_flag_or_the_file_for_reporting_commands() {
        let env = [("DESK_SDKAPPID", "1"), ("DESK_SECRET_KEY", "k")];
        assert!(!resolve(&with(&[]), &env, None).unwrap().json);
        assert!(resolve(&with(&["--json"]), &env, None).unwrap().json);
        assert!(resolve(&with(&[]), &env, Some("json = true")).unwrap().json);
        let usersig = ["desk-archive", "usersig", "--sdkappid", "1"];
        assert!(!resolve(&usersig, &env, Some("json = true")).unwrap().json);
        let verify = ["desk-archive", "verify", "--json", "d"];
        assert!(resolve(&verify, &[], None).unwrap().json);
    }

    #[test]
    fn out_under_a_file_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let err = check_creatable(&file.join("a/b")).unwrap_err();
        assert!(
            err.to_string().contains("is a file, not a directory"),
            "{err}"
        );
        assert!(check_creatable(&dir.path().join("new/deeper")).is_ok());
    }

    #[test]
    fn example_file_parses() {
        let text = include_str!("../desk-archive.example.toml");
        let file: FileConfig = toml::from_str(text).unwrap();
        assert_eq!(file.concurrency, Some(8));
    }

    #[test]
    fn key_file_is_trimmed_and_loose_permissions_warn() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.txt");
        std::fs::write(&key, "  secret-value \n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let path = key.to_string_lossy().into_owned();
        let args: Vec<&str> = BASE
            .iter()
            .copied()
            .chain(["--secret-key-file", path.as_str()])
            .collect();
        let c = resolve(&args, &[("DESK_SDKAPPID", "1")], None).unwrap();
        match &fetch_config(&c).fetch.credential {
            Credential::SecretKey(k) => assert_eq!(k.expose(), "secret-value"),
            other => panic!("{other:?}"),
        }
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("readable by group or others"))
        );
        assert!(!c.warnings.iter().any(|w| w.contains("secret-value")));
    }
}
