//! The regression policy: which changes fail a check. Read from the `[policy]` table of
//! `gasguard.toml`, compiled once ([`Policy::compile`]), then asked about one entry at a time
//! ([`CompiledPolicy::judge`]). Pure: it sees numbers and ids, never a report or a file.
//!
//! ```toml
//! [policy]
//! max_increase_pct = 0.0        # default rule; with neither limit set, any increase fails
//! max_increase_gas = 0
//! noise_tolerance_pct = 0.0     # fuzz entries only
//! max_contract_size = 24576     # EIP-170
//! fail_on_removed = false       # true: an entry missing from the head fails
//! [[policy.rule]]               # first match wins
//! match = "fn:*Token*"
//! max_increase_pct = 2.0
//! max_increase_gas = 500
//! [[policy.ceiling]]            # every match applies
//! match = "deploy:*"
//! max_gas = 1500000
//! ```
//!
//! Semantics, entry by entry (ids and kinds as [`crate::core::entries`] defines them):
//!
//! - **Information** entries (kind `info`) are never judged.
//! - **Size** entries are judged only by `max_contract_size`: a runtime size above it fails,
//!   unless the size went down. Increase rules and ceilings do not apply to sizes.
//! - **Gas** entries (deployment, function, test, fuzz, section):
//!   - An **increase** is judged by the first `[[policy.rule]]` whose glob matches the id, or by
//!     the default rule (the top-level limits) when none matches. It passes when it is within
//!     every limit the rule sets: `max_increase_pct` (relative to the base value; any increase
//!     from 0 exceeds it) and `max_increase_gas` (absolute). A rule that sets neither allows
//!     any increase (informational). The default rule with neither limit set is exact: any
//!     increase fails.
//!   - For **fuzz** entries (their mean and median move with the inputs), `noise_tolerance_pct`
//!     widens each limit of the judging rule by that percentage of the base value: the
//!     percentage limit grows by it, the gas limit by `base × noise / 100`.
//!   - **Ceilings** are absolute: every `[[policy.ceiling]]` whose glob matches applies, and a
//!     head value above its `max_gas` fails. They judge increases, added entries and unchanged
//!     entries alike (an unchanged entry above a new ceiling fails).
//!   - An **improvement** never fails, not even above a ceiling: the change goes the right way.
//!   - An **added** entry is judged only by ceilings (and, for sizes, the size budget).
//! - A **removed** entry (in the base, not in the head) fails only with `fail_on_removed = true`,
//!   whatever its kind but info; the failure names the entry and the rule `fail_on_removed`.
//!
//! Globs use [`globset`] syntax against the whole id; `*` also crosses `/` and `:`, so
//! `fn:*Token*` matches `fn:src/Token.sol:Token.transfer(address,uint256)`.
//!
//! Each judgement names the rule that decided it: `default`, `rule[0] fn:*Token*`,
//! `ceiling[1] deploy:*`, `size budget` or `fail_on_removed`.

use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Serialize};

use crate::core::entries::EntryKind;
use crate::core::number::{group_digits, signed_pct};

/// EIP-170's limit on deployed code, in bytes.
pub const EIP170_MAX_CODE_SIZE: u64 = 24_576;

/// The `[policy]` table of `gasguard.toml`. [`Default`] is the exact policy: any increase fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Default rule: largest allowed increase, percent of the base value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_increase_pct: Option<f64>,
    /// Default rule: largest allowed increase, gas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_increase_gas: Option<u64>,
    /// Extra tolerance for fuzz entries, percent of the base value.
    #[serde(default)]
    pub noise_tolerance_pct: f64,
    /// Largest allowed runtime bytecode size, bytes.
    #[serde(default = "eip170")]
    pub max_contract_size: u64,
    /// Fail when an entry of the base is missing from the head (a deleted scenario or test).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail_on_removed: bool,
    /// `[[policy.rule]]`: per-id increase limits, first match wins.
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// `[[policy.ceiling]]`: absolute limits, every match applies.
    #[serde(default, rename = "ceiling", skip_serializing_if = "Vec::is_empty")]
    pub ceilings: Vec<Ceiling>,
}

