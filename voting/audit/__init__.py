"""Tamper-evident audit log: one hash chain of append-only events per estate."""
