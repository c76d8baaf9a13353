//! The diff as JSON (`gasguard/diff/v1`), and reading it back.
//!
//! ```json
//! {
//!   "schema": "gasguard/diff/v1",
//!   "verdict": "fail",
//!   "labels": { "base": "main", "head": "pr" },
//!   "summary": { "regressions": 1, "improvements": 0, "added": 0, "removed": 0, "unchanged": 3, "changed": 0 },
//!   "failures": [ { "id": "…", "reason": "…", "rule": "default" } ],
//!   "entries": [ { "id": "…", "kind": "function", "base": 100, "head": 120, "delta": 20,
//!                  "delta_pct": 20.0, "status": "regression", "rule": "default", "failed": true,
//!                  "why": { "by_kind": { "storage": 20 }, "by_frame": […], "by_line": […], "storage": […] },
//!                  "base_bounds": { "lower": 100, "upper": 1000100 }, "head_bounds": { … } } ],
//!   "why_note": "…",
//!   "base": { "commit": "<sha>", "source": "stored", "behind": 0, "ref": "main" },
//!   "build_changes": [ { "what": "solc optimizer runs", "base": "200", "head": "1",
//!                        "contracts": ["src/A.sol:A"] } ]
//! }
//! ```
//!
//! `why` (see [`crate::core::explain`]) is present on changed entries whose two sides carry
//! attribution; `why_note` when some changed entries could not be explained. `base_bounds` and
//! `head_bounds` (Somnia's schedule) are present on a side whose lower and upper bounds differ:
//! `base`/`head` is the one the policy judged, one of the two.
//!
//! `base` is present when `check` chose the base (`--base-ref`, or a baseline file), and
//! `build_changes` when the two builds differ; both are optional, so v1 readers of a diff
//! without them are unaffected.
//!
//! Pretty-printed, entries sorted by id: the same diff always gives the same bytes.
//!
//! [`from_json`] is for the privileged side of a pull-request workflow, which posts a diff an
//! unprivileged job produced: the document is untrusted. It is accepted only when its schema is
//! this one and it is consistent with itself (entries sorted and unique, each status, delta and
//! percentage what its values give, summary and verdict what the entries and failures give),
//! so a tampered file cannot show a pass over failures or counts that do not add up. Rendering
//! it stays safe whatever the names say (see [`super::markdown`]).

use serde::{Deserialize, Serialize};

use crate::core::base::BaseInfo;
use crate::core::build::BuildChange;
use crate::core::diff::{DiffEntry, Failure, GasDiff, Status, Summary, Verdict};

/// The schema identifier of diffs this version writes and reads.
pub const DIFF_SCHEMA: &str = "gasguard/diff/v1";
const DIFF_SCHEMA_PREFIX: &str = "gasguard/diff/v";
const DIFF_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    schema: String,
    verdict: Verdict,
    labels: Labels,
    summary: Summary,
    failures: Vec<Failure>,
    entries: Vec<DiffEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base: Option<BaseInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    build_changes: Vec<BuildChange>,
    /// Why changed entries are not explained (a side without attribution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    why_note: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    base: String,
    head: String,
}

/// Why a diff document was refused.
#[derive(Debug, thiserror::Error)]
pub enum DiffJsonError {
    #[error("invalid diff JSON at line {line} column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    #[error(
        "the diff has schema `{found}`, newer than the `{DIFF_SCHEMA}` this gasguard reads\n\nhint: use the same gasguard version in both jobs"
    )]
    NewerSchema { found: String },
    #[error("not a gasguard diff: schema `{found}`, expected `{DIFF_SCHEMA}`")]
    UnknownSchema { found: String },
    #[error("inconsistent diff: {0}")]
    Inconsistent(String),
}