fn eip170() -> u64 {
    EIP170_MAX_CODE_SIZE
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_increase_pct: None,
            max_increase_gas: None,
            noise_tolerance_pct: 0.0,
            max_contract_size: EIP170_MAX_CODE_SIZE,
            fail_on_removed: false,
            rules: Vec::new(),
            ceilings: Vec::new(),
        }
    }
}

/// `[[policy.rule]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Glob on the entry id.
    #[serde(rename = "match")]
    pub pattern: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_increase_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_increase_gas: Option<u64>,
}

/// `[[policy.ceiling]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ceiling {
    /// Glob on the entry id.
    #[serde(rename = "match")]
    pub pattern: String,
    pub max_gas: u64,
}

/// Why a policy cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("invalid glob `{pattern}` in `{location}`: {message}")]
    InvalidGlob { location: String, pattern: String, message: String },
    #[error("`{location}` must be a finite number of at least 0, got `{value}`")]
    InvalidLimit { location: String, value: f64 },
}

/// A policy with its globs compiled, ready to judge entries.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    policy: Policy,
    rules: Vec<GlobMatcher>,
    ceilings: Vec<GlobMatcher>,
    /// Several projects checked together: each entry whose id names a project (`fn:core/…`) is
    /// judged by that project's policy, on its id without the project (as in a check of that
    /// project alone). Entries of no listed project are judged by `policy`.
    projects: Vec<(String, CompiledPolicy)>,
}

/// The verdict of the policy on one entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Judgement {
    /// The rule that decided: the first failing rule if any failed, else the increase rule
    /// that allowed an increase; `None` when nothing had to be decided.
    pub rule: Option<String>,
    /// Every violated limit, in rule order.
    pub failures: Vec<Violation>,
}

/// One violated limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// `default`, `rule[0] fn:*Token*`, `ceiling[1] deploy:*` or `size budget`.
    pub rule: String,
    /// What was exceeded, for people: `+600 gas (+3.00%) exceeds max_increase_pct 2%`.
    pub reason: String,
}

impl Policy {
    /// Validates the limits and compiles the globs.
    pub fn compile(&self) -> Result<CompiledPolicy, PolicyError> {
        check_limit("policy.max_increase_pct", self.max_increase_pct)?;
        check_limit("policy.noise_tolerance_pct", Some(self.noise_tolerance_pct))?;
        let mut rules = Vec::with_capacity(self.rules.len());
        for (index, rule) in self.rules.iter().enumerate() {
            let location = format!("policy.rule[{index}]");
            check_limit(&format!("{location}.max_increase_pct"), rule.max_increase_pct)?;
            rules.push(compile_glob(&rule.pattern, &location)?);
        }
        let mut ceilings = Vec::with_capacity(self.ceilings.len());
        for (index, ceiling) in self.ceilings.iter().enumerate() {
            ceilings.push(compile_glob(&ceiling.pattern, &format!("policy.ceiling[{index}]"))?);
        }
        Ok(CompiledPolicy { policy: self.clone(), rules, ceilings, projects: Vec::new() })
    }
}

fn check_limit(location: &str, value: Option<f64>) -> Result<(), PolicyError> {
    match value {
        Some(value) if !value.is_finite() || value < 0.0 => {
            Err(PolicyError::InvalidLimit { location: location.to_owned(), value })
        }
        _ => Ok(()),
    }
}

fn compile_glob(pattern: &str, location: &str) -> Result<GlobMatcher, PolicyError> {
    GlobBuilder::new(pattern).literal_separator(false).build().map(|glob| glob.compile_matcher()).map_err(
        |error| PolicyError::InvalidGlob {
            location: location.to_owned(),
            pattern: pattern.to_owned(),
            message: error.kind().to_string(),
        },
    )
}

/// The limits of the rule judging an increase.
struct Limits {
    name: String,
    pct: Option<f64>,
    gas: Option<u64>,
}

impl CompiledPolicy {
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// One policy per project, for a check of several projects: an entry `fn:core/src/A.sol:A.f()`
    /// is judged by `core`'s policy as `fn:src/A.sol:A.f()`, and the rule that decided is named
    /// with its project (`core: rule[0] fn:*A*`). Entries of no project get the exact default.
    pub fn by_project(projects: Vec<(String, CompiledPolicy)>) -> Self {
        // The default policy has no globs to compile.
        Self { policy: Policy::default(), rules: Vec::new(), ceilings: Vec::new(), projects }
    }

