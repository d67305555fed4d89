#!/usr/bin/env python3
"""The booking page under load on the local platform: CUSTOMERS customers
at once (one lead each, behind its own signed link), each opening the page
ROUNDS times and then booking one of the free times it lists. Reports the
page's and the booking's p50/p99 and checks that no slot was booked
beyond its capacity.

Usage: bench_booking.py BASE_URL DATA_DIR NORVALT_BIN LINK_KEY CUSTOMERS ROUNDS"""
import base64
import hashlib
import hmac
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def call(base, token, method, path, body=None):
    req = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def booking_token(key, dealership, lead):
    """The same signature as outbound::links::booking_token."""
    payload = f"{dealership.replace('-', '')}.{lead.replace('-', '')}"
    mac = hmac.new(key.encode(), f"book:{payload}".encode(), hashlib.sha256).digest()[:16]
    return f"{payload}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def main():
    base, data, binary, key = sys.argv[1:5]
    customers, rounds = int(sys.argv[5]), int(sys.argv[6])
    env = dict(os.environ, NORVALT_DATA_DIR=data)
    token = subprocess.run([binary, "token", "--dealership", "bilsenteret-drammen", "--role", "manager"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    dealership = call(base, token, "GET", "/api/me")["dealership"]["id"]
    links = []
    for i in range(customers):
        lead = call(base, token, "POST", "/api/leads", {"customer_email": f"booking{i}-{time.time_ns()}@example.no"})
        links.append((lead["id"], f"{base}/book/{booking_token(key, dealership, lead['id'])}"))

    pages, books, booked = [], [], []
    lock = threading.Lock()
    start_gate = threading.Barrier(customers)

    def customer(link):
        start_gate.wait()
        html = ""
        for _ in range(rounds):
            t = time.perf_counter()
            with urllib.request.urlopen(link, timeout=10) as resp:
                html = resp.read().decode()
                assert resp.status == 200
            with lock:
                pages.append(time.perf_counter() - t)
        starts = re.findall(r'data-start="([^"]+)"', html)
        # Most customers want the same few popular times.
        start = random.choice(starts[:4])
        body = urllib.parse.urlencode({"kind": "test_drive", "start": start}).encode()
        t = time.perf_counter()
        req = urllib.request.Request(link, data=body, method="POST",
                                     headers={"content-type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                ok = resp.status == 200
        except urllib.error.HTTPError as e:
            ok = False
            assert e.code == 409, e.code
        with lock:
            books.append(time.perf_counter() - t)
            if ok:
                booked.append(start)

    threads = [threading.Thread(target=customer, args=(link,)) for _, link in links]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_slot = Counter(booked)
    # Test drives take two at once (the default capacity), 45 minutes each:
    # no start may hold more than two.
    assert max(per_slot.values()) <= 2, per_slot
    ms = lambda v: f"{v * 1000:.1f} ms"
    print(f"{len(pages)} page loads by {customers} customers at once: p50 {ms(pct(pages, 50))}, p99 {ms(pct(pages, 99))}; "
          f"{len(books)} bookings: p50 {ms(pct(books, 50))}, p99 {ms(pct(books, 99))}; "
          f"{len(booked)} booked, {len(books) - len(booked)} offered other times, none beyond capacity")


if __name__ == "__main__":
    main()
