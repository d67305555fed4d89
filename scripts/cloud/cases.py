"""The cloud harness's cases: each takes the running `Harness` and asserts
on what the real functions did (see `harness.py`)."""

import json
import os
import uuid
from email import message_from_string
from email.header import decode_header, make_header

from harness import PARAMETERS, ROOT
from mocks import Clerk

WANTED = {
    "WebhookFormFunction", "LeadIntakeFunction", "AiResponderFunction", "SenderFunction",
    "ApiLeadsFunction", "EmailInboundFunction", "ApiAccountFunction",
    "AnalyticsRollupFunction", "ApiAnalyticsFunction", "WebhookTwilioFunction",
    "WebhookFacebookFunction", "ApiAutomationsFunction", "FollowupsFunction",
    "ImapPollerFunction", "ImapMailboxFunction", "SesEventsFunction",
    "EventScanFunction", "EventSenderFunction", "ApiVehiclesFunction", "InventoryFeedsFunction",
}


def form_lead_is_answered_by_email(h):
    slug = f"bil-tromso-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Tromsø", "post@biltromso.no")
    once = uuid.uuid4().hex
    h.post_form(dealer["form_key"], idempotency_key=once)
    mails = h.sent_emails("eirik.solberg@example.no", slug)
    assert len(mails) == 1, f"SES sent {len(mails)} mails to the customer, not one"
    raw = mails[0]["raw_data"].replace("\r\n\t", " ").replace("\r\n ", " ")
    assert "Reply-To: <svar+" in raw and f"@{slug}.norvalt.test>" in raw, raw[:800]
    assert "List-Unsubscribe: <https://" in raw and "mailto:" not in raw, raw[:800]
    assert "bcc:" not in raw.lower(), raw[:800]
    # Delivered again (at-least-once), nothing more is sent.
    h.post_form(dealer["form_key"], idempotency_key=once)
    assert len(h.sent_emails("eirik.solberg@example.no", slug)) == 1, "a repeat post was answered twice"


def a_google_lead_form_delivery_is_answered_once(h):
    """A Google Ads lead form delivery to the website form's function URL,
    with the key the operator made (`dealership configure --new-google-key`):
    200, one lead of source google, one reply through SES however often
    Google delivers it; a wrong key is refused with nothing sent."""
    slug = f"bil-bodo-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Bodø", "post@bilbodo.no")
    out = h.cli("dealership", "configure", slug, "--new-google-key")
    key = json.loads(out[out.index("{"):])["google_key"]
    body = json.load(open(os.path.join(ROOT, "shared", "core", "tests", "fixtures", "google", "lead-form-webhook.json")))
    customer = f"ingrid.{uuid.uuid4().hex[:6]}@example.no"
    for column in body["user_column_data"]:
        if column["column_id"] == "EMAIL":
            column["string_value"] = customer
    path = f"/webhooks/google/{dealer['form_key']}"
    headers = {"content-type": "application/json"}
    assert h.url_request("WebhookFormFunction", path, headers, json.dumps({**body, "google_key": "wrong"})) == 401
    for _ in range(2):
        assert h.url_request("WebhookFormFunction", path, headers, json.dumps({**body, "google_key": key})) == 200
        h.pump()
    mails = h.sent_emails(customer, slug)
    assert len(mails) == 1, f"SES sent {len(mails)} mails to the customer, not one"
    token = h.clerk.token(f"org_{slug}", "org:sales_rep", PARAMETERS["ClerkAudience"])
    status, page = h.api("ApiLeadsFunction", token, "GET", "/api/leads", "source=google")
    assert status == 200 and len(page["items"]) == 1, page
    assert page["items"][0]["source_metadata"]["test_lead"] is True, page["items"][0]


