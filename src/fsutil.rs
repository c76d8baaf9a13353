//! Writing files so that a crash or an error never leaves half of one behind, and the way users
//! expect of `--out`: through a symlink to its target (the link stays), straight into a special
//! file (`/dev/stdout`, `/dev/null`, a FIFO) rather than replacing it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes `bytes` to `path`. A regular file (or a new one) is written through a temporary file
/// in the same real folder and a rename, creating the folder if needed: readers see the old file
/// or the new one, never a mix, and the file gets the permissions the umask gives (0644 under
/// the usual 022). A symlink is followed to its target, which is written the same way; a
/// special file is opened and written directly, never replaced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`], with the content written by `write` as it is made (a large report is never
/// held whole in memory): nothing is left behind when it fails.
pub fn write_atomic_with(
    path: &Path,
    mut write: impl FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let path = &real_target(path)?;
    if let Ok(metadata) = std::fs::metadata(path)
        && !metadata.is_file()
        && !metadata.is_dir()
    {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("failed to open `{}`", path.display()))?;
        let mut buffered = std::io::BufWriter::new(file);
        return write(&mut buffered)
            .and_then(|()| buffered.flush())
            .with_context(|| format!("failed to write `{}`", path.display()));
    }
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(folder).with_context(|| format!("failed to create `{}`", folder.display()))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".gasguard-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with 0666: the kernel applies the umask, as for any file a program creates.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder
        .tempfile_in(folder)
        .with_context(|| format!("failed to create a temporary file in `{}`", folder.display()))?;
    let written = {
        let mut buffered = std::io::BufWriter::new(file.as_file_mut());
        write(&mut buffered).and_then(|()| buffered.flush())
    };
    written
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    file.persist(path)
        .map_err(|error| error.error)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}

/// `path` with every symlink at its end followed (a dangling link gives the path it points to,
/// which is then created). Bounded, so a loop of links is an error rather than a hang.
fn real_target(path: &Path) -> anyhow::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)
                    .with_context(|| format!("failed to read the link `{}`", current.display()))?;
                current = match current.parent() {
                    Some(folder) => folder.join(target),
                    None => target,
                };
            }
            _ => return Ok(current),
        }
    }
    anyhow::bail!("`{}` is a loop of symlinks", path.display())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/report.json");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real/report.json", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        // No temporary file is left beside the link or the target.
        let left: Vec<_> = std::fs::read_dir(dir.path().join("real")).unwrap().collect();
        assert_eq!(left.len(), 1);
        // A dangling link creates its target.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("real/fresh.json", &dangling).unwrap();
        write_atomic(&dangling, b"fresh").unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("real/fresh.json")).unwrap(), "fresh");
        assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
    }

    #[test]
    fn a_fifo_is_written_into_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(
            &std::fs::symlink_metadata(&fifo).unwrap().file_type()
        ));
    }
}
