//! The archive's own assets (SPEC §4, §7): one table of everything in `static/`, embedded
//! in the binary and written into `data/assets/`. Nothing is ever loaded from outside
//! `data/`.

/// One embedded asset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Asset {
    /// Path below `assets/`, with `/` separators.
    pub path: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

/// Every file of `static/`, in name order.
pub(crate) const ASSETS: &[Asset] = &[
    Asset {
        path: "index.css",
        bytes: include_bytes!("../static/index.css"),
    },
    Asset {
        path: "index.js",
        bytes: include_bytes!("../static/index.js"),
    },
    Asset {
        path: "search.js",
        bytes: include_bytes!("../static/search.js"),
    },
    Asset {
        path: "style.css",
        bytes: include_bytes!("../static/style.css"),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_exactly_the_files_in_static() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
        let mut on_disk = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path
                        .strip_prefix(&dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    on_disk.push(rel);
                }
            }
        }
        on_disk.sort();
        let listed: Vec<&str> = ASSETS.iter().map(|a| a.path).collect();
        assert_eq!(listed, on_disk);
        for asset in ASSETS {
            let bytes = std::fs::read(dir.join(asset.path)).unwrap();
            assert_eq!(bytes, asset.bytes, "{} is stale", asset.path);
        }
    }
}
