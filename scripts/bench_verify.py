#!/usr/bin/env python3
"""Waits until every customer in ACKED_FILE has a lead at the dealership and
checks that none has two. Prints a JSON verdict; exits 1 on loss or
duplicates (after TIMEOUT seconds)."""

import json
import sys
import time
import urllib.request


def leads_by_email(base: str, token: str) -> dict[str, int]:
    counts, cursor = {}, None
    while True:
        url = f"{base}/api/leads?limit=100&search=example.no" + (f"&cursor={cursor}" if cursor else "")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        page = json.load(urllib.request.urlopen(req, timeout=30))
        for lead in page["items"]:
            email = lead.get("customer_email") or ""
            counts[email] = counts.get(email, 0) + 1
        cursor = page.get("next_cursor")
        if not cursor:
            return counts


if __name__ == "__main__":
    base, token, acked_file, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    acked = {l.strip() for l in open(acked_file) if l.strip()}
    started = time.time()
    while True:
        counts = leads_by_email(base, token)
        missing = [e for e in acked if e not in counts]
        if not missing or time.time() - started > timeout:
            break
        time.sleep(1)
    twice = [e for e, n in counts.items() if n > 1]
    verdict = {"customers_acked": len(acked), "leads": sum(counts.values()), "missing": len(missing),
               "duplicated": len(twice), "seconds_to_drain": round(time.time() - started, 1)}
    print(json.dumps(verdict))
    sys.exit(1 if missing or twice else 0)
