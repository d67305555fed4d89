//! Lambda `followups` (EventBridge, every 5 minutes): every follow-up step
//! that is due runs once, every appointment due its reminder the day
//! before gets it once, and every response-time step (remind, reassign)
//! that is due runs once; customer messages go to the ai queue (written by
//! the reply engine) or straight to the send queue (templates). Reserved
//! concurrency 1 keeps runs from piling up, though an overlap would be
//! harmless: each step is claimed before it acts.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::outbound::links::BookingLinks;
use norvalt_core::service::automation::FollowUpRunner;
use norvalt_core::service::automation::escalation::Escalations;
use norvalt_core::service::booking::reminders::Reminders;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    let queue = Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?);
    let runner = FollowUpRunner {
        stores: stores.clone(),
        queue: queue.clone(),
        concurrency: 16,
    };
    let escalations = Escalations {
        stores: stores.clone(),
        queue: queue.clone(),
    };
    let reminders = Reminders {
        stores,
        queue,
        links: BookingLinks {
            key: norvalt_aws::secrets::link_key(&secrets).await?,
            base_url: env.url("NORVALT_BOOKING_URL")?,
        },
    };
    norvalt_aws::lambda::run_schedule(|now, _trace| {
        let (runner, reminders, escalations) = (&runner, &reminders, &escalations);
        async move {
            let report = runner.run_due(now).await?;
            let reminded = reminders
                .run_due(now)
                .await
                .map_err(|e| norvalt_core::ports::StoreError::Backend(e.to_string()))?;
            // The run's report, with the reminders it sent beside it.
            let mut printed = serde_json::to_value(&report)
                .map_err(|e| norvalt_core::ports::StoreError::Backend(e.to_string()))?;
            printed["appointment_reminders"] = reminded.into();
            let targets = escalations
                .run_due(now)
                .await
                .map_err(|e| norvalt_core::ports::StoreError::Backend(e.to_string()))?;
            printed["response_targets"] = serde_json::to_value(&targets)
                .map_err(|e| norvalt_core::ports::StoreError::Backend(e.to_string()))?;
            Ok::<_, norvalt_core::ports::StoreError>(printed)
        }
    })
    .await
}
