//! The smallest useful Lambda: answers every event with `{"ok": true}`.
//! Its cold start is what the runtime itself costs, the baseline the
//! functions' figures in docs/benchmarks.md are set against.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<Value, Error>(json!({ "ok": true }))
    }))
    .await
}
