"""Exact legal tally of owners' votes (业主表决计票), pure and framework-free.

- ``rules``: the legal rules as data (双2/3 of Property Law Art. 76, Civil Code
  Art. 278 major/ordinary items) and custom rules; exact threshold arithmetic.
- ``tally``: denominators from the roll (SPC interpretation Arts. 8–9), the
  effective ballot per owner, the pass/fail checks and the gap to pass.
- ``standing``: which of a voter's ballots counts under policy first / last
  (counted / duplicate / superseded), for the tally, casting and the ledger.
- ``ballots_file``: the BALLOTS.csv format used for recounts and evidence.

Plain values in, plain values out: no Flask, no database, no clock, no float.
"""
