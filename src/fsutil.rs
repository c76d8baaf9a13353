//! Writing files so that a crash or an error never leaves half of one behind.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, creating
/// the folder if needed. Readers see the old file or the new one, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(folder).with_context(|| format!("failed to create `{}`", folder.display()))?;
    let mut file = tempfile::Builder::new()
        .prefix(".gasguard-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .with_context(|| format!("failed to create a temporary file in `{}`", folder.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    file.persist(path)
        .map_err(|error| error.error)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}
