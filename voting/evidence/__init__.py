"""Evidence: tally reports (PDF/XLSX/CSV), signed evidence bundles and their verifier, the street dashboard."""
