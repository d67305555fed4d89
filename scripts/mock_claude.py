#!/usr/bin/env python3
"""A stand-in for the Claude Messages API for benchmarks: answers every
POST /v1/messages after a fixed delay with a Norwegian reply that passes
the guardrails; a conversation turn (a request with `tools`) gets the
`answer_customer` tool call. Usage: mock_claude.py PORT DELAY_SECONDS"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = (
    "Hei!\n\nTakk for at du tok kontakt med oss om bilen. En av våre selgere ser på "
    "henvendelsen din og tar kontakt med deg. Vil du komme innom på en prøvekjøring? "
    "Svar gjerne på denne e-posten med et tidspunkt som passer for deg, så setter vi av tid."
)


TURN = {
    "reply": "Hei! Ja, bilen har hengerfeste, og du er velkommen innom for å se på den.",
    "intent": "question",
    "needs_human": False,
}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        time.sleep(DELAY)
        if request.get("tools"):
            body = json.dumps({
                "id": "msg_bench", "type": "message", "role": "assistant",
                "model": request.get("model", "mock"), "stop_reason": "tool_use",
                "content": [{"type": "tool_use", "id": "toolu_bench", "name": request["tools"][0]["name"],
                             "input": TURN}],
                "usage": {"input_tokens": 1400, "output_tokens": 70},
            }).encode()
            return self.answer(body)
        body = json.dumps({
            "id": "msg_bench", "type": "message", "role": "assistant",
            "model": request.get("model", "mock"),
            "content": [{"type": "text", "text": REPLY}],
            "stop_reason": "end_turn", "usage": {"input_tokens": 900, "output_tokens": 80},
        }).encode()
        self.answer(body)

    def answer(self, body):
        try:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server under test was stopped mid-request

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    DELAY = float(sys.argv[2])
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