def a_webhook_endpoint_is_signed_up_and_tried_under_the_functions_roles(h):
    """An admin adds a webhook endpoint through api-account (the secret goes
    to Secrets Manager under its role; a private address is refused, as
    in every cloud run); a website lead; the event-scan tick finds it and
    event-sender reads the endpoint's secret under its role and tries to
    deliver. The receiver is unreachable from here, so the log says
    "retrying" with the connection error, and the retry waits on the
    events queue (event-sender may send there)."""
    slug = f"bil-mo-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Mo", "post@bilmo.no")
    admin = h.clerk.token(f"org_{slug}", "org:admin", PARAMETERS["ClerkAudience"])
    status, refused = h.api("ApiAccountFunction", admin, "POST", "/api/webhooks",
                            body={"url": "http://127.0.0.1:9/hook", "events": ["lead.created"]})
    assert status == 422 and refused["error"]["details"]["fields"][0]["field"] == "url", refused
    # A name that never resolves (RFC 2606 `.invalid`): nobody answers.
    status, endpoint = h.api("ApiAccountFunction", admin, "POST", "/api/webhooks",
                             body={"url": "https://hooks.norvalt-harness.invalid/hook", "events": ["lead.created"]})
    assert status == 201 and endpoint["secret"].startswith("whsec_"), endpoint
    stored = h.aws.client("secretsmanager").get_secret_value(
        SecretId=f"norvalt/dev/webhooks/{dealer['id']}/{endpoint['id']}")["SecretString"]
    assert endpoint["secret"] in stored
    h.post_form(dealer["form_key"])
    tick = json.load(open(os.path.join(ROOT, "events", "event-scan.json")))
    kind, report = h.functions["EventScanFunction"].invoke(tick)
    assert kind == "response", report
    assert report["enqueued"] >= 1, report
    h.pump()
    status, log = h.api("ApiAccountFunction", admin, "GET", f"/api/webhooks/{endpoint['id']}/deliveries")
    assert status == 200 and len(log["items"]) == 1, log
    delivery = log["items"][0]
    assert delivery["status"] == "retrying" and delivery["attempts"] == 1, delivery
    # The attempt reached the network: the role read the signing secret (a
    # refusal would say "the secret store failed").
    assert delivery["event_type"] == "lead.created", delivery
    assert delivery["last_error"] in ("could not connect", "no answer within 10 s"), delivery
    # Removed: the retry waiting on the events queue finds no endpoint and
    # ends, so it cannot slow a later case's pumps.
    status, _ = h.api("ApiAccountFunction", admin, "DELETE", f"/api/webhooks/{endpoint['id']}")
    assert status == 204


def a_stock_list_is_imported_and_a_feed_fetched_under_the_functions_roles(h):
    """A manager's CSV through api-vehicles (API Gateway hands the file
    over as the body) adds the cars under that function's role; the stock
    feed's URL, set through api-account, is fetched by the inventory-feeds
    tick. The feed's host never resolves here: the tick counts one failed
    feed and retires nothing."""
    from harness import api_event

    slug = f"bil-narvik-{uuid.uuid4().hex[:6]}"
    h.dealership(slug, "Bil i Narvik", "post@bilnarvik.no")
    manager = h.clerk.token(f"org_{slug}", "org:manager", PARAMETERS["ClerkAudience"])
    event = api_event(manager, "POST", "/api/vehicles/import")
    event["headers"]["content-type"] = "text/csv"
    event["body"] = ("Merke;Modell;Årsmodell;Pris;Lagernummer\n"
                     "Toyota;bZ4X;2024;459 900;N-1\nNissan;Leaf;2021;189 000;N-2\nFord;;2020;;N-3\n")
    kind, answer = h.functions["ApiVehiclesFunction"].invoke(event)
    assert kind == "response" and answer["statusCode"] == 200, answer
    report = json.loads(answer["body"])
    assert (report["added"], len(report["refused"])) == (2, 1), report
    admin = h.clerk.token(f"org_{slug}", "org:admin", PARAMETERS["ClerkAudience"])
    status, settings = h.api("ApiAccountFunction", admin, "PATCH", "/api/dealership",
                             body={"inventory_feed": {"url": "https://feed.norvalt-harness.invalid/lager.csv"}})
    assert status == 200, settings
    tick = json.load(open(os.path.join(ROOT, "events", "inventory-feeds.json")))
    kind, run = h.functions["InventoryFeedsFunction"].invoke(tick)
    assert kind == "response" and run["failed"] >= 1 and run["retired"] == 0, run
    status, cars = h.api("ApiVehiclesFunction", manager, "GET", "/api/vehicles", "limit=100")
    assert status == 200 and sorted(v["stock_number"] for v in cars["items"]) == ["N-1", "N-2"], cars
    assert all(v["status"] == "available" for v in cars["items"]), cars