    /// Judges one entry. `base` and `head` are its numeric values (`None` when absent on that
    /// side, or not a number).
    pub fn judge(&self, id: &str, kind: EntryKind, base: Option<u64>, head: Option<u64>) -> Judgement {
        if let Some((kind_prefix, rest)) = id.split_once(':') {
            for (project, policy) in &self.projects {
                if let Some(own) = rest.strip_prefix(project.as_str()).and_then(|rest| rest.strip_prefix('/'))
                {
                    let mut judgement = policy.judge(&format!("{kind_prefix}:{own}"), kind, base, head);
                    let named = |rule: String| format!("{project}: {rule}");
                    judgement.rule = judgement.rule.map(named);
                    for failure in &mut judgement.failures {
                        failure.rule = named(std::mem::take(&mut failure.rule));
                    }
                    return judgement;
                }
            }
        }
        let mut judgement = Judgement::default();
        let Some(head) = head else {
            if self.policy.fail_on_removed && kind != EntryKind::Info {
                let was = base.map(|base| format!(" (it was {} in the base)", group_digits(base)));
                judgement.failures.push(Violation {
                    rule: "fail_on_removed".to_owned(),
                    reason: format!("removed from the head{}", was.unwrap_or_default()),
                });
                judgement.rule = Some("fail_on_removed".to_owned());
            }
            return judgement;
        };
        let improved = base.is_some_and(|base| head < base);
        match kind {
            EntryKind::Info => {}
            EntryKind::Size => {
                let limit = self.policy.max_contract_size;
                if !improved && head > limit {
                    judgement.failures.push(Violation {
                        rule: "size budget".to_owned(),
                        reason: format!(
                            "runtime size {} bytes exceeds max_contract_size {} bytes",
                            group_digits(head),
                            group_digits(limit)
                        ),
                    });
                }
            }
            EntryKind::Deployment
            | EntryKind::Function
            | EntryKind::Test
            | EntryKind::Fuzz
            | EntryKind::Section => {
                if improved {
                    return judgement;
                }
                if let Some(base) = base.filter(|&base| head > base) {
                    let limits = self.increase_rule(id);
                    let noise = if kind == EntryKind::Fuzz { self.policy.noise_tolerance_pct } else { 0.0 };
                    if let Some(reason) = exceeded(&limits, base, head, noise) {
                        judgement.failures.push(Violation { rule: limits.name.clone(), reason });
                    }
                    judgement.rule = Some(limits.name);
                }
                for (index, (ceiling, matcher)) in self.policy.ceilings.iter().zip(&self.ceilings).enumerate()
                {
                    if matcher.is_match(id) && head > ceiling.max_gas {
                        judgement.failures.push(Violation {
                            rule: format!("ceiling[{index}] {}", ceiling.pattern),
                            reason: format!(
                                "{} gas exceeds the ceiling of {} gas",
                                group_digits(head),
                                group_digits(ceiling.max_gas)
                            ),
                        });
                    }
                }
            }
        }
        if let Some(first) = judgement.failures.first() {
            judgement.rule = Some(first.rule.clone());
        }
        judgement
    }

    fn increase_rule(&self, id: &str) -> Limits {
        for (index, (rule, matcher)) in self.policy.rules.iter().zip(&self.rules).enumerate() {
            if matcher.is_match(id) {
                return Limits {
                    name: format!("rule[{index}] {}", rule.pattern),
                    pct: rule.max_increase_pct,
                    gas: rule.max_increase_gas,
                };
            }
        }
        let (pct, gas) = match (self.policy.max_increase_pct, self.policy.max_increase_gas) {
            (None, None) => (Some(0.0), Some(0)),
            limits => limits,
        };
        Limits { name: "default".to_owned(), pct, gas }
    }
}

