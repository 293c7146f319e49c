"""Owner roster (业主名册): pure parsing/validation of uploaded rosters and the CSV export that round-trips with it."""
