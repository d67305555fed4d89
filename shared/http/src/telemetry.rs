//! Logging. In Lambda: JSON lines (CloudWatch parses them) without ANSI
//! colours; level from `RUST_LOG` (default `info`). Message bodies and
//! personal data are never logged at info.

use tracing_subscriber::EnvFilter;

pub fn init_json_logs() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_current_span(false)
        .with_ansi(false)
        .without_time() // CloudWatch stamps every line already
        .try_init();
}
