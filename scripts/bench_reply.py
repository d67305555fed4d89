#!/usr/bin/env python3
"""Capture-to-reply latency on the local platform: posts website-form
leads (each a different customer), watches the outbox for the reply
addressed to each, and reports p50/p99 from the post to the reply file.

Usage: bench_reply.py FORM_URL OUTBOX_DIR COUNT SECONDS
COUNT leads are posted evenly over SECONDS (0: one at a time, waiting for
each reply before the next)."""
import email
import json
import os
import sys
import threading
import time
import urllib.request


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def post(url, i, run):
    body = json.dumps({
        "name": f"Bench Kunde {i}", "email": f"bench{run}-{i}@example.no",
        "vehicle_interest": "Toyota bZ4X", "message": "Kan jeg få prøvekjøre bilen?",
    }).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 202, resp.status


def main():
    url, outbox, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    run = str(int(time.time()))
    posted, answered = {}, {}
    seen_files = set()
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            try:
                names = os.listdir(outbox)
            except FileNotFoundError:
                names = []
            now = time.perf_counter()
            for name in names:
                if not name.startswith("send") or not name.endswith(".eml") or name in seen_files:
                    continue
                seen_files.add(name)
                with open(os.path.join(outbox, name), "rb") as f:
                    to = email.message_from_binary_file(f)["To"] or ""
                addr = to.split("<")[-1].rstrip(">").strip()
                if addr.startswith(f"bench{run}-"):
                    answered.setdefault(addr, now)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    for i in range(count):
        addr = f"bench{run}-{i}@example.no"
        if seconds > 0:
            wait = started + i * seconds / count - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        posted[addr] = time.perf_counter()
        post(url, i, run)
        if seconds == 0:
            while addr not in answered and time.perf_counter() - posted[addr] < 60:
                time.sleep(0.005)
    deadline = time.perf_counter() + 120
    while len(answered) < count and time.perf_counter() < deadline:
        time.sleep(0.05)
    stop.set()
    latencies = [answered[a] - posted[a] for a in posted if a in answered]
    result = {
        "leads": count, "answered": len(latencies), "missing": count - len(latencies),
        "post_window_s": round(seconds, 1),
        "p50_s": round(pct(latencies, 50), 2) if latencies else None,
        "p99_s": round(pct(latencies, 99), 2) if latencies else None,
        "max_s": round(max(latencies), 2) if latencies else None,
        "duplicates": len(seen_files) - len(set(seen_files)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
