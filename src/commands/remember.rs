//! Render options the archive remembers (SPEC §1): time zone, language, title, Markdown
//! pages, the site search index and remote images are written to `bag-info.txt` as `Desk-Archive-Render-Options` (one JSON object,
//! with `Desk-Archive-Format: 2`), and a later command uses them unless a flag, variable
//! or config key says otherwise — and then says what changed. They live in bag-info.txt,
//! not the state file, so deleting the state file never loses them.

use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::bag;
use crate::config::Said;
use crate::render::{Lang, RenderOptions};

/// The bag-info.txt label.
pub(crate) const LABEL: &str = "Desk-Archive-Render-Options";

/// The archive format version written beside it.
pub(crate) const FORMAT: (&str, &str) = ("Desk-Archive-Format", "2");

/// The remembered options, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Remembered {
    timezone: String,
    lang: String,
    title: Option<String>,
    markdown_pages: bool,
    /// Absent from archives written before site search: on.
    #[serde(default = "on")]
    search: bool,
    /// Absent in archives written before `--remote-images` existed: off.
    #[serde(default)]
    remote_images: bool,
}

fn on() -> bool {
    true
}

fn lang_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-CN",
    }
}

/// The bag-info.txt value for `options`.
pub(crate) fn value(options: &RenderOptions) -> String {
    let remembered = Remembered {
        timezone: options.timezone.name().to_owned(),
        lang: lang_tag(options.lang).to_owned(),
        title: options.title.clone(),
        markdown_pages: options.markdown_pages,
        search: options.search,
        remote_images: options.remote_images,
    };
    serde_json::to_string(&remembered).unwrap_or_default()
}

/// Fills every option the user did not give (`said`) from what the archive in `out`
/// remembers; returns one note per option the user changed from the remembered value.
pub(crate) fn apply(out: &Path, options: &mut RenderOptions, said: &Said) -> Vec<String> {
    let Some(text) = bag::info_field(out, LABEL) else {
        return Vec::new();
    };
    let Ok(then) = serde_json::from_str::<Remembered>(&text) else {
        tracing::warn!(
            "`{}`: cannot read {LABEL}; using the defaults",
            out.display()
        );
        return Vec::new();
    };
    let mut notes = Vec::new();
    let mut note = |what: &str, was: &str, now: &str| {
        if was != now {
            notes.push(format!(
                "{what} changed from {was} (as the archive remembered it) to {now}"
            ));
        }
    };
    match chrono_tz::Tz::from_str(&then.timezone) {
        Ok(zone) if !said.timezone => options.timezone = zone,
        _ => note("time zone", &then.timezone, options.timezone.name()),
    }
    if !said.lang {
        options.lang = if then.lang == "zh-CN" {
            Lang::ZhCn
        } else {
            Lang::En
        };
    } else {
        note("language", &then.lang, lang_tag(options.lang));
    }
    if !said.title {
        options.title = then.title;
    } else {
        let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "the default".into());
        note("title", &show(&then.title), &show(&options.title));
    }
    let show = |on: bool| if on { "on" } else { "off" };
    if !said.markdown_pages {
        options.markdown_pages = then.markdown_pages;
    } else {
        note(
            "Markdown pages",
            show(then.markdown_pages),
            show(options.markdown_pages),
        );
    }
    if !said.search {
        options.search = then.search;
    } else {
        note("site search", show(then.search), show(options.search));
    }
    if !said.remote_images {
        options.remote_images = then.remote_images;
    } else {
        note(
            "remote images",
            show(then.remote_images),
            show(options.remote_images),
        );
    }
    notes
}

/// Whether the archive in `dir` was last rendered with `--remote-images`.
pub(crate) fn remote_images(dir: &Path) -> bool {
    bag::info_field(dir, LABEL)
        .and_then(|text| serde_json::from_str::<Remembered>(&text).ok())
        .is_some_and(|then| then.remote_images)
}

/// Says what changed, unless quiet.
pub(crate) fn announce(notes: Vec<String>, output: super::Output) {
    if output.verbosity == crate::config::Verbosity::Quiet {
        return;
    }
    for note in notes {
        eprintln!("desk-archive: {note}");
    }
}
