"""What live figures and change-index reads cost on AWS, at 20,000 leads a
year for one dealership:

    python scripts/bench_live.py MOTO_URL TARGET_DIR [LEADS] [TODAY]

Seeds LEADS leads over the past year (default 20,000) into one dealership
on moto with the operator CLI, then posts TODAY website-form leads (default
55, a day at that rate) through the functions, each answered and noticed
as in production. Then, metered at the functions' gates
(scripts/cloud/meter.py: DynamoDB units by item size, a filtered query
billed for every item it read):

- the roll-up's first run over the whole year (as many runs as its budget
  takes), a tick with nothing new, and a tick after one more lead;
- an inbox poll (`updated_since` a minute ago) and, for comparison, a
  search that matches nothing (a read of the whole partition, which is
  what every poll cost before the change index);
- a follow-ups tick (due steps and the escalation's read of the week's
  changed leads).

Prints the figures and the monthly cost that docs/benchmarks.md records.
Durations are the functions' own (the profile in BENCH_PROFILE).
"""

import datetime
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "cloud"))
from harness import PARAMETERS, ROOT, Harness  # noqa: E402

READ_UNIT = 0.1413 / 1e6  # eu-west-1 on-demand, USD (as scripts/bench_cost.py)
WRITE_UNIT = 0.7063 / 1e6
GB_SECOND = 0.0000133334
REQUEST = 0.20 / 1e6
MINUTES_A_MONTH = 30 * 24 * 60


def metered(h, function, action):
    """Runs `action`; what `function` read, wrote and took meanwhile."""
    f = h.functions[function]
    m = f.gate.meter
    rru, wru, calls = m.read_units, m.write_units, len(f.api.durations)
    requests = sum(m.requests.values())
    result = action()
    return {
        "requests": sum(m.requests.values()) - requests,
        "rru": m.read_units - rru,
        "wru": m.write_units - wru,
        "seconds": sum(f.api.durations[calls:]),
        "invocations": len(f.api.durations) - calls,
        "result": result,
    }


def tick(h, function, event_file):
    event = json.load(open(os.path.join(ROOT, "events", event_file)))
    kind, answer = h.functions[function].invoke(event)
    assert kind == "response", answer
    return answer


def post(h, dealer, i):
    h.post_form(dealer["form_key"], {
        "name": f"Kunde {i} Ødegård", "email": f"kunde{i}.{uuid.uuid4().hex[:4]}@example.no",
        "phone": f"+47{91000000 + i}", "vehicle_interest": "Toyota bZ4X",
        "message": "Hei! Er bilen fortsatt til salgs, og kan jeg prøvekjøre den på lørdag?",
    }, source_ip=f"198.51.100.{i % 250 + 1}")


def row(name, m):
    return (f"| {name} | {m['invocations']} | {m['requests']} | {m['seconds']:.2f} | {m['rru']:.1f} | {m['wru']:.1f} |")


