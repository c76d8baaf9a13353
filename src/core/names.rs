//! Names as people say them: an entry id such as
//! `fn:src/Token.sol:Token.transfer(address,uint256)` turned into what a reviewer reads
//! (`Token.transfer(address,uint256)`), with the group the entry belongs to (its contract, test
//! suite or section group) and that group's source path, shown once per group.
//!
//! | id | name |
//! | --- | --- |
//! | `deploy:src/Token.sol:Token` | `Token · deployment` |
//! | `size:src/Token.sol:Token` | `Token · bytecode size` |
//! | `fn:src/Token.sol:Token.transfer(address,uint256)` | `Token.transfer(address,uint256)` |
//! | `test:TokenTest:testTransfer()` | `TokenTest.testTransfer()` |
//! | `section:Pool/swap` | `Pool / swap` |
//!
//! Two contracts of the same name in different files are told apart by the shortest suffix of
//! their paths that differs (`mocks/MockERC20.sol:MockERC20`), the way Solidity names them.
//!
//! Pure and total: every id gets a name, one of an unknown shape keeps the id. Nothing here
//! escapes: renderers still sanitise and escape what they show. Ids never change: the JSON diff,
//! policy globs and the renderers' full tables keep them.

use std::collections::{BTreeMap, BTreeSet};

/// Longest name a people-facing table row shows, in characters; longer ones are shortened in
/// the middle ([`shorten_middle`]) so a table fits GitHub's review column.
pub const MAX_DISPLAY_CHARS: usize = 70;

/// What people call one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName {
    /// The row's name: `MockERC20.transfer(address,uint256)`, `MockERC20 · deployment`.
    pub name: String,
    /// For a sentence: a function or test without its parameter list (`MockERC20.transfer`)
    /// when no other entry has that short form, else [`DisplayName::name`].
    pub short: String,
    /// The contract, test suite or section group the entry belongs to.
    pub group: Option<Group>,
}

/// A contract, a test suite or a section group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    /// Tells groups apart; not for display.
    pub key: String,
    /// `MockERC20`, `mocks/MockERC20.sol:MockERC20` when the name alone is ambiguous, `Pool`.
    pub title: String,
    /// The name alone (`MockERC20`), for a heading that shows the path beside it.
    pub name: String,
    /// The contract's source path, when the id has one.
    pub path: Option<String>,
}

/// The display names of a set of ids, computed together so same-named contracts are told apart
/// the same way everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    by_id: BTreeMap<String, DisplayName>,
}

impl Names {
    /// Names every id of `ids`.
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> Self {
        let parsed: Vec<(&str, Parsed<'_>)> = ids.into_iter().map(|id| (id, parse(id))).collect();
        let titles = unit_titles(parsed.iter().filter_map(|(_, parsed)| parsed.unit()));
        let mut by_id: BTreeMap<String, DisplayName> =
            parsed.iter().map(|(id, parsed)| ((*id).to_owned(), display(id, parsed, &titles))).collect();
        // A short form is used only where it names one entry.
        let mut shorts: BTreeMap<String, usize> = BTreeMap::new();
        for name in by_id.values() {
            *shorts.entry(name.short.clone()).or_default() += 1;
        }
        for name in by_id.values_mut() {
            if shorts.get(&name.short).copied().unwrap_or(0) > 1 {
                name.short = name.name.clone();
            }
        }
        Self { by_id }
    }

    /// The name of `id`; an id not given to [`Names::new`] is named on its own.
    pub fn get(&self, id: &str) -> DisplayName {
        self.by_id.get(id).cloned().unwrap_or_else(|| {
            let parsed = parse(id);
            let titles = unit_titles(parsed.unit());
            display(id, &parsed, &titles)
        })
    }
}

impl DisplayName {
    /// [`DisplayName::name`] in at most `max` characters for a table row: a long parameter
    /// list is shortened in its middle so the contract and function stay whole, when they
    /// leave room for that; otherwise the whole name is ([`shorten_middle`]).
    pub fn shown(&self, max: usize) -> String {
        let name = &self.name;
        if name.chars().count() <= max {
            return name.clone();
        }
        if let Some(open) = name.find('(') {
            let (head, parameters) = name.split_at(open + 1);
            let head_chars = head.chars().count();
            // Room for a shortened list that still shows its start, a `…` and its end.
            if head_chars + 12 <= max {
                return format!("{head}{}", shorten_middle(parameters, max - head_chars));
            }
        }
        shorten_middle(name, max)
    }
}

/// `text` of at most `max` characters: longer text keeps its start and its end around a `…`,
/// so a signature keeps both its contract and its last parameters.
pub fn shorten_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max || max == 0 {
        return text.to_owned();
    }
    let keep = max - 1;
    let tail = keep / 2;
    let head = keep - tail;
    let mut shortened: String = text.chars().take(head).collect();
    shortened.push('…');
    shortened.extend(text.chars().skip(count - tail));
    shortened
}

