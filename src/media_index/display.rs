//! How pages may show a captured object, decided from its stored extension.

/// How pages may show an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// A raster image: inline `<img>`.
    Image,
    /// Audio a browser plays: `<audio>`.
    Audio,
    /// Video a browser plays: `<video>`.
    Video,
    /// A download link only.
    Download,
}

/// The display of a stored file, from its extension (for pages built from index.json).
pub fn display_of_ext(ext: &str) -> Display {
    match ext {
        "jpg" | "png" | "gif" | "webp" | "bmp" => Display::Image,
        "mp3" | "m4a" | "aac" | "ogg" | "wav" => Display::Audio,
        "mp4" | "mov" | "webm" => Display::Video,
        _ => Display::Download,
    }
}
