"""A local SMS provider for the demo: the generic JSON API on a loopback port.

POST /send with {"to", "text", "reference"} is accepted as {"id": "demo-N"}, kept as
NNNN.json in --dir and printed on stderr. Run with /usr/bin/python3.
"""

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    state = {"count": len([n for n in os.listdir(args.dir) if n.endswith(".json")])}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path != "/send":
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                message = json.loads(body)
                to, text = message["to"], message["text"]
            except (ValueError, KeyError, TypeError):
                self.send_response(400)
                self.end_headers()
                self.wfile.write(b'{"error": {"code": "bad_request"}}')
                return
            state["count"] += 1
            n = state["count"]
            message["idempotency_key"] = self.headers.get("Idempotency-Key", "")
            with open(os.path.join(args.dir, "%04d.json" % n), "w", encoding="utf-8") as f:
                json.dump(message, f, ensure_ascii=False, indent=1)
            print("sms %04d to %s: %s" % (n, to, text), file=sys.stderr, flush=True)
            reply = json.dumps({"id": "demo-%d" % n}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *unused):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening 127.0.0.1:%d" % server.server_address[1], file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
