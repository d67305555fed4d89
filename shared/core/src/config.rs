//! Configuration values as the edge hands them over. Each Lambda `main` and
//! the local server take the process environment once, at start
//! (`Env::new(std::env::vars())`), and build their typed configuration from
//! it; core itself never reads the environment. A required value that is
//! missing, empty or malformed is a [`ConfigError`] naming the variable, so
//! a function fails at cold start with the reason instead of at its first
//! message, and nothing falls back to a silent `""`.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Variable → value, as captured once at start.
#[derive(Debug, Clone, Default)]
pub struct Env {
    values: HashMap<String, String>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration: {} {}", self.variable, self.problem)
    }
}

/// The same text as Display: a `main` that returns the error prints its
/// Debug form, and that is the line an operator reads in the function's log.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ConfigError {}

impl Env {
    pub fn new(values: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            values: values.into_iter().collect(),
        }
    }

    /// The value, trimmed; `None` when unset or blank (a template parameter
    /// left empty arrives as `""`, which means "not configured").
    pub fn optional(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.optional(name)
            .ok_or_else(|| error(name, "is not set (or is empty)"))
    }

    /// An optional value that must parse when it is given.
    pub fn parsed<T: FromStr>(&self, name: &str) -> Result<Option<T>, ConfigError>
    where
        T::Err: fmt::Display,
    {
        self.optional(name)
            .map(|v| {
                v.parse::<T>()
                    .map_err(|e| error(name, &format!("is not valid ({v:?}: {e})")))
            })
            .transpose()
    }

    /// A whole number of days, more than zero, when given.
    pub fn days(&self, name: &str) -> Result<Option<i64>, ConfigError> {
        match self.parsed::<i64>(name)? {
            Some(d) if d <= 0 => Err(error(
                name,
                &format!("must be a positive number of days, not {d}"),
            )),
            other => Ok(other),
        }
    }

    /// An http(s) URL, without a trailing slash.
    pub fn url(&self, name: &str) -> Result<Option<String>, ConfigError> {
        let Some(v) = self.optional(name) else {
            return Ok(None);
        };
        if !(v.starts_with("https://") || v.starts_with("http://"))
            || v.contains(char::is_whitespace)
        {
            return Err(error(name, &format!("is not an http(s) URL ({v:?})")));
        }
        Ok(Some(v.trim_end_matches('/').to_string()))
    }

    pub fn required_url(&self, name: &str) -> Result<String, ConfigError> {
        self.url(name)?
            .ok_or_else(|| error(name, "is not set (or is empty)"))
    }

    /// A comma-separated list, blanks dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.optional(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.optional(name).is_some()
    }
}

pub fn error(variable: &str, problem: &str) -> ConfigError {
    ConfigError {
        variable: variable.to_string(),
        problem: problem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn blank_is_unset_and_a_required_one_names_itself() {
        let e = env(&[("A", "  "), ("B", " x ")]);
        assert_eq!(e.optional("A"), None);
        assert_eq!(e.optional("B").as_deref(), Some("x"));
        let err = e.required("A").unwrap_err();
        assert_eq!(err.variable, "A");
        assert!(err.to_string().contains("A is not set"), "{err}");
    }

    #[test]
    fn malformed_values_are_errors_not_defaults() {
        let e = env(&[
            ("DAYS", "-3"),
            ("N", "ten"),
            ("U", "example.no"),
            ("V", "https://x.no/"),
        ]);
        assert!(e.days("DAYS").unwrap_err().to_string().contains("DAYS"));
        assert!(
            e.parsed::<u32>("N")
                .unwrap_err()
                .to_string()
                .contains("N is not valid")
        );
        assert!(e.url("U").is_err());
        assert_eq!(e.url("V").unwrap().as_deref(), Some("https://x.no"));
        assert_eq!(e.days("MISSING").unwrap(), None);
        assert!(e.required_url("MISSING").is_err());
    }

    #[test]
    fn lists_drop_blanks() {
        let e = env(&[("L", "a, ,b,")]);
        assert_eq!(e.list("L"), vec!["a", "b"]);
        assert!(e.list("NONE").is_empty());
    }
}
