"""The official working-day calendar: the State Council holiday tables per year, and working-day arithmetic."""
