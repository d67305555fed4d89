//! End-to-end over HTTP against the local server: every route, its errors,
//! every role, and the wall between dealerships.

use norvalt_core::Role;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn health_and_openapi_need_no_token() {
    let app = TestApp::spawn().await;
    let (status, _) = app.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, 200);
    let (status, doc) = app.send(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    // Every documented operation is served: none answers "no such route"
    // or "method not allowed". (The other way round holds by construction:
    // the routers register each route from its handler's documentation.)
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", "019ad0c4-1c2b-7000-8000-00000000abcd");
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let (status, body) = app
                .send(
                    method.to_uppercase().parse().unwrap(),
                    &concrete,
                    None,
                    None,
                )
                .await;
            assert!(
                status != 405 && code(&body) != "route_not_found",
                "{method} {path} is documented but not served ({status} {body})"
            );
        }
    }
    for path in [
        "/api/leads/{id}/matching-vehicles",
        "/api/leads/{id}/replies",
        "/api/automations/{id}/test",
        "/api/gdpr/erase",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} is missing from the document"
        );
    }
    assert!(operations >= 30, "{operations} operations documented");
    assert!(doc["components"]["schemas"]["Lead"].is_object());
    let (status, _) = app.send(Method::GET, "/api/docs/", None, None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn me_names_user_role_and_dealership() {
    let app = TestApp::spawn().await;
    let token = app.token(BERGEN, Role::Manager).await;
    let (status, me) = app.get("/api/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["role"], "manager");
    assert_eq!(me["dealership"]["slug"], BERGEN);
    assert_eq!(me["dealership"]["time_zone"], "Europe/Oslo");
    assert_eq!(me["user"]["name"], "Øyvind Aase");
}

/// Capture secrets (form key, inbound address, IMAP account) and the Clerk
/// organisation are the admin's; a rep and a manager see the profile only.
#[tokio::test]
async fn me_shows_each_role_only_what_it_may_see() {
    let app = TestApp::spawn().await;
    for role in [Role::SalesRep, Role::Manager] {
        let (status, me) = app.get("/api/me", &app.token(DRAMMEN, role).await).await;
        assert_eq!(status, 200, "{me}");
        let d = &me["dealership"];
        assert_eq!(d["slug"], DRAMMEN);
        assert_eq!(d["reply"], json!({"sms_enabled": false}), "{me}");
        assert!(d["opening_hours"].is_array());
        for secret in ["form_key", "inbound_email", "capture", "clerk_org_id"] {
            assert!(d.get(secret).is_none(), "{role:?} sees {secret}: {me}");
        }
    }
    let (_, me) = app
        .get("/api/me", &app.token(DRAMMEN, Role::Admin).await)
        .await;
    assert!(me["dealership"]["form_key"].is_string(), "{me}");
    assert!(me["dealership"]["capture"].is_object(), "{me}");
}

/// Norvalt's own metadata keys steer erasure and de-duplication; a client
/// cannot set them on a lead or a message.
#[tokio::test]
async fn clients_cannot_set_reserved_metadata_keys() {
    let app = TestApp::spawn().await;
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, err) = app
        .post(
            "/api/leads",
            &token,
            json!({"customer_email": "kari@example.no",
                   "source_metadata": {"raw_mail": "other-dealer/mail.eml"}}),
        )
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"), "{err}");
    assert!(err.to_string().contains("raw_mail"), "{err}");
    let lead = app
        .post_lead(
            &token,
            json!({"customer_email": "kari@example.no", "source_metadata": {"utm_source": "messe"}}),
        )
        .await;
    let (status, err) = app
        .post(
            "/api/conversations",
            &token,
            json!({"lead_id": lead["id"], "channel": "email", "direction": "inbound", "sender_type": "customer",
                   "message_content": "Hei", "metadata": {"capture": "x", "unparsed_email": "y"}}),
        )
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"), "{err}");
}

#[tokio::test]
async fn the_team_is_the_dealerships_own_users_by_name() {
    let app = TestApp::spawn().await;
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, team) = app.get("/api/users", &token).await;
    assert_eq!(status, 200, "{team}");
    let users = team["items"].as_array().unwrap();
    assert!(users.len() >= 4, "{team}");
    assert!(
        users.iter().all(|u| u["email"]
            .as_str()
            .unwrap()
            .ends_with("@bilsenteret-drammen.no")),
        "no one from another dealership: {team}"
    );
    let names: Vec<String> = users
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(users.iter().any(|u| u["role"] == "admin"));
    let (status, _) = app.get("/api/users", "").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_sales_rep_works_a_lead_from_creation_to_won() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let rep_user = app.user(DRAMMEN, Role::SalesRep).await;
    let lead = app
        .post_lead(&rep, json!({
            "customer_name": "Kari Nordmann", "customer_email": "Kari@Example.no", "customer_phone": "0047 913 22 044",
            "vehicle_interest": "Toyota RAV4 Plug-in", "initial_message": "Når kan jeg prøvekjøre?",
            "source_metadata": {"kanal": "telefon"}
        }))
        .await;
    assert_eq!(lead["source"], "manual");
    assert_eq!(lead["status"], "new");
    assert_eq!(lead["customer_phone"], "+4791322044");
    assert_eq!(lead["customer_email"], "kari@example.no");
    let id = lead["id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);

    let (status, got) = app.get(&format!("/api/leads/{id}"), &rep).await;
    assert_eq!((status, &got), (200, &lead));

    let (status, patched) = app
        .patch(
            &format!("/api/leads/{id}"),
            &rep,
            json!({"status": "qualified", "assigned_to": rep_user.id, "lead_score": 80}),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["assigned_to"], json!(rep_user.id));
    assert_eq!(patched["version"], 2);

    let (status, msg) = app
        .post("/api/conversations", &rep, json!({"lead_id": id, "channel": "sms", "direction": "outbound", "sender_type": "human", "message_content": "Hei Kari! Passer lørdag kl. 11?"}))
        .await;
    assert_eq!(status, 201, "{msg}");
    assert_eq!(msg["sender"], "Magnus Løvås");
    let (status, convo) = app
        .get(&format!("/api/leads/{id}/conversations"), &rep)
        .await;
    assert_eq!(status, 200);
    assert_eq!(convo["items"].as_array().unwrap().len(), 1);
    assert_eq!(convo["next_cursor"], Value::Null);

    let (_, won) = app
        .patch(&format!("/api/leads/{id}"), &rep, json!({"status": "won"}))
        .await;
    assert!(won["converted_at"].is_string());
    assert!(won["last_contact_at"].is_string());
    let (_, mine) = app
        .get(
            &format!("/api/leads?assigned_to={}&status=won", rep_user.id),
            &rep,
        )
        .await;
    assert_eq!(mine["items"][0]["id"], id);
}

#[tokio::test]
async fn invalid_input_gets_the_right_status_and_names_the_field() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, body) = app
        .post(
            "/api/leads",
            &rep,
            json!({"customer_email": "nope", "customer_phone": "12", "lead_score": 101}),
        )
        .await;
    assert_eq!((status, code(&body)), (422, "validation_failed"));
    let fields: Vec<&str> = body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["customer_email", "customer_phone", "lead_score"]);

    let (status, body) = app
        .post(
            "/api/leads",
            &rep,
            json!({"customer_phone": "91234567", "colour": "red"}),
        )
        .await;
    assert_eq!((status, code(&body)), (422, "validation_failed"));
    assert_eq!(body["error"]["details"]["fields"][0]["field"], "colour");

    let lead = app
        .post_lead(&rep, json!({"customer_phone": "91234567"}))
        .await;
    let (status, body) = app
        .patch(
            &format!("/api/leads/{}", lead["id"].as_str().unwrap()),
            &rep,
            json!({"status": "maybe"}),
        )
        .await;
    assert_eq!((status, code(&body)), (422, "validation_failed"));
    assert_eq!(body["error"]["details"]["fields"][0]["field"], "status");
    let message = body["error"]["details"]["fields"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("contacted") && message.contains("qualified"),
        "{message}"
    );

    let raw = |body: &'static str, content_type: &'static str| {
        app.http
            .post(app.url("/api/leads"))
            .bearer_auth(&rep)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let resp = raw("{\"customer_phone\": ", "application/json")
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(code(&resp.json().await.unwrap()), "invalid_json");
    let resp = raw("[1,2]", "application/json").await.unwrap();
    assert_eq!(resp.status(), 400);
    let resp = raw(
        "customer_phone=91234567",
        "application/x-www-form-urlencoded",
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 415);
    assert_eq!(code(&resp.json().await.unwrap()), "unsupported_media_type");

    let huge = json!({"customer_phone": "91234567", "initial_message": "ø".repeat(600_000)});
    let (status, body) = app.post("/api/leads", &rep, huge).await;
    assert_eq!((status, code(&body)), (413, "payload_too_large"));

    let (status, body) = app.get("/api/leads?limit=0", &rep).await;
    assert_eq!((status, code(&body)), (422, "validation_failed"));
    let (status, body) = app.get("/api/leads?limit=abc", &rep).await;
    assert_eq!((status, code(&body)), (422, "invalid_query"));
    let (status, body) = app.get("/api/leads?status=open", &rep).await;
    assert_eq!((status, code(&body)), (422, "invalid_query"));
    let (status, body) = app.get("/api/leads?created_after=yesterday", &rep).await;
    assert_eq!((status, code(&body)), (422, "invalid_query"));
    let (status, body) = app.get("/api/nothing-here", &rep).await;
    assert_eq!((status, code(&body)), (404, "route_not_found"));
    let (status, body) = app.send(Method::PUT, "/api/leads", Some(&rep), None).await;
    assert_eq!((status, code(&body)), (405, "method_not_allowed"));
    // Nothing above created a lead but the one valid post.
    let (_, list) = app.get("/api/leads", &rep).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_inbox_pages_with_signed_cursors_and_searches_norwegian() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    for i in 0..7 {
        app.post_lead(&rep, json!({"customer_name": format!("Kunde {i}"), "customer_phone": format!("9{:07}", i + 1_000_000)})).await;
    }
    app.post_lead(&rep, json!({"customer_name": "Pål Ærø", "customer_email": "pal@aero.no", "vehicle_interest": "bZ4X"})).await;
    let mut names = Vec::new();
    let mut next = "/api/leads?limit=3".to_string();
    loop {
        let (status, page) = app.get(&next, &rep).await;
        assert_eq!(status, 200, "{page}");
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["customer_name"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => next = format!("/api/leads?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(names.len(), 8);
    assert_eq!(names[0], "Pål Ærø");
    assert_eq!(names[7], "Kunde 0");

    let (_, page) = app.get("/api/leads?limit=3", &rep).await;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let mut tampered = cursor.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let (status, body) = app
        .get(
            &format!(
                "/api/leads?limit=3&cursor={}",
                String::from_utf8(tampered).unwrap()
            ),
            &rep,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_cursor"));
    // The same cursor with other filters is refused too.
    let (status, _) = app
        .get(
            &format!("/api/leads?limit=3&status=new&cursor={cursor}"),
            &rep,
        )
        .await;
    assert_eq!(status, 400);

    for q in ["P%C3%85L", "%C3%A6r%C3%B8", "BZ4X", "aero.no"] {
        let (_, found) = app.get(&format!("/api/leads?search={q}"), &rep).await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "search {q}");
    }
    let (_, found) = app.get("/api/leads?search=9100%200003", &rep).await;
    assert_eq!(found["items"][0]["customer_name"], "Kunde 3");
}

#[tokio::test]
async fn roles_limit_what_a_sales_rep_may_do() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let lead = app
        .post_lead(&rep, json!({"customer_phone": "91234567"}))
        .await;
    let path = format!("/api/leads/{}", lead["id"].as_str().unwrap());

    let (status, body) = app.delete(&path, &rep).await;
    assert_eq!((status, code(&body)), (403, "insufficient_role"));
    let (status, body) = app
        .post(
            "/api/vehicles",
            &rep,
            json!({"make": "Toyota", "model": "Aygo X"}),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "insufficient_role"));
    let (status, _) = app.get(&path, &rep).await;
    assert_eq!(status, 200, "a refused delete deletes nothing");

    let (status, _) = app.delete(&path, &manager).await;
    assert_eq!(status, 204);
    let (status, body) = app.get(&path, &admin).await;
    assert_eq!((status, code(&body)), (404, "lead_not_found"));
    let (status, _) = app.delete(&path, &admin).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn vehicles_six_endpoints() {
    let app = TestApp::spawn().await;
    let manager = app.token(BERGEN, Role::Manager).await;
    let rep = app.token(BERGEN, Role::SalesRep).await;
    let (status, seeded) = app.get("/api/vehicles/available", &rep).await;
    assert_eq!(status, 200);
    let available_before = seeded["items"].as_array().unwrap().len();
    assert!(
        seeded["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["status"] == "available")
    );

    let (status, car) = app
        .post("/api/vehicles", &manager, json!({"make": "Volkswagen", "model": "ID.7 Tourer", "year": 2025, "vin": "wvwzzzed4se000001", "price": 599900, "mileage": 10, "fuel_type": "electric", "listing_url": "https://www.finn.no/car/used/ad.html?finnkode=1"}))
        .await;
    assert_eq!(status, 201, "{car}");
    assert_eq!(car["vin"], "WVWZZZED4SE000001");
    assert_eq!(car["price"], json!(599900.0));
    let path = format!("/api/vehicles/{}", car["id"].as_str().unwrap());
    let (status, got) = app.get(&path, &rep).await;
    assert_eq!((status, &got), (200, &car));
    let (_, available) = app.get("/api/vehicles/available", &rep).await;
    assert_eq!(
        available["items"].as_array().unwrap().len(),
        available_before + 1
    );

    let (status, reserved) = app
        .patch(
            &path,
            &manager,
            json!({"status": "reserved", "price": null}),
        )
        .await;
    assert_eq!(status, 200, "{reserved}");
    assert_eq!(reserved["price"], Value::Null);
    let (_, list) = app.get("/api/vehicles?status=reserved", &rep).await;
    assert_eq!(list["items"][0]["id"], car["id"]);
    let (status, body) = app
        .post(
            "/api/vehicles",
            &manager,
            json!({"make": "VW", "model": "Golf", "fuel_type": "petrol", "year": 1850}),
        )
        .await;
    assert_eq!((status, code(&body)), (422, "validation_failed"));
    let (status, _) = app.delete(&path, &manager).await;
    assert_eq!(status, 204);
    let (status, body) = app.get(&path, &manager).await;
    assert_eq!((status, code(&body)), (404, "vehicle_not_found"));
    let (status, body) = app.get("/api/vehicles/not-a-uuid", &manager).await;
    assert_eq!((status, code(&body)), (404, "vehicle_not_found"));
}

/// For every route, a token of the other dealership is told "not found" and
/// changes nothing.
#[tokio::test]
async fn another_dealership_gets_404_on_every_route_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.token(DRAMMEN, Role::Admin).await;
    let lead = app
        .post_lead(
            &owner,
            json!({"customer_name": "Hemmelig Kunde", "customer_phone": "91234567"}),
        )
        .await;
    let lead_id = lead["id"].as_str().unwrap().to_string();
    app.post("/api/conversations", &owner, json!({"lead_id": lead_id, "channel": "email", "direction": "inbound", "sender_type": "customer", "message_content": "Privat"})).await;
    let (_, car) = app
        .post(
            "/api/vehicles",
            &owner,
            json!({"make": "Toyota", "model": "Land Cruiser"}),
        )
        .await;
    let car_id = car["id"].as_str().unwrap().to_string();

    for role in [Role::Admin, Role::Manager, Role::SalesRep] {
        let intruder = app.token(BERGEN, role).await;
        let lead_path = format!("/api/leads/{lead_id}");
        let car_path = format!("/api/vehicles/{car_id}");
        let attempts: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, lead_path.clone(), None),
            (
                Method::PATCH,
                lead_path.clone(),
                Some(json!({"status": "lost"})),
            ),
            (Method::DELETE, lead_path.clone(), None),
            (Method::GET, format!("{lead_path}/conversations"), None),
            (
                Method::POST,
                "/api/conversations".into(),
                Some(
                    json!({"lead_id": lead_id, "channel": "sms", "direction": "outbound", "sender_type": "human", "message_content": "Hei"}),
                ),
            ),
            (Method::GET, car_path.clone(), None),
            (
                Method::PATCH,
                car_path.clone(),
                Some(json!({"status": "sold"})),
            ),
            (Method::DELETE, car_path.clone(), None),
        ];
        for (method, path, body) in attempts {
            let (status, resp) = app.send(method.clone(), &path, Some(&intruder), body).await;
            let refused = status == 404 || (status == 403 && code(&resp) == "insufficient_role");
            assert!(
                refused,
                "{method} {path} as {role:?} of {BERGEN}: {status} {resp}"
            );
        }
        let (_, list) = app.get("/api/leads?search=hemmelig", &intruder).await;
        assert!(list["items"].as_array().unwrap().is_empty());
        let (_, cars) = app.get("/api/vehicles", &intruder).await;
        assert!(
            cars["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v["id"] != car["id"])
        );
    }
    let (_, after) = app.get(&format!("/api/leads/{lead_id}"), &owner).await;
    assert_eq!(after, lead, "the lead changed");
    let (_, convo) = app
        .get(&format!("/api/leads/{lead_id}/conversations"), &owner)
        .await;
    assert_eq!(convo["items"].as_array().unwrap().len(), 1);
    let (_, car_after) = app.get(&format!("/api/vehicles/{car_id}"), &owner).await;
    assert_eq!(car_after, car);
}

/// The cars shown beside a lead are chosen by the API with the rule the
/// reply engine uses, and only from the lead's own dealership.
#[tokio::test(flavor = "multi_thread")]
async fn matching_vehicles_follow_the_reply_engines_rule() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let bergen = app.token(BERGEN, Role::SalesRep).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Kari", "customer_email": "kari@example.no",
                   "vehicle_interest": "Toyota bZ4X eller RAV4"}),
        )
        .await;
    let id = lead["id"].as_str().unwrap();
    let (status, matching) = app
        .get(&format!("/api/leads/{id}/matching-vehicles"), &rep)
        .await;
    assert_eq!(status, 200, "{matching}");
    let (tenant, _) =
        norvalt_core::service::provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
            .await
            .unwrap()
            .unwrap();
    let stock = app
        .platform
        .stores
        .vehicles
        .list_vehicles(
            &tenant,
            Some(norvalt_core::model::VehicleStatus::Available),
            None,
            500,
        )
        .await
        .unwrap();
    let expected: Vec<String> =
        norvalt_core::ai::context::matching_vehicles(&stock, Some("Toyota bZ4X eller RAV4"), 3)
            .iter()
            .map(|v| v.id.to_string())
            .collect();
    let got: Vec<&str> = matching["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert!(!expected.is_empty(), "the demo stock has Toyotas");
    assert_eq!(got, expected);
    assert!(
        matching["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["status"] == "available")
    );

    let (status, err) = app
        .get(&format!("/api/leads/{id}/matching-vehicles"), &bergen)
        .await;
    assert_eq!((status, code(&err)), (404, "lead_not_found"));
}