def a_dead_letter_is_redriven_and_delivered(h):
    """Importer mail whose raw copy is not in the bucket yet goes to the
    capture DLQ with its reason; once the mail is there, the operator's
    `dlq redrive` (the CLI on the stack's queues) delivers it as a lead."""
    slug = f"bil-alta-{uuid.uuid4().hex[:6]}"
    h.dealership(slug, "Bil i Alta", "post@bilalta.no")
    key = f"inbound/harness-{uuid.uuid4().hex[:8]}"
    message_id = f"{uuid.uuid4().hex}@toyota.no"
    envelope = {
        "version": 1, "dealership_id": None, "idempotency_key": f"email:{message_id}",
        "trace_id": "harness", "enqueued_at": "2026-12-05T12:00:00Z", "type": "capture.email",
        "payload": {"mail_key": key, "via": "cli", "recipients": [], "dealership_slug": slug},
    }
    sqs = h.aws.client("sqs")
    sqs.send_message(QueueUrl=h.stack.physical["CaptureQueue"], MessageBody=json.dumps(envelope))
    h.pump()
    dead = sqs.receive_message(QueueUrl=h.stack.physical["CaptureDeadLetterQueue"], MaxNumberOfMessages=10,
                               VisibilityTimeout=0).get("Messages", [])
    mine = [m for m in dead if key in m["Body"]]
    assert len(mine) == 1, f"{len(mine)} dead letters of this mail among {len(dead)}"

    raw = (
        "From: Toyota Norge <no-reply@toyota.no>\r\nTo: leads@x.norvalt.test\r\n"
        f"Subject: Ny henvendelse\r\nMessage-ID: <{message_id}>\r\n\r\n"
        "Navn: Siri Alta\r\nE-post: siri.alta@example.no\r\nTelefon: 476 11 223\r\nModell: bZ4X\r\n"
    )
    h.aws.client("s3").put_object(Bucket=h.stack.physical["MailBucket"], Key=key, Body=raw.encode())
    queues = {
        "NORVALT_CAPTURE_QUEUE_URL": h.stack.physical["CaptureQueue"],
        "NORVALT_CAPTURE_DLQ_URL": h.stack.physical["CaptureDeadLetterQueue"],
        "NORVALT_AI_QUEUE_URL": h.stack.physical["AiQueue"],
        "NORVALT_AI_DLQ_URL": h.stack.physical["AiDeadLetterQueue"],
        "NORVALT_SEND_QUEUE_URL": h.stack.physical["SendQueue"],
        "NORVALT_SEND_DLQ_URL": h.stack.physical["SendDeadLetterQueue"],
    }
    h.cli("dlq", "redrive", "capture", "--all", **queues)
    h.pump()
    mails = h.sent_emails("siri.alta@example.no", slug)
    assert len(mails) == 1, f"the redriven lead got {len(mails)} replies"


def the_api_verifies_clerk_tokens_and_keeps_tenants_apart(h):
    """The leads API with a session token Clerk's way (JWKS fetched from the
    issuer, `aud` checked in the function): a dealership sees its lead; the
    other dealership gets 404 for it; a token from another key gets 401."""
    audience = PARAMETERS["ClerkAudience"]
    a = f"bil-bodo-{uuid.uuid4().hex[:6]}"
    b = f"bil-mo-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(a, "Bil i Bodø", "post@bilbodo.no")
    h.dealership(b, "Bil i Mo", "post@bilmo.no")
    h.post_form(dealer["form_key"])
    mine = h.clerk.token(f"org_{a}", "org:sales_rep", audience)
    status, page = h.api("ApiLeadsFunction", mine, "GET", "/api/leads", "limit=10")
    assert status == 200 and len(page["items"]) == 1, (status, page)
    lead = page["items"][0]["id"]
    status, _ = h.api("ApiLeadsFunction", mine, "GET", f"/api/leads/{lead}")
    assert status == 200, status
    theirs = h.clerk.token(f"org_{b}", "org:admin", audience)
    status, body = h.api("ApiLeadsFunction", theirs, "GET", f"/api/leads/{lead}")
    assert status == 404 and body["error"]["code"] == "lead_not_found", (status, body)
    wrong_audience = h.clerk.token(f"org_{a}", "org:admin", "https://evil.example")
    status, _ = h.api("ApiLeadsFunction", wrong_audience, "GET", "/api/leads")
    assert status == 401, status
    forged = Clerk().token(f"org_{a}", "org:admin", audience)
    status, body = h.api("ApiLeadsFunction", forged, "GET", "/api/leads")
    assert status == 401, (status, body)


def a_customers_answer_by_mail_joins_the_lead(h):
    """The customer answers the first reply: SES stores the mail in the
    bucket and invokes email-inbound, which routes it by the envelope; the
    signed Reply-To (the link key from Secrets Manager, the same in sender
    and lead-intake) threads it into the lead."""
    import re

    slug = f"bil-narvik-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Narvik", "post@bilnarvik.no")
    h.post_form(dealer["form_key"])
    (first,) = h.sent_emails("eirik.solberg@example.no", slug)
    raw = first["raw_data"].replace("\r\n\t", " ").replace("\r\n ", " ")
    reply_to = re.search(r"Reply-To: <([^>]+)>", raw).group(1)
    first_id = re.search(r"Message-ID: <([^>]+)>", raw).group(1)

    message_id = f"{uuid.uuid4().hex}"
    answer = (
        f"From: Eirik Solberg <eirik.solberg@example.no>\r\nTo: <{reply_to}>\r\n"
        f"Subject: Re: svar\r\nMessage-ID: <{message_id}@example.no>\r\nIn-Reply-To: <{first_id}>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nLørdag kl. 11 passer fint for meg.\r\n\r\n"
        "> Hei Eirik!\r\n"
    )
    h.aws.client("s3").put_object(
        Bucket=h.stack.physical["MailBucket"], Key=f"inbound/{message_id}", Body=answer.encode()
    )
    ses_event = json.load(open(os.path.join(ROOT, "events", "email-inbound.json")))
    record = ses_event["Records"][0]["ses"]
    record["mail"]["messageId"] = message_id
    record["mail"]["destination"] = [reply_to]
    record["receipt"]["recipients"] = [reply_to]
    kind, answered = h.functions["EmailInboundFunction"].invoke(ses_event)
    assert kind == "response", answered
    h.pump()
    token = h.clerk.token(f"org_{slug}", "org:sales_rep", PARAMETERS["ClerkAudience"])
    status, page = h.api("ApiLeadsFunction", token, "GET", "/api/leads", "limit=10")
    assert status == 200 and len(page["items"]) == 1, page
    assert page["items"][0]["customer_replied_at"], page["items"][0]


