//! A form burst against the real `norvalt serve`, killed with SIGKILL in the
//! middle and started again: every capture the server acknowledged (202)
//! ends as exactly one lead per customer. The full-size run (10,000 posts)
//! is `scripts/bench`; this is the same test at a size CI can afford.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

fn norvalt(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_norvalt"));
    cmd.env("NORVALT_DATA_DIR", data_dir)
        .env_remove("NORVALT_BACKEND")
        .env("NORVALT_FORM_RATE_LIMIT", "1000000")
        .env(
            "RUST_LOG",
            if std::env::var_os("NORVALT_TEST_SERVER_LOG").is_some() {
                "info"
            } else {
                "error"
            },
        );
    cmd
}

fn serve(data_dir: &Path) -> (Child, String) {
    let mut child = norvalt(data_dir)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(url) = line.strip_prefix("Norvalt is running at ") {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if std::env::var_os("NORVALT_TEST_SERVER_LOG").is_some() {
                eprintln!("[serve] {line}");
            }
        }
    });
    (child, base)
}

fn cli(data_dir: &Path, args: &[&str]) -> String {
    let out = norvalt(data_dir).args(args).output().expect("run norvalt");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into()
}

/// Every lead of the dealership whose email contains `marker`, by email.
async fn leads_by_email(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    marker: &str,
) -> BTreeMap<String, usize> {
    let mut count = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/leads?limit=100&search={marker}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for lead in page["items"].as_array().unwrap() {
            *count
                .entry(lead["customer_email"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return count,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_acknowledged_is_lost_when_the_server_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, base) = serve(dir.path());
    let shown: Value = serde_json::from_str(&cli(
        dir.path(),
        &["dealership", "show", "bilsenteret-drammen"],
    ))
    .unwrap();
    let url = format!(
        "{base}/webhooks/form/{}",
        shown["form_key"].as_str().unwrap()
    );

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let posts = 400;
    let acked = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (http, url, acked, sent) = (http.clone(), url.clone(), acked.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            for i in (worker..posts).step_by(8) {
                // 30 % repeats: every tenth post is an exact retry of the one
                // before (same Idempotency-Key, same body); two in ten are the
                // same customer again under a new key.
                let j = if i % 10 == 0 && i > 0 { i - 1 } else { i };
                let customer = if j % 10 < 3 { j / 10 } else { j };
                let body = serde_json::json!({"name": format!("Krasj {customer}"), "email": format!("krasj{customer}@example.no"), "message": format!("Post {j}")});
                let idem = format!("idem-{j}");
                sent.fetch_add(1, Ordering::SeqCst);
                if let Ok(resp) = http.post(&url).header("idempotency-key", idem).json(&body).send().await
                    && resp.status() == 202
                {
                    acked.lock().unwrap().insert(format!("krasj{customer}@example.no"));
                }
            }
        }));
    }
    // Kill the server without warning once part of the burst is in.
    while sent.load(Ordering::SeqCst) < posts / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        !acked.is_empty(),
        "some posts were acknowledged before the kill"
    );

    let (mut server, base) = serve(dir.path());
    let token = cli(
        dir.path(),
        &[
            "token",
            "--dealership",
            "bilsenteret-drammen",
            "--role",
            "sales_rep",
        ],
    )
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_string();
    let mut found = BTreeMap::new();
    for _ in 0..300 {
        found = leads_by_email(&http, &base, &token, "krasj").await;
        if acked.iter().all(|e| found.contains_key(e)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill().ok();
    let dead = cli(dir.path(), &["dlq", "list", "capture"]);
    assert!(dead.trim().is_empty(), "dead-lettered captures: {dead}");
    let missing: Vec<_> = acked
        .iter()
        .filter(|e| !found.contains_key(*e))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let kept = dir.keep();
        eprintln!("data dir kept at {}", kept.display());
    }
    assert!(
        missing.is_empty(),
        "{} acknowledged customers have no lead: {missing:?}",
        missing.len()
    );
    let twice: Vec<_> = found.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "customers with two leads: {twice:?}");
}
