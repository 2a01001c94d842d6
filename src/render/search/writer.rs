//! Our own writer of Pagefind 1.6's index format, for exactly the records the archive
//! makes (custom records with anchors, meta and filters; no sorts, no HTML).
//!
//! The browser side stays Pagefind's (`pagefind.js`, its worker and WebAssembly, taken
//! from the `pagefind` crate), so the files must be the ones the `pagefind` crate would
//! write for the same records: the same words (see [`super::words`], Pagefind's own
//! splitting), positions, weights, anchors, meta and filters, the same CBOR and JSON, the
//! same hash-named files. The tests below build the same documents with both and compare
//! every file's decoded content.
//!
//! What makes it cheaper than the crate: the words of each distinct raw word are worked
//! out once per bundle (a shard's vocabulary is small next to its number of words) and
//! held as numbers; a page's words are one flat list sorted once, not a map of strings;
//! fragments are written once, as JSON, and grouped without parsing them again; and the
//! files are compressed at a faster level than Pagefind's best.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use hashbrown::HashMap;
use libdeflater::{CompressionLvl, Compressor};
use minicbor::Encode;
use pagefind_stem::Stemmer;
use regex::Regex;
use serde::Serialize;
use sha1::{Digest, Sha1};
use unicode_segmentation::UnicodeSegmentation;

use super::doc::Record;
use super::postings::{self, MetaPosting, NO_FORM, Posting, WordIndex};
use super::words::{self, IndexableWord, WORD_SYMBOLS};

/// Compression level of the index files (libdeflate). Pagefind uses zlib's best (9); at
/// 4,000 × 100 messages libdeflate's 1 writes 1.5 % fewer bytes than zlib-rs's 2 (the
/// level used before) in 30 % less time, 6 % more than zlib's 6 in a third of its time.
const GZIP_LEVEL: i32 = 1;

const ANCHOR: &str = "___PAGEFIND_ANCHOR___";
const WEIGHT: &str = "___PAGEFIND_WEIGHT___";
const AUTO_WEIGHT: &str = "___PAGEFIND_AUTO_WEIGHT___";
const END_WEIGHT: &str = "___END_PAGEFIND_WEIGHT___";

/// Pagefind's default weight (1.0), as stored.
const WEIGHT_MULTIPLIER: f32 = 24.0;
const WEIGHT_MAX: f32 = 10.0;

/// Pagefind's private markers left in meta and filter values (it removes them).
static PRIVATE_PAGEFIND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("___PAGEFIND_[\\S]+\\s?").expect("the marker pattern compiles"));

/// One file of a bundle: its path inside the bundle (`/`-separated) and its bytes.
#[derive(Debug, Clone)]
pub(super) struct BundleFile {
    /// E.g. `pagefind-entry.json`, `index/en_1a2b3c4.pf_index`.
    pub(super) path: String,
    /// Its bytes.
    pub(super) bytes: Vec<u8>,
}

/// What a bundle needs besides its records.
pub(super) struct Options<'a> {
    /// Pagefind's language code (`en`, `zh-cn`).
    pub(super) language: &'a str,
    /// Group the fragments into at most this many files (Pagefind's `max_fragments`).
    pub(super) max_fragments: Option<u32>,
    /// The WebAssembly Pagefind names for the language (`pagefind-entry.json`'s `wasm`).
    pub(super) wasm: Option<&'a str>,
    /// The version of Pagefind whose browser side reads the files (the format is 1.6's).
    pub(super) version: &'a str,
}