/// The reason an increase from `base` to `head` breaks `limits`, if it does.
fn exceeded(limits: &Limits, base: u64, head: u64, noise_pct: f64) -> Option<String> {
    let delta = head - base;
    let mut broken = Vec::new();
    if let Some(pct) = limits.pct {
        let allowed = pct + noise_pct;
        // Compare delta / base ≤ allowed / 100 without dividing; any increase from 0 is too much.
        if base == 0 || delta as f64 * 100.0 > allowed * base as f64 {
            let noise = if noise_pct > 0.0 { format!(" + noise {noise_pct}%") } else { String::new() };
            broken.push(format!("max_increase_pct {pct}%{noise}"));
        }
    }
    if let Some(gas) = limits.gas {
        let allowed = gas.saturating_add((base as f64 * noise_pct / 100.0).floor() as u64);
        if delta > allowed {
            broken.push(format!("max_increase_gas {}", format_gas_limit(gas, allowed)));
        }
    }
    if broken.is_empty() {
        return None;
    }
    let pct = if base == 0 {
        String::new()
    } else {
        format!(" ({})", signed_pct(delta as f64 * 100.0 / base as f64))
    };
    Some(format!("+{} gas{pct} exceeds {}", group_digits(delta), broken.join(" and ")))
}

fn format_gas_limit(limit: u64, allowed: u64) -> String {
    if allowed > limit {
        format!("{} (+ noise {})", group_digits(limit), group_digits(allowed - limit))
    } else {
        group_digits(limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(toml_text: &str) -> CompiledPolicy {
        #[derive(Deserialize)]
        struct Config {
            policy: Policy,
        }
        toml::from_str::<Config>(toml_text).unwrap().policy.compile().unwrap()
    }

    fn failed(judgement: &Judgement) -> bool {
        !judgement.failures.is_empty()
    }

    const FN: &str = "fn:src/Token.sol:Token.transfer(address,uint256)";

    /// Each project's policy judges its own entries, on the id without the project; entries of
    /// no project fall to the exact default.
    #[test]
    fn projects_judge_their_own_entries() {
        let by_project = CompiledPolicy::by_project(vec![
            (
                "core".into(),
                policy("[policy]\n[[policy.rule]]\nmatch = \"fn:src/*\"\nmax_increase_pct = 1.0\n"),
            ),
            ("periphery".into(), policy("[policy]\nmax_increase_pct = 50.0\n")),
        ]);
        let core =
            by_project.judge("fn:core/src/Token.sol:Token.f()", EntryKind::Function, Some(100), Some(102));
        assert_eq!(core.rule.as_deref(), Some("core: rule[0] fn:src/*"));
        assert_eq!(core.failures.len(), 1);
        assert_eq!(core.failures[0].rule, "core: rule[0] fn:src/*");
        let periphery = by_project.judge(
            "fn:periphery/src/Router.sol:Router.f()",
            EntryKind::Function,
            Some(100),
            Some(140),
        );
        assert_eq!(periphery.rule.as_deref(), Some("periphery: default"));
        assert!(!failed(&periphery));
        // `core2/…` is not `core/…`; an entry of no project is judged exactly.
        let other = by_project.judge("fn:core2/src/A.sol:A.f()", EntryKind::Function, Some(100), Some(101));
        assert_eq!(other.rule.as_deref(), Some("default"));
        assert!(failed(&other));
    }

    #[test]
    fn default_is_exact() {
        let exact = Policy::default().compile().unwrap();
        let judgement = exact.judge(FN, EntryKind::Function, Some(1000), Some(1001));
        assert_eq!(judgement.rule.as_deref(), Some("default"));
        assert_eq!(
            judgement.failures,
            vec![Violation {
                rule: "default".into(),
                reason: "+1 gas (+0.10%) exceeds max_increase_pct 0% and max_increase_gas 0".into()
            }]
        );
        assert_eq!(exact.judge(FN, EntryKind::Function, Some(1000), Some(1000)), Judgement::default());
    }

    #[test]
    fn one_default_limit_alone_applies_alone() {
        // Setting only a percentage must not leave an implicit gas limit of 0 behind.
        let relaxed = policy("[policy]\nmax_increase_pct = 1.0\n");
        assert!(!failed(&relaxed.judge(FN, EntryKind::Function, Some(100_000), Some(101_000))));
        assert!(failed(&relaxed.judge(FN, EntryKind::Function, Some(100_000), Some(101_001))));
    }

    #[test]
    fn first_matching_rule_wins() {
        let rules = policy(
            r#"
            [policy]
            [[policy.rule]]
            match = "fn:*Token*"
            max_increase_gas = 10
            [[policy.rule]]
            match = "fn:*"
            max_increase_gas = 1000
            "#,
        );
        let judgement = rules.judge(FN, EntryKind::Function, Some(100), Some(150));
        assert_eq!(judgement.rule.as_deref(), Some("rule[0] fn:*Token*"));
        assert!(failed(&judgement));
        let other =
            rules.judge("fn:src/Vault.sol:Vault.deposit()", EntryKind::Function, Some(100), Some(150));
        assert_eq!(other.rule.as_deref(), Some("rule[1] fn:*"));
        assert!(!failed(&other));
        let unmatched =
            rules.judge("deploy:src/Vault.sol:Vault", EntryKind::Deployment, Some(100), Some(101));
        assert_eq!(unmatched.failures[0].rule, "default");
    }

    #[test]
    fn a_rule_must_be_met_on_every_limit_it_sets() {
        let both = policy(
            "[policy]\n[[policy.rule]]\nmatch = \"*\"\nmax_increase_pct = 2.0\nmax_increase_gas = 500\n",
        );
        // +1.5% but +1,500 gas: within the percentage, over the gas limit.
        let judgement = both.judge(FN, EntryKind::Function, Some(100_000), Some(101_500));
        assert_eq!(judgement.failures[0].reason, "+1,500 gas (+1.50%) exceeds max_increase_gas 500");
        // +400 gas but +4%: within the gas limit, over the percentage.
        let judgement = both.judge(FN, EntryKind::Function, Some(10_000), Some(10_400));
        assert_eq!(judgement.failures[0].reason, "+400 gas (+4.00%) exceeds max_increase_pct 2%");
        // Exactly on both limits passes.
        assert!(!failed(&both.judge(FN, EntryKind::Function, Some(25_000), Some(25_500))));
    }

    #[test]
    fn a_rule_without_limits_allows_any_increase() {
        let informational = policy("[policy]\n[[policy.rule]]\nmatch = \"test:*\"\n");
        let judgement = informational.judge("test:A:test()", EntryKind::Test, Some(1), Some(1_000_000));
        assert_eq!(judgement, Judgement { rule: Some("rule[0] test:*".into()), failures: vec![] });
    }

    #[test]
    fn increases_from_zero_break_any_percentage() {
        let pct = policy("[policy]\nmax_increase_pct = 50.0\n");
        assert!(failed(&pct.judge(FN, EntryKind::Function, Some(0), Some(1))));
    }

    #[test]
    fn noise_tolerance_widens_fuzz_limits_only() {
        let noisy = policy("[policy]\nnoise_tolerance_pct = 1.0\n");
        let fuzz = "test:A:testFuzz(uint256)";
        assert!(!failed(&noisy.judge(fuzz, EntryKind::Fuzz, Some(10_000), Some(10_100))));
        let judgement = noisy.judge(fuzz, EntryKind::Fuzz, Some(10_000), Some(10_101));
        assert_eq!(
            judgement.failures[0].reason,
            "+101 gas (+1.01%) exceeds max_increase_pct 0% + noise 1% and max_increase_gas 0 (+ noise 100)"
        );
        assert!(failed(&noisy.judge("test:A:test()", EntryKind::Test, Some(10_000), Some(10_001))));
    }

    #[test]
    fn improvements_never_fail() {
        let strict = policy("[policy]\n[[policy.ceiling]]\nmatch = \"*\"\nmax_gas = 10\n");
        assert_eq!(strict.judge(FN, EntryKind::Function, Some(1000), Some(999)), Judgement::default());
        assert_eq!(strict.judge("size:A", EntryKind::Size, Some(30_000), Some(29_000)), Judgement::default());
    }

    #[test]
    fn every_matching_ceiling_applies() {
        let ceilings = policy(
            r#"
            [policy]
            max_increase_pct = 100.0
            [[policy.ceiling]]
            match = "deploy:*"
            max_gas = 1000
            [[policy.ceiling]]
            match = "*Token*"
            max_gas = 900
            "#,
        );
        let judgement =
            ceilings.judge("deploy:src/Token.sol:Token", EntryKind::Deployment, Some(800), Some(1200));
        let rules: Vec<_> = judgement.failures.iter().map(|failure| failure.rule.as_str()).collect();
        assert_eq!(rules, ["ceiling[0] deploy:*", "ceiling[1] *Token*"]);
        assert_eq!(judgement.rule.as_deref(), Some("ceiling[0] deploy:*"));
        assert_eq!(judgement.failures[1].reason, "1,200 gas exceeds the ceiling of 900 gas");
        // Unchanged but above a ceiling still fails: a ceiling is absolute.
        assert!(failed(&ceilings.judge(
            "deploy:src/Token.sol:Token",
            EntryKind::Deployment,
            Some(950),
            Some(950)
        )));
    }

    #[test]
    fn added_entries_are_judged_only_by_ceilings() {
        let policy = policy("[policy]\n[[policy.ceiling]]\nmatch = \"fn:*\"\nmax_gas = 50000\n");
        assert_eq!(policy.judge(FN, EntryKind::Function, None, Some(50_000)), Judgement::default());
        let judgement = policy.judge(FN, EntryKind::Function, None, Some(50_001));
        assert_eq!(judgement.rule.as_deref(), Some("ceiling[0] fn:*"));
        assert_eq!(policy.judge("test:A:t()", EntryKind::Test, None, Some(u64::MAX)), Judgement::default());
    }

    #[test]
    fn sizes_are_judged_only_by_the_size_budget() {
        let policy = policy("[policy]\n[[policy.ceiling]]\nmatch = \"*\"\nmax_gas = 1\n");
        assert_eq!(policy.judge("size:A", EntryKind::Size, Some(100), Some(24_576)), Judgement::default());
        let judgement = policy.judge("size:A", EntryKind::Size, None, Some(24_577));
        assert_eq!(
            judgement.failures,
            vec![Violation {
                rule: "size budget".into(),
                reason: "runtime size 24,577 bytes exceeds max_contract_size 24,576 bytes".into()
            }]
        );
    }

    #[test]
    fn info_is_never_judged() {
        let exact = Policy::default().compile().unwrap();
        assert_eq!(exact.judge("section:A/hash", EntryKind::Info, None, None), Judgement::default());
        assert_eq!(exact.judge("section:A/x", EntryKind::Info, Some(1), Some(2)), Judgement::default());
    }

    #[test]
    fn removed_entries_fail_only_when_asked() {
        let exact = Policy::default().compile().unwrap();
        assert_eq!(exact.judge(FN, EntryKind::Function, Some(1), None), Judgement::default());
        let strict = policy("[policy]\nfail_on_removed = true\n");
        let judgement = strict.judge(FN, EntryKind::Function, Some(23_000), None);
        assert_eq!(
            judgement,
            Judgement {
                rule: Some("fail_on_removed".into()),
                failures: vec![Violation {
                    rule: "fail_on_removed".into(),
                    reason: "removed from the head (it was 23,000 in the base)".into()
                }]
            }
        );
        // Text values have no number to quote; info entries are never judged.
        let text = strict.judge("section:A/name", EntryKind::Section, None, None);
        assert_eq!(text.failures[0].reason, "removed from the head");
        assert_eq!(strict.judge("section:A/hash", EntryKind::Info, None, None), Judgement::default());
        // Present in the head: nothing to say.
        assert_eq!(strict.judge(FN, EntryKind::Function, Some(5), Some(5)), Judgement::default());
    }

    #[test]
    fn invalid_configuration() {
        let bad_glob = Policy {
            rules: vec![Rule { pattern: "fn:[*".into(), max_increase_pct: None, max_increase_gas: None }],
            ..Policy::default()
        };
        assert_eq!(
            bad_glob.compile().unwrap_err().to_string(),
            "invalid glob `fn:[*` in `policy.rule[0]`: unclosed character class; missing ']'"
        );
        let negative = Policy { max_increase_pct: Some(-1.0), ..Policy::default() };
        assert_eq!(
            negative.compile().unwrap_err().to_string(),
            "`policy.max_increase_pct` must be a finite number of at least 0, got `-1`"
        );
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Config {
            policy: Policy,
        }
        let unknown = toml::from_str::<Config>("[policy]\nmax_increse_pct = 1.0\n").unwrap_err();
        assert!(unknown.to_string().contains("unknown field `max_increse_pct`"), "{unknown}");
    }
}
