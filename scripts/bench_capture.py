#!/usr/bin/env python3
"""Open-loop form-post load (stdlib only), run as a separate process against
the local server: TOTAL posts at RATE posts/s spread over THREADS keep-alive
connections, 30 % of them repeats (15 % the same Idempotency-Key again, 15 %
the same customer with a new key). Prints ack latency percentiles and the
sustained rate as JSON; writes the customers whose posts were acknowledged
(202) to ACKED_FILE, one email per line."""

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def plan(total: int) -> list[tuple[str, str]]:
    """(idempotency key, customer email) per post, repeats mixed in."""
    posts = []
    for i in range(total):
        slot = i % 20
        if slot < 3 and i >= 20:          # 15 %: an earlier post again, same key
            j = i - 20 + slot
            posts.append((f"k{j}", posts[j][1]))
        elif slot < 6 and i >= 20:        # 15 %: an earlier customer, new key
            j = i - 20 + slot
            posts.append((f"k{i}", posts[j][1]))
        else:
            posts.append((f"k{i}", f"last{i}@example.no"))
    return posts


def run(url: str, total: int, rate: float, threads: int, acked_file: str) -> dict:
    parts = urlsplit(url)
    posts = plan(total)
    latencies, acked, errors = [], set(), 0
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def worker(n: int) -> None:
        nonlocal errors
        conn = None
        mine, ok, bad = [], set(), 0
        for i in range(n, total, threads):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            key, email = posts[i]
            body = json.dumps({"name": f"Kunde {email.split('@')[0]}", "email": email,
                               "vehicle_interest": "Toyota bZ4X", "message": f"Post {i}"})
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
                conn.request("POST", parts.path, body=body,
                             headers={"content-type": "application/json", "idempotency-key": key})
                resp = conn.getresponse()
                resp.read()
                # Latency from when the post was due: queueing in the client counts.
                mine.append((time.perf_counter() - min(t0, due)) * 1000)
                if resp.status == 202:
                    ok.add(email)
                else:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn = None
        with lock:
            latencies.extend(mine)
            acked.update(ok)
            errors += bad

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    with open(acked_file, "w") as f:
        f.write("\n".join(sorted(acked)))

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 2) if latencies else 0.0

    return {"posts": total, "answered": len(latencies), "not_acked": errors, "customers_acked": len(acked),
            "posts_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_ms": pct(100)}


if __name__ == "__main__":
    url, total, rate, threads, acked_file = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    print(json.dumps(run(url, total, rate, threads, acked_file)))
