//! The README's examples that show output are reproduced by the commands written beside them.
//!
//! An example is marked by an HTML comment naming its command, right above the output:
//!
//! ```text
//! <!-- example: gasguard diff a.json b.json --format markdown -->
//! > the output, as a quote (for rendered Markdown) …
//! ```
//!
//! or a fenced block (```` ``` ````) instead of the quote. The command runs from the repository
//! root with the built binary for `gasguard`, and its stdout must equal the block (with
//! `example(stderr):`, its stderr). The command must also be written in the README's text, in
//! backticks, so that what a reader copies is what is tested.
//!
//! After a change to a renderer, refresh every example with
//! `GASGUARD_UPDATE_README=1 cargo test --test readme`, then read the diff of `README.md`.

mod support;

use std::process::Command;

use support::root;

/// One marked example: where its block is, and what it runs.
#[derive(Debug)]
struct Example {
    command: String,
    stderr: bool,
    /// Line range of the block (the lines after the marker), end exclusive.
    block: std::ops::Range<usize>,
    quoted: bool,
}

const MARKER: &str = "<!-- example";

fn examples(lines: &[&str]) -> Vec<Example> {
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix(MARKER) else { continue };
        let (stderr, rest) = match rest.strip_prefix("(stderr):") {
            Some(rest) => (true, rest),
            None => (false, rest.strip_prefix(':').unwrap_or_else(|| panic!("malformed marker: {line}"))),
        };
        let command = rest.trim().strip_suffix("-->").unwrap_or_else(|| panic!("unclosed marker: {line}"));
        let start = index + 1;
        let first = lines.get(start).copied().unwrap_or_default();
        let (quoted, end) = if first.starts_with('>') {
            let length = lines[start..].iter().take_while(|line| line.starts_with('>')).count();
            (true, start + length)
        } else if first.starts_with("```") {
            let length = lines[start + 1..]
                .iter()
                .position(|line| line.starts_with("```"))
                .unwrap_or_else(|| panic!("unclosed block after: {line}"));
            (false, start + length + 2)
        } else {
            panic!("an example marker must be followed by a quote or a fenced block: {line}");
        };
        found.push(Example { command: command.trim().to_owned(), stderr, block: start..end, quoted });
    }
    found
}

/// Splits a command line into words: spaces separate, single and double quotes group.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, ' ') => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    assert!(quote.is_none(), "unclosed quote in `{command}`");
    words.extend(word);
    words
}

/// What the block shows, without its quote marks or fences, lines trimmed at the end.
fn shown(lines: &[&str], example: &Example) -> String {
    let body = &lines[example.block.clone()];
    let body: Vec<&str> = if example.quoted {
        body.iter()
            .map(|line| line.strip_prefix("> ").or_else(|| line.strip_prefix('>')).unwrap_or(line))
            .collect()
    } else {
        body[1..body.len() - 1].to_vec()
    };
    normalize(&body.join("\n"))
}

fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_owned()
}

/// The block as the README writes it.
fn block(output: &str, example: &Example) -> Vec<String> {
    if example.quoted {
        output
            .lines()
            .map(|line| if line.is_empty() { ">".to_owned() } else { format!("> {line}") })
            .collect()
    } else {
        let mut lines = vec!["```".to_owned()];
        lines.extend(output.lines().map(str::to_owned));
        lines.push("```".to_owned());
        lines
    }
}

fn run(example: &Example) -> String {
    let words = words(&example.command);
    assert_eq!(words.first().map(String::as_str), Some("gasguard"), "`{}`", example.command);
    let mut command = Command::new(env!("CARGO_BIN_EXE_gasguard"));
    command.args(&words[1..]).current_dir(root()).env_remove("NO_COLOR").env("CI", "true");
    // The examples show what a person sees outside GitHub Actions.
    for (name, _) in std::env::vars() {
        if name.starts_with("GITHUB_") || name.starts_with("GASGUARD_") {
            command.env_remove(name);
        }
    }
    let output = command.output().expect("failed to start gasguard");
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "`{}` failed ({code:?}):\n{}",
        example.command,
        support::stderr(&output)
    );
    normalize(&if example.stderr { support::stderr(&output) } else { support::stdout(&output) })
}

#[test]
fn readme_examples_show_what_their_commands_print() {
    let path = root().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let examples = examples(&lines);
    assert!(!examples.is_empty(), "the README marks no example");
    let update = std::env::var_os("GASGUARD_UPDATE_README").is_some();
    let mut rewritten: Vec<String> = Vec::new();
    let mut copied = 0;
    let mut stale = Vec::new();
    for example in &examples {
        assert!(
            text.contains(&format!("`{}`", example.command)),
            "the README marks `{}` but does not write it in its text",
            example.command
        );
        let actual = run(example);
        if actual != shown(&lines, example) {
            stale.push(format!("`{}`:\n{actual}", example.command));
        }
        rewritten.extend(lines[copied..example.block.start].iter().map(|line| (*line).to_owned()));
        rewritten.extend(block(&actual, example));
        copied = example.block.end;
    }
    if update {
        rewritten.extend(lines[copied..].iter().map(|line| (*line).to_owned()));
        std::fs::write(&path, rewritten.join("\n") + "\n").unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "README examples differ from what their commands print (refresh them with `GASGUARD_UPDATE_README=1 cargo test --test readme`):\n\n{}",
        stale.join("\n\n")
    );
}

#[test]
fn words_follow_the_shell() {
    assert_eq!(
        words(r#"gasguard check --base-label "main (a1b2c3d)" --x 'a b' c"#),
        ["gasguard", "check", "--base-label", "main (a1b2c3d)", "--x", "a b", "c"]
    );
}

#[test]
fn markers_find_quotes_and_fenced_blocks() {
    let lines = [
        "text",
        "<!-- example: gasguard diff a b -->",
        "> one",
        ">",
        "> two",
        "after",
        "<!-- example(stderr): gasguard run -->",
        "```",
        "error: x",
        "```",
    ];
    let found = examples(&lines);
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[0].command.as_str(), found[0].block.clone(), found[0].quoted),
        ("gasguard diff a b", 2..5, true)
    );
    assert_eq!(shown(&lines, &found[0]), "one\n\ntwo");
    assert_eq!((found[1].stderr, found[1].block.clone(), found[1].quoted), (true, 7..10, false));
    assert_eq!(shown(&lines, &found[1]), "error: x");
}
