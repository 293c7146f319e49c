"""Consultation rounds (三上三下): state machine, frozen roll, opinions and results."""
