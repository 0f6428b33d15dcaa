"""The states of an outbox row (alerts/outbox.py), apart from any database code: the command line
lists them without loading SQLAlchemy."""

PENDING, SENDING, SENT, FAILED, DEAD, HELD = "pending", "sending", "sent", "failed", "dead", "held"
STATES = (PENDING, SENDING, SENT, FAILED, DEAD, HELD)
