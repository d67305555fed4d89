use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[test]
fn a_signature_matches_the_specification_s_example() {
    // The example in the Standard Webhooks specification.
    let signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        br#"{"test": 2432232314}"#,
    );
    assert_eq!(
        signature.as_deref(),
        Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    );
    assert_eq!(sign("not-a-secret", "msg", 1, b"{}"), None);
    assert_eq!(sign("whsec_%%%", "msg", 1, b"{}"), None);
}

#[test]
fn a_new_secret_is_32_random_bytes() {
    let (a, b) = (new_secret(), new_secret());
    assert_ne!(a, b);
    let bytes = STANDARD.decode(a.strip_prefix("whsec_").unwrap()).unwrap();
    assert_eq!(bytes.len(), 32);
}

#[test]
fn during_a_rotation_both_secrets_sign_then_the_old_one_retires() {
    let now = at("2026-12-06T10:00:00Z");
    let mut secrets = SigningSecrets::new(new_secret());
    let old = secrets.secrets[0].secret.clone();
    let new = new_secret();
    secrets.rotate(new.clone(), now);
    assert_eq!(
        secrets.live(now).collect::<Vec<_>>(),
        [new.as_str(), old.as_str()]
    );
    let header = signature_header(&secrets, now, "msg_1", 1, b"{}");
    assert_eq!(header.split(' ').count(), 2);
    let later = now + ROTATION_OVERLAP;
    assert_eq!(secrets.live(later).collect::<Vec<_>>(), [new.as_str()]);
    // A second rotation drops what had retired and keeps one overlap.
    let newest = new_secret();
    secrets.rotate(newest.clone(), later);
    assert_eq!(secrets.secrets.len(), 2);
    assert_eq!(
        secrets.live(later).collect::<Vec<_>>(),
        [newest.as_str(), new.as_str()]
    );
}

#[test]
fn an_event_s_message_id_is_the_same_every_time() {
    let a = message_id("lead.created:019ad0c4-1c2b-7000-8000-000000000002");
    assert_eq!(
        a,
        message_id("lead.created:019ad0c4-1c2b-7000-8000-000000000002")
    );
    assert_ne!(
        a,
        message_id("lead.created:019ad0c4-1c2b-7000-8000-000000000003")
    );
    assert!(a.starts_with("msg_") && a.len() == 36, "{a}");
}

#[test]
fn retries_back_off_over_about_three_days() {
    let delay = |n| retry_delay(&RETRY_SCHEDULE, n);
    assert_eq!(delay(0), None);
    assert_eq!(delay(1), Some(Duration::seconds(5)));
    let total: i64 = (1..).map_while(delay).map(|d| d.num_seconds()).sum();
    assert!((2 * 86_400..=3 * 86_400).contains(&total), "{total} s");
    assert_eq!(delay(10), None);
}

#[test]
fn endpoints_must_be_public_https_in_the_cloud() {
    for url in [
        "http://hooks.example.no/norvalt",
        "https://127.0.0.1/x",
        "https://localhost:8443/x",
        "https://api.localhost/x",
        "https://10.1.2.3/x",
        "https://172.16.0.9/x",
        "https://192.168.1.10/x",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/x",
        "https://[::1]/x",
        "https://[fd00::1]/x",
        "https://[fe80::1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://0.0.0.0/x",
        "https://user:pass@hooks.example.no/x",
        "ftp://hooks.example.no/x",
        "hooks.example.no/x",
        "https://hooks.example.no/x\n",
    ] {
        assert!(url_problem(url, false).is_some(), "{url}");
    }
    for url in [
        "https://hooks.example.no/norvalt",
        "https://93.184.216.34/x",
        "https://[2a00:1450::1]/x",
    ] {
        assert_eq!(url_problem(url, false), None, "{url}");
    }
    // A local run may post to the machine itself over http.
    assert_eq!(url_problem("http://127.0.0.1:9000/hook", true), None);
}