/// A contract or a test suite: `path:Name` or `Name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Unit<'a> {
    key: &'a str,
    path: Option<&'a str>,
    name: &'a str,
}

impl<'a> Unit<'a> {
    fn new(key: &'a str) -> Self {
        match key.rsplit_once(':') {
            Some((path, name)) if !path.is_empty() => Self { key, path: Some(path), name },
            _ => Self { key, path: None, name: key },
        }
    }
}

enum Parsed<'a> {
    Deployment(Unit<'a>),
    Size(Unit<'a>),
    Function(Unit<'a>, &'a str),
    Test(Unit<'a>, &'a str),
    Section { group: Option<&'a str>, name: &'a str },
    Unknown,
}

impl<'a> Parsed<'a> {
    fn unit(&self) -> Option<Unit<'a>> {
        match self {
            Self::Deployment(unit) | Self::Size(unit) | Self::Function(unit, _) | Self::Test(unit, _) => {
                Some(*unit)
            }
            Self::Section { .. } | Self::Unknown => None,
        }
    }
}

fn parse(id: &str) -> Parsed<'_> {
    let Some((prefix, rest)) = id.split_once(':') else { return Parsed::Unknown };
    if rest.is_empty() {
        return Parsed::Unknown;
    }
    // Paths and names come before the parameter list; only that part is split.
    let before_parameters = &rest[..rest.find('(').unwrap_or(rest.len())];
    match prefix {
        "deploy" => Parsed::Deployment(Unit::new(rest)),
        "size" => Parsed::Size(Unit::new(rest)),
        "fn" => {
            // `path:Contract.function(...)`: the contract name follows the last `:` of the
            // path and has no `.`; a path has dots (`Token.sol`) but they come before it.
            let name_start = before_parameters.rfind(':').map_or(0, |colon| colon + 1);
            match before_parameters[name_start..].find('.') {
                Some(dot) if dot > 0 && name_start + dot + 1 < rest.len() => {
                    let split = name_start + dot;
                    Parsed::Function(Unit::new(&rest[..split]), &rest[split + 1..])
                }
                _ => Parsed::Unknown,
            }
        }
        "test" => match before_parameters.rfind(':') {
            Some(colon) if colon > 0 && colon + 1 < rest.len() => {
                Parsed::Test(Unit::new(&rest[..colon]), &rest[colon + 1..])
            }
            _ => Parsed::Unknown,
        },
        "section" => match rest.split_once('/') {
            Some((group, name)) if !group.is_empty() && !name.is_empty() => {
                Parsed::Section { group: Some(group), name }
            }
            _ => Parsed::Section { group: None, name: rest },
        },
        _ => Parsed::Unknown,
    }
}

/// Each unit's title: its name, or `suffix:Name` with the shortest path suffix (whole path
/// components) that no other unit of that name shares.
fn unit_titles<'a>(units: impl IntoIterator<Item = Unit<'a>>) -> BTreeMap<&'a str, String> {
    let mut by_name: BTreeMap<&str, BTreeSet<Unit<'_>>> = BTreeMap::new();
    for unit in units {
        by_name.entry(unit.name).or_default().insert(unit);
    }
    let mut titles = BTreeMap::new();
    for (name, units) in by_name {
        let paths: Vec<Option<&str>> = units.iter().map(|unit| unit.path).collect();
        for unit in &units {
            let title = match unit.path {
                Some(path) if paths.len() > 1 => {
                    let others: Vec<&str> = paths
                        .iter()
                        .filter(|other| **other != unit.path)
                        .map(|other| other.unwrap_or(""))
                        .collect();
                    format!("{}:{name}", distinct_suffix(path, &others))
                }
                _ => name.to_owned(),
            };
            titles.insert(unit.key, title);
        }
    }
    titles
}

/// The shortest suffix of `path` (in `/`-separated components) that is not the same suffix of
/// any of `others`; the whole path when none is shorter.
fn distinct_suffix<'a>(path: &'a str, others: &[&str]) -> &'a str {
    let components = path.split('/').count();
    (1..=components)
        .map(|count| last_components(path, count))
        .find(|suffix| {
            let count = suffix.split('/').count();
            others.iter().all(|other| last_components(other, count) != *suffix)
        })
        .unwrap_or(path)
}

