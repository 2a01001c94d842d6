//! Redaction profiles (SPEC §12): `external` (everything the tool can detect), `internal`
//! (nothing redacted), or a TOML file that starts from one of them and adds named rules
//! and a metadata allow-list. The file format is documented in the README and
//! `examples/redaction-profile.toml`.

use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use super::detectors::Detector;
use crate::error::{Error, Result};

/// The kinds of string a rule can be limited to, and that the report names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Message text (text elements, location descriptions, relay titles and abstracts).
    Text,
    /// Custom element payloads (`Data`, `Desc`, `Ext`, `Sound`, and every field inside).
    Custom,
    /// File names.
    FileName,
    /// URLs.
    Url,
    /// Accounts (after pseudonyms).
    Account,
    /// Session metadata (allow-listed columns).
    Metadata,
    /// Titles: the site title.
    Title,
    /// Anything else: unknown message fields, unreadable elements, media errors.
    Other,
}

impl Field {
    const ALL: [Field; 8] = [
        Field::Text,
        Field::Custom,
        Field::FileName,
        Field::Url,
        Field::Account,
        Field::Metadata,
        Field::Title,
        Field::Other,
    ];

    /// The name used in profile files.
    pub fn name(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Custom => "custom",
            Field::FileName => "file-name",
            Field::Url => "url",
            Field::Account => "account",
            Field::Metadata => "metadata",
            Field::Title => "title",
            Field::Other => "other",
        }
    }

    fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A named rule of a profile file.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its name (in the report).
    pub name: String,
    /// What it matches.
    pub regex: Regex,
    /// What a match becomes.
    pub replacement: String,
    /// The fields it applies to; empty = all.
    pub fields: Vec<Field>,
}

impl Rule {
    /// Whether the rule applies to `field`.
    pub fn applies_to(&self, field: Field) -> bool {
        self.fields.is_empty() || self.fields.contains(&field)
    }
}

/// A resolved redaction profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `external`, `internal`, or the profile file's `name` (default: its file stem).
    pub name: String,
    /// Built-in detectors in use.
    pub detectors: Vec<Detector>,
    /// The file's own rules.
    pub rules: Vec<Rule>,
    /// Accounts become `Customer`, `Agent 1`…
    pub pseudonyms: bool,
    /// Images, files, voice and video are kept (else replaced by placeholders).
    pub keep_media: bool,
    /// Location coordinates are kept (else removed; the description is redacted).
    pub keep_location: bool,
    /// Metadata columns kept (values still redacted); `None` keeps every column.
    pub metadata_allow: Option<Vec<String>>,
}

impl Profile {
    /// `external`: every detector, pseudonyms, media placeholders, no metadata.
    pub fn external() -> Profile {
        Profile {
            name: "external".into(),
            detectors: Detector::ALL.to_vec(),
            rules: Vec::new(),
            pseudonyms: true,
            keep_media: false,
            keep_location: false,
            metadata_allow: Some(Vec::new()),
        }
    }

    /// `internal`: nothing redacted.
    pub fn internal() -> Profile {
        Profile {
            name: "internal".into(),
            detectors: Vec::new(),
            rules: Vec::new(),
            pseudonyms: false,
            keep_media: true,
            keep_location: true,
            metadata_allow: None,
        }
    }

    /// Whether the profile changes nothing at all (so records can be copied byte for byte).
    pub fn is_identity(&self) -> bool {
        self.detectors.is_empty()
            && self.rules.is_empty()
            && !self.pseudonyms
            && self.keep_media
            && self.keep_location
            && self.metadata_allow.is_none()
    }

    /// Whether the metadata column `key` is kept.
    pub fn keeps_metadata(&self, key: &str) -> bool {
        match &self.metadata_allow {
            None => true,
            Some(allow) => allow.iter().any(|a| a.eq_ignore_ascii_case(key)),
        }
    }

