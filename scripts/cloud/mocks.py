"""Stand-ins for the outside APIs the functions call, each a small HTTP
server on loopback that checks what it is sent and records it: Clerk's JWKS
and session tokens, Twilio's Messages API, Meta's Graph API.
"""

import base64
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def serve_json(answer):
    """Serves `answer(method, path, query, headers, body) -> (status, obj)`
    on a free loopback port; returns the server and its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _handle(self):
            url = urllib.parse.urlparse(self.path)
            body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            status, obj = answer(self.command, url.path, dict(urllib.parse.parse_qsl(url.query)), self.headers, body)
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Clerk:
    """Clerk's Frontend API as the API functions use it: a JWKS at
    `<issuer>/.well-known/jwks.json` and RS256 session tokens with Clerk's
    v2 claims (`o.id`, `o.rol`) signed with its key."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"ins_{uuid.uuid4().hex[:12]}"
        numbers = self.key.public_key().public_numbers()
        as_b64 = lambda n: _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))  # noqa: E731
        jwks = {"keys": [{"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                          "n": as_b64(numbers.n), "e": as_b64(numbers.e)}]}

        def answer(method, path, query, headers, body):
            return (200, jwks) if path == "/.well-known/jwks.json" else (404, {})

        self.server, self.issuer = serve_json(answer)

    def token(self, org_id, role, audience, user="user_harness"):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        claims = {"v": 2, "iss": self.issuer, "sub": user, "sid": "sess_harness", "aud": audience,
                  "iat": now, "nbf": now - 5, "exp": now + 600,
                  "o": {"id": org_id, "rol": role, "slg": org_id}}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}"

    def close(self):
        self.server.shutdown()


class TwilioMock:
    """Twilio's Messages API: checks the account in the path and the Basic
    credentials, records every message, answers with a sid."""

    def __init__(self, account_sid, auth_token):
        self.sent = []
        expected = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()

        def answer(method, path, query, headers, body):
            if path != f"/2010-04-01/Accounts/{account_sid}/Messages.json" or headers.get("authorization") != expected:
                return 401, {"code": 20003, "message": "Authenticate"}
            self.sent.append(dict(urllib.parse.parse_qsl(body)))
            return 201, {"sid": f"SM{uuid.uuid4().hex}"}

        self.server, self.url = serve_json(answer)


def twilio_signature(auth_token, url, params):
    """X-Twilio-Signature: HMAC-SHA1 over the URL and the sorted fields."""
    data = url + "".join(k + v for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


class GraphMock:
    """Meta's Graph API for one page: `GET /me` names the page a token
    belongs to, `GET /{leadgen id}` answers the lead (only with that token),
    `POST /{dataset}/events` takes lead stages (only with the dataset's
    token; `events` keeps each), and every request is recorded."""

    def __init__(self):
        self.page = str(10**14 + uuid.uuid4().int % 10**14)
        self.token = f"EAAB{uuid.uuid4().hex}"
        self.dataset = str(10**14 + uuid.uuid4().int % 10**14)
        self.dataset_token = f"EAAD{uuid.uuid4().hex}"
        self.events = []
        self.seen = []
        fixture = os.path.join(ROOT, "shared", "core", "tests", "fixtures", "facebook", "graph-lead-1234567890123456.json")
        lead = json.load(open(fixture))

        def answer(method, path, query, headers, body):
            self.seen.append((path, query))
            if method == "POST" and path == f"/v24.0/{self.dataset}/events":
                if query.get("access_token") != self.dataset_token:
                    return 400, {"error": {"message": "Invalid OAuth access token.", "code": 190}}
                data = json.loads(body)["data"]
                self.events.extend(data)
                return 200, {"events_received": len(data), "messages": [], "fbtrace_id": "harness"}
            if query.get("access_token") != self.token:
                return 400, {"error": {"message": "Invalid OAuth access token.", "code": 190}}
            if path == "/v24.0/me":
                return 200, {"id": self.page, "name": "Bil i Tana"}
            return 200, {**lead, "id": path.rsplit("/", 1)[-1]}

        self.server, base = serve_json(answer)
        self.url = f"{base}/v24.0"
