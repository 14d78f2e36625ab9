"""Outgoing email. In development (and until a mail transport is configured) a message is
written to the app log and kept in `OUTBOX`, so tests and developers can read the links."""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

log = logging.getLogger("market.notifications")
OUTBOX: deque = deque(maxlen=200)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def send_email(to: str, subject: str, body: str) -> Email:
    message = Email(to, str(subject), str(body))
    OUTBOX.append(message)
    log.warning("email to %s: %s\n%s", to, message.subject, message.body)
    return message