/// The last `count` `/`-separated components of `path` (all of it when it has fewer).
fn last_components(path: &str, count: usize) -> &str {
    let mut start = path.len();
    for _ in 0..count {
        match path[..start].rfind('/') {
            Some(slash) => start = slash,
            None => return path,
        }
    }
    &path[start + 1..]
}

fn display(id: &str, parsed: &Parsed<'_>, titles: &BTreeMap<&str, String>) -> DisplayName {
    let unit_group = |unit: &Unit<'_>| {
        let title = titles.get(unit.key).cloned().unwrap_or_else(|| unit.name.to_owned());
        Group {
            key: format!("unit:{}", unit.key),
            title,
            name: unit.name.to_owned(),
            path: unit.path.map(str::to_owned),
        }
    };
    let member = |group: Group, item: &str| {
        let name = format!("{}.{item}", group.title);
        // `transfer(address,uint256) [revert]` → `transfer [revert]`.
        let short = match (item.find('('), item.rfind(')')) {
            (Some(open), Some(close)) if open < close => {
                format!("{}.{}{}", group.title, &item[..open], &item[close + 1..])
            }
            _ => format!("{}.{item}", group.title),
        };
        DisplayName { name, short, group: Some(group) }
    };
    match parsed {
        Parsed::Deployment(unit) => {
            let group = unit_group(unit);
            let name = format!("{} · deployment", group.title);
            DisplayName { short: name.clone(), name, group: Some(group) }
        }
        Parsed::Size(unit) => {
            let group = unit_group(unit);
            let name = format!("{} · bytecode size", group.title);
            DisplayName { short: name.clone(), name, group: Some(group) }
        }
        Parsed::Function(unit, function) => member(unit_group(unit), function),
        Parsed::Test(unit, test) => member(unit_group(unit), test),
        Parsed::Section { group: Some(group), name } => {
            let text = format!("{group} / {name}");
            DisplayName {
                short: text.clone(),
                name: text,
                group: Some(Group {
                    key: format!("section:{group}"),
                    title: (*group).to_owned(),
                    name: (*group).to_owned(),
                    path: None,
                }),
            }
        }
        Parsed::Section { group: None, name } => {
            DisplayName { name: (*name).to_owned(), short: (*name).to_owned(), group: None }
        }
        Parsed::Unknown => DisplayName { name: id.to_owned(), short: id.to_owned(), group: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ids: &[&str]) -> Vec<(String, String, Option<String>, Option<String>)> {
        let names = Names::new(ids.iter().copied());
        ids.iter()
            .map(|id| {
                let name = names.get(id);
                let group = name.group.clone();
                (
                    name.name,
                    name.short,
                    group.as_ref().map(|group| group.title.clone()),
                    group.and_then(|group| group.path),
                )
            })
            .collect()
    }

    fn row(
        name: &str,
        short: &str,
        title: Option<&str>,
        path: Option<&str>,
    ) -> (String, String, Option<String>, Option<String>) {
        (name.to_owned(), short.to_owned(), title.map(str::to_owned), path.map(str::to_owned))
    }

    #[test]
    fn every_kind_of_id() {
        assert_eq!(
            names(&[
                "deploy:src/Token.sol:Token",
                "size:src/Token.sol:Token",
                "fn:src/Token.sol:Token.transfer(address,uint256)",
                "fn:src/Token.sol:Token.transferFrom(address,address,uint256) [revert]",
                "test:TokenTest:testTransfer()",
                "section:Pool/swap exact in",
                "section:loose",
                "deploy:Bare",
                "fn:Bare.f()",
            ]),
            [
                row("Token · deployment", "Token · deployment", Some("Token"), Some("src/Token.sol")),
                row("Token · bytecode size", "Token · bytecode size", Some("Token"), Some("src/Token.sol")),
                row(
                    "Token.transfer(address,uint256)",
                    "Token.transfer",
                    Some("Token"),
                    Some("src/Token.sol")
                ),
                row(
                    "Token.transferFrom(address,address,uint256) [revert]",
                    "Token.transferFrom [revert]",
                    Some("Token"),
                    Some("src/Token.sol")
                ),
                row("TokenTest.testTransfer()", "TokenTest.testTransfer", Some("TokenTest"), None),
                row("Pool / swap exact in", "Pool / swap exact in", Some("Pool"), None),
                row("loose", "loose", None, None),
                row("Bare · deployment", "Bare · deployment", Some("Bare"), None),
                row("Bare.f()", "Bare.f", Some("Bare"), None),
            ]
        );
    }

    /// Two `MockERC20` in different folders: the shortest path suffix that differs.
    #[test]
    fn same_named_contracts_get_the_shortest_distinct_suffix() {
        let ids = [
            "fn:solmate/src/test/utils/mocks/MockERC20.sol:MockERC20.transfer(address,uint256)",
            "fn:lib/tokens/MockERC20.sol:MockERC20.transfer(address,uint256)",
            "deploy:src/Other.sol:MockERC20",
            "deploy:MockERC20",
            "deploy:a/MockERC20.sol:Unique",
        ];
        let names = Names::new(ids);
        let shown: Vec<String> = ids.iter().map(|id| names.get(id).name).collect();
        assert_eq!(
            shown,
            [
                "mocks/MockERC20.sol:MockERC20.transfer(address,uint256)",
                "tokens/MockERC20.sol:MockERC20.transfer(address,uint256)",
                "Other.sol:MockERC20 · deployment",
                "MockERC20 · deployment",
                "Unique · deployment",
            ]
        );
        assert_eq!(names.get(ids[0]).short, "mocks/MockERC20.sol:MockERC20.transfer");
    }

    /// A path that is itself a suffix of another one keeps its whole path.
    #[test]
    fn a_path_that_is_a_suffix_of_another() {
        let names = Names::new(["deploy:A.sol:A", "deploy:x/A.sol:A"]);
        assert_eq!(names.get("deploy:A.sol:A").name, "A.sol:A · deployment");
        assert_eq!(names.get("deploy:x/A.sol:A").name, "x/A.sol:A · deployment");
    }

    #[test]
    fn overloads_keep_their_parameters_in_sentences() {
        let names = Names::new(["fn:A.sol:A.f(uint256)", "fn:A.sol:A.f(address)", "fn:A.sol:A.g()"]);
        assert_eq!(names.get("fn:A.sol:A.f(uint256)").short, "A.f(uint256)");
        assert_eq!(names.get("fn:A.sol:A.g()").short, "A.g");
        let names = Names::new(["fn:A.sol:A.t(uint256)", "fn:A.sol:A.t(uint256) [revert]"]);
        assert_eq!(names.get("fn:A.sol:A.t(uint256)").short, "A.t");
        assert_eq!(names.get("fn:A.sol:A.t(uint256) [revert]").short, "A.t [revert]");
    }

    /// Whatever the id, a name comes out and nothing panics.
    #[test]
    fn malformed_ids_keep_the_id() {
        for id in [
            "",
            ":",
            "fn:",
            "fn:.",
            "fn:a:",
            "fn:(",
            "test:",
            "test::",
            "section:/",
            "deploy:",
            "x:y",
            "é:ü.(",
            "fn:a:b.(:",
        ] {
            let name = Names::new([id]).get(id);
            assert!(!name.name.is_empty() || id.is_empty(), "{id:?}");
        }
        assert_eq!(Names::new(["fn:"]).get("fn:").name, "fn:");
        assert_eq!(Names::default().get("fn:A.f()").name, "A.f()");
    }

    #[test]
    fn middle_ellipsis() {
        assert_eq!(shorten_middle("abcdef", 6), "abcdef");
        assert_eq!(shorten_middle("abcdefg", 6), "abc…fg");
        let long = format!("MockERC20.permit({})", "address,".repeat(20));
        let short = shorten_middle(&long, MAX_DISPLAY_CHARS);
        assert_eq!(short.chars().count(), MAX_DISPLAY_CHARS);
        assert!(short.starts_with("MockERC20.permit(") && short.ends_with("address,)"));
        assert_eq!(shorten_middle("ééééé", 3), "é…é");
    }

    /// A long name keeps its contract and function whole; only the parameters are shortened.
    #[test]
    fn shown_names_keep_the_function() {
        let id = "fn:lib/solmate/src/test/utils/mocks/MockERC20.sol:MockERC20.transferFrom(address,address,uint256) [revert]";
        let names = Names::new([id, "fn:test/mocks/MockERC20.sol:MockERC20.f()"]);
        let shown = names.get(id).shown(MAX_DISPLAY_CHARS);
        assert_eq!(shown, "utils/mocks/MockERC20.sol:MockERC20.transferFrom(address,ad…) [revert]");
        assert_eq!(shown.chars().count(), MAX_DISPLAY_CHARS);
        let long = format!("test:{}:t()", "A".repeat(500));
        let shown = Names::new([long.as_str()]).get(&long).shown(MAX_DISPLAY_CHARS);
        assert_eq!(shown.chars().count(), MAX_DISPLAY_CHARS);
        assert!(shown.starts_with("AAAA") && shown.ends_with("A.t()"));
    }
}
