"""A real SMTP server on loopback for the email tests (aiosmtpd).

Usage: python3 smtp_sink.py PORT OUTDIR [CERT KEY USER PASSWORD]

Listens on 127.0.0.1:PORT, prints "ready" once it accepts connections, and writes every
message it accepts to OUTDIR as NNNN.json: {"mail_from", "rcpt_tos", "subject", "body"}, the
body decoded from its transfer encoding. A recipient whose address starts with "bounce" is
refused with "550 5.1.1 mailbox unavailable", as a real relay refuses an unknown mailbox.
With CERT, KEY, USER and PASSWORD it is a submission relay as providers run them: it requires
STARTTLS (with that certificate) before anything else, and AUTH (PLAIN or LOGIN) as USER with
PASSWORD before it takes mail. Runs until killed.
"""

import email
import email.policy
import json
import os
import sys
import threading

import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "body": part.get_content() if part is not None else "",
        }
        with self.lock:
            self.count += 1
            name = os.path.join(self.outdir, "%04d.json" % self.count)
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 Message accepted for delivery"


def main():
    port = int(sys.argv[1])
    outdir = sys.argv[2]
    options = {}
    if len(sys.argv) == 7:
        cert, key, user, password = sys.argv[3:7]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok)

        options = dict(
            tls_context=context,
            require_starttls=True,
            authenticator=authenticator,
            auth_required=True,
        )
    controller = Controller(Sink(outdir), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
