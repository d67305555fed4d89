//! ADF (Auto-lead Data Format) 1.0 leads, inline or attached
//! (the XML most dealer systems exchange leads in): `<adf><prospect>` with
//! vehicle, customer and vendor.

use roxmltree::{Document, Node};

use crate::capture::candidate::LeadCandidate;

/// Finds an ADF document in `text` (anything before `<?xml` or `<adf` is
/// ignored) and reads its first prospect. `None` when there is no ADF.
pub fn parse(text: &str) -> Option<LeadCandidate> {
    let lower = text.to_ascii_lowercase();
    let adf_at = lower.find("<adf")?;
    let start = lower[..adf_at].rfind("<?xml").unwrap_or(adf_at);
    let end = lower.rfind("</adf>").map(|e| e + "</adf>".len())?;
    if end <= start {
        return None;
    }
    let doc = Document::parse(&text[start..end]).ok()?;
    let prospect = doc.descendants().find(|n| n.has_tag_name("prospect"))?;

    let mut c = LeadCandidate::default();
    c.note("lead_format", "adf");
    if let Some(id) = child(prospect, "id") {
        c.note("adf_id", &id);
    }
    if let Some(date) = child(prospect, "requestdate") {
        c.note("requested_at", &date);
    }
    for vehicle in prospect.children().filter(|n| n.has_tag_name("vehicle")) {
        let interest = vehicle
            .attribute("interest")
            .unwrap_or("buy")
            .to_lowercase();
        let description = describe(vehicle);
        if interest == "trade-in" || interest == "sell" {
            if let Some(d) = description {
                c.note("trade_in", &d);
            }
            continue;
        }
        if c.vehicle_interest.is_none() {
            if let Some(d) = description {
                c.offer_vehicle(&d);
            }
            c.note("vehicle_intent", &interest);
            if let Some(status) = vehicle.attribute("status") {
                c.note("vehicle_condition", status);
            }
        }
    }
    if let Some(customer) = prospect.children().find(|n| n.has_tag_name("customer")) {
        if let Some(contact) = customer.children().find(|n| n.has_tag_name("contact")) {
            read_contact(&mut c, contact);
        }
        if let Some(comments) = child(customer, "comments") {
            c.offer_message(&comments);
        }
    }
    if let Some(vendor) = prospect.children().find(|n| n.has_tag_name("vendor"))
        && let Some(name) = child(vendor, "vendorname")
    {
        c.note("vendor", &name);
    }
    if let Some(provider) = prospect.children().find(|n| n.has_tag_name("provider"))
        && let Some(name) = child(provider, "name")
    {
        c.note("importer", &name);
    }
    Some(c)
}

fn read_contact(c: &mut LeadCandidate, contact: Node) {
    let mut parts: Vec<(String, String)> = Vec::new();
    for name in contact.children().filter(|n| n.has_tag_name("name")) {
        let part = name.attribute("part").unwrap_or("full").to_lowercase();
        if let Some(text) = text_of(name) {
            parts.push((part, text));
        }
    }
    let find = |p: &str| parts.iter().find(|(k, _)| k == p).map(|(_, v)| v.clone());
    let name = find("full").or_else(|| {
        let joined = ["first", "middle", "last", "surname"]
            .iter()
            .filter_map(|p| find(p))
            .collect::<Vec<_>>()
            .join(" ");
        (!joined.is_empty()).then_some(joined)
    });
    if let Some(name) = name {
        c.offer_name(&name);
    }
    if let Some(email) = child(contact, "email") {
        c.offer_email(&email);
    }
    // A mobile first: it can take an SMS.
    let mut phones: Vec<(String, String)> = contact
        .children()
        .filter(|n| n.has_tag_name("phone"))
        .filter_map(|n| {
            Some((
                n.attribute("type").unwrap_or("voice").to_lowercase(),
                text_of(n)?,
            ))
        })
        .filter(|(kind, _)| kind != "fax" && kind != "pager")
        .collect();
    phones.sort_by_key(|(kind, _)| kind != "cellphone");
    for (_, phone) in phones {
        c.offer_phone(&phone);
    }
}

fn describe(vehicle: Node) -> Option<String> {
    let words: Vec<String> = ["make", "model", "trim"]
        .iter()
        .filter_map(|t| child(vehicle, t))
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut d = words.join(" ");
    if let Some(year) = child(vehicle, "year") {
        d.push_str(&format!(" ({year})"));
    }
    Some(d)
}

fn child(node: Node, tag: &str) -> Option<String> {
    node.children()
        .find(|n| n.has_tag_name(tag))
        .and_then(text_of)
}

fn text_of(node: Node) -> Option<String> {
    let text: String = node
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prospect_is_read_with_a_mobile_and_a_trade_in() {
        let xml = r#"Lead follows
<?xml version="1.0"?><?adf version="1.0"?>
<adf><prospect><id source="x">7</id>
<vehicle interest="buy" status="used"><year>2022</year><make>Toyota</make><model>RAV4</model></vehicle>
<vehicle interest="trade-in"><make>VW</make><model>Golf</model><year>2015</year></vehicle>
<customer><contact><name part="full">Åse Øvrebø</name><email>ASE@example.no</email>
<phone type="voice">22 33 44 55</phone><phone type="cellphone">004799887766</phone></contact>
<comments>Ring etter kl. 16</comments></customer></prospect></adf>"#;
        let c = parse(xml).unwrap();
        assert_eq!(c.customer_name.as_deref(), Some("Åse Øvrebø"));
        assert_eq!(c.customer_email.as_deref(), Some("ase@example.no"));
        assert_eq!(c.customer_phone.as_deref(), Some("+4799887766"));
        assert_eq!(c.vehicle_interest.as_deref(), Some("Toyota RAV4 (2022)"));
        assert_eq!(c.message.as_deref(), Some("Ring etter kl. 16"));
        assert_eq!(c.metadata["trade_in"], "VW Golf (2015)");
        assert_eq!(c.metadata["vehicle_condition"], "used");
    }

    #[test]
    fn broken_or_absent_adf_is_none() {
        assert!(parse("no xml here").is_none());
        assert!(parse("<adf><prospect>").is_none());
        assert!(parse("</adf><adf>").is_none());
        assert!(parse("<adf><prospect><customer></adf>").is_none());
    }
}
