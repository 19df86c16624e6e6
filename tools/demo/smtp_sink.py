"""A real SMTP server for tests and the demo: aiosmtpd on a loopback port.

Every accepted message is kept twice in --dir: NNNN.eml, the bytes as received, and
NNNN.json, what Python's own email parser makes of it (envelope, decoded headers, the
MIME tree with each part's type, charset, transfer encoding and decoded text), so a
test checks the MIME structure with a parser that is not Herald's.

Recipients steer the answer, by local part:
  bounce...@  550 5.1.1 (a hard bounce)
  later...@   451 4.3.0 (try again later)
Anything else is accepted. --auth USER:PASSWORD requires AUTH (PLAIN or LOGIN);
--tls CERT KEY offers STARTTLS (--require-tls: refuse mail without it).

Prints "listening 127.0.0.1:PORT" on stderr once it accepts connections; stops on SIGTERM.
--log FILE: everything after that line (a line per message, aiosmtpd's warnings) goes to
FILE instead, so a parent that stops reading stderr never blocks the server.
Run with /usr/bin/python3 (Debian's python3-aiosmtpd).
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def describe(part):
    out = {
        "content_type": part.get_content_type(),
        "charset": part.get_content_charset(),
        "transfer_encoding": part.get("Content-Transfer-Encoding"),
    }
    if part.is_multipart():
        out["parts"] = [describe(p) for p in part.iter_parts()]
    else:
        # SMTP carries CRLF line ends; the text is compared as written, with LF.
        out["text"] = part.get_content().replace("\r\n", "\n")
    return out


class Handler:
    def __init__(self, directory):
        self.directory = directory
        # Numbering goes on after a restart on the same directory.
        self.count = len([n for n in os.listdir(directory) if n.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("bounce"):
            return "550 5.1.1 <%s>: user unknown" % address
        if local.startswith("later"):
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "%04d" % self.count)
        raw = envelope.original_content or envelope.content
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "peer_port": session.peer[1],
            "auth": session.authenticated,
            "headers": {k: str(v) for k, v in message.items()},
            "raw_headers": [[k, v] for k, v in message.raw_items()],
            "body": describe(message),
        }
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False, indent=1)
        os.rename(base + ".json.tmp", base + ".json")
        print("mail %04d to %s: %s" % (self.count, ", ".join(envelope.rcpt_tos),
                                       summary["headers"].get("Subject", "")),
              file=sys.stderr, flush=True)
        return "250 2.0.0 Ok: queued as H%04d" % self.count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--require-tls", action="store_true")
    parser.add_argument("--port", type=int, default=0,
                        help="0 (default): one the kernel picks; a restart reuses the old one")
    parser.add_argument("--log", help="stderr after the listening line goes here")
    args = parser.parse_args()

    handler = Handler(args.dir)
    tls_context = None
    if args.tls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls[0], args.tls[1])

    def authenticate(server, session, envelope, mechanism, auth_data):
        user, password = args.auth.split(":", 1)
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False)  # aiosmtpd then answers 535

    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    def factory():
        return SMTP(handler,
                    hostname="sink.test",
                    tls_context=tls_context,
                    require_starttls=args.require_tls,
                    authenticator=authenticate if args.auth else None,
                    auth_required=bool(args.auth),
                    auth_require_tls=False)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(factory, "127.0.0.1", args.port, reuse_address=True))
    port = server.sockets[0].getsockname()[1]
    print("listening 127.0.0.1:%d" % port, file=sys.stderr, flush=True)
    if args.log:
        log = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, sys.stderr.fileno())
        os.close(log)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    # A test that dies without stopping us leaves us to init: then stop too.
    parent = os.getppid()

    def watch_parent():
        if os.getppid() != parent:
            loop.stop()
        else:
            loop.call_later(0.5, watch_parent)

    loop.call_later(0.5, watch_parent)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    loop.run_forever()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