/// Builds the index files of `records` (in order), as the `pagefind` crate would write
/// them: `pagefind-entry.json`, `pagefind.*.pf_meta`, `index/`, `fragment/`, `filter/`.
pub(super) fn build(
    records: impl Iterator<Item = Record>,
    options: &Options<'_>,
) -> Vec<BundleFile> {
    let mut writer = Writer::new(options.language);
    let mut pages = Vec::new();
    for r in records {
        let page = writer.fossick(r);
        // Pagefind drops a record without a word to index.
        if !page.postings.is_empty() {
            pages.push(page);
        }
    }
    let mut files = Vec::new();
    let mut languages = BTreeMap::new();
    if !pages.is_empty() {
        let (meta_hash, page_count) = writer.write_index(pages, options, &mut files);
        languages.insert(
            options.language.to_owned(),
            EntryLanguage {
                hash: meta_hash,
                wasm: options.wasm.map(str::to_owned),
                page_count,
            },
        );
    }
    let entry = Entry {
        version: options.version,
        languages,
        include_characters: WORD_SYMBOLS.to_vec(),
    };
    files.push(BundleFile {
        path: "pagefind-entry.json".to_owned(),
        // Strings and numbers only: it serialises.
        bytes: serde_json::to_vec(&entry).unwrap_or_default(),
    });
    files
}

/// `pagefind-entry.json`.
#[derive(Serialize)]
struct Entry<'a> {
    version: &'a str,
    languages: BTreeMap<String, EntryLanguage>,
    include_characters: Vec<char>,
}

#[derive(Serialize)]
struct EntryLanguage {
    hash: String,
    wasm: Option<String>,
    page_count: usize,
}

/// One record's fragment as Pagefind writes it (field order matters: it is hashed).
#[derive(Serialize)]
struct FragmentJson<'a> {
    url: &'a str,
    content: &'a str,
    word_count: usize,
    filters: &'a BTreeMap<String, Vec<String>>,
    meta: &'a BTreeMap<String, String>,
    anchors: &'a [AnchorJson],
}

#[derive(Serialize)]
struct AnchorJson {
    element: String,
    id: String,
    text: String,
    location: u32,
}

/// One record, fossicked.
struct Page {
    /// Its fragment's JSON.
    json: String,
    word_count: usize,
    postings: Vec<Posting>,
    /// Field numbers are the record's own (its meta keys in order).
    meta_postings: Vec<MetaPosting>,
    meta_keys: Vec<String>,
    filters: BTreeMap<String, Vec<String>>,
}

/// The words of one raw word, worked out once.
struct Analysis {
    /// Word and form of each, and whether it is a compound part.
    items: Box<[(u32, u32, bool)]>,
    /// How many of `items` are [`words::get_indexable_words`]'s (meta words use those).
    base: usize,
    /// How many are compound parts.
    compound: usize,
}

/// Strings numbered in order of first sight.
#[derive(Default)]
struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX - 1);
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }
}

/// The state of one bundle's build.
struct Writer {
    stemmer: Option<Stemmer>,
    segment: bool,
    segmenter: Option<icu_segmenter::WordSegmenterBorrowed<'static>>,
    words: Interner,
    forms: Interner,
    /// Analyses of raw words, unsegmented and segmented.
    cache: [HashMap<String, Analysis>; 2],
}

/// The state of one record's text as it is read.
struct PageText {
    content: String,
    postings: Vec<Posting>,
    anchors: Vec<AnchorJson>,
    total: usize,
    max: usize,
    weights: Vec<u8>,
}

impl Writer {
    fn new(language: &str) -> Writer {
        let segment = words::segments(language);
        Writer {
            stemmer: words::stemmer(language),
            segment,
            segmenter: segment.then(|| *super::text::SEGMENTER),
            words: Interner::default(),
            forms: Interner::default(),
            cache: [HashMap::new(), HashMap::new()],
        }
    }

