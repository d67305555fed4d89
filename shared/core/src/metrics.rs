//! Business metrics as CloudWatch Embedded Metric Format lines: a JSON object
//! on stdout whose `_aws` member tells CloudWatch which fields are metrics.
//! Inside Lambda the line is printed as is (CloudWatch turns it into
//! metrics, no API call, no extra latency); elsewhere it goes to the debug
//! log so the local server's output stays readable.
//!
//! Dimensions are kept to low-cardinality values (source, outcome, queue);
//! the dealership id rides along as a plain property, searchable in Logs
//! Insights without creating a metric per dealership.

use serde_json::{Map, Value, json};

pub const NAMESPACE: &str = "Norvalt";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Seconds => "Seconds",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// One metric value with its dimensions and extra properties.
#[derive(Debug, Clone)]
pub struct Metric {
    name: &'static str,
    value: f64,
    unit: Unit,
    dimensions: Vec<(&'static str, String)>,
    properties: Vec<(&'static str, String)>,
}

impl Metric {
    pub fn count(name: &'static str, value: usize) -> Self {
        Self::new(name, value as f64, Unit::Count)
    }

    pub fn new(name: &'static str, value: f64, unit: Unit) -> Self {
        Self {
            name,
            value,
            unit,
            dimensions: Vec::new(),
            properties: Vec::new(),
        }
    }

    pub fn dimension(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.dimensions.push((name, value.into()));
        self
    }

    pub fn property(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.properties.push((name, value.into()));
        self
    }

    /// The EMF document, stamped `timestamp_ms` (epoch milliseconds).
    pub fn to_emf(&self, timestamp_ms: i64) -> Value {
        let dimension_names: Vec<&str> = self.dimensions.iter().map(|(n, _)| *n).collect();
        let mut doc = Map::new();
        doc.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [dimension_names],
                    "Metrics": [{"Name": self.name, "Unit": self.unit.as_str()}],
                }],
            }),
        );
        for (name, value) in self.dimensions.iter().chain(&self.properties) {
            doc.insert((*name).into(), Value::String(value.clone()));
        }
        doc.insert(self.name.into(), json!(self.value));
        Value::Object(doc)
    }

    /// Prints the EMF line in Lambda; a debug log line elsewhere.
    pub fn emit(&self) {
        let line = self
            .to_emf(crate::time::now().timestamp_millis())
            .to_string();
        if in_lambda() {
            println!("{line}");
        } else {
            tracing::debug!(target: "norvalt::metrics", "{line}");
        }
    }
}

fn in_lambda() -> bool {
    static IN_LAMBDA: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IN_LAMBDA.get_or_init(|| std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_names_the_metric_its_dimensions_and_keeps_properties_out_of_them() {
        let doc = Metric::count("LeadsCaptured", 2)
            .dimension("Source", "email")
            .dimension("Outcome", "new_lead")
            .property("dealership_id", "d-1")
            .to_emf(1_764_000_000_000);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(doc["_aws"]["Timestamp"], 1_764_000_000_000i64);
        assert_eq!(directive["Namespace"], "Norvalt");
        assert_eq!(directive["Dimensions"], json!([["Source", "Outcome"]]));
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "LeadsCaptured", "Unit": "Count"}])
        );
        assert_eq!(doc["Source"], "email");
        assert_eq!(doc["Outcome"], "new_lead");
        assert_eq!(doc["dealership_id"], "d-1");
        assert_eq!(doc["LeadsCaptured"], 2.0);
    }

    #[test]
    fn a_metric_without_dimensions_has_one_empty_dimension_set() {
        let doc = Metric::new("ImapPollSeconds", 1.5, Unit::Seconds).to_emf(0);
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
        assert_eq!(doc["ImapPollSeconds"], 1.5);
    }
}
