"""Cold starts of every function, side by side with a hello-world
`lambda_runtime` function built with the same (release) profile:

    python scripts/bench_coldstart.py MOTO_URL TARGET_DIR [ROUNDS]

Each function's release bootstrap is started ROUNDS times (default 10) under
the cloud harness's Lambda Runtime API, with the template's environment, on
the stack the harness makes on moto. Per start it records:

- init: exec → the bootstrap's first `GET …/invocation/next`;
- first: the first invocation (an event of the function's real kind);
- warm: the same kind of event again;
- peak RSS (VmHWM) after both.

Prints one Markdown row per function with medians and the init ratio to
hello-world (the table in docs/benchmarks.md). The functions reach moto
directly, not through the harness's IAM gate, so that the figures carry
no proxy hop.
"""

import json
import os
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "cloud"))
from harness import PARAMETERS, ROOT, Harness, api_event, url_event  # noqa: E402
from runtime_api import RuntimeApi  # noqa: E402


def load(name):
    return json.load(open(os.path.join(ROOT, "events", name)))


class Events:
    """A realistic event per function (the kind it gets in production)."""

    def __init__(self, h):
        self.h = h
        slug = f"bench-{uuid.uuid4().hex[:6]}"
        self.slug = slug
        self.dealer = h.dealership(slug, "Bench Bil", "post@benchbil.no")
        self.token = h.clerk.token(f"org_{slug}", "org:admin", PARAMETERS["ClerkAudience"])
        h.cli("seed-leads", "--dealership", slug, "--count", "1")
        items = h.aws.client("dynamodb").query(
            TableName=h.stack.physical["Table"], KeyConditionExpression="pk = :pk AND begins_with(sk, :lead)",
            ExpressionAttributeValues={":pk": {"S": f"DEALER#{self.dealer['id']}"}, ":lead": {"S": "LEAD#"}},
        )["Items"]
        self.lead = items[0]["sk"]["S"].removeprefix("LEAD#")

    def api(self, method, path, query="", body=None):
        return api_event(self.token, method, path, query, body)

    def form(self):
        event = json.loads(json.dumps(load("webhook-form.json")).replace("FORM_KEY", self.dealer["form_key"]))
        event["headers"]["idempotency-key"] = uuid.uuid4().hex
        return event

    def sqs(self, queue, body):
        return {"Records": [{
            "messageId": str(uuid.uuid4()), "receiptHandle": "bench", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
            "eventSource": "aws:sqs", "eventSourceARN": self.h.stack.arns[queue], "awsRegion": "eu-north-1",
        }]}

    def capture(self):
        """A form capture on the capture queue, as webhook-form enqueues it."""
        return self.sqs("CaptureQueue", {
            "version": 1, "dealership_id": self.dealer["id"], "idempotency_key": f"form:{uuid.uuid4().hex}",
            "trace_id": "bench", "enqueued_at": "2026-12-05T12:00:00Z", "type": "capture.form",
            "payload": {"channel": "form", "received_at": "2026-12-05T12:00:00Z", "fields": {
                "name": "Kari Nordmann", "email": f"kari.{uuid.uuid4().hex[:6]}@example.no",
                "phone": "+4791234567", "vehicle_interest": "Toyota bZ4X"}},
        })

    def twilio_text(self):
        """A customer's text, signed as Twilio signs it."""
        import urllib.parse

        from mocks import twilio_signature
        from harness import TWILIO_AUTH_TOKEN

        params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": PARAMETERS["TwilioAccountSid"],
                  "From": "+4791234567", "To": PARAMETERS["TwilioFrom"], "Body": "Hei, er bilen solgt?",
                  "NumMedia": "0"}
        path = "/webhooks/twilio/sms"
        signature = twilio_signature(TWILIO_AUTH_TOKEN, PARAMETERS["TwilioWebhookUrl"] + path, params)
        return url_event("POST", path, {"content-type": "application/x-www-form-urlencoded",
                                             "x-twilio-signature": signature}, urllib.parse.urlencode(params))

    def for_function(self, name):
        table = {
            "WebhookFormFunction": self.form,
            "LeadIntakeFunction": self.capture,
            "ApiLeadsFunction": lambda: self.api("GET", "/api/leads", "limit=25"),
            "ApiConversationsFunction": lambda: self.api("GET", f"/api/leads/{self.lead}/conversations"),
            "ApiVehiclesFunction": lambda: self.api("GET", "/api/vehicles"),
            "ApiAccountFunction": lambda: self.api("GET", "/api/me"),
            "ApiAnalyticsFunction": lambda: self.api("GET", "/api/analytics/summary"),
            "ApiAutomationsFunction": lambda: self.api("GET", "/api/automations"),
            "ApiAiFunction": lambda: self.api("POST", "/api/ai/analyze-lead", body={"lead_id": self.lead}),
            "FollowupsFunction": lambda: load("followups.json"),
            "AnalyticsRollupFunction": lambda: load("analytics-rollup.json"),
            "ImapPollerFunction": lambda: load("imap-poller.json"),
            "ImapMailboxFunction": lambda: json.loads(
                json.dumps(load("imap-mailbox.json")).replace("DEALERSHIP_ID", self.dealer["id"])),
            "SesEventsFunction": lambda: load("ses-events.json"),
            "EmailInboundFunction": lambda: load("email-inbound.json"),
            "AiResponderFunction": lambda: load("ai-responder.json"),
            "SenderFunction": lambda: load("sender.json"),
            "WebhookFacebookFunction": lambda: load("webhook-facebook-verify.json"),
            "WebhookTwilioFunction": self.twilio_text,
            "WebhookUnsubscribeFunction": lambda: url_event("GET", "/unsubscribe/not-a-token", {}, ""),
        }
        return table.get(name)


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Timed(RuntimeApi):
    """The Runtime API, noting when the bootstrap first asks for an event."""

    def __init__(self, name, timeout):
        super().__init__(name, timeout)
        self.first_next = None
        original = self.pending.get

        def get(*args, **kwargs):
            if self.first_next is None:
                self.first_next = time.perf_counter()
            return original(*args, **kwargs)

        self.pending.get = get


