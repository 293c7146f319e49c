"""SMS to residents through an outbox: reminders with voting links, result notices, one-time codes.

Messages are written to the outbox in the caller's transaction (so nothing is sent for
work that rolled back) and sent afterwards by `flask sms worker` (see worker.py for the
at-most-once design).
"""
