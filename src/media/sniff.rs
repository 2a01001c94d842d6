//! What a downloaded object is, from its first bytes (the server's Content-Type is only a
//! hint), and the extension it may be stored under. Nothing a browser would run in the
//! archive's origin (HTML, SVG, XML, JavaScript) gets an extension that says so.

pub use crate::media_index::Display;

/// The verdict on an object's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The media type we stand by (from the bytes).
    pub media_type: &'static str,
    /// The stored file's extension, without the dot.
    pub ext: &'static str,
    /// How pages may show it.
    pub display: Display,
}

const fn kind(media_type: &'static str, ext: &'static str, display: Display) -> Kind {
    Kind {
        media_type,
        ext,
        display,
    }
}

/// Bytes needed by [`sniff`]; fewer are fine for short objects.
pub const SNIFF_LEN: usize = 512;

/// Classifies an object by its first bytes; `declared` is the server's Content-Type, used
/// only to tell plain text from unknown binary.
pub fn sniff(head: &[u8], declared: &str) -> Kind {
    use Display::*;
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"\xFF\xD8\xFF") {
        return kind("image/jpeg", "jpg", Image);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return kind("image/png", "png", Image);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return kind("image/gif", "gif", Image);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return kind("image/webp", "webp", Image);
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return kind("audio/wav", "wav", Audio);
    }
    if at(0, b"BM") && head.len() >= 26 && at(6, b"\0\0\0\0") {
        return kind("image/bmp", "bmp", Image);
    }
    if at(0, b"#!AMR") {
        return kind("audio/amr", "amr", Download);
    }
    if at(0, b"OggS") {
        return kind("audio/ogg", "ogg", Audio);
    }
    if at(0, b"\x1A\x45\xDF\xA3") {
        return kind("video/webm", "webm", Video);
    }
    if at(4, b"ftyp") {
        return iso_media(head.get(8..12).unwrap_or_default());
    }
    if at(0, b"ID3") {
        return kind("audio/mpeg", "mp3", Audio);
    }
    if let [0xFF, b, ..] = head {
        // MPEG audio frame sync: layer bits 00 are ADTS (AAC), anything else MP3.
        if b & 0xF0 == 0xF0 && b & 0x06 == 0 {
            return kind("audio/aac", "aac", Audio);
        }
        if b & 0xE0 == 0xE0 && b & 0x06 != 0 {
            return kind("audio/mpeg", "mp3", Audio);
        }
    }
    if at(0, b"%PDF-") {
        return kind("application/pdf", "pdf", Download);
    }
    if at(0, b"PK\x03\x04") {
        return kind("application/zip", "zip", Download);
    }
    text_or_binary(head, declared)
}

/// ISO base media (`ftyp` box): audio-only brands are m4a, QuickTime is mov, else mp4.
fn iso_media(brand: &[u8]) -> Kind {
    match brand {
        b"M4A " | b"M4B " | b"M4P " => kind("audio/mp4", "m4a", Display::Audio),
        b"qt  " => kind("video/quicktime", "mov", Display::Video),
        _ => kind("video/mp4", "mp4", Display::Video),
    }
}

/// SVG is kept readable as `.svg.txt`; other markup and script become `.bin`; text the
/// server calls plain and that holds no markup is `.txt`.
fn text_or_binary(head: &[u8], declared: &str) -> Kind {
    let declared = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    if lower.contains("<svg") || declared == "image/svg+xml" {
        return kind("image/svg+xml", "svg.txt", Display::Download);
    }
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the end of the sniffed prefix is still text.
        Err(e) => e.error_len().is_none(),
    };
    let markup = lower.contains('<');
    if declared == "text/plain" && utf8 && !markup && !head.contains(&0) {
        return kind("text/plain", "txt", Display::Download);
    }
    kind("application/octet-stream", "bin", Display::Download)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(head: &[u8], declared: &str) -> &'static str {
        sniff(head, declared).ext
    }

    #[test]
    fn magic_bytes_decide_not_the_content_type() {
        assert_eq!(ext(b"\xFF\xD8\xFF\xE0....", "text/html"), "jpg");
        assert_eq!(ext(b"\x89PNG\r\n\x1a\n....", "application/json"), "png");
        assert_eq!(ext(b"GIF89a..", ""), "gif");
        assert_eq!(ext(b"RIFF\0\0\0\0WEBPVP8 ", ""), "webp");
        assert_eq!(ext(b"RIFF\0\0\0\0WAVEfmt ", ""), "wav");
        assert_eq!(ext(b"#!AMR\n", "audio/amr"), "amr");
        assert_eq!(ext(b"ID3\x04\0\0", ""), "mp3");
        assert_eq!(ext(b"\xFF\xFB\x90\x00", ""), "mp3");
        assert_eq!(ext(b"\xFF\xF1\x50\x80", ""), "aac");
        assert_eq!(ext(b"\0\0\0\x18ftypmp42", ""), "mp4");
        assert_eq!(ext(b"\0\0\0\x18ftypM4A ", ""), "m4a");
        assert_eq!(ext(b"\0\0\0\x14ftypqt  ", ""), "mov");
        assert_eq!(ext(b"\x1A\x45\xDF\xA3", ""), "webm");
        assert_eq!(ext(b"%PDF-1.7", ""), "pdf");
        assert_eq!(ext(b"PK\x03\x04", ""), "zip");
    }

    #[test]
    fn markup_and_script_never_get_a_runnable_extension() {
        assert_eq!(ext(b"<svg onload=alert(1)>", "image/png"), "svg.txt");
        assert_eq!(ext(b"<?xml?><svg/>", "image/svg+xml"), "svg.txt");
        assert_eq!(ext(b"<html><script>x</script>", "text/plain"), "bin");
        assert_eq!(ext(b"alert(1)", "application/javascript"), "bin");
        assert_eq!(ext(b"<?xml version='1.0'?><a/>", "text/xml"), "bin");
        assert_eq!(ext(b"hello", "text/plain; charset=utf-8"), "txt");
        assert_eq!(ext(b"\0\x01\x02", ""), "bin");
        assert_eq!(sniff(b"<svg/>", "").display, Display::Download);
    }
}
