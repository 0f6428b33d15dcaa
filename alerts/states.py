"""The states of an outbox row (alerts/outbox.py), apart from any database code: the command line
lists them without loading SQLAlchemy."""

PENDING, SENDING, SENT, FAILED, DEAD, HELD = "pending", "sending", "sent", "failed", "dead", "held"
STATES = (PENDING, SENDING, SENT, FAILED, DEAD, HELD)
# What a person may put back in line, and what the outbox lists by default: held for its channel,
# waiting for its next attempt, or dead-lettered.
RETRYABLE = (HELD, FAILED, DEAD)
