"""Alert delivery: the outbox, channels (console, Slack) and the deliverer."""
