//! The OpenAPI 3.1 document, generated from the handlers' annotations and the
//! domain types, served without auth at `GET /api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    account, ai, analytics, automations, conversations, dealership, gdpr, leads, vehicles,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Norvalt API", description = "Leads, conversations and inventory of one dealership, for its sales team. Every route but this document needs a Clerk session token."),
    paths(
        leads::list_leads, leads::create_lead, leads::get_lead, leads::update_lead, leads::delete_lead, leads::get_opt_outs,
        conversations::list_conversation, conversations::add_message, conversations::add_note, conversations::send_reply,
        vehicles::list_vehicles, vehicles::list_available, vehicles::create_vehicle, vehicles::get_vehicle,
        vehicles::update_vehicle, vehicles::delete_vehicle,
        account::me, account::users, account::update_user, account::audit_log,
        dealership::get_settings, dealership::update_settings,
        analytics::summary, analytics::timeseries,
        gdpr::export, gdpr::erase,
        ai::analyze_lead, ai::generate_response,
        automations::list_rules, automations::create_rule, automations::get_rule,
        automations::update_rule, automations::delete_rule, automations::test_rule,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "leads", description = "The inbox"),
        (name = "conversations", description = "Messages with a lead"),
        (name = "vehicles", description = "Inventory"),
        (name = "account", description = "The signed-in user"),
        (name = "ai", description = "Lead analysis and reply drafts"),
        (name = "automations", description = "Follow-up rules and their dry run"),
        (name = "analytics", description = "Daily roll-ups: leads, response times, conversion, reps"),
        (name = "gdpr", description = "A person's data: export and erasure"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
