"""Drives casa_lib.gateway against a scripted HTTP server on 127.0.0.1 and prints one JSON line
per case: which exception class each answer becomes (read by dags/dagbag.test.ts)."""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from casa_lib.gateway import Gateway, resolve_base_url  # noqa: E402
from casa_lib.settings import load_settings  # noqa: E402

ANSWERS = {
    "/ok": (200, "application/json", {"status": "committed"}),
    "/bad": (422, "application/problem+json", {"type": "https://casa.dev/problems/invalid-input", "status": 422, "detail": "bad batch", "errors": [{"pointer": "/batch", "detail": "integer"}]}),
    "/missing": (404, "application/problem+json", {"type": "https://casa.dev/problems/not-found", "status": 404, "detail": "no batch 9"}),
    "/busy": (409, "application/problem+json", {"type": "https://casa.dev/problems/conflict", "status": 409, "detail": "another ingest holds the group"}),
    "/diverged": (409, "application/problem+json", {"type": "https://casa.dev/problems/sequence-diverged", "status": 409, "detail": "batch 2 differs"}),
    "/down": (503, "application/problem+json", {"type": "https://casa.dev/problems/unavailable", "status": 503, "detail": "MLflow down"}),
    "/timeout": (504, "application/problem+json", {"type": "https://casa.dev/problems/gateway-timeout", "status": 504, "detail": "too slow"}),
}
seen_keys: list[str | None] = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        seen_keys.append(self.headers.get("Idempotency-Key"))
        status, ctype, body = ANSWERS[self.path]
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
settings = load_settings({"CASA_AIRFLOW_CONNECT_TIMEOUT": "1", "CASA_AIRFLOW_HTTP_TIMEOUT": "960"})
gw = Gateway(settings, base_url=f"http://127.0.0.1:{server.server_address[1]}")
results = {}
for path in ANSWERS:
    try:
        gw.call("POST", path, body={}, idempotency_key="k-1")
        results[path] = "ok"
    except Exception as err:  # noqa: BLE001
        results[path] = f"{type(err).__name__}: {err}"
server.shutdown()
server.server_close()
# Nothing listens on the closed port now: a connection error.
try:
    gw.call("POST", "/ok", body={})
    results["refused"] = "ok"
except Exception as err:  # noqa: BLE001
    results["refused"] = f"{type(err).__name__}: {err}"
# Where the base URL comes from: the connection casa_gateway, else CASA_GATEWAY_URL, else a clear failure.
urls = {}
for name, env in {
    "conn": {"AIRFLOW_CONN_CASA_GATEWAY": "http://127.0.0.1:8088", "CASA_GATEWAY_URL": "http://127.0.0.1:1"},
    "conn_https": {"AIRFLOW_CONN_CASA_GATEWAY": "https://gateway.internal:8443"},
    "fallback": {"CASA_GATEWAY_URL": "http://127.0.0.1:1234/"},
    "none": {},
}.items():
    for k in ("AIRFLOW_CONN_CASA_GATEWAY", "CASA_GATEWAY_URL"):
        os.environ.pop(k, None)
    os.environ.update(env)
    try:
        urls[name] = resolve_base_url()
    except Exception as err:  # noqa: BLE001
        urls[name] = f"{type(err).__name__}: {err}"
print("GATEWAY-CHECK " + json.dumps({"results": results, "keys": seen_keys, "urls": urls}))
