"""Write the owner roster (业主名册) back out as CSV, in the exact format parse_roster reads.

Pure: takes row objects, returns bytes. The output carries owners' names and phones in
clear (it is the community's working copy for re-import), so callers must restrict who
may download it; anything published must mask them instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from voting.hundredths import two_places_str
from voting.roster.roster_import import COLUMNS
from voting.unit_labels import natural_key

EXPORT_HEADERS = COLUMNS  # canonical English headers in canonical order, co_owners last


def write_roster_csv(rows: Iterable) -> bytes:
    """Return the roster as UTF-8 CSV with a BOM (so Excel opens Chinese correctly) and CRLF line ends.

    rows: objects with RosterRow's attributes (``row`` is not used). Columns are the
    canonical English headers plus ``co_owners``; area is written with exactly two
    decimals in m² ("86.50"); phones and co-owners are joined with ";"; area_source and
    status stay as their English codes. Rows are ordered by building, unit, room with a
    natural sort. parse_roster(write_roster_csv(rows), "x.csv") gives back equal rows.
    """
    ordered = sorted(rows, key=lambda r: (natural_key(r.building), natural_key(r.unit), natural_key(r.room)))
    out = io.StringIO()
    writer = csv.writer(out)  # default dialect: minimal quoting, "\r\n" line ends
    writer.writerow(EXPORT_HEADERS)
    for r in ordered:
        writer.writerow([
            r.building, r.unit, r.room,
            two_places_str(r.area),
            r.area_source, r.owner_key, r.owner_name,
            ";".join(r.phones), r.status, ";".join(r.co_owners),
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
