"""Outbound webhooks: partners register URLs for events (listing, price, order status); events
are written to an outbox in the same transaction as the change (`events.py`), and the task
queue delivers them signed, with retries (`services.deliver_pending`)."""