    /// Pagefind's `fossick_sync` and `parse_digest` for one custom record.
    fn fossick(&mut self, r: Record) -> Page {
        let mut text = PageText {
            content: String::with_capacity(r.content.len()),
            postings: Vec::new(),
            anchors: Vec::new(),
            total: 0,
            max: 0,
            weights: vec![WEIGHT_MULTIPLIER as u8],
        };
        for chunk in r.content.split_whitespace() {
            match self.segmenter.filter(|_| !chunk.starts_with("___")) {
                Some(segmenter) => {
                    let mut segments = words::segment_words(segmenter, chunk).peekable();
                    let mut previous: Option<&str> = None;
                    while let Some(word) = segments.next() {
                        let last = segments.peek().is_none();
                        self.track(&mut text, word, last, previous, true);
                        // As Pagefind finds it (forwards).
                        #[allow(clippy::double_ended_iterator_last)]
                        {
                            previous = word.graphemes(true).last();
                        }
                    }
                }
                None => self.track(&mut text, chunk, true, None, false),
            }
        }
        if text.content.ends_with('\u{200B}') {
            text.content.pop();
        }
        if text.content.ends_with(' ') {
            text.content.pop();
        }
        let mut meta = r.meta;
        let mut filters = r.filters;
        for value in filters.values_mut().flatten().chain(meta.values_mut()) {
            if let Cow::Owned(s) = PRIVATE_PAGEFIND.replace_all(value, "") {
                *value = s;
            }
        }
        let meta_postings = self.meta_words(&meta);
        let word_count = text.max + 1;
        let fragment = FragmentJson {
            url: &r.url,
            content: &text.content,
            word_count,
            filters: &filters,
            meta: &meta,
            anchors: &text.anchors,
        };
        Page {
            // Strings, numbers and maps of strings: it serialises.
            json: serde_json::to_string(&fragment).unwrap_or_default(),
            word_count,
            postings: text.postings,
            meta_postings,
            meta_keys: meta.into_keys().collect(),
            filters,
        }
    }

