"""What 1,000 leads cost on AWS, recomputed from a run of the real functions:

    python scripts/bench_cost.py MOTO_URL TARGET_DIR [LEADS]

Runs LEADS website-form leads (default 50) through the cloud harness with
the release bootstraps: capture, intake, reply (the dealership's template:
the model's own cost is left out, as is SMS), SES, the team's new-lead
notice, and a rep opening the inbox and the lead in the dashboard (two API
calls per lead); then one tick of each schedule. Every AWS call goes
through the functions' gates, which count DynamoDB units by item size, SQS
requests, S3 requests and SES messages (scripts/cloud/meter.py); the
Runtime API times every invocation (billed duration, rounded up to the
millisecond, at the template's memory size); each function's output is its
CloudWatch Logs volume (plus Lambda's own START/END/REPORT lines).

Prints the per-1,000-leads table and the fixed monthly cost at zero traffic
that docs/cost.md records, at the eu-west-1 list prices below.
"""

import json
import math
import os
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "cloud"))
from harness import PARAMETERS, ROOT, Harness, api_event  # noqa: E402

# eu-west-1 (Ireland) list prices, USD, as published in 2026.
PRICES = {
    "lambda_gb_second_arm64": 0.0000133334,
    "lambda_request": 0.20 / 1e6,
    "dynamodb_write_unit": 0.7063 / 1e6,  # on-demand
    "dynamodb_read_unit": 0.1413 / 1e6,
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
    "ses_outbound_message": 0.10 / 1000,
    "http_api_request": 1.11 / 1e6,
    "logs_ingested_gb": 0.57,
    "secret_month": 0.40,
    "kms_key_month": 1.00,
    "alarm_month": 0.10,
}
# What Lambda itself writes to the log per invocation (START, END, REPORT).
LAMBDA_LOG_LINES_BYTES = 330
MONTH_SECONDS = 30 * 24 * 3600


def memory_mb(h, function):
    props = h.stack.resources[function]["Properties"]
    return int(props.get("MemorySize", 128))


def run(h, leads):
    slug = f"kost-{uuid.uuid4().hex[:6]}"
    dealer = h.dealership(slug, "Kost Bil", "post@kostbil.no")
    token = h.clerk.token(f"org_{slug}", "org:sales_rep", PARAMETERS["ClerkAudience"])
    api_calls = 0
    for i in range(leads):
        h.post_form(dealer["form_key"], {
            "name": f"Kunde {i}", "email": f"kunde{i}.{uuid.uuid4().hex[:4]}@example.no",
            "phone": f"+47{90000000 + i}", "vehicle_interest": "Toyota bZ4X",
            "message": "Hei! Er bilen fortsatt til salgs, og kan jeg prøvekjøre den på lørdag?",
        }, source_ip=f"198.51.100.{i % 250 + 1}")
        status, page = h.api("ApiLeadsFunction", token, "GET", "/api/leads", "limit=25")
        h.api("ApiLeadsFunction", token, "GET", f"/api/leads/{page['items'][0]['id']}")
        api_calls += 2
    return api_calls


def schedule_ticks(h):
    """One tick of each schedule with nothing to do: its duration, the price
    of running at rest."""
    ticks = {}
    for function, event in (("FollowupsFunction", "followups.json"),
                            ("AnalyticsRollupFunction", "analytics-rollup.json"),
                            ("ImapPollerFunction", "imap-poller.json")):
        f = h.functions[function]
        f.api.durations.clear()
        f.invoke(json.load(open(os.path.join(ROOT, "events", event))))
        ticks[function] = f.api.durations[-1]
    return ticks