def cold_start(binary, env, event_of, timeout):
    api = Timed("bench", timeout)
    env = {**env, "AWS_LAMBDA_RUNTIME_API": api.address, "AWS_LAMBDA_FUNCTION_NAME": "bench",
           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST"}
    started = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while api.first_next is None:
            if process.poll() is not None or time.perf_counter() - started > 10:
                raise RuntimeError(f"{binary} did not start")
            time.sleep(0.0005)
        init = api.first_next - started
        t = time.perf_counter()
        kind, _ = api.invoke(event_of())
        first = time.perf_counter() - t
        t = time.perf_counter()
        api.invoke(event_of())
        warm = time.perf_counter() - t
        rss = peak_rss_kb(process.pid)
        return init * 1000, first * 1000, warm * 1000, rss / 1024, kind
    finally:
        process.kill()
        process.wait()
        api.close()


def main():
    moto_url, target_dir = sys.argv[1:3]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    h = Harness(moto_url, target_dir, os.path.join(target_dir, "debug", "norvalt"), set())
    try:
        events = Events(h)
        base = {**h.base_env, "AWS_ENDPOINT_URL": moto_url}
        rows = []
        release = os.path.join(target_dir, "release")
        functions = [
            ("hello-world", os.path.join(release, "hello-lambda"), {}, lambda: {"hello": "world"}, 3),
            # The same, with the AWS SDK's configuration and four clients
            # made at init, as every function makes them.
            ("hello-world + SDK clients", os.path.join(release, "hello-sdk"), {}, lambda: {"hello": "world"}, 3),
        ]
        for name, (binary, timeout, env) in sorted(h.stack.functions().items()):
            event_of = events.for_function(name)
            if event_of is None:
                continue
            functions.append((binary, os.path.join(target_dir, "release", binary), env, event_of, timeout))
        baseline = None
        print("| function | init ms | first ms | warm ms | peak RSS MB | init ÷ hello-world |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, binary, env, event_of, timeout in functions:
            samples = [cold_start(binary, {**base, **env}, event_of, timeout) for _ in range(rounds)]
            init, first, warm, rss = (statistics.median(s[i] for s in samples) for i in range(4))
            baseline = baseline or init
            rows.append((label, init, first, warm, rss))
            print(f"| {label} | {init:.1f} | {first:.1f} | {warm:.1f} | {rss:.1f} | {init / baseline:.1f}× |",
                  flush=True)
    finally:
        h.close(False)


if __name__ == "__main__":
    main()