    /// Pagefind's `track_word`: one whitespace- or segmenter-delimited word.
    fn track(
        &mut self,
        text: &mut PageText,
        word: &str,
        append_whitespace: bool,
        previous_cluster: Option<&str>,
        segmented: bool,
    ) {
        if word.starts_with('_') && directive(text, word) {
            return;
        }
        // Zero-width spaces are Pagefind's own boundaries.
        let base: Cow<'_, str> = if word.contains('\u{200B}') {
            Cow::Owned(word.replace('\u{200B}', ""))
        } else {
            Cow::Borrowed(word)
        };
        if base.is_empty() {
            return;
        }
        text.content.push_str(&base);
        if append_whitespace {
            text.content.push(' ');
        }
        if self.segment {
            text.content.push('\u{200B}');
        }
        let word_weight = *text.weights.last().unwrap_or(&1);
        let position = u32::try_from(text.total).unwrap_or(u32::MAX);
        let cross = segmented
            .then(|| self.cross_bigram(&base, previous_cluster))
            .flatten();
        let analysis = self.analysis(&base, segmented);
        let compound_count = analysis.compound + usize::from(cross.is_some());
        let partial_weight = if compound_count > 0 && word_weight > 0 {
            (word_weight / u8::try_from(compound_count).unwrap_or(u8::MAX)).max(1)
        } else {
            0
        };
        for &(word, form, compound) in analysis.items.iter() {
            let weight = if compound {
                partial_weight
            } else {
                word_weight
            };
            text.postings
                .push(Posting::new(word, form, position, weight));
        }
        if let (Some((word, form)), Some(before)) = (cross, position.checked_sub(1)) {
            // The pair belongs to the segment it starts in, unless that already has it.
            let known = text
                .postings
                .iter()
                .rev()
                .take_while(|p| p.position() + 1 >= before)
                .any(|p| p.word() == word && p.position() == before);
            if !known {
                text.postings
                    .push(Posting::new(word, form, before, partial_weight));
            }
        }
        text.max = text.total;
        text.total += 1;
    }

    /// The words of `raw` (cached), with bigrams when `segmented`.
    fn analysis(&mut self, raw: &str, segmented: bool) -> &Analysis {
        let Writer {
            stemmer,
            words,
            forms,
            cache,
            ..
        } = self;
        cache[usize::from(segmented)]
            .entry_ref(raw)
            .or_insert_with(|| analyse(raw, segmented, stemmer.as_ref(), words, forms))
    }

    /// The pair of clusters across the boundary before `raw`, unless `raw` indexes it.
    fn cross_bigram(&mut self, raw: &str, previous: Option<&str>) -> Option<(u32, u32)> {
        // Cheap refusal first: most boundaries are not between two Han/kana clusters.
        if !previous.is_some_and(words::is_segmented_cluster) {
            return None;
        }
        let stemmer = self.stemmer.as_ref();
        let bigram = words::get_indexable_cross_bigram(raw, previous, stemmer, &[])?;
        // `raw`'s analysis interns its words: run it before looking the pair up, or a pair
        // equal to one of them on its first appearance (Myanmar `ၖ` + Lao `ລ` is `ລ`
        // without its diacritic) would not be found in the vocabulary yet.
        self.analysis(raw, true);
        if let Some(word) = self.words.get(&bigram.stemmed)
            && self.analysis(raw, true).items.iter().any(|i| i.0 == word)
        {
            return None;
        }
        let (word, form, _) = self.intern(&bigram);
        Some((word, form))
    }

    fn intern(&mut self, w: &IndexableWord) -> (u32, u32, bool) {
        intern(&mut self.words, &mut self.forms, w)
    }

    /// Pagefind's `parse_meta_words`.
    fn meta_words(&mut self, meta: &BTreeMap<String, String>) -> Vec<MetaPosting> {
        let mut out = Vec::new();
        for (field, value) in meta.values().enumerate() {
            for (position, word) in value.split_whitespace().enumerate() {
                let analysis = self.analysis(word, false);
                for &(word, form, _) in &analysis.items[..analysis.base] {
                    out.push(MetaPosting::new(
                        word,
                        form,
                        u16::try_from(field).unwrap_or(u16::MAX),
                        u32::try_from(position).unwrap_or(u32::MAX),
                    ));
                }
            }
        }
        out
    }

    /// Pagefind's `build_indexes` and `write_files` for the kept `pages`: adds the meta,
    /// word, filter and fragment files to `out`; returns the meta file's hash and the
    /// number of pages.
    fn write_index(
        &mut self,
        pages: Vec<Page>,
        options: &Options<'_>,
        out: &mut Vec<BundleFile>,
    ) -> (String, usize) {
        let language = options.language;
        let mut meta_fields: Vec<String> = pages
            .iter()
            .flat_map(|p| p.meta_keys.iter().cloned())
            .collect();
        meta_fields.sort_unstable();
        meta_fields.dedup();
        let mut words = WordIndex::new(self.words.names.len());
        let mut filter_map: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
        let mut fragments = Vec::with_capacity(pages.len());
        let mut fragment_hashes: HashMap<String, String> = HashMap::new();
        for (number, mut page) in pages.into_iter().enumerate() {
            let field_ids: Vec<u16> = page
                .meta_keys
                .iter()
                .map(|k| meta_fields.binary_search(k).unwrap_or(0) as u16)
                .collect();
            for m in &mut page.meta_postings {
                m.field = field_ids[usize::from(m.field)];
            }
            words.add_page(
                &self.forms.names,
                &mut page.postings,
                &mut page.meta_postings,
                number,
            );
            for (filter, values) in page.filters {
                let values_map = filter_map.entry(filter).or_default();
                for value in values {
                    values_map.entry(value).or_default().push(number);
                }
            }
            let full = format!("{language}_{}", full_hash(page.json.as_bytes()));
            let mut len = language.len() + 8;
            while let Some(other) = fragment_hashes.get(&full[..len]) {
                if *other == full || len == full.len() {
                    break;
                }
                len += 1;
            }
            let short = full[..len].to_owned();
            fragment_hashes.insert(short.clone(), full);
            fragments.push((short, page.word_count, page.json));
        }
        let page_count = fragments.len();
        let mut meta = MetaIndex {
            version: options.version.to_owned(),
            pages: Vec::with_capacity(page_count),
            index_chunks: Vec::new(),
            filters: Vec::new(),
            sorts: Vec::new(),
            meta_fields,
        };
        write_fragments(fragments, options, &mut meta, out);
        write_filters(filter_map, language, &mut meta, out);
        write_words(
            words,
            &self.words.names,
            &self.forms.names,
            language,
            &mut meta,
            out,
        );
        let mut bytes = Vec::new();
        // Encoding into a Vec cannot fail.
        let _ = minicbor::encode(&meta, &mut bytes);
        let hash = full_hash(&bytes);
        let meta_hash = format!("{language}_{}", &hash[..language.len() + 8]);
        out.push(BundleFile {
            path: format!("pagefind.{meta_hash}.pf_meta"),
            bytes: gzip(&bytes),
        });
        (meta_hash, page_count)
    }
}

