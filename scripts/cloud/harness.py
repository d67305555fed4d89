"""The cloud path end to end: the real function bootstraps, started as Lambda
starts them (a Runtime API per function, exactly the template's environment)
against the stack made on moto server from template.yaml itself; the SQS
event source mappings of the template pump the queues.

    python scripts/cloud/harness.py MOTO_URL TARGET_DIR NORVALT_BIN

Each case prints `ok <name>` or `FAIL <name>: why`; the last line is
`cloud: P passed, F failed`. Exit status is non-zero on any failure.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

import boto3

sys.path.insert(0, os.path.dirname(__file__))
from clerk import Clerk  # noqa: E402
from runtime_api import RuntimeApi  # noqa: E402
from stack import REGION, Stack, expand  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PARAMETERS = {
    "Stage": "dev",
    "ClerkIssuer": "https://clerk.harness.test",
    "ClerkAudience": "https://app.harness.test",
    "MailDomain": "norvalt.test",
    "TwilioAccountSid": "AC0harness",
    "TwilioFrom": "+4759990000",
    "TwilioWebhookUrl": "https://sms.harness.test",
}
TWILIO_AUTH_TOKEN = "harness-twilio-token"


class TwilioMock:
    """Twilio's Messages API: checks the account in the path and the Basic
    credentials, records every message, answers with a sid."""

    def __init__(self):
        import base64
        import threading
        import urllib.parse
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.sent = []
        mock = self
        expected = "Basic " + base64.b64encode(
            f"{PARAMETERS['TwilioAccountSid']}:{TWILIO_AUTH_TOKEN}".encode()
        ).decode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                ok = (
                    self.path == f"/2010-04-01/Accounts/{PARAMETERS['TwilioAccountSid']}/Messages.json"
                    and self.headers.get("authorization") == expected
                )
                if ok:
                    mock.sent.append(dict(urllib.parse.parse_qsl(body)))
                answer = json.dumps({"sid": f"SM{uuid.uuid4().hex}"} if ok else {"code": 20003, "message": "Authenticate"}).encode()
                self.send_response(201 if ok else 401)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class GraphMock:
    """Meta's Graph API for one page: `GET /me` names the page a token
    belongs to, `GET /{leadgen id}` answers the lead (only with that token),
    and every request is recorded."""

    def __init__(self):
        import threading
        import urllib.parse
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.page = str(10**14 + uuid.uuid4().int % 10**14)
        self.token = f"EAAB{uuid.uuid4().hex}"
        self.seen = []
        lead = json.load(open(os.path.join(ROOT, "shared", "core", "tests", "fixtures", "facebook", "graph-lead-1234567890123456.json")))
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                mock.seen.append((url.path, query))
                if query.get("access_token") != mock.token:
                    status, answer = 400, {"error": {"message": "Invalid OAuth access token.", "code": 190}}
                elif url.path == "/v24.0/me":
                    status, answer = 200, {"id": mock.page, "name": "Bil i Tana"}
                else:
                    status, answer = 200, {**lead, "id": url.path.rsplit("/", 1)[-1]}
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v24.0"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def twilio_signature(url, params):
    import base64
    import hashlib
    import hmac

    data = url + "".join(k + v for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(TWILIO_AUTH_TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()


class Endpoint:
    """A boto3 session whose clients all talk to moto."""

    def __init__(self, url):
        self.url = url
        self.session = boto3.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
        )

    def client(self, name):
        return self.session.client(name, endpoint_url=self.url)


class Function:
    """One function's bootstrap process and its Runtime API."""

    def __init__(self, name, binary, timeout, environment, base_env, target_dir):
        self.name = name
        self.api = RuntimeApi(name, timeout)
        self.log = tempfile.NamedTemporaryFile(prefix=f"norvalt-{name}-", suffix=".log", delete=False)
        env = {
            **base_env,
            **environment,
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "harness",
        }
        self.process = subprocess.Popen(
            [os.path.join(target_dir, "debug", binary)], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def invoke(self, event):
        kind, answer = self.api.invoke(event)
        if self.api.init_error:
            raise AssertionError(f"{self.name} failed to start: {self.api.init_error}")
        return kind, answer

    def stop(self, keep_log):
        self.process.kill()
        self.process.wait()
        self.api.close()
        self.log.close()
        if not keep_log:
            os.unlink(self.log.name)

    def output(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()


class Harness:
    def __init__(self, moto_url, target_dir, norvalt):
        self.aws = Endpoint(moto_url)
        self.norvalt = norvalt
        # The API functions fetch the JWKS from the issuer, as from Clerk.
        self.clerk = Clerk()
        self.graph = GraphMock()
        parameters = {**PARAMETERS, "ClerkIssuer": self.clerk.issuer, "GraphUrl": self.graph.url}
        self.stack = Stack(expand(os.path.join(ROOT, "template.yaml"), parameters), parameters, self.aws, f"h{uuid.uuid4().hex[:8]}")
        self.stack.create()
        # The operator sets Twilio's token after deploy (infra/README.md).
        self.aws.client("secretsmanager").put_secret_value(
            SecretId=self.stack.physical["TwilioAuthToken"], SecretString=TWILIO_AUTH_TOKEN
        )
        self.twilio = TwilioMock()
        self.base_env = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": moto_url,
            # The outside world's API, as the sender's client is pointed at it.
            "TWILIO_BASE_URL": self.twilio.url,
        }
        # SES sends only from verified identities, as in a real account.
        ses = self.aws.client("ses")
        for domain in ("norvalt.test", "svar.norvalt.test"):
            ses.verify_domain_identity(Domain=domain)
        self.scratch = []
        self.functions = {
            name: Function(name, binary, timeout, env, self.base_env, target_dir)
            for name, (binary, timeout, env) in self.stack.functions().items()
            if name in WANTED
        }

    def close(self, keep_logs):
        """Stops everything; the functions' logs stay (their paths printed)
        only when a case failed."""
        import shutil

        for f in self.functions.values():
            f.stop(keep_logs)
            if keep_logs:
                print(f"    {f.name} log: {f.log.name}")
        self.clerk.close()
        for directory in self.scratch:
            shutil.rmtree(directory, ignore_errors=True)

    def api(self, function, token, method, path, query="", body=None):
        """An HTTP API (payload 2.0) request to `function`, as API Gateway
        hands it over after its own JWT check."""
        event = json.load(open(os.path.join(ROOT, "events", "api-leads-list.json")))
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["requestContext"]["http"]["method"] = method
        event["rawQueryString"] = query
        event.pop("queryStringParameters", None)
        event["headers"]["authorization"] = f"Bearer {token}"
        if body is not None:
            event["body"] = json.dumps(body)
        kind, answer = self.functions[function].invoke(event)
        assert kind == "response", answer
        return answer["statusCode"], json.loads(answer.get("body") or "null")

    def scratch_dir(self):
        directory = tempfile.mkdtemp(prefix="norvalt-harness-")
        self.scratch.append(directory)
        return directory

    def dealership(self, slug, name, email):
        data = self.scratch_dir()
        out = subprocess.run(
            [self.norvalt, "--backend", "aws", "--data-dir", data, "dealership", "create",
             "--name", name, "--slug", slug, "--email", email, "--clerk-org-id", f"org_{slug}"],
            env={**self.base_env, "NORVALT_TABLE": self.stack.physical["Table"]},
            capture_output=True, text=True, check=True,
        )
        return json.loads(out.stdout[out.stdout.index("{"):])

    def pump(self, rounds=50):
        """Runs every SQS event source mapping until the queues are empty:
        a batch of the mapping's size, the function's answer, successful
        messages deleted and reported failures left for a redelivery."""
        sqs = self.aws.client("sqs")
        for _ in range(rounds):
            moved = 0
            for function, url, arn, batch, partial in self.stack.queue_mappings():
                if function not in self.functions:
                    continue
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=batch, AttributeNames=["All"]
                ).get("Messages", [])
                if not messages:
                    continue
                moved += len(messages)
                event = {"Records": [
                    {
                        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                        "attributes": m.get("Attributes", {}), "messageAttributes": {},
                        "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                        "eventSourceARN": arn, "awsRegion": REGION,
                    }
                    for m in messages
                ]}
                kind, answer = self.functions[function].invoke(event)
                failed = set()
                if kind != "response":
                    failed = {m["MessageId"] for m in messages}
                elif partial and isinstance(answer, dict):
                    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
                for m in messages:
                    if m["MessageId"] not in failed:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    else:
                        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
            if moved == 0:
                return
        raise AssertionError("the queues did not run dry")

    def sent_emails(self, to, slug):
        """Every raw mail SES accepted for `to` from dealership `slug`, as
        moto recorded it."""
        import urllib.request

        with urllib.request.urlopen(f"{self.aws.url}/moto-api/data.json") as r:
            data = json.load(r)
        return [
            m for m in data.get("ses", {}).get("RawMessage", [])
            if any(to in d for d in m.get("destinations", []))
            and f"@{slug}." in m.get("raw_data", "")
        ]


