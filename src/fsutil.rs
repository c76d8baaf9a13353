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
        let mut buffered = std::io::BufWriter::new(WrittenBack::new(file.as_file_mut()));
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

/// A file being written that asks the kernel to start writing each megabyte to disk once it is
/// written (Linux's `sync_file_range`, which does not wait), so that the `fsync` a finished file
/// gets waits for its last part only rather than for all of it: a 20 MB report's `fsync` went
/// from about 10 ms to under 1. Elsewhere, a plain file. The `fsync` stays what makes the file
/// durable; the requests are hints, whose failure changes nothing.
struct WrittenBack<'a> {
    file: &'a mut std::fs::File,
    /// What was written, and of it, what writing back was asked for.
    written: u64,
    asked: u64,
}

impl<'a> WrittenBack<'a> {
    /// How much is written before writing it back is asked for.
    const STEP: u64 = 1 << 20;

    fn new(file: &'a mut std::fs::File) -> Self {
        Self { file, written: 0, asked: 0 }
    }

    #[cfg(target_os = "linux")]
    fn write_back(&mut self) {
        use std::os::fd::AsRawFd;
        let (Ok(offset), Ok(length)) =
            (libc::off64_t::try_from(self.asked), libc::off64_t::try_from(self.written - self.asked))
        else {
            return;
        };
        // SAFETY: `sync_file_range` reads no memory of ours; the descriptor is the open file's,
        // borrowed for the call.
        unsafe {
            libc::sync_file_range(self.file.as_raw_fd(), offset, length, libc::SYNC_FILE_RANGE_WRITE);
        }
        self.asked = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn write_back(&mut self) {
        self.asked = self.written;
    }
}

impl Write for WrittenBack<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(bytes)?;
        self.written += written as u64;
        if self.written - self.asked >= Self::STEP {
            self.write_back();
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
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
    fn a_large_file_is_written_whole() {
        // Megabytes in writes of every size, each step's writing back asked for on the way.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let expected: Vec<u8> = (0..3_500_000u32).map(|index| (index % 251) as u8).collect();
        let mut sizes = [1usize, 7, 4096, 65_536, 300_000, 1 << 20, 2_000_000].into_iter().cycle();
        write_atomic_with(&path, |writer| {
            let mut rest = &expected[..];
            while !rest.is_empty() {
                let (now, later) = rest.split_at(sizes.next().unwrap().min(rest.len()));
                writer.write_all(now)?;
                rest = later;
            }
            Ok(())
        })
        .unwrap();
        assert!(std::fs::read(&path).unwrap() == expected, "the file is what was written");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        // The steps asked for cover what was written, up to the last, unfinished one.
        let mut file = tempfile::tempfile().unwrap();
        let mut back = WrittenBack::new(&mut file);
        for _ in 0..5 {
            back.write_all(&expected[..700_000]).unwrap();
        }
        assert_eq!((back.written, back.asked), (3_500_000, 2_800_000));
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