/// Works out the words of `raw` as Pagefind's `track_word` does (without the pair across
/// the boundary before it, which depends on the word before).
fn analyse(
    raw: &str,
    segmented: bool,
    stemmer: Option<&Stemmer>,
    vocab: &mut Interner,
    forms: &mut Interner,
) -> Analysis {
    let mut found = words::get_indexable_words(raw, stemmer, &WORD_SYMBOLS);
    let base = found.len();
    let tails = words::get_dotted_tails(raw, stemmer, &WORD_SYMBOLS, &found);
    found.extend(tails);
    if segmented {
        let bigrams = words::get_indexable_bigrams(raw, stemmer, &found);
        found.extend(bigrams);
    }
    let items: Box<[_]> = found.iter().map(|w| intern(vocab, forms, w)).collect();
    Analysis {
        compound: items.iter().filter(|i| i.2).count(),
        items,
        base,
    }
}

/// The numbers of a word and of its form with diacritics.
fn intern(vocab: &mut Interner, forms: &mut Interner, w: &IndexableWord) -> (u32, u32, bool) {
    let word = vocab.id(&w.stemmed);
    let form = w.original.as_deref().map_or(NO_FORM, |o| forms.id(o));
    (word, form, w.is_compound_part)
}

/// Handles a Pagefind directive word (anchor, weight); false if `word` is not one.
fn directive(text: &mut PageText, word: &str) -> bool {
    if let Some(after) = word.strip_prefix(ANCHOR) {
        // Pagefind takes out every copy of the marker; the render's own anchors (one a
        // message) have no other, and a char search spares building a substring searcher.
        let rest: Cow<'_, str> = match after.contains('_') {
            false => Cow::Borrowed(after),
            true => Cow::Owned(word.replace(ANCHOR, "")),
        };
        if let Some((element, anchor_id)) = rest.split_once(':')
            && let Some((_, id)) = anchor_id.split_once(':')
        {
            text.anchors.push(AnchorJson {
                element: element.to_owned(),
                id: id.to_owned(),
                // A custom record has no element text.
                text: String::new(),
                location: u32::try_from(text.total).unwrap_or(u32::MAX),
            });
        }
        return true;
    }
    if word.starts_with(WEIGHT) {
        let weight = word.replace(WEIGHT, "").parse::<f32>().unwrap_or(1.0);
        text.weights.push(if weight <= 0.0 {
            0
        } else {
            ((weight.clamp(0.0, WEIGHT_MAX) * WEIGHT_MULTIPLIER) as u8).max(1)
        });
        return true;
    }
    if word.starts_with(AUTO_WEIGHT) {
        if text.weights.len() == 1 {
            let weight = word.replace(AUTO_WEIGHT, "").parse::<f32>().unwrap_or(1.0);
            text.weights
                .push((weight.clamp(0.0, WEIGHT_MAX) * WEIGHT_MULTIPLIER) as u8);
        } else {
            text.weights
                .push(text.weights.last().copied().unwrap_or_default());
        }
        return true;
    }
    if word.starts_with(END_WEIGHT) {
        text.weights.pop();
        return true;
    }
    false
}

