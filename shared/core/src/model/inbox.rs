//! What the sales floor shares in the inbox: the dealership's tags, the
//! canned replies managers write, and the views everybody sees. A user's
//! own views live on their user record ([`super::User::views`]).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{CannedReplyId, TagId, ViewId};

/// The dealership's inbox set-up (`GET /api/inbox-setup`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct InboxSetup {
    pub tags: Vec<Tag>,
    pub canned_replies: Vec<CannedReply>,
    /// Views a manager shares with the whole team.
    pub views: Vec<SavedView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
    pub colour: TagColour,
}

/// A fixed palette: each colour has a light and a dark shade in the
/// dashboard that keep text readable (WCAG AA), which a free hex would not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TagColour {
    Grey,
    Red,
    Orange,
    Green,
    Teal,
    Blue,
    Violet,
    Pink,
}

/// A reply a rep inserts and edits before sending. `body` may hold the
/// fields in [`REPLY_FIELDS`]; they are filled in the reply box, and a
/// message that still holds one is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CannedReply {
    pub id: CannedReplyId,
    pub title: String,
    pub body: String,
}

/// Filters and sort of the inbox, saved under a name. `query` is the
/// inbox URL's query string (`status=new&assigned=me`), so a saved view
/// and a linked one are the same thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SavedView {
    pub id: ViewId,
    pub name: String,
    pub query: String,
}

/// The fields a canned reply may hold, in the order the reply box lists them.
pub const REPLY_FIELDS: [&str; 6] = [
    "fornavn",
    "bil",
    "forhandler",
    "selger",
    "åpningstider",
    "bookinglenke",
];

/// The inbox URL's keys a view may hold.
pub const VIEW_KEYS: [&str; 11] = [
    "status",
    "source",
    "assigned",
    "tag",
    "overdue",
    "needs_human",
    "from",
    "to",
    "today",
    "q",
    "sort",
];

/// The fields as a reader sees them: `{fornavn}, {bil}`.
pub fn braced(fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| format!("{{{f}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each `{name}` in `text`, in order: what a canned reply's fields are.
/// A brace with no closing one, or holding more than a word, is text.
pub fn fields_in(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find(['}', '{', '\n']) {
            Some(close) if after[close..].starts_with('}') => {
                let name = &after[..close];
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    out.push(name);
                }
                rest = &after[close + 1..];
            }
            Some(close) => rest = &after[close..],
            None => break,
        }
    }
    out
}

/// The known fields `text` still holds unfilled (`{fornavn}` …): a message
/// that has any must not be sent.
pub fn unfilled_fields(text: &str) -> Vec<&str> {
    fields_in(text)
        .into_iter()
        .filter(|f| REPLY_FIELDS.contains(f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_the_words_in_braces() {
        assert_eq!(
            fields_in("Hei {fornavn}! {bil} står klar hos {forhandler}."),
            vec!["fornavn", "bil", "forhandler"]
        );
        assert_eq!(fields_in("Åpent {åpningstider}"), vec!["åpningstider"]);
        // Braces around more than a word, or unclosed, are text.
        assert!(fields_in("pris {ca. 300 000} kr").is_empty());
        assert!(fields_in("{fornavn").is_empty());
        assert_eq!(fields_in("{{fornavn}}"), vec!["fornavn"]);
        assert!(fields_in("{}").is_empty());
    }

    #[test]
    fn only_known_fields_count_as_unfilled() {
        assert_eq!(unfilled_fields("Hei {fornavn}, {ukjent}"), vec!["fornavn"]);
        assert!(unfilled_fields("Hei Kari, se {dette}").is_empty());
    }
}
