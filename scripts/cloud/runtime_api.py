"""A Lambda Runtime API for one function process, as Lambda runs it: the
bootstrap long-polls `GET /2018-06-01/runtime/invocation/next`, answers with
`POST …/invocation/{id}/response` or `…/{id}/error`, and reports a failed
start on `POST …/init/error`. `invoke(event)` hands one event to the
function and waits for its answer.
"""

import json
import queue
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class KeepAliveHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 keep-alive handler, as the bootstraps' and the AWS
    SDK's pooled connections expect. Headers and body go in two writes;
    with Nagle's algorithm the second would wait for the client's delayed
    ACK (40 ms an answer)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass


class RuntimeApi:
    def __init__(self, function_name, timeout_seconds):
        self.function_name = function_name
        self.timeout = timeout_seconds
        self.pending = queue.Queue()
        self.answers = {}
        self.init_error = None
        # Each answered invocation's duration in seconds (for the cost figures).
        self.durations = []
        api = self

        class Handler(KeepAliveHandler):
            def _read(self):
                length = int(self.headers.get("content-length") or 0)
                return self.rfile.read(length) if length else b""

            def _answer(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self._answer(404)
                request_id, event, deadline_ms = api.pending.get()
                self._answer(
                    200,
                    json.dumps(event).encode(),
                    {
                        "content-type": "application/json",
                        "lambda-runtime-aws-request-id": request_id,
                        "lambda-runtime-deadline-ms": str(deadline_ms),
                        "lambda-runtime-invoked-function-arn": f"arn:aws:lambda:eu-north-1:123456789012:function:{api.function_name}",
                        "lambda-runtime-trace-id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0",
                    },
                )

            def do_POST(self):
                body = self._read()
                if self.path == f"{PREFIX}/init/error":
                    api.init_error = body.decode(errors="replace")
                    return self._answer(202)
                parts = self.path[len(PREFIX) + 1 :].split("/")
                if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    slot = api.answers.get(parts[1])
                    if slot is None:
                        return self._answer(400)
                    slot.put((parts[2], body))
                    return self._answer(202)
                return self._answer(404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def invoke(self, event):
        """The function's answer to `event`: ("response", parsed JSON) or
        ("error", parsed error), or ("timeout", None) past its timeout."""
        import time

        request_id = str(uuid.uuid4())
        slot = queue.Queue()
        self.answers[request_id] = slot
        deadline_ms = int((time.time() + self.timeout) * 1000)
        started = time.perf_counter()
        self.pending.put((request_id, event, deadline_ms))
        try:
            kind, body = slot.get(timeout=self.timeout)
        except queue.Empty:
            return "timeout", None
        finally:
            self.answers.pop(request_id, None)
        self.durations.append(time.perf_counter() - started)
        try:
            return kind, json.loads(body or b"null")
        except json.JSONDecodeError:
            return kind, body.decode(errors="replace")

    def close(self):
        self.server.shutdown()
