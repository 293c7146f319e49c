"""Renovation proposals: the plan's 36-item menu and the funding calculator (pure domain code)."""
