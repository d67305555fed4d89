//! Planning a settings change: the patch validated whole and applied to a
//! copy of the dealership, with the routing keys to claim and release and
//! the secrets to store or delete — one method per section of the patch.
//! Nothing is written here; [`super::apply`] writes the plan.

use super::*;

mod facebook;

/// A valid patch, ready to write.
pub(super) struct Plan {
    pub next: Dealership,
    pub claims: Vec<(RouteKind, String, &'static str)>,
    pub releases: Vec<(RouteKind, String)>,
    pub secrets: Vec<(String, String)>,
    /// Secrets to delete once the change is stored (a disconnected page's token).
    pub deleted_secrets: Vec<String>,
    /// Pages being connected, with the token that must prove each.
    pub pages_to_prove: Vec<(String, String)>,
    pub changed: Vec<&'static str>,
    /// A new Google lead form key, shown once; the dealership keeps its hash.
    pub google_key: Option<String>,
}

pub(super) fn plan(current: &Dealership, patch: SettingsPatch) -> Result<Plan, FieldErrors> {
    let mut planner = Planner::new(current);
    planner.profile(&patch);
    if let Some(reply) = &patch.reply {
        planner.reply(reply);
    }
    if let Some(capture) = &patch.capture {
        planner.capture(capture);
    }
    if let Some(conversation) = &patch.conversation {
        planner.conversation(conversation);
    }
    if let Some(booking) = &patch.booking {
        planner.booking(booking);
    }
    if let Some(targets) = &patch.response_targets {
        planner.response_targets(targets);
    }
    if patch.regenerate_form_key {
        planner.regenerate_form_key();
    }
    if patch.regenerate_google_key {
        planner.regenerate_google_key();
    }
    if let Some(page) = &patch.connect_facebook_page {
        planner.connect_facebook_page(page);
    }
    if let Some(page) = &patch.disconnect_facebook_page {
        planner.disconnect_facebook_page(page);
    }
    if let Some(dataset) = &patch.connect_conversions_api {
        planner.connect_conversions_api(dataset);
    }
    if let Some(page) = &patch.disconnect_conversions_api {
        planner.disconnect_conversions_api(page);
    }
    if let Some(imap) = &patch.imap {
        planner.imap(imap.as_ref());
    }
    planner.finish()
}

struct Planner<'a> {
    current: &'a Dealership,
    e: FieldErrors,
    next: Dealership,
    claims: Vec<(RouteKind, String, &'static str)>,
    releases: Vec<(RouteKind, String)>,
    secrets: Vec<(String, String)>,
    deleted_secrets: Vec<String>,
    pages_to_prove: Vec<(String, String)>,
    changed: Vec<&'static str>,
    google_key: Option<String>,
}

impl<'a> Planner<'a> {
    fn new(current: &'a Dealership) -> Self {
        Self {
            current,
            e: FieldErrors::new(),
            next: current.clone(),
            claims: Vec::new(),
            releases: Vec::new(),
            secrets: Vec::new(),
            deleted_secrets: Vec::new(),
            pages_to_prove: Vec::new(),
            changed: Vec::new(),
            google_key: None,
        }
    }

    /// Records that a part of the settings changed (for the audit log).
    fn touch(&mut self, part: &'static str) {
        if !self.changed.contains(&part) {
            self.changed.push(part)
        }
    }

    fn finish(self) -> Result<Plan, FieldErrors> {
        self.e.finish(Plan {
            next: self.next,
            claims: self.claims,
            releases: self.releases,
            secrets: self.secrets,
            deleted_secrets: self.deleted_secrets,
            pages_to_prove: self.pages_to_prove,
            changed: self.changed,
            google_key: self.google_key,
        })
    }