def erasure_leaves_nothing_in_the_table_or_the_bucket(h):
    """An importer mail becomes a lead (its raw copy in the bucket); the
    admin erases the person through api-account; a scan of the whole table
    and a listing of the bucket find nothing of them."""
    slug = f"bil-hammerfest-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Hammerfest", "post@bilhammerfest.no")
    person = f"hedda.{uuid.uuid4().hex[:6]}@example.no"
    message_id = uuid.uuid4().hex
    raw = (
        "From: Toyota Norge <no-reply@toyota.no>\r\nTo: leads@x.norvalt.test\r\n"
        f"Subject: Ny henvendelse\r\nMessage-ID: <{message_id}@toyota.no>\r\n\r\n"
        f"Navn: Hedda Slettmeg\r\nE-post: {person}\r\nTelefon: 476 99 881\r\nModell: bZ4X\r\n"
    )
    bucket = h.stack.physical["MailBucket"]
    h.aws.client("s3").put_object(Bucket=bucket, Key=f"inbound/{message_id}", Body=raw.encode())
    ses_event = json.load(open(os.path.join(ROOT, "events", "email-inbound.json")))
    record = ses_event["Records"][0]["ses"]
    record["mail"]["messageId"] = message_id
    record["receipt"]["recipients"] = record["mail"]["destination"] = [dealer["inbound_email"]]
    assert h.functions["EmailInboundFunction"].invoke(ses_event)[0] == "response"
    h.pump()
    admin = h.clerk.token(f"org_{slug}", "org:admin", PARAMETERS["ClerkAudience"])
    status, page = h.api("ApiLeadsFunction", admin, "GET", "/api/leads", "limit=10")
    assert status == 200 and len(page["items"]) == 1, page

    status, done = h.api("ApiAccountFunction", admin, "POST", "/api/gdpr/erase", body={"email": person})
    assert status == 200 and done["leads"] == 1 and done["raw_mails"] >= 1, (status, done)
    dynamodb = h.aws.client("dynamodb")
    items, start = [], None
    while True:
        args = {"TableName": h.stack.physical["Table"]}
        if start:
            args["ExclusiveStartKey"] = start
        page = dynamodb.scan(**args)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    dump = json.dumps(items).lower()
    for trace in (person, "slettmeg", "47699881"):
        assert trace not in dump, f"{trace} is still in the table"
    objects = h.aws.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
    assert not any(message_id in o["Key"] for o in objects), "the raw mail is still in the bucket"


def the_minute_rollup_feeds_the_analytics_api(h):
    """The analytics-rollup schedule (its EventBridge event) rolls up every
    dealership in the registry; the analytics API then reports the lead and
    its first reply. A lead posted after that tick is in the figures after
    the next one (read from the change index, under the function's role)."""
    slug = f"bil-kirkenes-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Kirkenes", "post@bilkirkenes.no")
    h.post_form(dealer["form_key"])
    schedule = json.load(open(os.path.join(ROOT, "events", "analytics-rollup.json")))
    kind, report = h.functions["AnalyticsRollupFunction"].invoke(schedule)
    assert kind == "response" and report.get("dealerships", 0) >= 1, report
    token = h.clerk.token(f"org_{slug}", "org:manager", PARAMETERS["ClerkAudience"])
    status, summary = h.api("ApiAnalyticsFunction", token, "GET", "/api/analytics/summary")
    assert status == 200, (status, summary)
    assert summary["leads"] == 1 and summary["leads_by_source"] == {"website": 1}, summary
    first = summary["first_response"]
    assert first["answered"] == 1 and first["within_90s_share"] == 1.0, first
    h.post_form(dealer["form_key"], {"name": "Ørjan Bråten", "email": "orjan@example.no",
                                     "message": "Er Hilux-en fortsatt ledig?"})
    kind, report = h.functions["AnalyticsRollupFunction"].invoke(schedule)
    assert kind == "response" and report.get("failed") == 0, report
    status, summary = h.api("ApiAnalyticsFunction", token, "GET", "/api/analytics/summary")
    assert status == 200 and summary["leads"] == 2, summary


