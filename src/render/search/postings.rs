//! A bundle's word index as it is filled, page by page: where each word is on each page,
//! written straight into the CBOR of Pagefind's `PackedWord` (`index/*.pf_index`), so that
//! a word's pages are one growing buffer rather than two small vectors each.
//!
//! Pagefind's rules, kept exactly: a page's locations of a word are sorted by weight (its
//! usual weight first) then position and delta-encoded, a change of weight written as a
//! negative number followed by an absolute position; meta locations mark a change of
//! field with a negative number; page numbers are delta-encoded per word; a word's forms
//! with diacritics are its variants, in the order Pagefind meets them.

/// No diacritic variant (sorts after every form).
pub(super) const NO_FORM: u32 = u32::MAX;

/// Pagefind's usual weight as it sorts locations (its 1.0 is stored as 24, but it sorts
/// 25 first).
const SORTED_FIRST: u8 = 25;

/// One word of a page's text at one position: its word, form, weight key, position and
/// weight packed into one number in that order of significance, so that sorting a page's
/// postings (by word, form, weight key, then position, as Pagefind orders locations) is
/// a sort of plain integers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Posting(u128);

impl Posting {
    /// Word `word` (with diacritics `form`, or [`NO_FORM`]) at `position`.
    pub(super) fn new(word: u32, form: u32, position: u32, weight: u8) -> Posting {
        let weight_key = if weight == SORTED_FIRST { 0 } else { weight };
        Posting(
            u128::from(word) << 80
                | u128::from(form) << 48
                | u128::from(weight_key) << 40
                | u128::from(position) << 8
                | u128::from(weight),
        )
    }

    /// The word's number.
    pub(super) fn word(&self) -> u32 {
        (self.0 >> 80) as u32
    }

    /// The form's number.
    fn form(&self) -> u32 {
        (self.0 >> 48) as u32
    }

    /// Its position.
    pub(super) fn position(&self) -> u32 {
        (self.0 >> 8) as u32
    }

    /// Its weight.
    fn weight(&self) -> u8 {
        self.0 as u8
    }
}

/// One word of a meta field of a page.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct MetaPosting {
    word: u32,
    form: u32,
    /// The field's number (first the page's own, then the index's).
    pub(super) field: u16,
    position: u32,
}

impl MetaPosting {
    /// Word `word` (form `form`) at `position` of field `field`.
    pub(super) fn new(word: u32, form: u32, field: u16, position: u32) -> MetaPosting {
        MetaPosting {
            word,
            form,
            field,
            position,
        }
    }
}

/// A word's (or a variant's) pages, CBOR-encoded one after the other.
#[derive(Default)]
struct Pages {
    bytes: Vec<u8>,
    count: usize,
    /// The last page's number (page numbers are delta-encoded).
    last: usize,
}

impl Pages {
    fn push(&mut self, number: usize, locs: &[i32], meta_locs: &[i32]) {
        self.bytes.push(0x83);
        head(&mut self.bytes, 0, (number - self.last) as u64);
        self.last = number;
        ints(&mut self.bytes, locs);
        ints(&mut self.bytes, meta_locs);
        self.count += 1;
    }
}

/// One word of the index.
#[derive(Default)]
struct Word {
    used: bool,
    pages: Pages,
    variants: Vec<(u32, Pages)>,
    /// Pagefind's measure of its size for chunking: locations and meta locations, plus
    /// one a page.
    size: usize,
}

/// The word index of one bundle.
pub(super) struct WordIndex {
    words: Vec<Word>,
    locs: Vec<i32>,
    meta_locs: Vec<i32>,
}

/// One chunk of the index: its first and last words and its CBOR.
pub(super) struct Chunk {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) cbor: Vec<u8>,
}

impl WordIndex {
    /// An empty index of `count` words (numbered by the writer).
    pub(super) fn new(count: usize) -> WordIndex {
        let mut words = Vec::new();
        words.resize_with(count, Word::default);
        WordIndex {
            words,
            locs: Vec::new(),
            meta_locs: Vec::new(),
        }
    }