# The functions the cases need (each started once).
WANTED = {
    "WebhookFormFunction", "LeadIntakeFunction", "AiResponderFunction", "SenderFunction",
    "ApiLeadsFunction", "EmailInboundFunction", "ApiAccountFunction",
    "AnalyticsRollupFunction", "ApiAnalyticsFunction", "WebhookTwilioFunction",
    "WebhookFacebookFunction",
}


def form_lead_is_answered_by_email(h):
    slug = f"bil-tromso-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Tromsø", "post@biltromso.no")
    sample = open(os.path.join(ROOT, "events", "webhook-form.json")).read()
    event = json.loads(sample.replace("FORM_KEY", dealer["form_key"]))
    kind, answer = h.functions["WebhookFormFunction"].invoke(event)
    assert kind == "response" and answer["statusCode"] == 202, answer
    h.pump()
    mails = h.sent_emails("eirik.solberg@example.no", slug)
    assert len(mails) == 1, f"SES sent {len(mails)} mails to the customer, not one"
    raw = mails[0]["raw_data"].replace("\r\n\t", " ").replace("\r\n ", " ")
    assert "Reply-To: <svar+" in raw and f"@{slug}.norvalt.test>" in raw, raw[:800]
    assert "List-Unsubscribe: <https://" in raw and "mailto:" not in raw, raw[:800]
    assert "bcc:" not in raw.lower(), raw[:800]
    # Delivered again (at-least-once), nothing more is sent.
    kind, answer = h.functions["WebhookFormFunction"].invoke(event)
    assert answer["statusCode"] == 202, answer
    h.pump()
    assert len(h.sent_emails("eirik.solberg@example.no", slug)) == 1, "a repeat post was answered twice"


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
        "NORVALT_TABLE": h.stack.physical["Table"],
    }
    subprocess.run(
        [h.norvalt, "--backend", "aws", "--data-dir", h.scratch_dir(), "dlq", "redrive", "capture", "--all"],
        env={**h.base_env, **queues}, check=True, capture_output=True,
    )
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
    sample = open(os.path.join(ROOT, "events", "webhook-form.json")).read()
    event = json.loads(sample.replace("FORM_KEY", dealer["form_key"]))
    event["headers"]["idempotency-key"] = uuid.uuid4().hex
    assert h.functions["WebhookFormFunction"].invoke(event)[1]["statusCode"] == 202
    h.pump()
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
    sample = open(os.path.join(ROOT, "events", "webhook-form.json")).read()
    event = json.loads(sample.replace("FORM_KEY", dealer["form_key"]))
    event["headers"]["idempotency-key"] = uuid.uuid4().hex
    assert h.functions["WebhookFormFunction"].invoke(event)[1]["statusCode"] == 202
    h.pump()
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


