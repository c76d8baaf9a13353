//! JSON plumbing shared by the JSON importers: syntax errors with line and column, numbers that
//! must be 64-bit gas, objects whose duplicate keys must not be silently merged, and sniffing
//! which JSON format a text is.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::error::Category;

use crate::core::report::REPORT_SCHEMA_PREFIX;
use crate::import::{Format, ImportError, Location, shorten};

/// Parses one JSON value; a syntax error names the line and column.
pub(crate) fn parse_value(text: &str, file: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text.trim_start_matches('\u{FEFF}')).map_err(|error| syntax_error(&error, file))
}

/// Every top-level value of a text holding one or more JSON values (forge prints the test
/// results and the gas report one after the other).
pub(crate) fn parse_stream(text: &str, file: &str) -> Result<Vec<Value>, ImportError> {
    serde_json::Deserializer::from_str(text.trim_start_matches('\u{FEFF}'))
        .into_iter::<Value>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| syntax_error(&error, file))
}

pub(crate) fn syntax_error(error: &serde_json::Error, file: &str) -> ImportError {
    let text = error.to_string();
    // serde_json appends " at line L column C"; the location goes in our own fields.
    let message = match text.rfind(" at line ") {
        Some(index) => &text[..index],
        None => text.as_str(),
    };
    let message = match error.classify() {
        Category::Eof => format!("unexpected end of file, the JSON is truncated ({message})"),
        Category::Syntax => format!("invalid JSON: {message}"),
        Category::Data | Category::Io => message.to_owned(),
    };
    ImportError::Json { file: file.to_owned(), line: error.line(), column: error.column(), message }
}

/// A key path for messages: `[0].functions.transfer(address,uint256)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyPath(String);

impl KeyPath {
    pub(crate) fn key(&self, key: &str) -> Self {
        if self.0.is_empty() { Self(key.to_owned()) } else { Self(format!("{}.{key}", self.0)) }
    }

    pub(crate) fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    pub(crate) fn at(&self) -> Location {
        Location::Key(if self.0.is_empty() { "(top level)".to_owned() } else { self.0.clone() })
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSON number that must be a u64.
pub(crate) fn to_u64(value: &Value, file: &str, path: &KeyPath) -> Result<u64, ImportError> {
    let message = match value {
        Value::Number(number) => {
            if let Some(value) = number.as_u64() {
                return Ok(value);
            }
            if number.is_i64() {
                format!("`{number}` is negative")
            } else {
                match number.as_f64() {
                    // Integers past u64 reach us as floats (no arbitrary precision).
                    Some(float) if float.fract() == 0.0 && float > 0.0 => {
                        format!("number does not fit in 64 bits (about {float:e})")
                    }
                    _ => format!("`{number}` is not an integer"),
                }
            }
        }
        other => format!("expected a number, found {}", describe(other)),
    };
    Err(ImportError::invalid(file, path.at(), message))
}

pub(crate) fn field<'a>(
    object: &'a serde_json::Map<String, Value>,
    key: &str,
    file: &str,
    path: &KeyPath,
) -> Result<&'a Value, ImportError> {
    object.get(key).ok_or_else(|| ImportError::invalid(file, path.at(), format!("missing field `{key}`")))
}

pub(crate) fn as_object<'a>(
    value: &'a Value,
    file: &str,
    path: &KeyPath,
) -> Result<&'a serde_json::Map<String, Value>, ImportError> {
    value.as_object().ok_or_else(|| {
        ImportError::invalid(file, path.at(), format!("expected an object, found {}", describe(value)))
    })
}

pub(crate) fn as_str<'a>(value: &'a Value, file: &str, path: &KeyPath) -> Result<&'a str, ImportError> {
    value.as_str().ok_or_else(|| {
        ImportError::invalid(file, path.at(), format!("expected a string, found {}", describe(value)))
    })
}

pub(crate) fn as_array<'a>(value: &'a Value, file: &str, path: &KeyPath) -> Result<&'a [Value], ImportError> {
    value.as_array().map(Vec::as_slice).ok_or_else(|| {
        ImportError::invalid(file, path.at(), format!("expected an array, found {}", describe(value)))
    })
}

pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(value) => format!("`{value}`"),
        Value::Number(number) => format!("the number `{number}`"),
        Value::String(text) => format!("the string `{}`", shorten(text)),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// The entries of a JSON object in file order, duplicates kept (serde_json's `Map` would keep
/// only the last one, hiding a duplicate section).
pub(crate) struct Entries(pub(crate) Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

pub(crate) fn parse_entries(text: &str, file: &str) -> Result<Entries, ImportError> {
    serde_json::from_str(text.trim_start_matches('\u{FEFF}')).map_err(|error| syntax_error(&error, file))
}

/// Which JSON format `body` (starting with `{` or `[`) is. A text that does not parse (a
/// truncated file) is still sniffed from its first bytes, so the user gets the parser's precise
/// error instead of "unknown format". A flat object is a section snapshot only when
/// `in_sections_folder` (the file sits in a `snapshots/` folder).
pub(crate) fn detect(body: &str, in_sections_folder: bool) -> Option<Format> {
    let mut values = Vec::new();
    let mut complete = true;
    for value in serde_json::Deserializer::from_str(body).into_iter::<Value>() {
        match value {
            Ok(value) => values.push(value),
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    if values.iter().any(Value::is_array) {
        return Some(Format::GasReportJson);
    }
    if let Some(Value::Object(object)) = values.first() {
        if object.get("schema").and_then(Value::as_str).is_some_and(|s| s.starts_with("gasguard/")) {
            return Some(Format::Gasguard);
        }
        if object.contains_key("namespace") || object.get("data").is_some_and(|d| d.get("methods").is_some())
        {
            return Some(Format::HardhatGasReporter);
        }
        if object.get("contracts").is_some_and(Value::is_object) {
            return Some(Format::HardhatGasStats);
        }
        // In a `snapshots/` folder any other object is read as sections, so a bad value is
        // named by its key rather than the file being "unknown".
        if complete && in_sections_folder {
            return Some(Format::SnapshotSections);
        }
    }
    if complete {
        return None;
    }
    let head: String = body.chars().take(4096).collect();
    if head.contains(REPORT_SCHEMA_PREFIX) {
        Some(Format::Gasguard)
    } else if head.contains("\"HardhatGasReporter\"") || head.contains("\"ethGasReporter\"") {
        Some(Format::HardhatGasReporter)
    } else if head.contains("\"contracts\"") && head.contains("\"sourceName\"") {
        Some(Format::HardhatGasStats)
    } else if body.starts_with('[') || head.contains("\"deployment\"") {
        Some(Format::GasReportJson)
    } else if in_sections_folder {
        Some(Format::SnapshotSections)
    } else {
        None
    }
}
