//! Jest snapshot files written by `@uniswap/snapshot-gas-cost` (`test/__snapshots__/*.snap`),
//! as Uniswap v3-era projects commit them:
//!
//! ```text
//! // Jest Snapshot v1, https://goo.gl/fbAQLP
//!
//! exports[`SwapRouter gas tests #exactInput 0 -> 1 1`] = `107785`;
//! ```
//!
//! They share the `.snap` extension with forge-gas-snapshot files, so they are recognised by
//! content ([`looks_like`]): the Jest header, or a first statement `exports[`. Each `exports[…]`
//! is one section, keyed `<file>/<name>` where `<file>` is the snapshot's path without `.snap`
//! (`SwapRouter.gas.spec.ts`) and `<name>` the Jest key verbatim, counter included. A value that
//! is a decimal 64-bit number is gas (the helper's versions snapshot a number `58703`, a `bigint`
//! `58703n` or a string `"58703"`: all three are read as the number) (or a size or information when the name says so, see
//! [`crate::import::classify_section`]); any other value (a snapshotted object) is information,
//! its whitespace runs collapsed to one space so it prints on one line.
//!
//! Template literals are read as Jest writes them: a backslash escapes the next character
//! (Jest escapes `` ` ``, `\` and `${`). Anything else between the entries than whitespace and
//! comments is an error naming the line.

use crate::core::report::GasReport;
use crate::import::{Format, ImportError, Imported, Location, Origins, SourceFile, section_value, shorten};

const EXPECTED: &str = "expected ``exports[`name`] = `value`;`` as Jest writes snapshots";

/// Whether `text` is a Jest snapshot (for format detection).
pub(crate) fn looks_like(text: &str) -> bool {
    let body = text.trim_start_matches('\u{FEFF}').trim_start();
    body.starts_with("// Jest Snapshot v") || body.starts_with("exports[`")
}

/// Parses Jest snapshot files; each [`SourceFile::path`] ends in `.snap`.
pub fn parse_jest_snapshots(files: &[SourceFile]) -> Result<Imported, ImportError> {
    let mut report = GasReport::new(Format::JestSnapshot.as_str());
    let mut origins = Origins::default();
    for file in files {
        if !looks_like(&file.text) {
            return Err(ImportError::invalid(
                &file.display,
                Location::File,
                "not a Jest snapshot, but its folder holds Jest snapshots; expected the header \
                 `// Jest Snapshot v1` or ``exports[`…`]``",
            ));
        }
        let group = file.path.strip_suffix(".snap").unwrap_or(&file.path);
        for entry in entries(&file.text)
            .map_err(|(line, message)| ImportError::invalid(&file.display, Location::Line(line), message))?
        {
            let collapsed = entry.value.split_whitespace().collect::<Vec<_>>().join(" ");
            let value = number_text(&collapsed).unwrap_or(&collapsed);
            let id = format!("{group}/{}", entry.name);
            origins.claim(&format!("section:{id}"), &file.display, Location::Line(entry.line))?;
            report.sections.insert(id, section_value(&entry.name, value));
        }
    }
    Ok(Imported::clean(report))
}

/// The decimal digits of a value Jest printed for a number: `58703` (a JavaScript number),
/// `58703n` (a `bigint`, as ethers v6 returns gas) or `"58703"` (a string of digits, when the
/// helper snapshots `gasUsed.toString()`); `None` for anything else.
fn number_text(value: &str) -> Option<&str> {
    let digits = value
        .strip_suffix('n')
        .or_else(|| value.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')))
        .unwrap_or(value);
    (!digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())).then_some(digits)
}

/// One `exports[`name`] = `value`;` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) value: String,
    /// 1-based line of `exports`.
    pub(crate) line: usize,
}

/// The statements of a snapshot file, or `(line, message)` of the first thing that is not one.
pub(crate) fn entries(text: &str) -> Result<Vec<Entry>, (usize, String)> {
    let mut reader = Reader { text: text.trim_start_matches('\u{FEFF}'), position: 0, line: 1 };
    let mut entries = Vec::new();
    loop {
        reader.skip_blank()?;
        if reader.at_end() {
            return Ok(entries);
        }
        let line = reader.line;
        reader.expect("exports[")?;
        let name = reader.template()?;
        reader.skip_blank()?;
        reader.expect("]")?;
        reader.skip_blank()?;
        reader.expect("=")?;
        reader.skip_blank()?;
        let value = reader.template()?;
        // Jest writes the `;` right after the value; a missing one is reported on that line.
        reader.expect(";")?;
        entries.push(Entry { name, value, line });
    }
}

