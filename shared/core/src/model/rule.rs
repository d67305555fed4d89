use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{DealershipId, RuleId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerType {
    NewLead,
    NoResponse,
    TimeBased,
}

/// A follow-up rule, stored as the seed describes it. Its engine (and the
/// validation of conditions and actions) arrives with the automation issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationRule {
    pub id: RuleId,
    pub dealership_id: DealershipId,
    pub name: String,
    pub trigger_type: TriggerType,
    #[schema(value_type = Object)]
    pub trigger_conditions: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub actions: serde_json::Value,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}