def a_follow_up_step_runs_once_on_the_schedules_tick(h):
    """An admin's new-lead rule (through api-automations): its first step
    runs with the reply; the second is left to the followups schedule,
    whose tick (its EventBridge event) emails the customer the dealership's
    template once; a second tick sends nothing more."""
    slug = f"bil-hammerfest-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Hammerfest", "post@bilhammerfest.no")
    admin = h.clerk.token(f"org_{slug}", "org:admin", PARAMETERS["ClerkAudience"])
    rule = {
        "name": "Prøvekjøring neste dag",
        "trigger": {"type": "new_lead"},
        "steps": [
            {"delay_minutes": 0, "action": {"type": "set_status", "status": "contacted"}},
            {"delay_minutes": 0, "action": {"type": "send_email", "template": {
                "subject": "Prøvekjøring hos Bil i Hammerfest?",
                "body": "Hei {fornavn}! Vil du prøvekjøre {bil}? Svar på denne e-posten, så finner vi en tid.",
            }}},
        ],
    }
    status, created = h.api("ApiAutomationsFunction", admin, "POST", "/api/automations", body=rule)
    assert status == 201, (status, created)
    h.post_form(dealer["form_key"])
    customer = "eirik.solberg@example.no"
    assert len(h.sent_emails(customer, slug)) == 1, "the lead's reply"
    schedule = json.load(open(os.path.join(ROOT, "events", "followups.json")))
    kind, report = h.functions["FollowupsFunction"].invoke(schedule)
    assert kind == "response" and report["ran"] >= 1 and report["failed"] == 0, report
    h.pump()
    mails = h.sent_emails(customer, slug)
    assert len(mails) == 2, f"{len(mails)} mails after the tick, not the reply and one follow-up"
    subjects = [str(make_header(decode_header(message_from_string(m["raw_data"])["Subject"]))) for m in mails]
    assert subjects.count("Prøvekjøring hos Bil i Hammerfest?") == 1, subjects
    kind, report = h.functions["FollowupsFunction"].invoke(schedule)
    h.pump()
    assert len(h.sent_emails(customer, slug)) == 2, "a second tick sent the step again"


def a_texting_customer_can_stop_and_start_sms(h):
    """A phone-only lead is answered by SMS from the dealership's number
    (Twilio's API, its credentials from Secrets Manager); the customer's
    signed STOPP to webhook-twilio opts out with one confirmation, a second
    STOPP sends nothing, START opts back in."""
    dealer, number, customer = h.texted_lead("bil-vardo", "Bil i Vardø", "Vera Vardø")
    mine = lambda: [m for m in h.twilio.sent if m.get("To") == customer]  # noqa: E731
    assert len(mine()) == 1 and mine()[0]["From"] == number, h.twilio.sent

    def text(body):
        h.twilio_text(customer, number, body)

    import hashlib

    suppression = {
        "pk": {"S": f"DEALER#{dealer['id']}"},
        "sk": {"S": "CLAIM#suppress:sms:" + hashlib.sha256(customer.lower().encode()).hexdigest()},
    }

    def suppressed():
        item = h.aws.client("dynamodb").get_item(TableName=h.stack.physical["Table"], Key=suppression)
        return "Item" in item

    assert not suppressed()
    text("STOPP")
    assert len(mine()) == 2 and "meldt av" in mine()[1]["Body"], mine()
    assert suppressed(), "STOPP left no suppression"
    text("stopp")
    assert len(mine()) == 2, "a second STOPP was confirmed again"
    text("START")
    assert not suppressed(), "START did not lift the suppression"
    assert len(mine()) == 2, mine()


