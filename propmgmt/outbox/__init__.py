"""The outbox: every message the app owes someone (in-app, email, webhook); written by any domain,
sent by reminders.sender."""
