//! Every checksum algorithm a bag's manifests may name (RFC 8493 §2.4: md5, sha1, sha256,
//! sha512, and the other SHA-2 sizes bagit.py writes), and hashing one file with several
//! of them in one pass.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::digest::DynDigest;

/// A manifest algorithm `verify` can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Algo {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Algo {
    const ALL: [Algo; 6] = [
        Algo::Md5,
        Algo::Sha1,
        Algo::Sha224,
        Algo::Sha256,
        Algo::Sha384,
        Algo::Sha512,
    ];

    /// The name in `manifest-<name>.txt`.
    pub(super) fn name(self) -> &'static str {
        match self {
            Algo::Md5 => "md5",
            Algo::Sha1 => "sha1",
            Algo::Sha224 => "sha224",
            Algo::Sha256 => "sha256",
            Algo::Sha384 => "sha384",
            Algo::Sha512 => "sha512",
        }
    }

    /// The algorithm of a manifest name suffix (`sha512`), if we know it.
    pub(super) fn from_name(name: &str) -> Option<Algo> {
        Algo::ALL.into_iter().find(|a| a.name() == name)
    }

    fn hasher(self) -> Box<dyn DynDigest + Send> {
        match self {
            Algo::Md5 => Box::new(md5::Md5::default()),
            Algo::Sha1 => Box::new(sha1::Sha1::default()),
            Algo::Sha224 => Box::new(sha2::Sha224::default()),
            Algo::Sha256 => Box::new(sha2::Sha256::default()),
            Algo::Sha384 => Box::new(sha2::Sha384::default()),
            Algo::Sha512 => Box::new(sha2::Sha512::default()),
        }
    }
}

/// A file's size and its checksums (lowercase hex), in the order of the algorithms asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hashed {
    pub(super) size: u64,
    pub(super) hex: Vec<(Algo, String)>,
}

impl Hashed {
    /// The checksum with `algo`, if it was computed.
    pub(super) fn get(&self, algo: Algo) -> Option<&str> {
        self.hex
            .iter()
            .find(|(a, _)| *a == algo)
            .map(|(_, h)| h.as_str())
    }
}

/// Hashes the regular file at `path` with every algorithm of `algos` in one read.
pub(super) fn hash_file(path: &Path, algos: &[Algo]) -> io::Result<Hashed> {
    let mut file = File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut hashers: Vec<_> = algos.iter().map(|a| a.hasher()).collect();
    let mut buf = vec![0u8; 128 * 1024];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..n).unwrap_or(&buf);
        for h in &mut hashers {
            h.update(chunk);
        }
        size += n as u64;
    }
    let hex = algos
        .iter()
        .zip(hashers)
        .map(|(a, h)| (*a, hex::encode(h.finalize())))
        .collect();
    Ok(Hashed { size, hex })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_of_abc() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, "abc").unwrap();
        let hashed = hash_file(&path, &Algo::ALL).unwrap();
        assert_eq!(hashed.size, 3);
        assert_eq!(
            hashed.get(Algo::Md5),
            Some("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(
            hashed.get(Algo::Sha1),
            Some("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(
            hashed.get(Algo::Sha224),
            Some("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
        );
        assert!(hashed.get(Algo::Sha256).unwrap().starts_with("ba7816bf"));
        assert!(hashed.get(Algo::Sha384).unwrap().starts_with("cb00753f"));
        assert!(hashed.get(Algo::Sha512).unwrap().starts_with("ddaf35a1"));
        assert_eq!(Algo::from_name("sha1"), Some(Algo::Sha1));
        assert_eq!(Algo::from_name("blake3"), None);
    }
}