struct Reader<'a> {
    text: &'a str,
    position: usize,
    line: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.position..]
    }

    fn at_end(&self) -> bool {
        self.position == self.text.len()
    }

    fn advance(&mut self, bytes: usize) {
        self.line += self.text[self.position..self.position + bytes].matches('\n').count();
        self.position += bytes;
    }

    fn error<T>(&self, what: &str) -> Result<T, (usize, String)> {
        let found = match self.rest().lines().next() {
            None => "the end of the file".to_owned(),
            Some(line) if line.trim().is_empty() => "the end of the line".to_owned(),
            Some(line) => format!("`{}`", shorten(line)),
        };
        Err((self.line, format!("expected {what}, found {found}; {EXPECTED}")))
    }

    /// Whitespace and `//` or `/* */` comments.
    fn skip_blank(&mut self) -> Result<(), (usize, String)> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            if trimmed.len() != rest.len() {
                self.advance(rest.len() - trimmed.len());
            } else if rest.starts_with("//") {
                let end = rest.find('\n').unwrap_or(rest.len());
                self.advance(end);
            } else if rest.starts_with("/*") {
                match rest.find("*/") {
                    Some(end) => self.advance(end + 2),
                    None => return self.error("the end of the comment `*/`"),
                }
            } else {
                return Ok(());
            }
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), (usize, String)> {
        if self.rest().starts_with(token) {
            self.advance(token.len());
            Ok(())
        } else {
            self.error(&format!("`{token}`"))
        }
    }

    /// A template literal, unescaped.
    fn template(&mut self) -> Result<String, (usize, String)> {
        if !self.rest().starts_with('`') {
            return self.error("a template literal (`` ` ``)");
        }
        let start_line = self.line;
        self.advance(1);
        let mut value = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((index, c)) = chars.next() {
            match c {
                '`' => {
                    self.advance(index + 1);
                    return Ok(value);
                }
                '\\' => match chars.next() {
                    Some((_, escaped)) => value.push(escaped),
                    None => break,
                },
                c => value.push(c),
            }
        }
        Err((start_line, format!("a template literal is not closed before the end of the file; {EXPECTED}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_with_escapes_and_comments() {
        let text = "// Jest Snapshot v1, https://goo.gl/fbAQLP\n\n/* note */\nexports[`a \\` b 1`] = `12`;\n\nexports[`obj 1`] = `\nObject {\n  \"x\": 1,\n}\n`;\n";
        assert_eq!(
            entries(text).unwrap(),
            [
                Entry { name: "a ` b 1".into(), value: "12".into(), line: 4 },
                Entry { name: "obj 1".into(), value: "\nObject {\n  \"x\": 1,\n}\n".into(), line: 6 },
            ]
        );
    }

    #[test]
    fn numbers_as_every_helper_version_prints_them() {
        assert_eq!(number_text("58703"), Some("58703"));
        assert_eq!(number_text("58703n"), Some("58703"));
        assert_eq!(number_text("\"58703\""), Some("58703"));
        for other in ["", "n", "\"\"", "\"58703", "5.5", "-1", "Object { \"gasUsed\": 1, }", "0x10"] {
            assert_eq!(number_text(other), None, "{other}");
        }
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            entries("exports[`a 1`] = `1`;\nexport const x = 1;\n").unwrap_err(),
            (2, format!("expected `exports[`, found `export const x = 1;`; {EXPECTED}"))
        );
        assert_eq!(
            entries("exports[`a 1`] = `1`\n").unwrap_err(),
            (1, format!("expected `;`, found the end of the line; {EXPECTED}"))
        );
        assert_eq!(
            entries("\n\nexports[`a 1`] = `1").unwrap_err(),
            (3, format!("a template literal is not closed before the end of the file; {EXPECTED}"))
        );
    }
}
