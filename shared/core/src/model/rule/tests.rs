use super::*;

fn parse(json: serde_json::Value) -> Result<NewRule, serde_json::Error> {
    serde_json::from_value(json)
}

fn build(json: serde_json::Value) -> Result<AutomationRule, FieldErrors> {
    parse(json).expect("well-formed").into_rule(
        DealershipId::new_at(crate::time::now()),
        &[],
        crate::time::now(),
    )
}

#[test]
fn a_sensible_rule_is_accepted_and_cleaned() {
    let rule = build(serde_json::json!({
        "name": "  Ingen svar etter 24 timer ",
        "trigger": {"type": "no_response", "hours": 24},
        "conditions": {"sources": ["website"], "has_phone": true},
        "steps": [
            {"delay_minutes": 0, "action": {"type": "send_sms",
                "template": "Hei {fornavn}! Fikk du svaret vårt om {bil}?"}},
            {"delay_minutes": 2880, "action": {"type": "notify"}},
            {"delay_minutes": 0, "action": {"type": "send_email", "template": {
                "subject": "{bil}", "body": "Hei {fornavn}!\n\nFortsatt interessert?"}}}
        ]
    }))
    .unwrap();
    assert_eq!(rule.name, "Ingen svar etter 24 timer");
    assert!(rule.is_active);
    assert_eq!(rule.steps.len(), 3);
}

#[test]
fn every_bad_field_is_named() {
    let errors = build(serde_json::json!({
        "name": "",
        "trigger": {"type": "time_based", "status": "won", "days": 0},
        "conditions": {"min_score": 80, "max_score": 20},
        "steps": [
            {"delay_minutes": 200000, "action": {"type": "send_sms", "template": "Hei {kundenummer}"}},
            {"delay_minutes": 0, "action": {"type": "assign", "to": {"mode": "user",
                "user_id": "01937a4e-0000-7000-8000-000000000000"}}},
            {"delay_minutes": 0, "action": {"type": "notify", "emails": ["ikke-en-adresse"]}},
            {"delay_minutes": 0, "action": {"type": "set_status", "status": "needs_review"}}
        ]
    }))
    .unwrap_err();
    for field in [
        "name",
        "trigger.days",
        "trigger.status",
        "conditions.max_score",
        "steps[0].delay_minutes",
        "steps[0].action.template",
        "steps[1].action.to.user_id",
        "steps[2].action.emails",
        "steps[3].action.status",
    ] {
        assert!(errors.contains(field), "{field} not named in {errors:?}");
    }
}

#[test]
fn a_rule_without_steps_or_with_unknown_actions_is_refused() {
    assert!(
        build(serde_json::json!({"name": "x", "trigger": {"type": "new_lead"}, "steps": []}))
            .unwrap_err()
            .contains("steps")
    );
    assert!(
        parse(
            serde_json::json!({"name": "x", "trigger": {"type": "new_lead"},
        "steps": [{"delay_minutes": 0, "action": {"type": "call_customer"}}]})
        )
        .is_err()
    );
    assert!(
        parse(
            serde_json::json!({"name": "x", "trigger": {"type": "new_lead", "hours": 3},
        "steps": []})
        )
        .is_err(),
        "unknown trigger fields are refused"
    );
}

#[test]
fn conditions_match_source_vehicle_score_and_contact() {
    let mut lead = crate::model::lead::sample(crate::time::now());
    lead.vehicle_interest = Some("Toyota bZ4X".into());
    lead.lead_score = Some(70);
    lead.customer_phone = Some("+4791234567".into());
    let c = |json: serde_json::Value| -> Conditions { serde_json::from_value(json).unwrap() };
    assert!(c(serde_json::json!({})).matches(&lead));
    assert!(c(serde_json::json!({"vehicle_contains": "TOYOTA"})).matches(&lead));
    assert!(!c(serde_json::json!({"vehicle_contains": "Volvo"})).matches(&lead));
    assert!(c(serde_json::json!({"min_score": 70, "max_score": 90})).matches(&lead));
    assert!(!c(serde_json::json!({"min_score": 71})).matches(&lead));
    assert!(c(serde_json::json!({"sources": ["website", "email"]})).matches(&lead));
    assert!(!c(serde_json::json!({"sources": ["facebook"]})).matches(&lead));
    assert!(c(serde_json::json!({"has_phone": true})).matches(&lead));
    assert!(!c(serde_json::json!({"statuses": ["won"]})).matches(&lead));
}