def the_hourly_rollup_feeds_the_analytics_api(h):
    """The analytics-rollup schedule (its EventBridge event) rolls up every
    dealership in the registry; the analytics API then reports the lead and
    its first reply."""
    slug = f"bil-kirkenes-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Bil i Kirkenes", "post@bilkirkenes.no")
    sample = open(os.path.join(ROOT, "events", "webhook-form.json")).read()
    event = json.loads(sample.replace("FORM_KEY", dealer["form_key"]))
    event["headers"]["idempotency-key"] = uuid.uuid4().hex
    assert h.functions["WebhookFormFunction"].invoke(event)[1]["statusCode"] == 202
    h.pump()
    schedule = json.load(open(os.path.join(ROOT, "events", "analytics-rollup.json")))
    kind, report = h.functions["AnalyticsRollupFunction"].invoke(schedule)
    assert kind == "response" and report.get("dealerships", 0) >= 1, report
    token = h.clerk.token(f"org_{slug}", "org:manager", PARAMETERS["ClerkAudience"])
    status, summary = h.api("ApiAnalyticsFunction", token, "GET", "/api/analytics/summary")
    assert status == 200, (status, summary)
    assert summary["leads"] == 1 and summary["leads_by_source"] == {"website": 1}, summary
    first = summary["first_response"]
    assert first["answered"] == 1 and first["within_90s_share"] == 1.0, first