def main():
    moto_url, target_dir = sys.argv[1:3]
    leads = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    wanted = {"WebhookFormFunction", "LeadIntakeFunction", "AiResponderFunction", "SenderFunction",
              "ApiLeadsFunction", "FollowupsFunction", "AnalyticsRollupFunction", "ImapPollerFunction"}
    h = Harness(moto_url, target_dir, os.path.join(target_dir, "debug", "norvalt"), wanted, profile=os.environ.get("BENCH_PROFILE", "release"))
    try:
        api_calls = run(h, leads)
        per = 1000 / leads
        rows, total = [], 0.0
        totals = {"rru": 0.0, "wru": 0.0, "sqs": h.mapping_requests, "ses": 0, "logs": 0}
        print(f"Per 1,000 leads (measured on {leads}):\n")
        print("| function | invocations | billed GB-s | DynamoDB RRU | DynamoDB WRU | Lambda $ |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, f in sorted(h.functions.items()):
            durations = [math.ceil(d * 1000) / 1000 for d in f.api.durations]
            if not durations:
                continue
            gb_s = sum(durations) * memory_mb(h, name) / 1024
            lambda_cost = gb_s * PRICES["lambda_gb_second_arm64"] + len(durations) * PRICES["lambda_request"]
            m = f.gate.meter
            totals["rru"] += m.read_units
            totals["wru"] += m.write_units
            totals["sqs"] += m.sqs_requests
            totals["ses"] += m.ses_messages
            totals["logs"] += os.path.getsize(f.log.name) + LAMBDA_LOG_LINES_BYTES * len(durations)
            total += lambda_cost
            print(f"| {name} | {len(durations) * per:.0f} | {gb_s * per:.2f} | {m.read_units * per:.0f} | "
                  f"{m.write_units * per:.0f} | {lambda_cost * per:.4f} |")
        costs = {
            "Lambda (all functions)": total,
            "DynamoDB reads": totals["rru"] * PRICES["dynamodb_read_unit"],
            "DynamoDB writes": totals["wru"] * PRICES["dynamodb_write_unit"],
            "SQS (sends, receives, deletes)": totals["sqs"] * PRICES["sqs_request"],
            "SES (the replies)": totals["ses"] * PRICES["ses_outbound_message"],
            "HTTP API (the rep's two calls a lead)": api_calls * PRICES["http_api_request"],
            "CloudWatch Logs": totals["logs"] / 1e9 * PRICES["logs_ingested_gb"],
        }
        print("\n| item | per 1,000 leads, $ |\n|---|---:|")
        for item, cost in costs.items():
            print(f"| {item} | {cost * per:.4f} |")
        print(f"| **total** | **{sum(costs.values()) * per:.4f}** |")
        print(f"\n(DynamoDB {totals['rru'] * per:.0f} RRU and {totals['wru'] * per:.0f} WRU, "
              f"SQS {totals['sqs'] * per:.0f} requests, SES {totals['ses'] * per:.0f} messages, "
              f"logs {totals['logs'] * per / 1e6:.1f} MB per 1,000 leads)")

        ticks = schedule_ticks(h)
        resources = h.stack.resources
        secrets = sum(1 for r in resources.values() if r["Type"] == "AWS::SecretsManager::Secret")
        keys = sum(1 for r in resources.values() if r["Type"] == "AWS::KMS::Key")
        alarms = sum(1 for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm")
        schedule_runs = {"FollowupsFunction": MONTH_SECONDS / 300, "AnalyticsRollupFunction": MONTH_SECONDS / 60,
                         "ImapPollerFunction": MONTH_SECONDS / 60}
        schedules = sum(
            runs * (ticks[f] * memory_mb(h, f) / 1024 * PRICES["lambda_gb_second_arm64"] + PRICES["lambda_request"])
            for f, runs in schedule_runs.items()
        )
        # Lambda's pollers long-poll each queue with an event source mapping
        # even when it is empty: five 20-second receives at a time, assumed.
        mappings = sum(1 for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping")
        idle_receives = mappings * 5 * MONTH_SECONDS / 20
        fixed = {
            f"Secrets Manager ({secrets} secrets)": secrets * PRICES["secret_month"],
            f"KMS ({keys} key)": keys * PRICES["kms_key_month"],
            f"CloudWatch alarms ({alarms})": alarms * PRICES["alarm_month"],
            "schedules (follow-ups every 5 min, roll-up and IMAP every minute; nothing to do)": schedules,
            f"SQS idle long polls ({mappings} queues, {idle_receives / 1e6:.1f} M receives)":
                idle_receives * PRICES["sqs_request"],
        }
        print("\nFixed monthly cost at zero traffic (before the free tier):\n\n| item | $ a month |\n|---|---:|")
        for item, cost in fixed.items():
            print(f"| {item} | {cost:.2f} |")
        print(f"| **total** | **{sum(fixed.values()):.2f}** |")
    finally:
        h.close(False)


if __name__ == "__main__":
    main()
