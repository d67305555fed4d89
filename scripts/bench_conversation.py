#!/usr/bin/env python3
"""Customer answer -> the AI's answer in the outbox, on the local platform
in `auto` mode: posts COUNT form leads (each a different customer), waits
for each first reply, then lets each customer answer it by email (through
`norvalt ingest-email`, as SES or IMAP would deliver it) over SECONDS, and
reports p50/p99 from the answer to the AI's reply file.

Usage: bench_conversation.py BASE_URL DATA_DIR NORVALT_BIN COUNT SECONDS"""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def call(base, token, method, path, body=None):
    req = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def outbox_mails(outbox):
    out = []
    for name in os.listdir(outbox):
        if name.startswith("send") and name.endswith(".eml"):
            with open(os.path.join(outbox, name), "rb") as f:
                out.append((name, f.read().decode("utf-8", "replace")))
    return out


def main():
    base, data, binary, count, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    env = dict(os.environ, NORVALT_DATA_DIR=data)
    token = subprocess.run([binary, "token", "--dealership", "bilsenteret-drammen", "--role", "admin"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    call(base, token, "PATCH", "/api/dealership", {"conversation": {"mode": "auto", "debounce_secs": 0}})
    key = call(base, token, "GET", "/api/dealership")["dealership"]["form_key"]
    run = str(int(time.time()))
    emails = [f"samtale{run}-{i}@example.no" for i in range(count)]
    for i, address in enumerate(emails):
        body = json.dumps({"name": f"Kunde {i}", "email": address, "vehicle_interest": "Toyota bZ4X",
                           "message": "Er bilen ledig?"}).encode()
        req = urllib.request.Request(f"{base}/webhooks/form/{key}", data=body, method="POST",
                                     headers={"content-type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
    outbox = os.path.join(data, "outbox")
    reply_to = {}
    deadline = time.time() + 120
    while len(reply_to) < count and time.time() < deadline:
        for _, mail in outbox_mails(outbox):
            to = re.search(r"^To:.*?([\w.+-]+@example\.no)", mail, re.M | re.I)
            rt = re.search(r"^Reply-To:\s*<?([^>\s]+)>?", mail, re.M | re.I)
            if to and rt and to.group(1) in emails:
                reply_to[to.group(1)] = rt.group(1)
        time.sleep(0.2)
    assert len(reply_to) == count, f"{len(reply_to)} of {count} first replies"
    known = {name for name, _ in outbox_mails(outbox)}

    answered_at, sent_at = {}, {}
    tmp = tempfile.mkdtemp()

    def answer(i, address):
        path = os.path.join(tmp, f"{i}.eml")
        with open(path, "w") as f:
            f.write("\r\n".join([
                f"From: Kunde {i} <{address}>", f"To: <{reply_to[address]}>", "Subject: Re: Toyota bZ4X",
                f"Message-ID: <{run}.{i}@example.no>", "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8", "", "Har den hengerfeste?", ""]))
        sent_at[address] = time.time()
        subprocess.run([binary, "ingest-email", path], env=env, capture_output=True, check=True)

    threads = []
    gap = seconds / count if seconds else 0
    for i, address in enumerate(emails):
        t = threading.Thread(target=answer, args=(i, address))
        t.start()
        threads.append(t)
        if gap:
            time.sleep(gap)
        else:
            t.join()
    deadline = time.time() + 180
    while len(answered_at) < count and time.time() < deadline:
        for name, mail in outbox_mails(outbox):
            if name in known or "hengerfeste" not in mail:
                continue
            to = re.search(r"^To:.*?([\w.+-]+@example\.no)", mail, re.M | re.I)
            if to and to.group(1) in sent_at and to.group(1) not in answered_at:
                answered_at[to.group(1)] = os.path.getmtime(os.path.join(outbox, name))
        time.sleep(0.05)
    for t in threads:
        t.join()
    latencies = [answered_at[a] - sent_at[a] for a in answered_at]
    assert len(latencies) == count, f"{len(latencies)} of {count} answered"
    print(f"{count} answers: p50 {pct(latencies, 50):.2f} s, p99 {pct(latencies, 99):.2f} s, max {max(latencies):.2f} s")


if __name__ == "__main__":
    main()