    /// Name, contact details, address, branding and opening hours.
    fn profile(&mut self, patch: &SettingsPatch) {
        if let Some(name) = &patch.name
            && let Some(v) = self
                .e
                .check(validation::required_text("name", Some(name), 200))
        {
            self.next.name = v;
            self.touch("name");
        }
        if let Some(email) = &patch.email
            && let Some(v) = self.e.check(validation::email("email", email))
        {
            self.next.email = v;
            self.touch("email");
        }
        if let Some(phone) = &patch.phone {
            self.next.phone = match phone {
                Some(p) => self.e.check(validation::phone("phone", p)),
                None => None,
            };
            self.touch("phone");
        }
        if let Some(adf) = &patch.adf_email {
            self.next.adf_email = match adf {
                Some(a) => self.e.check(validation::email("adf_email", a)),
                None => None,
            };
            self.touch("adf_email");
        }
        if let Some(feed) = &patch.inventory_feed {
            self.next.inventory_feed = match feed {
                Some(f) => self
                    .e
                    .check(validation::url("inventory_feed.url", f.url.trim()))
                    .map(|url| crate::inventory::InventoryFeed { url, ..f.clone() }),
                None => None,
            };
            self.touch("inventory_feed");
        }
        if let Some(address) = &patch.address {
            self.next.address = self
                .e
                .check(validation::address("address", address.as_deref()))
                .flatten();
            self.touch("address");
        }
        if let Some(b) = &patch.branding {
            let logo_url = b
                .logo_url
                .as_deref()
                .and_then(|u| self.e.check(validation::url("branding.logo_url", u)));
            let brand_colour = b.brand_colour.as_deref().and_then(|c| {
                let ok = c.len() == 7
                    && c.starts_with('#')
                    && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
                if !ok {
                    self.e.add("branding.brand_colour", "must be #RRGGBB");
                }
                ok.then(|| c.to_ascii_lowercase())
            });
            self.next.branding = Branding {
                logo_url,
                brand_colour,
            };
            self.touch("branding");
        }
        if let Some(hours) = &patch.opening_hours {
            hours.validate("opening_hours", &mut self.e);
            self.next.opening_hours = hours.clone();
            self.touch("opening_hours");
        }
        if let Some(exceptions) = &patch.opening_exceptions {
            validate_exceptions(&mut self.e, exceptions);
            let mut sorted = exceptions.clone();
            sorted.sort_by_key(|x| x.date);
            self.next.opening_exceptions = sorted;
            self.touch("opening_exceptions");
        }
    }

    /// How replies sound and go out: signature, tone, SMS number and countries, notices, quiet hours.
    fn reply(&mut self, r: &ReplyPatch) {
        let reply = &mut self.next.reply;
        let mut text =
            |field: &str, v: &Option<Option<String>>, max, lines| -> Option<Option<String>> {
                v.as_ref().map(|value| {
                    self.e
                        .check(validation::text(field, value.as_deref(), max, lines))
                        .flatten()
                })
            };
        if let Some(v) = text("reply.signature", &r.signature, 500, true) {
            reply.signature = v;
        }
        if let Some(v) = text("reply.tone", &r.tone, 200, false) {
            reply.tone = v;
        }
        if let Some(v) = text("reply.language_hints", &r.language_hints, 500, true) {
            reply.language_hints = v;
        }
        if let Some(v) = text("reply.sender_name", &r.sender_name, 100, false) {
            reply.sender_name = v;
        }
        if let Some(on) = r.sms_enabled {
            reply.sms_enabled = on;
        }
        if let Some(number) = &r.sms_number {
            let number = number
                .as_deref()
                .and_then(|n| self.e.check(validation::phone("reply.sms_number", n)));
            if number != self.current.reply.sms_number {
                if let Some(n) = &number {
                    self.claims
                        .push((RouteKind::SmsNumber, n.clone(), "sms_number_taken"));
                }
                if let Some(old) = &self.current.reply.sms_number {
                    self.releases.push((RouteKind::SmsNumber, old.clone()));
                }
            }
            reply.sms_number = number;
        }
        if let Some(codes) = &r.sms_countries {
            let valid = codes.len() <= 20
                && codes.iter().all(|c| {
                    (1..=3).contains(&c.len())
                        && c.bytes().all(|b| b.is_ascii_digit())
                        && !c.starts_with('0')
                });
            if valid {
                let mut codes = codes.clone();
                codes.sort();
                codes.dedup();
                reply.sms_countries = codes;
            } else {
                self.e.add(
                    "reply.sms_countries",
                    "country calling codes of 1–3 digits without + (\"47\"), at most 20",
                );
            }
        }
        if let Some(list) = &r.notify_emails {
            if list.len() > MAX_NOTIFY {
                self.e.add(
                    "reply.notify_emails",
                    format!("at most {MAX_NOTIFY} addresses"),
                );
            }
            let mut clean: Vec<String> = list
                .iter()
                .filter_map(|a| self.e.check(validation::email("reply.notify_emails", a)))
                .collect();
            clean.sort();
            clean.dedup();
            reply.notify_emails = clean;
        }
        if let Some(q) = &r.quiet_hours {
            if !q.is_valid() {
                self.e
                    .add("reply.quiet_hours.sms_until", "must be after sms_from");
            }
            reply.quiet_hours = q.clone();
        }
        self.touch("reply");
    }

