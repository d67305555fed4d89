//! The domain's metrics as CloudWatch Embedded Metric Format lines: a JSON
//! object on stdout whose `_aws` member tells CloudWatch which fields are
//! metrics. Lambda sends stdout to CloudWatch Logs, which turns the line into
//! metrics: no API call, no extra latency. Installed by each function at
//! start ([`install_emf`]).

use norvalt_core::metrics::{Metric, MetricsSink, NAMESPACE};
use serde_json::{Map, Value, json};

pub struct EmfStdout;

impl MetricsSink for EmfStdout {
    fn record(&self, metric: &Metric) {
        println!(
            "{}",
            to_emf(metric, norvalt_core::time::now().timestamp_millis())
        );
    }
}

/// Metrics from here on go to stdout as EMF.
pub fn install_emf() {
    norvalt_core::metrics::install(Box::new(EmfStdout));
}

/// The EMF document, stamped `timestamp_ms` (epoch milliseconds).
pub fn to_emf(metric: &Metric, timestamp_ms: i64) -> Value {
    let dimension_names: Vec<&str> = metric.dimensions().iter().map(|(n, _)| *n).collect();
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [dimension_names],
                "Metrics": [{"Name": metric.name(), "Unit": metric.unit().as_str()}],
            }],
        }),
    );
    for (name, value) in metric.dimensions().iter().chain(metric.properties()) {
        doc.insert((*name).into(), Value::String(value.clone()));
    }
    doc.insert(metric.name().into(), json!(metric.value()));
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use norvalt_core::metrics::Unit;

    use super::*;

    #[test]
    fn emf_names_the_metric_its_dimensions_and_keeps_properties_out_of_them() {
        let metric = Metric::count("LeadsCaptured", 2)
            .dimension("Source", "email")
            .dimension("Outcome", "new_lead")
            .property("dealership_id", "d-1");
        let doc = to_emf(&metric, 1_764_000_000_000);
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
        let doc = to_emf(&Metric::new("ImapPollSeconds", 1.5, Unit::Seconds), 0);
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
        assert_eq!(doc["ImapPollSeconds"], 1.5);
    }
}
