//! The OpenAPI 3.1 document, generated from the handlers' annotations and the
//! domain types, served without auth at `GET /api/openapi.json`. Its paths
//! are those the resource routers register ([`utoipa_axum`]'s
//! `OpenApiRouter`): a route cannot be served undocumented, nor documented
//! and not served.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    account, ai, analytics, appointments, automations, conversations, dealership, endpoints, gdpr,
    leads, vehicles,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Norvalt API", description = "Leads, conversations and inventory of one dealership, for its sales team. Every route but this document needs a Clerk session token."),
    modifiers(&BearerAuth, &CommonResponses),
    tags(
        (name = "leads", description = "The inbox"),
        (name = "conversations", description = "Messages with a lead"),
        (name = "vehicles", description = "Inventory"),
        (name = "account", description = "The signed-in user"),
        (name = "ai", description = "Lead analysis and reply drafts"),
        (name = "automations", description = "Follow-up rules and their dry run"),
        (name = "analytics", description = "Daily roll-ups: leads, response times, conversion, reps"),
        (name = "gdpr", description = "A person's data: export and erasure"),
        (name = "appointments", description = "Test drives, viewings and trade-in valuations"),
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

/// The answers every operation of a kind can give, documented once rather
/// than on each handler: a JSON body can be malformed (400 `invalid_json`),
/// of the wrong type (415) or too large (413); a query can be malformed
/// (400, e.g. `invalid_cursor`) or out of range (422); a signed-in caller
/// can be refused (403: deactivated, no organisation, wrong role).
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Operation, ParameterIn};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        let add = |op: &mut Operation, status: &str, description: &str| {
            op.responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| error(description));
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                if op.request_body.is_some() {
                    add(op, "400", "The body is not valid JSON (`invalid_json`)");
                    add(op, "413", "The body is too large");
                    add(op, "415", "The body is not `application/json`");
                    add(
                        op,
                        "422",
                        "Fields failed validation; `details.fields` names each",
                    );
                }
                let has_query = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.parameter_in == ParameterIn::Query);
                if has_query {
                    add(
                        op,
                        "400",
                        "A query parameter is malformed (e.g. `invalid_cursor`)",
                    );
                    add(
                        op,
                        "422",
                        "A query parameter is out of range; `details.fields` names it",
                    );
                }
                if op.security.is_some() {
                    add(op, "401", "No valid session token");
                    add(
                        op,
                        "403",
                        "Signed in, but not allowed (role, deactivated user, no organisation)",
                    );
                }
            }
        }
    }
}

/// The whole API's document: the info, tags and shared responses of
/// [`ApiDoc`], and every resource router's operations.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    let routers = [
        leads::routes().split_for_parts().1,
        conversations::routes().split_for_parts().1,
        vehicles::routes().split_for_parts().1,
        account::routes().split_for_parts().1,
        dealership::routes().split_for_parts().1,
        endpoints::routes().split_for_parts().1,
        analytics::routes().split_for_parts().1,
        gdpr::routes().split_for_parts().1,
        ai::routes().split_for_parts().1,
        automations::routes().split_for_parts().1,
        appointments::routes().split_for_parts().1,
    ];
    let mut doc = ApiDoc::openapi();
    for part in routers {
        doc.merge(part);
    }
    // The modifiers saw no paths when ApiDoc was derived: run them again.
    BearerAuth.modify(&mut doc);
    CommonResponses.modify(&mut doc);
    doc
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(api_doc())
}