/// The diff as pretty-printed JSON, ending with a newline.
pub fn json(diff: &GasDiff) -> String {
    let document = Document {
        schema: DIFF_SCHEMA.to_owned(),
        verdict: diff.verdict,
        labels: Labels { base: diff.base_label.clone(), head: diff.head_label.clone() },
        summary: diff.summary,
        failures: diff.failures.clone(),
        entries: diff.entries.clone(),
        base: diff.base.clone(),
        build_changes: diff.build_changes.clone(),
        why_note: diff.why_note.clone(),
    };
    // Serialising plain data with string keys cannot fail.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads and validates a diff written by [`json`].
pub fn from_json(text: &str) -> Result<GasDiff, DiffJsonError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|error| syntax(&error))?;
    let schema = value.get("schema").and_then(serde_json::Value::as_str).unwrap_or_default();
    if schema != DIFF_SCHEMA {
        let found: String = schema.chars().take(80).collect();
        let newer = schema
            .strip_prefix(DIFF_SCHEMA_PREFIX)
            .and_then(|version| version.parse::<u32>().ok())
            .is_some_and(|version| version > DIFF_SCHEMA_VERSION);
        return Err(if newer {
            DiffJsonError::NewerSchema { found }
        } else {
            DiffJsonError::UnknownSchema { found }
        });
    }
    let document: Document = serde_json::from_str(text).map_err(|error| syntax(&error))?;
    let diff = GasDiff {
        base_label: document.labels.base,
        head_label: document.labels.head,
        entries: document.entries,
        summary: document.summary,
        verdict: document.verdict,
        failures: document.failures,
        base: document.base,
        build_changes: document.build_changes,
        why_note: document.why_note,
    };
    check_consistency(&diff)?;
    Ok(diff)
}

fn syntax(error: &serde_json::Error) -> DiffJsonError {
    let text = error.to_string();
    let message = text.rfind(" at line ").map_or(text.as_str(), |index| &text[..index]).to_owned();
    DiffJsonError::Syntax { line: error.line(), column: error.column(), message }
}

fn check_consistency(diff: &GasDiff) -> Result<(), DiffJsonError> {
    let inconsistent = |message: String| Err(DiffJsonError::Inconsistent(message));
    for pair in diff.entries.windows(2) {
        if pair[0].id >= pair[1].id {
            return inconsistent(format!("entry `{}` is out of order or repeated", short(&pair[1].id)));
        }
    }
    for entry in &diff.entries {
        let expected =
            crate::core::diff::compare(entry.id.clone(), entry.kind, entry.base.clone(), entry.head.clone());
        if (expected.status, expected.delta, expected.delta_pct)
            != (entry.status, entry.delta, entry.delta_pct)
        {
            return inconsistent(format!(
                "entry `{}` has status, delta or percentage that its values do not give",
                short(&entry.id)
            ));
        }
        if let Some(why) = &entry.why {
            let delta =
                entry.delta.filter(|_| matches!(entry.status, Status::Regression | Status::Improvement));
            if delta.is_none_or(|delta| why.sums() != [delta; 3]) {
                return inconsistent(format!(
                    "entry `{}` has a `why` whose parts do not sum to its delta",
                    short(&entry.id)
                ));
            }
        }
        // Bounds are the judged value and the other one, on a side that has a value.
        for (bounds, value) in [(entry.base_bounds, &entry.base), (entry.head_bounds, &entry.head)] {
            let Some(bounds) = bounds else { continue };
            let value = value.as_ref().and_then(crate::core::entries::Measure::number);
            if bounds.lower >= bounds.upper
                || value.is_none_or(|value| value != bounds.lower && value != bounds.upper)
            {
                return inconsistent(format!(
                    "entry `{}` has bounds that do not hold its value",
                    short(&entry.id)
                ));
            }
        }
        let has_failure = diff.failures.iter().any(|failure| failure.id == entry.id);
        if entry.failed != has_failure {
            return inconsistent(format!(
                "entry `{}` is marked failed without a failure, or the reverse",
                short(&entry.id)
            ));
        }
    }
    for failure in &diff.failures {
        if diff.entries.binary_search_by(|entry| entry.id.as_str().cmp(&failure.id)).is_err() {
            return inconsistent(format!("failure for unknown entry `{}`", short(&failure.id)));
        }
    }
    if Summary::count(&diff.entries) != diff.summary {
        return inconsistent("the summary does not match the entries".to_owned());
    }
    let verdict = if diff.failures.is_empty() { Verdict::Pass } else { Verdict::Fail };
    if diff.verdict != verdict {
        return inconsistent(format!("the verdict must be `{}` for these failures", verdict.as_str()));
    }
    Ok(())
}