def a_texting_customer_can_stop_and_start_sms(h):
    """A phone-only lead is answered by SMS from the dealership's number
    (Twilio's API, its credentials from Secrets Manager); the customer's
    signed STOPP to webhook-twilio opts out with one confirmation, a second
    STOPP sends nothing, START opts back in."""
    slug = f"bil-vardo-{uuid.uuid4().hex[:6]}"
    number = f"+47594{uuid.uuid4().int % 100000:05d}"
    dealer = h.dealership(slug, "Bil i Vardø", "post@bilvardo.no")
    subprocess.run(
        [h.norvalt, "--backend", "aws", "--data-dir", h.scratch_dir(), "dealership", "configure", slug,
         "--sms", "true", "--sms-number", number],
        env={**h.base_env, "NORVALT_TABLE": h.stack.physical["Table"]}, check=True, capture_output=True,
    )
    sample = open(os.path.join(ROOT, "events", "webhook-form.json")).read()
    event = json.loads(sample.replace("FORM_KEY", dealer["form_key"]))
    event["headers"]["idempotency-key"] = uuid.uuid4().hex
    customer = f"+4747{uuid.uuid4().int % 1000000:06d}"
    event["body"] = json.dumps({"name": "Vera Vardø", "phone": customer, "vehicle_interest": "Toyota bZ4X"})
    assert h.functions["WebhookFormFunction"].invoke(event)[1]["statusCode"] == 202
    h.pump()
    mine = lambda: [m for m in h.twilio.sent if m.get("To") == customer]  # noqa: E731
    assert len(mine()) == 1 and mine()[0]["From"] == number, h.twilio.sent

    def text(body):
        params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": PARAMETERS["TwilioAccountSid"],
                  "From": customer, "To": number, "Body": body, "NumMedia": "0"}
        path = "/webhooks/twilio/sms"
        request = json.loads(sample.replace("FORM_KEY", "x"))
        request["rawPath"] = request["requestContext"]["http"]["path"] = path
        request["headers"] = {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": twilio_signature(PARAMETERS["TwilioWebhookUrl"] + path, params),
        }
        import urllib.parse

        request["body"] = urllib.parse.urlencode(params)
        kind, answer = h.functions["WebhookTwilioFunction"].invoke(request)
        assert kind == "response" and answer["statusCode"] == 200, answer
        h.pump()

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
    page's token; the customer gets one email."""
    import hashlib
    import hmac

    slug = f"bil-tana-{uuid.uuid4().hex[:6]}"
    h.dealership(slug, "Bil i Tana", "post@biltana.no")
    subprocess.run(
        [h.norvalt, "--backend", "aws", "--data-dir", h.scratch_dir(), "dealership", "configure", slug,
         "--facebook-page", h.graph.page, "--facebook-token", h.graph.token],
        env={**h.base_env, "NORVALT_TABLE": h.stack.physical["Table"],
             "NORVALT_SECRET_PREFIX": "norvalt/dev/", "NORVALT_GRAPH_URL": h.graph.url},
        check=True, capture_output=True,
    )
    app_secret = h.aws.client("secretsmanager").get_secret_value(
        SecretId=h.stack.physical["FacebookAppSecret"])["SecretString"]
    leadgen = str(10**15 + uuid.uuid4().int % 10**15)
    delivery = json.load(open(os.path.join(ROOT, "shared", "core", "tests", "fixtures", "facebook", "leadgen-webhook.json")))
    entry = delivery["entry"][0]
    entry["id"] = entry["changes"][0]["value"]["page_id"] = h.graph.page
    entry["changes"][0]["value"]["leadgen_id"] = leadgen
    body = json.dumps(delivery)
    request = json.load(open(os.path.join(ROOT, "events", "webhook-form.json")))
    request["rawPath"] = request["requestContext"]["http"]["path"] = "/webhooks/facebook"
    request["headers"] = {
        "content-type": "application/json",
        "x-hub-signature-256": "sha256=" + hmac.new(app_secret.encode(), body.encode(), hashlib.sha256).hexdigest(),
    }
    request["body"] = body
    kind, answer = h.functions["WebhookFacebookFunction"].invoke(request)
    assert kind == "response" and answer["statusCode"] == 200, answer
    h.pump()
    fetched = [q for path, q in h.graph.seen if path == f"/v24.0/{leadgen}"]
    assert len(fetched) == 1 and fetched[0]["access_token"] == h.graph.token, h.graph.seen
    assert len(h.sent_emails("per.lie@example.org", slug)) == 1


CASES = [
    form_lead_is_answered_by_email,
    a_meta_lead_is_fetched_with_the_page_token_and_answered,
    a_texting_customer_can_stop_and_start_sms,
    the_hourly_rollup_feeds_the_analytics_api,
    erasure_leaves_nothing_in_the_table_or_the_bucket,
    a_customers_answer_by_mail_joins_the_lead,
    a_dead_letter_is_redriven_and_delivered,
    the_api_verifies_clerk_tokens_and_keeps_tenants_apart,
]


def main():
    moto_url, target_dir, norvalt = sys.argv[1:4]
    harness = Harness(moto_url, target_dir, norvalt)
    passed = failed = 0
    try:
        for case in CASES:
            try:
                case(harness)
                print(f"ok {case.__name__}")
                passed += 1
            except Exception:
                failed += 1
                print(f"FAIL {case.__name__}: {traceback.format_exc()}")
                for f in harness.functions.values():
                    print(f"--- {f.name}\n{f.output()[-3000:]}")
    finally:
        harness.close(keep_logs=failed > 0)
    print(f"    cloud: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