def main():
    moto_url, target_dir = sys.argv[1:3]
    leads = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    today = int(sys.argv[4]) if len(sys.argv) > 4 else 55
    profile = os.environ.get("BENCH_PROFILE", "release")
    wanted = {"WebhookFormFunction", "LeadIntakeFunction", "AiResponderFunction", "SenderFunction",
              "ApiLeadsFunction", "FollowupsFunction", "AnalyticsRollupFunction"}
    h = Harness(moto_url, target_dir, os.path.join(target_dir, "debug", "norvalt"), wanted, profile=profile)
    try:
        slug = f"live-{uuid.uuid4().hex[:6]}"
        dealer = h.dealership(slug, "Live Bil", "post@livebil.no")
        started = time.monotonic()
        h.cli("seed-leads", "--dealership", slug, "--count", str(leads), "--days", "365")
        print(f"seeded {leads} leads over a year in {time.monotonic() - started:.0f} s", flush=True)
        started = time.monotonic()
        for i in range(today):
            post(h, dealer, i)
        print(f"posted {today} form leads through the functions in {time.monotonic() - started:.0f} s\n", flush=True)

        def first_run():
            runs = []
            while True:
                report = tick(h, "AnalyticsRollupFunction", "analytics-rollup.json")
                runs.append(report)
                if not report.get("pending"):
                    return runs
        first = metered(h, "AnalyticsRollupFunction", first_run)
        print(row(f"roll-up, first run over the year ({len(first['result'])} runs)", first), flush=True)
        idle = metered(h, "AnalyticsRollupFunction", lambda: tick(h, "AnalyticsRollupFunction", "analytics-rollup.json"))
        post(h, dealer, today)
        active = metered(h, "AnalyticsRollupFunction", lambda: tick(h, "AnalyticsRollupFunction", "analytics-rollup.json"))

        # Minted now: the runs above take longer than a token lives.
        token = h.clerk.token(f"org_{slug}", "org:sales_rep", PARAMETERS["ClerkAudience"])
        since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1))
        since = since.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        poll = metered(h, "ApiLeadsFunction", lambda: h.api(
            "ApiLeadsFunction", token, "GET", "/api/leads", f"limit=25&updated_since={since}"))
        assert poll["result"][0] == 200, poll["result"]
        scan = metered(h, "ApiLeadsFunction", lambda: h.api(
            "ApiLeadsFunction", token, "GET", "/api/leads", "limit=25&search=zzzqqq"))
        assert scan["result"][0] == 200 and not scan["result"][1]["items"], scan["result"]
        followups = metered(h, "FollowupsFunction", lambda: tick(h, "FollowupsFunction", "followups.json"))

        print("| run | invocations | AWS requests | seconds | DynamoDB RRU | DynamoDB WRU |")
        print("|---|---:|---:|---:|---:|---:|")
        print(row(f"roll-up, first run over the year ({len(first['result'])} runs)", first))
        print(row("roll-up tick, nothing new", idle))
        print(row("roll-up tick after one new lead (today's day computed)", active))
        print(row("inbox poll, changed in the last minute", poll))
        print(row("for comparison: a read of the whole partition", scan))
        print(row("follow-ups tick (due steps, the week's changed leads)", followups))
        print(f"\nlast first-run report: {first['result'][-1]}")

        # A month at this dealership's pace: today's day is computed in every
        # minute with something new (at most the ten opening hours' 600 a
        # day), nothing in the rest; the hourly pass computes a week.
        memory = 512 / 1024
        def cost(m, runs):
            return runs * (m["rru"] * READ_UNIT + m["wru"] * WRITE_UNIT
                           + m["seconds"] * memory * GB_SECOND + REQUEST)
        active_minutes = 600 * 30
        idle_minutes = MINUTES_A_MONTH - active_minutes
        hourly = dict(active, rru=active["rru"] * 7, wru=active["wru"] * 7, seconds=active["seconds"] * 7)
        month = {
            "ticks with something new (600 a day)": cost(active, active_minutes),
            "ticks with nothing new": cost(idle, idle_minutes),
            "hourly passes (a week each, 7 x one day)": cost(hourly, 24 * 30),
        }
        print("\n| roll-up, one dealership, a month | $ |\n|---|---:|")
        for item, c in month.items():
            print(f"| {item} | {c:.4f} |")
        print(f"| **total** | **{sum(month.values()):.4f}** |")
        polls = 30 * 10 * 3600 / 15  # one open inbox polling every 15 s in opening hours
        print(f"\none inbox open through opening hours, a poll every 15 s ({polls:.0f} a month): "
              f"${polls * poll['rru'] * READ_UNIT:.4f} in reads now, "
              f"${polls * scan['rru'] * READ_UNIT:.2f} as a read of the whole partition")
    finally:
        h.close(False)


if __name__ == "__main__":
    main()