def a_meta_lead_is_fetched_with_the_page_token_and_answered(h):
    """A page connected with its own token (checked with Graph by the
    operator CLI, stored in Secrets Manager); Meta's signed leadgen webhook
    to webhook-facebook; lead-intake fetches the lead from Graph with that
    page's token; the customer gets one email. With the page's dataset
    connected, the lead's stages reach the Conversions API once."""
    import hashlib
    import hmac

    slug = f"bil-tana-{uuid.uuid4().hex[:6]}"
    h.dealership(slug, "Bil i Tana", "post@biltana.no")
    h.cli("dealership", "configure", slug, "--facebook-page", h.graph.page, "--facebook-token", h.graph.token,
          NORVALT_SECRET_PREFIX="norvalt/dev/", NORVALT_GRAPH_URL=h.graph.url)
    app_secret = h.aws.client("secretsmanager").get_secret_value(
        SecretId=h.stack.physical["FacebookAppSecret"])["SecretString"]
    leadgen = str(10**15 + uuid.uuid4().int % 10**15)
    delivery = json.load(open(os.path.join(ROOT, "shared", "core", "tests", "fixtures", "facebook", "leadgen-webhook.json")))
    entry = delivery["entry"][0]
    entry["id"] = entry["changes"][0]["value"]["page_id"] = h.graph.page
    entry["changes"][0]["value"]["leadgen_id"] = leadgen
    body = json.dumps(delivery)
    headers = {
        "content-type": "application/json",
        "x-hub-signature-256": "sha256=" + hmac.new(app_secret.encode(), body.encode(), hashlib.sha256).hexdigest(),
    }
    status = h.url_request("WebhookFacebookFunction", "/webhooks/facebook", headers, body)
    assert status == 200, status
    h.pump()
    fetched = [q for path, q in h.graph.seen if path == f"/v24.0/{leadgen}"]
    assert len(fetched) == 1 and fetched[0]["access_token"] == h.graph.token, h.graph.seen
    assert len(h.sent_emails("per.lie@example.org", slug)) == 1

    # The admin connects the page's dataset (api-account writes it to
    # Secrets Manager); the event-scan tick puts the lead on the events
    # queue, and event-sender (its role reads only the dataset secrets)
    # sends its stages: new and contacted, once, however often it ticks.
    admin = h.clerk.token(f"org_{slug}", "org:admin", PARAMETERS["ClerkAudience"])
    status, answer = h.api("ApiAccountFunction", admin, "PATCH", "/api/dealership", body={
        "connect_conversions_api": {"page_id": h.graph.page, "dataset_id": h.graph.dataset,
                                    "access_token": h.graph.dataset_token}})
    assert status == 200 and answer["dealership"]["capture"]["conversions_pages"] == [h.graph.page], answer
    tick = json.load(open(os.path.join(ROOT, "events", "event-scan.json")))
    for _ in range(2):
        kind, report = h.functions["EventScanFunction"].invoke(tick)
        assert kind == "response", report
        h.pump()
    mine = [e for e in h.graph.events if str(e["user_data"]["lead_id"]) == leadgen]
    assert [e["event_name"] for e in mine] == ["new", "contacted"], h.graph.events
    assert all(e["action_source"] == "system_generated" and e["custom_data"]["event_source"] == "crm" for e in mine), mine


def a_grant_removed_from_the_template_is_refused(h):
    """The harness's own proof, on a grant the first reading of the template
    found missing: with `sqs:SendMessage` on the send queue taken out of
    lead-intake's policy in template.yaml, a STOPP's confirmation is refused
    by the role, and the harness sees the refusal."""
    template = open(os.path.join(ROOT, "template.yaml")).read()
    granted = "Resource: [!GetAtt AiQueue.Arn, !GetAtt SendQueue.Arn, !GetAtt CaptureDeadLetterQueue.Arn]"
    assert template.count(granted) == 1, "lead-intake's SendMessage grant is no longer written as this case expects"
    path = os.path.join(h.scratch_dir(), "template.yaml")
    with open(path, "w") as f:
        f.write(template.replace(granted, "Resource: [!GetAtt AiQueue.Arn, !GetAtt CaptureDeadLetterQueue.Arn]"))

    _, number, customer = h.texted_lead("bil-honningsvag", "Bil i Honningsvåg", "Kari Honningsvåg")
    answered = len([m for m in h.twilio.sent if m.get("To") == customer])
    with h.role_from(path, "LeadIntakeFunction"):
        h.twilio_text(customer, number, "STOPP")
    denied = h.take_denials()
    queue = h.stack.arns["SendQueue"]
    assert f"LeadIntakeFunction: sqs:SendMessage on {queue}" in denied, denied
    after = len([m for m in h.twilio.sent if m.get("To") == customer])
    assert after == answered == 1, f"{answered} texts before the STOPP, {after} after"