    /// The lead channels' options: allowed form origins, thank-you page, Facebook questions.
    /// The conversation settings, replaced whole.
    fn conversation(&mut self, c: &crate::model::ConversationSettings) {
        use crate::model::conversation::{MAX_AI_TURNS, MAX_DEBOUNCE_SECS, MAX_HANDOVER_MESSAGE};
        let mut next = c.clone();
        if c.debounce_secs > MAX_DEBOUNCE_SECS {
            self.e.add(
                "conversation.debounce_secs",
                format!("at most {MAX_DEBOUNCE_SECS} seconds"),
            );
        }
        if !(1..=MAX_AI_TURNS).contains(&c.max_ai_turns) {
            self.e.add(
                "conversation.max_ai_turns",
                format!("between 1 and {MAX_AI_TURNS}"),
            );
        }
        next.handover_message = self
            .e
            .check(validation::text(
                "conversation.handover_message",
                c.handover_message.as_deref(),
                MAX_HANDOVER_MESSAGE,
                true,
            ))
            .flatten();
        self.next.conversation = next;
    }

    /// The response-time targets, replaced whole: each target a minute to a
    /// day of opening time, the reminder before the target.
    fn response_targets(&mut self, t: &crate::automation::response_clock::ResponseTargets) {
        for (field, minutes) in [
            (
                "response_targets.first_contact_minutes",
                t.first_contact_minutes,
            ),
            ("response_targets.reply_minutes", t.reply_minutes),
        ] {
            if !(1..=1440).contains(&minutes) {
                self.e.add(field, "between 1 and 1440 minutes");
            }
        }
        if !(1..=99).contains(&t.remind_at_percent) {
            self.e
                .add("response_targets.remind_at_percent", "between 1 and 99");
        }
        self.next.response_targets = t.clone();
    }

    /// The booking settings, replaced whole: each kind once, a duration
    /// of 15 minutes to 4 hours, 1–20 at once, booked at most a week ahead
    /// of its lead time, offered 1–60 days ahead.
    fn booking(&mut self, b: &crate::booking::slots::BookingSettings) {
        let mut seen = Vec::new();
        for (i, t) in b.types.iter().enumerate() {
            if seen.contains(&t.kind) {
                self.e
                    .add(&format!("booking.types[{i}].kind"), "listed twice");
            }
            seen.push(t.kind);
            if !(15..=240).contains(&t.duration_minutes) {
                self.e.add(
                    &format!("booking.types[{i}].duration_minutes"),
                    "between 15 and 240",
                );
            }
            if !(1..=20).contains(&t.capacity) {
                self.e
                    .add(&format!("booking.types[{i}].capacity"), "between 1 and 20");
            }
            if t.lead_minutes > 7 * 24 * 60 {
                self.e.add(
                    &format!("booking.types[{i}].lead_minutes"),
                    "at most a week",
                );
            }
        }
        if !(1..=60).contains(&b.horizon_days) {
            self.e.add("booking.horizon_days", "between 1 and 60");
        }
        self.next.booking = b.clone();
    }