fn short(id: &str) -> String {
    super::sanitize(id, 80)
}

#[cfg(test)]
mod tests {
    use insta::assert_snapshot;

    use super::*;
    use crate::core::render::fixtures;

    #[test]
    fn mixed_diff() {
        assert_snapshot!(json(&fixtures::mixed()));
    }

    #[test]
    fn round_trip() {
        let diff = fixtures::mixed();
        assert_eq!(from_json(&json(&diff)).unwrap(), diff);
        let unchanged = fixtures::unchanged();
        assert_eq!(from_json(&json(&unchanged)).unwrap(), unchanged);
    }

    /// Bounds come back as written, and bounds that do not hold the judged value are refused.
    #[test]
    fn somnia_bounds_round_trip_and_are_checked() {
        let diff = fixtures::somnia(None);
        let text = json(&diff);
        assert!(
            text.contains(
                "\"head_bounds\": {\n        \"lower\": 252311,\n        \"upper\": 1252311\n      }"
            ),
            "{text}"
        );
        assert_eq!(from_json(&text).unwrap(), diff);
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let entry = value["entries"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|entry| entry["id"] == "fn:src/Token.sol:Token.transfer(address,uint256)")
            .unwrap();
        entry["head_bounds"]["lower"] = serde_json::json!(1);
        assert_eq!(
            from_json(&value.to_string()).unwrap_err().to_string(),
            "inconsistent diff: entry `fn:src/Token.sol:Token.transfer(address,uint256)` has bounds that do not hold its value"
        );
        // No bounds anywhere in an Ethereum diff.
        assert!(!json(&fixtures::mixed()).contains("_bounds"));
    }

    #[test]
    fn schema_is_checked() {
        let text = json(&fixtures::unchanged());
        let newer = text.replace(DIFF_SCHEMA, "gasguard/diff/v2");
        assert_eq!(
            from_json(&newer).unwrap_err().to_string(),
            "the diff has schema `gasguard/diff/v2`, newer than the `gasguard/diff/v1` this gasguard reads\n\n\
             hint: use the same gasguard version in both jobs"
        );
        let other = text.replace(DIFF_SCHEMA, "gasguard/report/v1");
        assert_eq!(
            from_json(&other).unwrap_err().to_string(),
            "not a gasguard diff: schema `gasguard/report/v1`, expected `gasguard/diff/v1`"
        );
        assert!(matches!(from_json(&text[..text.len() / 2]), Err(DiffJsonError::Syntax { .. })));
        let extra = text.replacen("{", "{\n  \"posted\": true,", 1);
        assert!(from_json(&extra).unwrap_err().to_string().contains("unknown field `posted`"));
    }

    /// A diff from an untrusted job must not be able to turn a failure into a pass.
    #[test]
    fn tampered_documents_are_refused() {
        let text = json(&fixtures::mixed());
        let pass = text.replacen("\"verdict\": \"fail\"", "\"verdict\": \"pass\"", 1);
        assert_eq!(
            from_json(&pass).unwrap_err().to_string(),
            "inconsistent diff: the verdict must be `fail` for these failures"
        );
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["failures"] = serde_json::json!([]);
        value["verdict"] = serde_json::json!("pass");
        let error = from_json(&value.to_string()).unwrap_err().to_string();
        assert!(error.contains("is marked failed without a failure"), "{error}");
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["summary"]["regressions"] = serde_json::json!(0);
        assert_eq!(
            from_json(&value.to_string()).unwrap_err().to_string(),
            "inconsistent diff: the summary does not match the entries"
        );
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["entries"][0]["delta"] = serde_json::json!(-1);
        assert!(
            from_json(&value.to_string()).unwrap_err().to_string().contains("status, delta or percentage")
        );
    }
}
