//! The bulk commands' `--report` file: checked before anything is sent, written whole or not
//! at all.
//!
//! - It may not be the input, the journal or one of the journal's SQLite side files, by any
//!   path (a symbolic or hard link included): writing it would destroy what it names.
//! - When the command starts, a probe file is made beside it and removed, so an unwritable
//!   place is found before the first send. At the end the report is written to a temporary
//!   file beside it and renamed into place, so an interrupted run leaves the old report or the
//!   new one, never half of one (and a run stopped before its end leaves no temporary file).

use crate::error::CliError;
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// SQLite's files beside a database: the write-ahead log, its index, the rollback journal.
const SQLITE_SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// A report to be written at `path`, whose directory was found writable.
pub struct ReportFile {
    path: PathBuf,
    dir: PathBuf,
}

impl ReportFile {
    /// Checks `path` against the files it must never replace and makes the temporary file.
    /// Errors are exit 2 (settings), before anything is sent.
    pub fn prepare(path: &Path, input: &Path, journal: &Path) -> Result<Self, CliError> {
        let mut protected = vec![(input.to_owned(), "the input file")];
        protected.push((journal.to_owned(), "the journal"));
        for suffix in SQLITE_SIDE_FILES {
            protected.push((with_suffix(journal, suffix), "a file of the journal"));
        }
        if let Some((_, what)) = protected.iter().find(|(p, _)| same_place(path, p)) {
            return Err(CliError::invalid(
                "--report",
                format!(
                    "{} is {what}: the report would destroy it; name another file",
                    path.display()
                ),
            ));
        }
        if path.is_dir() {
            return Err(CliError::invalid(
                "--report",
                format!("{} is a directory; name a file", path.display()),
            ));
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        // Made and removed at once: the real temporary file is made at the end, so a run
        // stopped during a long load leaves nothing behind.
        temp_beside(path, dir).map_err(|e| {
            CliError::invalid("--report", format!("{}: cannot write there: {e}", path.display()))
        })?;
        Ok(Self { path: path.to_owned(), dir: dir.to_owned() })
    }

    /// Where the report goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the report with `write` into the temporary file, then renames it into place.
    /// The report gets the permissions of the one it replaces, or 0644 (a temporary file is
    /// made 0600, which would hide the report from the other users who read it today).
    pub fn commit<E>(
        self,
        write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
    ) -> Result<(), CommitError<E>> {
        let mut temp = temp_beside(&self.path, &self.dir).map_err(CommitError::Io)?;
        {
            let mut out = std::io::BufWriter::new(temp.as_file_mut());
            write(&mut out).map_err(CommitError::Write)?;
            out.flush().map_err(CommitError::Io)?;
        }
        let permissions = match std::fs::metadata(&self.path) {
            Ok(old) => old.permissions(),
            Err(_) => default_permissions(temp.as_file()).map_err(CommitError::Io)?,
        };
        temp.as_file().set_permissions(permissions).map_err(CommitError::Io)?;
        temp.as_file().sync_all().map_err(CommitError::Io)?;
        temp.persist(&self.path).map(drop).map_err(|e| CommitError::Io(e.error))
    }
}

/// A new temporary file in `dir`, named after the report (`.NAME.XXXX.tmp`).
fn temp_beside(path: &Path, dir: &Path) -> std::io::Result<NamedTempFile> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)
}

/// A new file's usual permissions: readable by all, writable by the owner.
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    let mut permissions = file.metadata()?.permissions();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        permissions.set_mode(0o644);
    }
    #[cfg(not(unix))]
    permissions.set_readonly(false);
    Ok(permissions)
}

/// Why a report could not be written.
pub enum CommitError<E> {
    /// The writer failed.
    Write(E),
    /// Flushing or renaming failed.
    Io(std::io::Error),
}

/// `path` with `suffix` appended to its name (`a.journal` → `a.journal-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether two paths name the same file: the same inode when both exist (any link), else the
/// same place once the directories are resolved (a file not made yet).
pub fn same_place(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return (x.dev(), x.ino()) == (y.dev(), y.ino());
    }
    match (resolved(a), resolved(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The path with symbolic links resolved: the file's own when it exists, else its directory's.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(path) = path.canonicalize() {
        return Some(path);
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    Some(dir.canonicalize().ok()?.join(path.file_name()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_by_another_path_is_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "x").unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(same_place(&sub.join("../in.csv"), &input));
        std::fs::hard_link(&input, dir.path().join("hard.csv")).unwrap();
        assert!(same_place(&dir.path().join("hard.csv"), &input));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&input, dir.path().join("soft.csv")).unwrap();
            assert!(same_place(&dir.path().join("soft.csv"), &input));
        }
        // Not made yet: the same place through another directory path.
        assert!(same_place(&sub.join("../new.csv"), &dir.path().join("new.csv")));
        assert!(!same_place(&dir.path().join("other.csv"), &input));
    }
}
