//! The `norvalt` binary as `scripts/dev` uses it: serve, token, dealership.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn norvalt(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_norvalt"));
    cmd.env("NORVALT_DATA_DIR", data_dir)
        .env_remove("NORVALT_BACKEND")
        .env("RUST_LOG", "warn");
    cmd
}

fn run(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = norvalt(data_dir).args(args).output().expect("run norvalt");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Starts `serve` on a free port and returns it with its base URL.
fn serve(data_dir: &Path) -> (Child, String) {
    let mut child = norvalt(data_dir)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(url) = line.strip_prefix("Norvalt is running at ") {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
}

#[tokio::test]
async fn serve_seeds_mints_tokens_and_keeps_state_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (server, base) = serve(dir.path());
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let (ok, stdout, _) = run(
        dir.path(),
        &[
            "token",
            "--dealership",
            "fjord-bil-bergen",
            "--role",
            "manager",
        ],
    );
    assert!(ok);
    let token = stdout.lines().last().unwrap().trim().to_string();
    assert_eq!(token.split('.').count(), 3);
    let lead: serde_json::Value = http
        .post(format!("{base}/api/leads"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"customer_name": "Ørjan Bø", "customer_phone": "+47 482 11 903"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stop(server);

    let (server, base) = serve(dir.path());
    let again = http
        .get(format!("{base}/api/leads/{}", lead["id"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        200,
        "the lead survived the restart and the token is still valid"
    );
    let me: serde_json::Value = http
        .get(format!("{base}/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["dealership"]["name"], "Fjord Bil Bergen");
    stop(server);

    let (ok, stdout, _) = run(dir.path(), &["dealership", "show", "bilsenteret-drammen"]);
    assert!(ok);
    let shown: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for field in ["id", "slug", "name", "form_key", "inbound_email"] {
        assert!(shown[field].is_string(), "{field} missing: {shown}");
    }
    assert_eq!(shown["name"], "Bilsenteret Drammen");

    let (ok, stdout, _) = run(
        dir.path(),
        &[
            "dealership",
            "create",
            "--name",
            "Bil i Tromsø",
            "--slug",
            "bil-tromso",
            "--email",
            "post@biltromso.no",
            "--clerk-org-id",
            "org_tromso",
        ],
    );
    assert!(ok, "{stdout}");
    let (ok, _, stderr) = run(
        dir.path(),
        &[
            "dealership",
            "create",
            "--name",
            "Kopi",
            "--slug",
            "bil-tromso",
            "--email",
            "a@b.no",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("slug"), "{stderr}");
    let (ok, _, stderr) = run(
        dir.path(),
        &["token", "--dealership", "nowhere", "--role", "admin"],
    );
    assert!(!ok && stderr.contains("nowhere"));
    let (ok, _, _) = run(
        dir.path(),
        &["token", "--dealership", "bil-tromso", "--role", "owner"],
    );
    assert!(!ok);
}

#[test]
fn imap_accounts_are_checked_before_they_are_saved() {
    let dir = tempfile::tempdir().unwrap();
    let drammen = "bilsenteret-drammen";
    let (ok, _, _) = run(dir.path(), &["seed"]);
    assert!(ok);
    let (ok, _, err) = run(
        dir.path(),
        &[
            "dealership",
            "configure",
            drammen,
            "--imap-host",
            "imap.example.no",
            "--imap-plain",
            "--imap-port",
            "143",
            "--imap-user",
            "leads",
            "--imap-password",
            "hemmelig",
        ],
    );
    assert!(!ok && err.contains("only allowed on loopback"), "{err}");
    let (ok, _, err) = run(
        dir.path(),
        &[
            "dealership",
            "configure",
            drammen,
            "--imap-host",
            "imap.example.no",
            "--imap-user",
            "leads",
        ],
    );
    assert!(!ok && err.contains("imap.password: is required"), "{err}");
    // Nothing was saved by the refused attempts: no mailbox to poll.
    let (ok, out, err) = run(dir.path(), &["imap-poll"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "");

    let (ok, out, err) = run(
        dir.path(),
        &[
            "dealership",
            "configure",
            drammen,
            "--imap-host",
            "imap.example.no",
            "--imap-user",
            "leads",
            "--imap-password",
            "hemmelig",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("\"imap.example.no\""), "{out}");
    assert!(
        !out.contains("hemmelig"),
        "the password stays in the secret store: {out}"
    );
    // Now it is polled: the unreachable host is reported, not hidden.
    let (ok, out, _) = run(dir.path(), &["imap-poll"]);
    assert!(!ok);
    assert!(out.contains("\"error\""), "{out}");

    let (ok, _, err) = run(
        dir.path(),
        &["dealership", "configure", drammen, "--no-imap"],
    );
    assert!(ok, "{err}");
    let (ok, out, _) = run(dir.path(), &["imap-poll"]);
    assert!(ok && out.trim().is_empty(), "{out}");
}