def the_deploy_step_activates_receiving_and_names_what_is_left(h):
    """scripts/deploy's own AWS steps (scripts/deploy_stack.py) against the
    stack's account: SES receiving is found supported, the stage's receipt
    rule set is activated (another stage's active set only with the
    operator's say-so), the URLs a second deploy must add are worked out
    from the outputs, and the list of what is left names the unset API key
    but not the Twilio token the harness has set."""
    import sys

    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import deploy_stack

    class Session:
        region_name = "eu-west-1"

        def client(self, name):
            return h.aws.client(name)

    session = Session()
    ses = h.aws.client("ses")
    assert deploy_stack.receiving_supported(session)
    ours, theirs = f"norvalt-{uuid.uuid4().hex[:6]}-inbound", f"norvalt-{uuid.uuid4().hex[:6]}-inbound"
    for name in (ours, theirs):
        ses.create_receipt_rule_set(RuleSetName=name)
    ses.set_active_receipt_rule_set(RuleSetName=theirs)
    try:
        deploy_stack.activate_receiving(session, ours, take_over=False)
        raise AssertionError("another stage's active rule set was replaced without --take-over-receiving")
    except deploy_stack.DeployError as e:
        assert theirs in str(e), e
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == theirs
    assert "activated" in deploy_stack.activate_receiving(session, ours, take_over=True)
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == ours
    assert "already" in deploy_stack.activate_receiving(session, ours, take_over=False)

    parameters = {"TwilioAccountSid": "AC1", "TwilioWebhookUrl": "", "ClerkAudience": "https://app.norvalt.no",
                  "AuthorizedParties": "", "DashboardUrl": "https://app.norvalt.no", "MailDomain": "norvalt.test"}
    outputs = {"TwilioWebhookBaseUrl": "https://abc.lambda-url.eu-west-1.on.aws/",
               "DashboardUrlOutput": "https://d1.cloudfront.net"}
    wanted = deploy_stack.url_overrides(parameters, outputs, {})
    assert wanted == {"TwilioWebhookUrl": "https://abc.lambda-url.eu-west-1.on.aws",
                      "DashboardUrl": "https://d1.cloudfront.net",
                      "ClerkAudience": "https://app.norvalt.no,https://d1.cloudfront.net"}, wanted
    settled = {**parameters, **wanted}
    assert deploy_stack.url_overrides(settled, outputs, {}) == {}, "a settled stack asked for a third deploy"

    todo = "\n".join(deploy_stack.left_to_do(session, "dev", settled, outputs))
    assert "norvalt/dev/anthropic/api-key" in todo and "twilio/auth-token" not in todo, todo
    assert "inbound-smtp.eu-west-1.amazonaws.com" in todo, todo


def a_function_missing_its_configuration_stops_at_cold_start(h):
    """A required variable missing, or one that is malformed, stops the
    function before it takes an event, with a message naming the variable
    (no silent default to ""); the template's own environment starts it."""
    status, output = h.cold_start("SenderFunction", without=["NORVALT_DASHBOARD_URL"])
    assert status not in (None, 0) and "NORVALT_DASHBOARD_URL is not set" in output, (status, output[-800:])
    status, output = h.cold_start("SenderFunction", overrides={"NORVALT_SMS_SEGMENT_PRICE_NOK": "gratis"})
    assert status not in (None, 0) and "NORVALT_SMS_SEGMENT_PRICE_NOK" in output, (status, output[-800:])
    status, output = h.cold_start("LeadIntakeFunction", without=["NORVALT_SEND_DLQ_URL"])
    assert status not in (None, 0) and "NORVALT_SEND_DLQ_URL is not set, but NORVALT_SEND_QUEUE_URL is" in output, \
        (status, output[-800:])
    status, output = h.cold_start("WebhookFormFunction", without=["NORVALT_TABLE"])
    assert status not in (None, 0) and "NORVALT_TABLE is not set" in output, (status, output[-800:])
    status, output = h.cold_start("SenderFunction")
    assert status is None, f"the sender with the template's environment exited ({status}): {output[-800:]}"


def the_imap_tick_fans_out_one_poll_per_mailbox(h):
    """The imap-poller schedule puts one poll request per registered
    mailbox on the imap queue, and imap-mailbox polls each in its own
    invocation: two dealerships' mailboxes are two invocations, and a server
    that cannot be reached is reported and done with (no retry, no DLQ)."""
    sqs = h.aws.client("sqs")
    dealers = []
    for name in ("Bil i Vadsø", "Bil i Lakselv"):
        slug = f"bil-{uuid.uuid4().hex[:8]}"
        dealers.append(h.dealership(slug, name, f"post@{slug}.no"))
        h.cli("dealership", "configure", slug, "--imap-host", "imap.unreachable.invalid", "--imap-user",
              "leads", "--imap-password", "hemmelig", NORVALT_SECRET_PREFIX="norvalt/dev/")
    mailbox = h.functions["ImapMailboxFunction"]
    before = len(mailbox.api.durations)
    kind, report = h.functions["ImapPollerFunction"].invoke(json.load(open(os.path.join(ROOT, "events", "imap-poller.json"))))
    assert kind == "response" and report["mailboxes"] >= 2, report
    h.pump()
    polled = len(mailbox.api.durations) - before
    assert polled == report["mailboxes"], f"{report['mailboxes']} poll requests, {polled} invocations"
    dead = sqs.receive_message(QueueUrl=h.stack.physical["ImapDeadLetterQueue"], MaxNumberOfMessages=10,
                               VisibilityTimeout=0).get("Messages", [])
    assert not dead, [m["Body"] for m in dead]
    assert "imap.unreachable.invalid" in mailbox.output() or "IMAP poll failed" in mailbox.output(), \
        mailbox.output()[-1500:]