    fn capture(&mut self, c: &CapturePatch) {
        let capture = &mut self.next.capture;
        if let Some(origins) = &c.allowed_origins {
            if origins.len() > MAX_ORIGINS {
                self.e.add(
                    "capture.allowed_origins",
                    format!("at most {MAX_ORIGINS} origins"),
                );
            }
            capture.allowed_origins = origins
                .iter()
                .filter_map(|o| {
                    self.e
                        .check(validation::origin("capture.allowed_origins", o))
                })
                .collect();
        }
        if let Some(url) = &c.thank_you_url {
            capture.thank_you_url = url
                .as_deref()
                .and_then(|u| self.e.check(validation::url("capture.thank_you_url", u)));
        }
        if let Some(questions) = &c.facebook_questions {
            if questions
                .keys()
                .any(|k| k.trim().is_empty() || k.len() > 100)
            {
                self.e.add(
                    "capture.facebook_questions",
                    "question keys are 1–100 characters",
                );
            }
            capture.facebook_questions = questions.clone();
        }
        if let Some(questions) = &c.google_questions {
            if questions
                .keys()
                .any(|k| k.trim().is_empty() || k.len() > 100)
            {
                self.e.add(
                    "capture.google_questions",
                    "question ids are 1–100 characters",
                );
            }
            capture.google_questions = questions.clone();
        }
        self.touch("capture");
    }

    /// A new key for the Google lead forms: deliveries with the old one are
    /// refused at once.
    fn regenerate_google_key(&mut self) {
        let key = crate::capture::google::new_key();
        self.next.capture.google_key_hash = Some(crate::capture::google::hash_key(&key));
        self.google_key = Some(key);
        self.touch("google_key");
    }

    /// A new form key: the old form URL stops working at once.
    fn regenerate_form_key(&mut self) {
        let key = crate::service::provisioning::new_form_key();
        self.claims
            .push((RouteKind::FormKey, key.clone(), "form_key_taken"));
        self.releases
            .push((RouteKind::FormKey, self.current.form_key.clone()));
        self.next.form_key = key;
        self.touch("form_key");
    }

    /// The mailbox to poll (`None` stops polling); its password goes to the secret store.
    fn imap(&mut self, imap: Option<&ImapInput>) {
        self.next.capture.imap = match imap {
            None => None,
            Some(input) => {
                let account = ImapAccount {
                    host: input.host.trim().to_string(),
                    port: input.port,
                    tls: input.tls,
                    username: input.username.trim().to_string(),
                    password_secret: imap_password_secret(&self.current.slug),
                    mailbox: input.mailbox.trim().to_string(),
                };
                if account.host.is_empty() || account.host.len() > 253 {
                    self.e.add("imap.host", "is required");
                } else if !account_is_safe(&account) {
                    self.e.add(
                        "imap.tls",
                        "IMAP without TLS is only allowed on loopback (a server on this machine)",
                    );
                }
                if account.username.is_empty() || account.username.len() > 255 {
                    self.e.add("imap.username", "is required");
                }
                if account.port == 0 {
                    self.e.add("imap.port", "must be a port number");
                }
                if account.mailbox.is_empty() {
                    self.e.add("imap.mailbox", "is required");
                }
                if let Some(password) = &input.password {
                    if password.is_empty() || password.len() > 1024 {
                        self.e.add("imap.password", "is 1–1024 characters");
                    } else {
                        self.secrets
                            .push((account.password_secret.clone(), password.clone()));
                    }
                }
                Some(account)
            }
        };
        self.touch("imap");
    }
}
