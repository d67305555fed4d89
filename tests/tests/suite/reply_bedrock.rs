//! Replies through Amazon Bedrock: the responder's model is the Bedrock
//! adapter (the AWS SDK's bedrock-runtime client), talking to a local
//! stand-in that recomputes each request's SigV4 signature with botocore
//! and checks the model id and the body before a Messages stand-in answers.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use norvalt_aws::bedrock::BedrockModel;
use norvalt_core::ai::ReplyModel;
use norvalt_tests::claude::TurnClaude;
use norvalt_tests::{DRAMMEN, TestApp, fixture};
use serde_json::Value;

const MODEL: &str = "eu.anthropic.claude-haiku-4-5-20251001-v1:0";
const KEY: &str = "AKIDNORVALTTEST";
const SECRET: &str = "norvalt-test-secret";
const REPLY: &str =
    "Hei Eirik! Ja, ID.Buzz-en i grått står her fortsatt. Når passer det å se på den?";

/// The Python stand-in, its URL and the verdict on every request.
struct StandIn {
    url: String,
    verdicts: Arc<Mutex<Vec<Value>>>,
    child: Child,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn stand_in(upstream: &str) -> StandIn {
    let python = std::env::var("NORVALT_TEST_PYTHON").expect(
        "this test needs the test venv's Python (botocore): run it through scripts/test, or set NORVALT_TEST_PYTHON",
    );
    let mut child = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/mock_bedrock.py"
        ))
        .args([upstream, MODEL])
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_REGION", "eu-north-1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start mock_bedrock.py");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("the stand-in says its port").unwrap();
    let port = first.strip_prefix("PORT ").expect("PORT <n>").to_string();
    let verdicts = Arc::new(Mutex::new(Vec::new()));
    let log = verdicts.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            log.lock()
                .unwrap()
                .push(serde_json::from_str(&line).unwrap());
        }
    });
    StandIn {
        url: format!("http://127.0.0.1:{port}"),
        verdicts,
        child,
    }
}

async fn bedrock(url: &str, secret: &str) -> Arc<dyn ReplyModel> {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("eu-north-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            KEY, secret, None, None, "test",
        ))
        .load()
        .await;
    Arc::new(BedrockModel::new(&config, MODEL, Some(url)))
}

/// The replies to the customer (not the team's notices), as raw MIME.
fn replies(app: &TestApp) -> Vec<String> {
    app.outbox_files(|name| name.starts_with("send"))
        .into_iter()
        .map(|(_, raw)| String::from_utf8_lossy(&raw).into_owned())
        .filter(|raw| raw.contains("eirik.solberg@example.no"))
        .collect()
}

async fn spawn(model: Arc<dyn ReplyModel>) -> TestApp {
    TestApp::spawn_with(|p| {
        p.model = Some(model);
        p.model_budget = std::time::Duration::from_secs(4);
        // The lead's analysis runs at once, so the queues settle.
        p.analysis_delay_secs = 0;
    })
    .await
}

async fn post_form_lead(app: &TestApp) {
    let key = app.form_key(DRAMMEN).await;
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/form/{key}")))
        .header("content-type", "application/json")
        .body(fixture("forms/website-form.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    app.settle().await;
}

#[tokio::test]
#[ignore = "needs the test venv's Python with botocore: scripts/test runs it"]
async fn a_first_reply_is_written_through_bedrock_with_a_signed_request() {
    let (_claude, upstream) = TurnClaude::start(REPLY).await;
    let stand_in = stand_in(&upstream);
    let model = bedrock(&stand_in.url, SECRET).await;
    let app = spawn(model).await;
    post_form_lead(&app).await;

    let replies = replies(&app);
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0].contains("Hei Eirik! Ja, ID.Buzz-en i gr"),
        "{}",
        &replies[0][..replies[0].len().min(2000)]
    );
    let verdicts = stand_in.verdicts.lock().unwrap().clone();
    assert!(!verdicts.is_empty(), "Bedrock was never called");
    for v in &verdicts {
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["model"], MODEL, "{v}");
    }
}

#[tokio::test]
#[ignore = "needs the test venv's Python with botocore: scripts/test runs it"]
async fn a_request_signed_with_the_wrong_key_is_refused_and_the_template_answers() {
    let (_claude, upstream) = TurnClaude::start(REPLY).await;
    let stand_in = stand_in(&upstream);
    let model = bedrock(&stand_in.url, "not-the-secret").await;
    let app = spawn(model).await;
    post_form_lead(&app).await;

    let verdicts = stand_in.verdicts.lock().unwrap().clone();
    assert!(!verdicts.is_empty(), "Bedrock was never called");
    for v in &verdicts {
        assert_eq!(v["ok"], false, "{v}");
        assert!(v["reason"].as_str().unwrap().contains("signature"), "{v}");
    }
    // The customer is still answered once, by the template.
    let replies = replies(&app);
    assert_eq!(replies.len(), 1);
    assert!(!replies[0].contains("Hei Eirik! Ja, ID.Buzz-en"));
}
