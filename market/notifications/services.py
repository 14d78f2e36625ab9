"""Email notifications through an outbox. In development (no MARKET_SMTP_HOST) the sender
writes each mail to the log instead of the network."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask_babel import force_locale

from market.dbtypes import utcnow
from market.extensions import db
from market.notifications.models import OutboxEmail

log = logging.getLogger("market.mail")
MAX_ATTEMPTS = 5


def enqueue(recipient: str, locale: str, subject, body) -> OutboxEmail:
    """Queue a mail; `subject` and `body` are lazy strings rendered in the recipient's locale."""
    with force_locale(locale):
        mail = OutboxEmail(recipient=recipient, subject=str(subject), body=str(body))
    db.session.add(mail)
    db.session.flush()
    return mail


class LogSender:
    def send(self, mail: OutboxEmail) -> None:
        log.info("mail to %s: %s\n%s", mail.recipient, mail.subject, mail.body)


class SMTPSender:
    def __init__(self, host: str, port: int, sender: str, username=None, password=None,
                 starttls: bool = True):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls

    def send(self, mail: OutboxEmail) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, mail.recipient, mail.subject
        # One Message-ID per outbox row: a mail sent again after a crash is the same message.
        domain = self.sender.rpartition("@")[2] or "htx.vn"
        message["Message-ID"] = f"<outbox-{mail.id}@{domain}>"
        message.set_content(mail.body)
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def sender_from_config(config) -> LogSender | SMTPSender:
    if not config.get("SMTP_HOST"):
        return LogSender()
    return SMTPSender(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 587),
                      config.get("MAIL_FROM") or "no-reply@htx.vn",
                      config.get("SMTP_USERNAME"), config.get("SMTP_PASSWORD"),
                      starttls=config.get("SMTP_STARTTLS", True))


def send_pending(sender, limit: int = 100) -> int:
    """Send queued mails oldest first; a failure is counted and retried on the next run.

    Safe with any number of workers at once: each mail is claimed first (one worker wins,
    market/jobs/claims.py), sent, and marked sent in its own commit, so a crash never re-sends
    a sent mail except one caught between the SMTP server's "250 OK" and that commit (its
    claim expires after ROW_LEASE; the Message-ID, fixed per outbox row, lets receivers
    drop such a duplicate)."""
    import sqlalchemy as sa

    from market.extensions import begin_write
    from market.jobs.claims import claim_rows

    token, ids = claim_rows(OutboxEmail, sa.and_(OutboxEmail.sent_at.is_(None),
                                                 OutboxEmail.attempts < MAX_ATTEMPTS),
                            limit=limit)
    sent = 0
    for mail_id in ids:
        begin_write(db.session())
        mail = db.session.get(OutboxEmail, mail_id, populate_existing=True)
        if mail is None or mail.sent_at is not None or mail.claimed_by != token:
            db.session.commit()
            continue
        mail.attempts += 1
        try:
            sender.send(mail)
        except (OSError, smtplib.SMTPException) as exc:
            mail.last_error = str(exc)[:300]
            mail.claimed_at = None  # free for the next run's retry
        else:
            mail.sent_at = utcnow()
            sent += 1
        db.session.commit()  # one mail, one commit: a crash never re-sends a sent mail
    return sent


# --- the outbox as an admin reads it ----------------------------------------------------

OUTBOX_PAGE = 100


def status_of(mail: OutboxEmail) -> str:
    """sent; failed (gave up after MAX_ATTEMPTS); retrying (an attempt failed); queued."""
    if mail.sent_at is not None:
        return "sent"
    if mail.attempts >= MAX_ATTEMPTS:
        return "failed"
    return "retrying" if mail.attempts else "queued"


def recent(actor, search: str = "", limit: int = OUTBOX_PAGE) -> list[OutboxEmail]:
    """The latest queued and sent mails, newest first, for admins only; `search` finds a
    recipient's address or words of the subject."""
    from flask_babel import lazy_gettext as _l

    from market.accounts.models import Role
    from market.errors import NotFound

    if getattr(actor, "role", None) != Role.ADMIN.value:
        raise NotFound(_l("No such page."))
    query = db.select(OutboxEmail)
    search = (search or "").strip()[:120]
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(OutboxEmail.recipient.ilike(pattern, escape="\\")
                            | OutboxEmail.subject.ilike(pattern, escape="\\"))
    return list(db.session.scalars(query.order_by(OutboxEmail.id.desc()).limit(limit)))