/// The fragment files, grouped as Pagefind groups them with `max_fragments`, and the
/// pages of the meta index.
fn write_fragments(
    fragments: Vec<(String, usize, String)>,
    options: &Options<'_>,
    meta: &mut MetaIndex,
    out: &mut Vec<BundleFile>,
) {
    let language = options.language;
    let max = options
        .max_fragments
        .filter(|&m| m > 0 && (m as usize) < fragments.len());
    let Some(max) = max else {
        for (hash, word_count, json) in fragments {
            out.push(BundleFile {
                path: format!("fragment/{hash}.pf_fragment"),
                bytes: gzip(json.as_bytes()),
            });
            meta.pages.push(MetaPage {
                hash,
                word_count: word_count as u32,
                group_hash: String::new(),
            });
        }
        return;
    };
    let group_size = (fragments.len() as f32 / max as f32).ceil() as usize;
    let mut group_hashes: hashbrown::HashSet<String> = hashbrown::HashSet::new();
    for chunk in fragments.chunks(group_size) {
        // Pagefind writes a map of hash to fragment, sorted by hash; its JSON values keep
        // their fields in order (serde_json's `preserve_order`, on in this build).
        let mut sorted: Vec<&(String, usize, String)> = chunk.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut json = String::with_capacity(chunk.iter().map(|f| f.2.len() + 16).sum());
        json.push('{');
        for (i, (hash, _, fragment)) in sorted.into_iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push('"');
            json.push_str(hash);
            json.push_str("\":");
            json.push_str(fragment);
        }
        json.push('}');
        let prefix = format!("{language}_group_");
        let group_hash = format!("{prefix}{}", full_hash(json.as_bytes()));
        let mut len = prefix.len() + 7;
        while group_hashes.contains(&group_hash[..len]) && len < prefix.len() + 40 {
            len += 1;
        }
        let short = group_hash[..len].to_owned();
        group_hashes.insert(short.clone());
        out.push(BundleFile {
            path: format!("fragment/{short}.pf_fragment"),
            bytes: gzip(json.as_bytes()),
        });
        for (hash, word_count, _) in chunk {
            meta.pages.push(MetaPage {
                hash: hash.clone(),
                word_count: *word_count as u32,
                group_hash: short.clone(),
            });
        }
    }
}

/// The word index files (words sorted, in chunks) and their ranges in the meta index.
fn write_words(
    words: WordIndex,
    names: &[Box<str>],
    forms: &[Box<str>],
    language: &str,
    meta: &mut MetaIndex,
    out: &mut Vec<BundleFile>,
) {
    let chunks = words.chunks(names, forms, index_chunk_size());
    meta.index_chunks = chunk_meta(&chunks);
    let mut taken: hashbrown::HashSet<String> = hashbrown::HashSet::new();
    for (chunk, range) in chunks.iter().zip(&mut meta.index_chunks) {
        let hash = format!("{language}_{}", full_hash(&chunk.cbor));
        let short = unique_prefix(&hash, language.len() + 8, &taken);
        taken.insert(short.clone());
        out.push(BundleFile {
            path: format!("index/{short}.pf_index"),
            bytes: gzip(&chunk.cbor),
        });
        range.hash = short;
    }
}

/// The filter files, one per filter, and their entries in the meta index.
fn write_filters(
    filters: BTreeMap<String, BTreeMap<String, Vec<usize>>>,
    language: &str,
    meta: &mut MetaIndex,
    out: &mut Vec<BundleFile>,
) {
    let mut names: hashbrown::HashSet<String> = hashbrown::HashSet::new();
    for (filter, values) in filters {
        let index = FilterIndex {
            filter: filter.clone(),
            values: values
                .into_iter()
                .map(|(value, pages)| PackedValue { value, pages })
                .collect(),
        };
        let mut bytes = Vec::new();
        let _ = minicbor::encode(index, &mut bytes);
        let hash = format!("{language}_{}", full_hash(&bytes));
        let short = unique_prefix(&hash, language.len() + 8, &names);
        names.insert(short.clone());
        out.push(BundleFile {
            path: format!("filter/{short}.pf_filter"),
            bytes: gzip(&bytes),
        });
        meta.filters.push(MetaFilter {
            filter,
            hash: short,
        });
    }
}

/// The shortest prefix of `hash` from `len` characters that is not in `taken`, grown as
/// Pagefind grows it (two characters at a time).
fn unique_prefix(hash: &str, len: usize, taken: &hashbrown::HashSet<String>) -> String {
    let mut short = &hash[..len];
    while taken.contains(short) {
        let new_length = short.len() + 1;
        short = &hash[..=new_length.min(hash.len() - 1)];
        if short.len() == hash.len() {
            break;
        }
    }
    short.to_owned()
}