    /// Resolves `--redact PROFILE`: `external`, `internal`, or a TOML file.
    pub fn resolve(arg: &str) -> Result<Profile> {
        match arg {
            "external" => Ok(Profile::external()),
            "internal" => Ok(Profile::internal()),
            _ => {
                let path = Path::new(arg);
                if !path.is_file() {
                    return Err(Error::Usage(format!(
                        "unknown redaction profile `{arg}` (use external, internal or a TOML profile file)"
                    )));
                }
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::Usage(format!("cannot read redaction profile `{arg}`: {e}"))
                })?;
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("custom");
                Profile::from_toml(&text, stem)
                    .map_err(|why| Error::Usage(format!("redaction profile `{arg}`: {why}")))
            }
        }
    }

    /// Parses a profile file; `default_name` is used when it has no `name`.
    pub fn from_toml(text: &str, default_name: &str) -> std::result::Result<Profile, String> {
        let file: ProfileFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .unwrap_or(0);
            let message = e.message().lines().next().unwrap_or("invalid").to_owned();
            format!("line {line}: {message}")
        })?;
        let mut profile = match file.base.as_deref().unwrap_or("external") {
            "external" => Profile::external(),
            "internal" => Profile::internal(),
            other => {
                return Err(format!("unknown base `{other}` (use external or internal)"));
            }
        };
        profile.name = file.name.unwrap_or_else(|| default_name.to_owned());
        if profile.name.trim().is_empty() || profile.name.contains(['\n', '\r']) {
            return Err("`name` must be one non-empty line".into());
        }
        if let Some(names) = file.detectors {
            profile.detectors = names
                .iter()
                .map(|n| {
                    Detector::from_name(n).ok_or_else(|| {
                        format!(
                            "unknown detector `{n}` (use email, phone, prc-id, card, ip, url-query)"
                        )
                    })
                })
                .collect::<std::result::Result<_, _>>()?;
        }
        profile.pseudonyms = file.pseudonyms.unwrap_or(profile.pseudonyms);
        profile.keep_media = match file.media.as_deref() {
            None => profile.keep_media,
            Some("keep") => true,
            Some("placeholder") => false,
            Some(other) => return Err(format!("`media = \"{other}\"`: use keep or placeholder")),
        };
        profile.keep_location = match file.location.as_deref() {
            None => profile.keep_location,
            Some("keep") => true,
            Some("drop") => false,
            Some(other) => return Err(format!("`location = \"{other}\"`: use keep or drop")),
        };
        if let Some(metadata) = file.metadata {
            profile.metadata_allow = Some(metadata.allow);
        }
        profile.rules = file
            .rules
            .into_iter()
            .map(rule)
            .collect::<std::result::Result<_, _>>()?;
        Ok(profile)
    }
}

fn rule(r: RuleFile) -> std::result::Result<Rule, String> {
    let name = r.name;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "rule name `{name}`: use letters, digits, `-` and `_`"
        ));
    }
    let regex = Regex::new(&r.pattern).map_err(|e| format!("rule `{name}`: {e}"))?;
    if regex.is_match("") {
        return Err(format!(
            "rule `{name}`: the pattern matches the empty string"
        ));
    }
    let replacement = r.replacement.unwrap_or_else(|| "[redacted]".to_owned());
    // A replacement its own rule matches again would make redaction never settle.
    if regex.is_match(&replacement) {
        return Err(format!(
            "rule `{name}`: the replacement `{replacement}` matches the rule's own pattern"
        ));
    }
    let fields = r
        .fields
        .unwrap_or_default()
        .iter()
        .map(|f| {
            Field::from_name(f).ok_or_else(|| {
                format!(
                    "rule `{name}`: unknown field `{f}` (use text, custom, file-name, url, account, metadata, title, other)"
                )
            })
        })
        .collect::<std::result::Result<_, _>>()?;
    Ok(Rule {
        name,
        regex,
        replacement,
        fields,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: Option<String>,
    base: Option<String>,
    detectors: Option<Vec<String>>,
    pseudonyms: Option<bool>,
    media: Option<String>,
    location: Option<String>,
    metadata: Option<MetadataFile>,
    #[serde(default)]
    rules: Vec<RuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataFile {
    allow: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    name: String,
    pattern: String,
    replacement: Option<String>,
    fields: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_profile_parses() {
        let text = include_str!("../../examples/redaction-profile.toml");
        let p = Profile::from_toml(text, "redaction-profile").unwrap();
        assert_eq!(p.name, "legal-production");
        assert!(p.keeps_metadata("channel") && !p.keeps_metadata("Phone"));
        assert!(p.rules.iter().any(|r| r.name == "order-token"));
    }

    #[test]
    fn bad_profiles_name_the_problem() {
        for (text, needle) in [
            ("detectors = [\"dna\"]", "unknown detector `dna`"),
            (
                "[[rules]]\nname = \"x\"\npattern = \"a*\"",
                "matches the empty string",
            ),
            ("[[rules]]\nname = \"x\"\npattern = \"(\"", "rule `x`"),
            (
                "[[rules]]\nname = \"x\"\npattern = \"x\"\nreplacement = \"xx\"",
                "matches the rule's own pattern",
            ),
            ("colour = 1", "line 1"),
            ("base = \"public\"", "unknown base"),
            (
                "[[rules]]\nname = \"x\"\npattern = \"y\"\nfields = [\"body\"]",
                "unknown field `body`",
            ),
        ] {
            let err = Profile::from_toml(text, "p").unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn internal_is_the_identity_and_external_is_not() {
        assert!(Profile::internal().is_identity());
        assert!(!Profile::external().is_identity());
        let p = Profile::from_toml("base = \"internal\"\ndetectors = [\"card\"]", "p").unwrap();
        assert!(!p.is_identity());
        assert_eq!(p.detectors, [Detector::Card]);
    }
}
