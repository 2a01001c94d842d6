//! The file-system backend of `serve`'s `ServeDir`: tokio's, except that a path with a
//! symbolic link anywhere below `data/` is not found. Refused here, where files are
//! opened, it covers every way `ServeDir` reaches a file (a directory's `index.html`
//! included); `..` and encoded separators never get this far (see `guard`).

use std::future::Future;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use tower_http::services::fs::{Backend, TokioBackend, TokioFile};

/// [`TokioBackend`] confined to `root` without following symbolic links.
#[derive(Debug, Clone)]
pub(crate) struct NoSymlinks {
    root: Arc<Path>,
}

impl NoSymlinks {
    /// A backend for the files below `root` (an absolute, canonical path).
    pub(crate) fn new(root: PathBuf) -> NoSymlinks {
        NoSymlinks { root: root.into() }
    }
}

type Boxed<T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send>>;

impl Backend for NoSymlinks {
    type File = TokioFile;
    type Metadata = std::fs::Metadata;
    type OpenFuture = Boxed<TokioFile>;
    type MetadataFuture = Boxed<std::fs::Metadata>;

    fn open(&self, path: PathBuf) -> Self::OpenFuture {
        let root = self.root.clone();
        Box::pin(async move {
            refuse_links(&root, &path).await?;
            TokioBackend.open(path).await
        })
    }

    fn metadata(&self, path: PathBuf) -> Self::MetadataFuture {
        let root = self.root.clone();
        Box::pin(async move {
            refuse_links(&root, &path).await?;
            TokioBackend.metadata(path).await
        })
    }
}

/// `NotFound` (so a 404, naming nothing) when `path` is not below `root` or one of its
/// components below `root` is a symbolic link; other errors as the file system gives them.
async fn refuse_links(root: &Path, path: &Path) -> io::Result<()> {
    let not_found = || io::Error::new(io::ErrorKind::NotFound, "outside the archive");
    let relative = path.strip_prefix(root).map_err(|_| not_found())?;
    let mut at = root.to_path_buf();
    for component in relative.components() {
        match component {
            Component::Normal(name) => at.push(name),
            _ => return Err(not_found()),
        }
        if tokio::fs::symlink_metadata(&at)
            .await?
            .file_type()
            .is_symlink()
        {
            return Err(not_found());
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn links_anywhere_below_the_root_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/ok.txt"), "ok").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("sub"), root.join("linkdir")).unwrap();
        let backend = NoSymlinks::new(root.clone());
        assert!(backend.metadata(root.join("sub/ok.txt")).await.is_ok());
        for refused in ["link.txt", "linkdir/ok.txt", "linkdir"] {
            let err = backend.metadata(root.join(refused)).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound, "{refused}");
            assert!(backend.open(root.join(refused)).await.is_err(), "{refused}");
        }
        let outside = backend.open(dir.path().join("secret.txt")).await;
        assert!(outside.is_err());
    }
}