    /// Adds page `number`'s words; `forms` names the forms with diacritics.
    pub(super) fn add_page(
        &mut self,
        forms: &[Box<str>],
        text: &mut [Posting],
        meta: &mut [MetaPosting],
        number: usize,
    ) {
        text.sort_unstable();
        meta.sort_unstable();
        let (mut i, mut j) = (0, 0);
        while i < text.len() || j < meta.len() {
            let word = match (text.get(i), meta.get(j)) {
                (Some(t), Some(m)) => t.word().min(m.word),
                (Some(t), None) => t.word(),
                (None, Some(m)) => m.word,
                (None, None) => break,
            };
            let start = i;
            while text.get(i).is_some_and(|p| p.word() == word) {
                i += 1;
            }
            let meta_start = j;
            while meta.get(j).is_some_and(|p| p.word == word) {
                j += 1;
            }
            self.add_word(forms, word, &text[start..i], &meta[meta_start..j], number);
        }
    }

    /// Adds one word of page `number`: its locations without diacritics, then those of each
    /// form with them (forms in the text first, then those only in meta, each by name).
    fn add_word(
        &mut self,
        forms: &[Box<str>],
        word: u32,
        text: &[Posting],
        meta: &[MetaPosting],
        number: usize,
    ) {
        let WordIndex {
            words,
            locs,
            meta_locs,
        } = self;
        let w = &mut words[word as usize];
        w.used = true;
        let (text_variants, text_plain) =
            text.split_at(text.partition_point(|p| p.form() != NO_FORM));
        let (meta_variants, meta_plain) =
            meta.split_at(meta.partition_point(|p| p.form != NO_FORM));
        if !text_plain.is_empty() || !meta_plain.is_empty() {
            fill_locs(locs, text_plain);
            fill_meta_locs(meta_locs, meta_plain);
            w.pages.push(number, locs, meta_locs);
            w.size += locs.len() + meta_locs.len() + 1;
        }
        if text_variants.is_empty() && meta_variants.is_empty() {
            return;
        }
        let name = |form: u32| &forms[form as usize];
        let mut in_text: Vec<&[Posting]> = text_variants
            .chunk_by(|a, b| a.form() == b.form())
            .collect();
        in_text.sort_by(|a, b| name(a[0].form()).cmp(name(b[0].form())));
        let meta_groups: Vec<&[MetaPosting]> =
            meta_variants.chunk_by(|a, b| a.form == b.form).collect();
        let meta_of = |form: u32| -> &[MetaPosting] {
            meta_groups
                .iter()
                .find(|g| g[0].form == form)
                .copied()
                .unwrap_or(&[])
        };
        let mut meta_only: Vec<&[MetaPosting]> = meta_groups
            .iter()
            .filter(|g| !in_text.iter().any(|t| t[0].form() == g[0].form))
            .copied()
            .collect();
        meta_only.sort_by(|a, b| name(a[0].form).cmp(name(b[0].form)));
        let variants = in_text
            .iter()
            .map(|t| (t[0].form(), *t, meta_of(t[0].form())))
            .chain(meta_only.iter().map(|m| (m[0].form, &[][..], *m)));
        for (form, t, m) in variants {
            fill_locs(locs, t);
            fill_meta_locs(meta_locs, m);
            let pages = match w.variants.iter().position(|v| v.0 == form) {
                Some(k) => &mut w.variants[k].1,
                None => {
                    w.variants.push((form, Pages::default()));
                    &mut w.variants.last_mut().expect("just pushed").1
                }
            };
            pages.push(number, locs, meta_locs);
            w.size += locs.len() + meta_locs.len() + 1;
        }
    }

