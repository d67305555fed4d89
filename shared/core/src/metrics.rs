//! Business metrics: a name, a value, low-cardinality dimensions (source,
//! outcome, queue) and plain properties (the dealership id rides along as
//! one, searchable without a metric per dealership). Where they go is the
//! edge's choice, through the [`MetricsSink`] port: the Lambda functions
//! install CloudWatch's Embedded Metric Format writer (`norvalt_aws::metrics`);
//! without a sink, as in the local server and the tests, a metric is a debug
//! log line.

use std::sync::OnceLock;

pub const NAMESPACE: &str = "Norvalt";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    Milliseconds,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Seconds => "Seconds",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// Receives every metric the domain emits.
pub trait MetricsSink: Send + Sync {
    fn record(&self, metric: &Metric);
}

static SINK: OnceLock<Box<dyn MetricsSink>> = OnceLock::new();

/// Sets where metrics go, once per process (at start, before any emit); a
/// second call is ignored.
pub fn install(sink: Box<dyn MetricsSink>) {
    let _ = SINK.set(sink);
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

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn unit(&self) -> Unit {
        self.unit
    }

    pub fn dimensions(&self) -> &[(&'static str, String)] {
        &self.dimensions
    }

    pub fn properties(&self) -> &[(&'static str, String)] {
        &self.properties
    }

    /// Hands the metric to the installed sink (a debug log line without one).
    pub fn emit(&self) {
        match SINK.get() {
            Some(sink) => sink.record(self),
            None => tracing::debug!(
                target: "norvalt::metrics",
                name = self.name,
                value = self.value,
                dimensions = ?self.dimensions,
                properties = ?self.properties,
            ),
        }
    }
}
