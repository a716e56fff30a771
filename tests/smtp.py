"""A real SMTP server (aiosmtpd) on a free loopback port, in the test process, for the
mail a served bake sends."""

import contextlib
import email
import email.policy
import time

from aiosmtpd.controller import Controller

from .http_client import HOST
from .throwaway_servers import free_port


class Mailbox:
    """aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def recipients(self):
        return [recipient for envelope in self.envelopes for recipient in envelope.rcpt_tos]

    def wait_for(self, recipient, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for envelope in list(self.envelopes):
                if recipient in envelope.rcpt_tos:
                    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            time.sleep(0.1)
        received = [(envelope.mail_from, envelope.rcpt_tos) for envelope in self.envelopes]
        raise AssertionError(f"no mail to {recipient} within {timeout} s (received: {received})")


@contextlib.contextmanager
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname=HOST, port=free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()