    /// The index in chunks of about `chunk_size` locations (as Pagefind's `chunk_index`
    /// cuts them), words sorted by name; `names` and `forms` name words and forms.
    pub(super) fn chunks(
        self,
        names: &[Box<str>],
        forms: &[Box<str>],
        chunk_size: usize,
    ) -> Vec<Chunk> {
        let mut order: Vec<usize> = (0..self.words.len())
            .filter(|&i| self.words[i].used)
            .collect();
        order.sort_unstable_by(|&a, &b| names[a].cmp(&names[b]));
        let mut cuts = Vec::new();
        let (mut start, mut size) = (0, 0);
        for (k, &i) in order.iter().enumerate() {
            let w = &self.words[i];
            size += w.size + w.variants.len();
            if size >= chunk_size {
                cuts.push(start..k + 1);
                start = k + 1;
                size = 0;
            }
        }
        if start < order.len() {
            cuts.push(start..order.len());
        }
        cuts.into_iter()
            .map(|range| {
                let words = &order[range];
                let mut cbor = Vec::new();
                cbor.push(0x81);
                head(&mut cbor, 4, words.len() as u64);
                for &i in words {
                    encode_word(&mut cbor, &names[i], &self.words[i], forms);
                }
                Chunk {
                    from: names[words[0]].to_string(),
                    to: names[words[words.len() - 1]].to_string(),
                    cbor,
                }
            })
            .collect()
    }
}

/// `PackedWord`: `[word, [pages…], [[form, [pages…]]…]]`.
fn encode_word(out: &mut Vec<u8>, name: &str, w: &Word, forms: &[Box<str>]) {
    out.push(0x83);
    text(out, name);
    head(out, 4, w.pages.count as u64);
    out.extend_from_slice(&w.pages.bytes);
    head(out, 4, w.variants.len() as u64);
    for (form, pages) in &w.variants {
        out.push(0x82);
        text(out, &forms[*form as usize]);
        head(out, 4, pages.count as u64);
        out.extend_from_slice(&pages.bytes);
    }
}

/// A page's locations of a word (`postings` sorted by weight key then position).
fn fill_locs(out: &mut Vec<i32>, postings: &[Posting]) {
    out.clear();
    let mut current_weight = SORTED_FIRST;
    let mut last_position = 0;
    for p in postings {
        let (weight, position) = (p.weight(), p.position());
        if weight != current_weight {
            out.push(-i32::from(weight) - 1);
            out.push(position as i32);
            current_weight = weight;
        } else {
            out.push((position - last_position) as i32);
        }
        last_position = position;
    }
}

/// A page's meta locations of a word (`postings` sorted by field then position).
fn fill_meta_locs(out: &mut Vec<i32>, postings: &[MetaPosting]) {
    out.clear();
    let mut current_field = None;
    let mut last_position = 0;
    for p in postings {
        if Some(p.field) != current_field {
            out.push(-i32::from(p.field) - 1);
            current_field = Some(p.field);
            last_position = 0;
        }
        out.push((p.position - last_position) as i32);
        last_position = p.position;
    }
}

/// A CBOR head: major type `major`, argument `value`, in its shortest form.
fn head(out: &mut Vec<u8>, major: u8, value: u64) {
    let m = major << 5;
    if value < 24 {
        out.push(m | value as u8);
    } else if value <= u64::from(u8::MAX) {
        out.extend_from_slice(&[m | 24, value as u8]);
    } else if value <= u64::from(u16::MAX) {
        out.push(m | 25);
        out.extend_from_slice(&(value as u16).to_be_bytes());
    } else if value <= u64::from(u32::MAX) {
        out.push(m | 26);
        out.extend_from_slice(&(value as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&value.to_be_bytes());
    }
}

/// A CBOR array of integers.
fn ints(out: &mut Vec<u8>, values: &[i32]) {
    head(out, 4, values.len() as u64);
    for &v in values {
        if v >= 0 {
            head(out, 0, v as u64);
        } else {
            head(out, 1, (-1 - i64::from(v)) as u64);
        }
    }
}

/// A CBOR text string.
fn text(out: &mut Vec<u8>, s: &str) {
    head(out, 3, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_in_their_shortest_form() {
        let mut out = Vec::new();
        ints(&mut out, &[0, 23, 24, 255, 256, 65536, -1, -24, -25, -257]);
        assert_eq!(
            out,
            [
                0x8a, 0x00, 0x17, 0x18, 24, 0x18, 255, 0x19, 1, 0, 0x1a, 0, 1, 0, 0, 0x20, 0x37,
                0x38, 24, 0x39, 1, 0
            ]
        );
    }
}
