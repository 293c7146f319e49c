"""The ballot ledger: voting links, online, paper and proxy ballots."""
