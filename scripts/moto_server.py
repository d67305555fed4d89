"""moto server for the tests, with DynamoDB requests taken one at a time.

Real DynamoDB applies each write atomically (an `ADD` counter never hands out
the same value twice); moto's threaded server does not lock its in-memory
tables, so concurrent UpdateItem calls can lose an increment and the
conformance suite would test moto's race rather than our code. Serialising
DynamoDB calls gives moto DynamoDB's atomicity. SQS, S3 and Secrets Manager
stay concurrent (SQS long polls must not block the rest).

    python scripts/moto_server.py HOST PORT
"""

import os
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

DYNAMODB_LOCK = threading.Lock()


def serialise_dynamodb(app):
    def handle(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with DYNAMODB_LOCK:
                # Drain the response inside the lock: the write happens as it is produced.
                return list(app(environ, start_response))
        return app(environ, start_response)

    return handle


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, serialise_dynamodb(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
