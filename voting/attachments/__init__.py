"""Uploaded files (notice photos, proposal documents, ballot scans): checked, re-encoded, kept."""
