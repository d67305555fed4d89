//! The moto server `scripts/test` starts (its URL in
//! `NORVALT_TEST_DYNAMODB_ENDPOINT`). Tests that need it are marked
//! `#[ignore = "needs moto: scripts/test starts it and runs ignored tests"]`,
//! so plain `cargo test` lists them as ignored rather than counting them as
//! passed; `scripts/test` runs them with `--include-ignored`, and a missing
//! server then fails the test instead of skipping it.

use std::sync::Arc;

use norvalt_core::Stores;

/// AWS SDK configuration pointing at moto, in `region`.
pub async fn config_in(region: &'static str) -> aws_config::SdkConfig {
    let endpoint = std::env::var("NORVALT_TEST_DYNAMODB_ENDPOINT").expect(
        "this test needs moto server: run it through scripts/test, or set \
         NORVALT_TEST_DYNAMODB_ENDPOINT to a running moto server",
    );
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await
}

/// AWS SDK configuration pointing at moto, in the tests' usual region.
pub async fn config() -> aws_config::SdkConfig {
    config_in("eu-north-1").await
}

/// A new DynamoDB table with the platform's layout, named `prefix-<uuid>`.
pub async fn table(prefix: &str) -> (aws_sdk_dynamodb::Client, String) {
    let client = aws_sdk_dynamodb::Client::new(&config().await);
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    norvalt_aws::dynamodb::ensure_table(&client, &table)
        .await
        .expect("create the table on moto");
    (client, table)
}

/// The DynamoDB adapter on a new table of its own.
pub async fn stores(prefix: &str) -> Stores {
    let (client, table) = table(prefix).await;
    Stores::from_adapter(Arc::new(norvalt_aws::DynamoStore::new(client, table)))
}
