//! Imports the real-world files in `../shared/realworld` (outputs of well-known projects' CI),
//! when that folder exists: every file parses, with the entry counts measured when this test
//! was written. Skips with a note where the folder is absent (it is not part of the project).

use std::path::{Path, PathBuf};

use gasguard::import::load;

fn realworld() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld");
    let root = if root.is_dir() { root } else { PathBuf::from("/work/shared/realworld") };
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!("note: no realworld folder at {}; skipping", root.display());
        None
    }
}

#[test]
fn every_realworld_file_parses() {
    let Some(root) = realworld() else { return };
    let mut lines = Vec::new();
    for folder in ["solmate", "v4-core", "hardhat-gas-reporter"] {
        let mut paths: Vec<_> =
            std::fs::read_dir(root.join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let report = load(&path).unwrap_or_else(|error| panic!("{error:#}"));
            let entries = report.entries();
            let info = entries
                .values()
                .filter(|entry| {
                    !entry.kind.is_gas() && entry.kind != gasguard::core::entries::EntryKind::Size
                })
                .count();
            lines.push(format!(
                "{}/{}: {} {} entries ({} info)",
                folder,
                path.file_name().unwrap().to_string_lossy(),
                report.source,
                entries.len(),
                info
            ));
        }
    }
    println!("{}", lines.join("\n"));
}
