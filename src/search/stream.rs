//! Whether a streamed answer (desk payload `src` 31, whose `chunks` the page shows joined)
//! can show a fixed string that its message's bytes do not hold.
//!
//! Such a string must cross the end of a chunk: that chunk's text ends with a proper prefix
//! of it. When every chunk is a JSON string, the end of its text is the end of its bytes
//! (the string holds no character JSON escapes — [`super::matcher`] makes sure — and a `\u`
//! escape makes the caller parse the message anyway), right before the closing quote. So
//! the message needs parsing only when a chunk ends with a prefix of the string, or a chunk
//! is not a string (a number, which the page may spell otherwise), or the bytes are not
//! laid out as expected. This keeps most streamed answers from being parsed for nothing.

/// Whether the message may hide `needle` in the streamed answer whose `chunks` key starts
/// at `at` in `message`.
pub(crate) fn may_hide(message: &[u8], at: usize, needle: &[u8]) -> bool {
    let Some(after) = message.get(at + b"chunks".len()..) else {
        return true;
    };
    // The payload is usually the JSON text inside the string `Data` (its quotes escaped as
    // `\"`); it may also be an object of the message itself.
    let inner = match after {
        [b'\\', b'"', ..] => match unescape(after) {
            Some(inner) => inner,
            None => return true,
        },
        [b'"', ..] => after.to_vec(),
        _ => return true,
    };
    chunks_may_hide(&inner, needle).unwrap_or(true)
}

/// The rest of the JSON string `bytes` is in, with one level of escapes undone, up to its
/// closing quote. `None` for a `\u` escape (the caller parses such messages anyway) or an
/// unterminated string.
fn unescape(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len().min(4096));
    let mut it = bytes.iter();
    while let Some(&b) = it.next() {
        match b {
            b'"' => return Some(out),
            b'\\' => out.push(match it.next()? {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                b'b' => 8,
                b'f' => 12,
                b'u' => return None,
                &other => other,
            }),
            _ => out.push(b),
        }
    }
    None
}

/// Reads `": [ "…", "…" ]` from the key's closing quote on. `Some(false)` when every chunk
/// is a string and none ends with a proper prefix of `needle`; `None` when the bytes are
/// not that.
fn chunks_may_hide(inner: &[u8], needle: &[u8]) -> Option<bool> {
    let mut p = Cursor {
        bytes: inner,
        at: 0,
    };
    p.expect(b'"')?;
    p.expect(b':')?;
    p.expect(b'[')?;
    let mut hides = false;
    if p.skip_to(b']') {
        return Some(false);
    }
    loop {
        p.expect(b'"')?;
        let content = p.string()?;
        if p.skip_to(b']') {
            return Some(hides);
        }
        p.expect(b',')?;
        // Not the last chunk: the page shows the next one right after it.
        hides |= (1..needle.len()).any(|k| content.ends_with(&needle[..k]));
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b" \t\r\n".contains(b))
        {
            self.at += 1;
        }
    }

    /// Skips white space, then `byte`, or fails.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.bytes.get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    /// Skips white space, then `byte` if it is next; whether it was.
    fn skip_to(&mut self, byte: u8) -> bool {
        self.expect(byte).is_some()
    }

    /// A string's bytes as written (escapes kept), its opening quote already read.
    fn string(&mut self) -> Option<&'a [u8]> {
        let start = self.at;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => break,
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
        let content = self.bytes.get(start..self.at)?;
        self.at += 1;
        Some(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hides(message: &str, needle: &str) -> bool {
        let at = message.find("chunks").expect("a chunks key");
        may_hide(message.as_bytes(), at, needle.as_bytes())
    }

    #[test]
    fn a_chunk_ending_with_a_prefix_may_hide_the_string() {
        let data = r#"{"Data":"{\"src\":\"31\",\"chunks\":[\"Track\", \"ing number: ZX9\"]}"}"#;
        assert!(hides(data, "Tracking"));
        assert!(hides(data, "kin"));
        assert!(!hides(data, "ZX9 now"));
        assert!(!hides(data, "rack"));
        // A payload that is an object; a `]` inside a chunk does not end the list.
        let object = r#"{"Data":{"src":"31","chunks":["a [1]","b \"q\""]}}"#;
        assert!(hides(object, "]b"));
        assert!(!hides(object, "zz"));
    }

    #[test]
    fn anything_unexpected_may_hide_it() {
        for message in [
            r#"{"Data":"{\"src\":\"31\",\"chunks\":[12,\"34\"]}"}"#,
            r#"{"Data":"{\"src\":\"31\",\"chunks\":[\"a\",null]}"}"#,
            r#"{"Data":"{\"src\":\"31\",\"chunks\":\"abc\"}"}"#,
            r#"{"Data":"{\"src\":\"31\",\"chunks\":[\"a\""#,
            r#"{"Text":"see the chunks below"}"#,
        ] {
            assert!(hides(message, "zz"), "{message}");
        }
        let empty = r#"{"Data":"{\"src\":\"31\",\"chunks\":[]}"}"#;
        assert!(!hides(empty, "zz"));
    }
}
