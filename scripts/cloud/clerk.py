"""A stand-in for Clerk's Frontend API as the API functions use it: a JWKS
at `<issuer>/.well-known/jwks.json` and RS256 session tokens (Clerk's v2
claims: `o.id`, `o.rol`) signed with its key.
"""

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(n):
    return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Clerk:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"ins_{uuid.uuid4().hex[:12]}"
        numbers = self.key.public_key().public_numbers()
        jwks = json.dumps(
            {"keys": [{"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                       "n": _int(numbers.n), "e": _int(numbers.e)}]}
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != "/.well-known/jwks.json":
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(jwks)))
                self.end_headers()
                self.wfile.write(jwks)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

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