/// Pagefind's chunk size, in locations (`PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE` as it reads).
fn index_chunk_size() -> usize {
    std::env::var("PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20000)
}

/// Pagefind's `chunk_meta`: each chunk's range of words, trimmed to the shortest prefixes
/// that tell neighbours apart.
fn chunk_meta(chunks: &[postings::Chunk]) -> Vec<MetaChunk> {
    let mut named: Vec<MetaChunk> = chunks
        .iter()
        .map(|c| MetaChunk {
            from: c.from.clone(),
            to: c.to.clone(),
            hash: String::new(),
        })
        .collect();
    for i in 1..named.len() {
        let (a, b) = get_prefixes(&named[i - 1].to, &named[i].from);
        if a >= named[i - 1].from {
            named[i - 1].to = a;
        }
        named[i].from = b;
    }
    named
}

fn get_prefixes(a: &str, b: &str) -> (String, String) {
    let common = b
        .chars()
        .zip(a.chars())
        .take_while(|&(a, b)| a == b)
        .count();
    (
        a.chars().take(common + 1).collect(),
        b.chars().take(common + 1).collect(),
    )
}

/// Pagefind's `full_hash`: SHA-1 in hexadecimal, each byte without its leading zero.
fn full_hash(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(40);
    for b in Sha1::digest(bytes) {
        let _ = write!(out, "{b:x}");
    }
    out
}

/// Gzip of `pagefind_dcd` followed by `bytes`, as Pagefind compresses its index files.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    /// A thread's compressor (a few hundred KB of tables) and buffers, reused.
    struct Gzip {
        compressor: Compressor,
        payload: Vec<u8>,
        out: Vec<u8>,
    }
    thread_local! {
        static GZIP: std::cell::RefCell<Option<Gzip>> = const { std::cell::RefCell::new(None) };
    }
    const MARK: &[u8] = b"pagefind_dcd";
    GZIP.with_borrow_mut(|state| {
        let Gzip {
            compressor,
            payload,
            out,
        } = state.get_or_insert_with(|| Gzip {
            // A level in libdeflate's range (0–12).
            compressor: Compressor::new(CompressionLvl::new(GZIP_LEVEL).unwrap_or_default()),
            payload: Vec::new(),
            out: Vec::new(),
        });
        payload.clear();
        payload.extend_from_slice(MARK);
        payload.extend_from_slice(bytes);
        out.resize(compressor.gzip_compress_bound(payload.len()), 0);
        // The buffer has the bound's room: compressing into it cannot fail.
        let n = compressor.gzip_compress(payload, out).unwrap_or(0);
        // Copied out at its size: a shard's files are held until they are all written.
        out[..n].to_vec()
    })
}

// Pagefind's CBOR structures (`index/index_*.rs`), field for field.

/// `pagefind.*.pf_meta`.
#[derive(Encode)]
struct MetaIndex {
    #[n(0)]
    version: String,
    #[n(1)]
    pages: Vec<MetaPage>,
    #[n(2)]
    index_chunks: Vec<MetaChunk>,
    #[n(3)]
    filters: Vec<MetaFilter>,
    #[n(4)]
    sorts: Vec<MetaSort>,
    #[n(5)]
    meta_fields: Vec<String>,
}

#[derive(Encode)]
struct MetaChunk {
    #[n(0)]
    from: String,
    #[n(1)]
    to: String,
    #[n(2)]
    hash: String,
}

#[derive(Encode)]
struct MetaPage {
    #[n(0)]
    hash: String,
    #[n(1)]
    word_count: u32,
    #[n(2)]
    group_hash: String,
}

#[derive(Encode)]
struct MetaFilter {
    #[n(0)]
    filter: String,
    #[n(1)]
    hash: String,
}

#[derive(Encode)]
struct MetaSort {
    #[n(0)]
    sort: String,
    #[n(1)]
    pages: Vec<usize>,
}

/// `filter/*.pf_filter`.
#[derive(Encode)]
struct FilterIndex {
    #[n(0)]
    filter: String,
    #[n(1)]
    values: Vec<PackedValue>,
}

#[derive(Encode)]
struct PackedValue {
    #[n(0)]
    value: String,
    #[n(1)]
    pages: Vec<usize>,
}
