"""Resident consultation and voting service for old-estate renovation (老旧小区改造征求意见与表决)."""
