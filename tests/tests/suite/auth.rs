//! Forged, expired and misdirected tokens; both Clerk claim shapes; JWKS.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey};
use norvalt_core::Role;
use norvalt_http::auth::JwtVerifier;
use norvalt_tests::{DRAMMEN, TestApp, code, foreign_key, sign, v2_claims};
use reqwest::Method;
use serde_json::{Value, json};

async fn status_with(app: &TestApp, token: &str) -> (u16, Value) {
    app.send(Method::GET, "/api/me", Some(token), None).await
}

async fn rep_claims(app: &TestApp) -> Value {
    let user = app.user(DRAMMEN, Role::SalesRep).await;
    v2_claims(&user.clerk_user_id, DRAMMEN, "sales_rep")
}

#[tokio::test]
async fn tokens_that_are_not_ours_get_401() {
    let app = TestApp::spawn().await;
    let claims = rep_claims(&app).await;
    let keys = &app.platform.keys;
    assert_eq!(
        status_with(&app, &keys.sign(&claims)).await.0,
        200,
        "the baseline token must work"
    );

    let (status, body) = app.send(Method::GET, "/api/me", None, None).await;
    assert_eq!((status, code(&body)), (401, "missing_token"));

    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    let hs256 = sign(
        &claims,
        &EncodingKey::from_secret(b"secret"),
        Algorithm::HS256,
    );
    let wrong_key = sign(&claims, &foreign_key(), Algorithm::RS256);
    let bent = |f: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        f(&mut c);
        keys.sign(&c)
    };
    let now = chrono::Utc::now().timestamp();
    let cases = [
        ("garbage", "not.a.jwt".to_string()),
        ("alg none", alg_none),
        ("HS256", hs256),
        ("wrong key", wrong_key),
        (
            "wrong issuer",
            bent(&|c| c["iss"] = json!("https://evil.example")),
        ),
        ("expired", bent(&|c| c["exp"] = json!(now - 60))),
        ("not yet valid", bent(&|c| c["nbf"] = json!(now + 600))),
        (
            "no exp",
            bent(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
        ("pending session", bent(&|c| c["sts"] = json!("pending"))),
    ];
    for (name, token) in cases {
        let (status, body) = status_with(&app, &token).await;
        assert_eq!(status, 401, "{name}: {body}");
    }
    let resp = app
        .http
        .get(app.url("/api/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn organisations_and_roles_map_to_dealerships() {
    let app = TestApp::spawn().await;
    let claims = rep_claims(&app).await;
    let keys = &app.platform.keys;
    let bent = |f: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        f(&mut c);
        keys.sign(&c)
    };
    // v1: flat org_id / org_role with the org: prefix. A member Norvalt has
    // no record of yet acts with the token's role.
    let v1 = bent(&|c| {
        c["sub"] = json!("user_not_mirrored_yet");
        let org = c["o"]["id"].clone();
        c.as_object_mut().unwrap().remove("o");
        c["org_id"] = org;
        c["org_role"] = json!("org:admin");
    });
    let (status, me) = status_with(&app, &v1).await;
    assert_eq!((status, me["role"].as_str()), (200, Some("admin")), "{me}");
    let prefixed = bent(&|c| {
        c["sub"] = json!("user_not_mirrored_yet");
        c["o"]["rol"] = json!("org:manager");
    });
    assert_eq!(status_with(&app, &prefixed).await.1["role"], "manager");
    // A known user's record caps the token: the sales rep stays a sales rep.
    let raised = bent(&|c| c["o"]["rol"] = json!("org:admin"));
    assert_eq!(status_with(&app, &raised).await.1["role"], "sales_rep");

    for (name, token, expected) in [
        (
            "no organisation",
            bent(&|c| {
                c.as_object_mut().unwrap().remove("o");
            }),
            "no_active_organization",
        ),
        (
            "unknown organisation",
            bent(&|c| c["o"]["id"] = json!("org_someone_else")),
            "unknown_organization",
        ),
        (
            "unknown role",
            bent(&|c| c["o"]["rol"] = json!("owner")),
            "unknown_role",
        ),
    ] {
        let (status, body) = status_with(&app, &token).await;
        assert_eq!((status, code(&body)), (403, expected), "{name}");
    }
    // A Clerk user without a Norvalt profile still signs in; `user` is null.
    let stranger = bent(&|c| c["sub"] = json!("user_not_provisioned"));
    let (status, me) = status_with(&app, &stranger).await;
    assert_eq!((status, &me["user"]), (200, &Value::Null));
}

/// A mock Clerk: serves the platform's public key as JWKS and counts fetches.
async fn mock_jwks(jwks: Value) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/.well-known/jwks.json",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let jwks = jwks.clone();
            async move { Json(jwks) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

#[tokio::test]
async fn jwks_keys_are_fetched_once_and_cached() {
    let app = TestApp::spawn().await;
    let (url, hits) = mock_jwks(app.platform.keys.jwks().clone()).await;
    let verifier = JwtVerifier::jwks(url, norvalt_local::keys::LOCAL_ISSUER);
    let claims = rep_claims(&app).await;
    let token = app.platform.keys.sign(&claims);
    for _ in 0..5 {
        let session = verifier.verify(&token).await.expect("valid token");
        assert_eq!(
            session.org_id.as_deref(),
            Some("org_demo_bilsenteret_drammen")
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // An unknown kid may refetch, but not more than once in a short window.
    let forged = sign(&claims, &foreign_key(), Algorithm::RS256);
    let mut header_forged = jsonwebtoken::Header::new(Algorithm::RS256);
    header_forged.kid = Some("rotated-key".into());
    let unknown_kid = jsonwebtoken::encode(&header_forged, &claims, &foreign_key()).unwrap();
    for _ in 0..3 {
        assert!(verifier.verify(&unknown_kid).await.is_err());
        assert!(verifier.verify(&forged).await.is_err());
    }
    assert!(hits.load(Ordering::SeqCst) <= 2);
}

#[tokio::test]
async fn authorized_parties_are_enforced_when_configured() {
    let app = TestApp::spawn().await;
    let (url, _) = mock_jwks(app.platform.keys.jwks().clone()).await;
    let verifier = JwtVerifier::jwks(url, norvalt_local::keys::LOCAL_ISSUER)
        .authorized_parties("https://app.norvalt.no, http://localhost:3000".split(','));
    let mut claims = rep_claims(&app).await;
    claims["azp"] = json!("https://app.norvalt.no");
    assert!(
        verifier
            .verify(&app.platform.keys.sign(&claims))
            .await
            .is_ok()
    );
    claims["azp"] = json!("https://evil.example");
    assert!(
        verifier
            .verify(&app.platform.keys.sign(&claims))
            .await
            .is_err()
    );
    // Without `azp` the token could be anyone's: refused when parties are set.
    claims.as_object_mut().unwrap().remove("azp");
    let missing = verifier.verify(&app.platform.keys.sign(&claims)).await;
    assert!(
        matches!(missing, Err(norvalt_http::auth::AuthError::WrongParty)),
        "{missing:?}"
    );
}

#[tokio::test]
async fn the_audience_is_checked_when_one_is_configured() {
    use norvalt_http::auth::AuthError;
    let app = TestApp::spawn().await;
    let (url, _) = mock_jwks(app.platform.keys.jwks().clone()).await;
    let verifier = JwtVerifier::jwks(url.clone(), norvalt_local::keys::LOCAL_ISSUER)
        .audiences("https://app.norvalt.no,".split(','));
    let mut claims = rep_claims(&app).await;
    let verify = |claims: &serde_json::Value| {
        let token = app.platform.keys.sign(claims);
        let verifier = &verifier;
        async move { verifier.verify(&token).await }
    };
    assert!(matches!(
        verify(&claims).await,
        Err(AuthError::WrongAudience)
    ));
    claims["aud"] = json!("https://evil.example");
    assert!(matches!(
        verify(&claims).await,
        Err(AuthError::WrongAudience)
    ));
    claims["aud"] = json!(["https://evil.example", "https://app.norvalt.no"]);
    assert!(verify(&claims).await.is_ok());
    claims["aud"] = json!("https://app.norvalt.no");
    assert!(verify(&claims).await.is_ok());
    // Not configured: `aud` is not looked at.
    let open = JwtVerifier::jwks(url, norvalt_local::keys::LOCAL_ISSUER);
    claims["aud"] = json!("https://evil.example");
    assert!(open.verify(&app.platform.keys.sign(&claims)).await.is_ok());
}
