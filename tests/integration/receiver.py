"""A real webhook receiver on 127.0.0.1 for the tests: checks each delivery's signature
and records it (before answering, as a real receiver that has processed it would).

In a thread (:class:`Receiver`), or as a process of its own that a test can kill::

    python -m tests.integration.receiver PORT SECRET LOG_FILE

which appends one JSON line per delivery to LOG_FILE.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def record_of(secret: str, headers: Any, body: bytes) -> dict[str, Any]:
    data = json.loads(body)
    return {
        "id": data["id"],
        "type": data["type"],
        "ticket_id": data["ticket"]["id"],
        "keys": sorted(data),
        "body": data,
        "event_header": headers.get("X-Hotline-Event-Id"),
        "signature_ok": hmac.compare_digest(
            headers.get("X-Hotline-Signature", ""), signed(secret, body)
        ),
    }


class Receiver:
    """Records what it gets in ``got``; ``answer(record) -> status`` decides the reply."""

    def __init__(self, secret: str, port: int = 0) -> None:
        self.secret = secret
        self.port = port
        self.got: list[dict[str, Any]] = []
        self.answer: Callable[[dict[str, Any]], int] = lambda _record: 200
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                record = record_of(owner.secret, self.headers, body)
                owner.got.append(record)
                self.send_response(owner.answer(record))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def main(port: int, secret: str, log: Path) -> None:
    with log.open("a", encoding="utf-8") as out:

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                record = record_of(secret, self.headers, body)
                del record["body"]
                out.write(json.dumps(record) + "\n")
                out.flush()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        print("ready", flush=True)
        server.serve_forever(0.05)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