def a_burst_above_the_ses_quota_is_answered_once_each(h):
    """docs/scale.md's first limit: SES's sending rate. Five replies wait on
    the send queue at once; SES takes 2 messages per 3-second window, and
    the visibility timeout is scaled to those 3 seconds. Throttled sends come
    back in a later window, and every customer gets exactly one reply with
    nothing in the send DLQ. (Only 4 others can take a message's slots, so
    it cannot lose the three windows its three receives fall in.)"""
    slug = f"bil-mehamn-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Mehamn", "post@bilmehamn.no")
    customers = [f"kunde{i}.{uuid.uuid4().hex[:6]}@example.no" for i in range(5)]
    gate = h.functions["SenderFunction"].gate
    gate.ses_quota, gate.throttled = (2, 3.0), 0
    try:
        for email in customers:
            h.post_form(dealer["form_key"], {"name": "Kunde Mehamn", "email": email,
                                             "vehicle_interest": "Toyota Yaris Cross"}, pump=False)
        h.pump(only={"LeadIntakeFunction", "AiResponderFunction"})
        # Only the sender: another queue's slow message would stretch the
        # rounds past the windows this case counts on.
        h.pump(redelivery_after=3, only={"SenderFunction"})
    finally:
        gate.ses_quota = None
    assert gate.throttled > 0, "the burst never reached the quota, so this case proved nothing"
    replies = {c: len(h.sent_emails(c, slug)) for c in customers}
    assert all(n == 1 for n in replies.values()), replies
    dead = h.aws.client("sqs").receive_message(QueueUrl=h.stack.physical["SendDeadLetterQueue"],
                                               MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    assert not [m for m in dead if dealer["id"] in m["Body"]], [m["Body"][:200] for m in dead]


def a_hard_bounce_through_sns_suppresses_the_address(h):
    """SES's bounce event for a reply, delivered by SNS to ses-events (as
    the configuration set publishes it): the dealership named by the
    sender's address keeps the customer's address suppressed."""
    import hashlib

    slug = f"bil-batsfjord-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Båtsfjord", "post@bilbatsfjord.no")
    customer = f"borghild.{uuid.uuid4().hex[:6]}@example.no"
    h.post_form(dealer["form_key"], {"name": "Borghild Båtsfjord", "email": customer,
                                     "vehicle_interest": "Toyota Corolla"})
    assert len(h.sent_emails(customer, slug)) == 1
    delivery = json.load(open(os.path.join(ROOT, "events", "ses-events.json")))
    notice = json.loads(delivery["Records"][0]["Sns"]["Message"])
    notice["bounce"]["bouncedRecipients"][0]["emailAddress"] = customer
    notice["mail"]["destination"] = notice["mail"]["commonHeaders"]["to"] = [customer]
    sender = f"\"Bil i Båtsfjord\" <{slug}@svar.{PARAMETERS['MailDomain']}>"
    notice["mail"]["source"] = sender
    notice["mail"]["commonHeaders"]["from"] = [sender]
    delivery["Records"][0]["Sns"]["Message"] = json.dumps(notice)
    kind, answer = h.functions["SesEventsFunction"].invoke(delivery)
    assert kind == "response", answer
    key = {"pk": {"S": f"DEALER#{dealer['id']}"},
           "sk": {"S": "CLAIM#suppress:email:" + hashlib.sha256(customer.encode()).hexdigest()}}
    assert "Item" in h.aws.client("dynamodb").get_item(TableName=h.stack.physical["Table"], Key=key), \
        "the bounce left no suppression"


CASES = [
    form_lead_is_answered_by_email,
    a_google_lead_form_delivery_is_answered_once,
    a_webhook_endpoint_is_signed_up_and_tried_under_the_functions_roles,
    a_stock_list_is_imported_and_a_feed_fetched_under_the_functions_roles,
    a_meta_lead_is_fetched_with_the_page_token_and_answered,
    a_texting_customer_can_stop_and_start_sms,
    a_follow_up_step_runs_once_on_the_schedules_tick,
    the_minute_rollup_feeds_the_analytics_api,
    erasure_leaves_nothing_in_the_table_or_the_bucket,
    a_customers_answer_by_mail_joins_the_lead,
    a_dead_letter_is_redriven_and_delivered,
    the_api_verifies_clerk_tokens_and_keeps_tenants_apart,
    a_grant_removed_from_the_template_is_refused,
    the_deploy_step_activates_receiving_and_names_what_is_left,
    a_function_missing_its_configuration_stops_at_cold_start,
    the_imap_tick_fans_out_one_poll_per_mailbox,
    a_burst_above_the_ses_quota_is_answered_once_each,
    a_hard_bounce_through_sns_suppresses_the_address,
]
