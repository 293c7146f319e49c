"""Writing a set of record ids compactly, for audit events that name many households (pure)."""


def compact_ranges(ids) -> str:
    """Sorted, de-duplicated ids with consecutive runs joined: [5, 1, 2, 3, 9] → '1-3,5,9'.

    A run of two is written as two ids ('7,8'), of three or more as 'first-last' (inclusive).
    An empty input gives ''.
    """
    values = sorted(set(ids))
    parts: list[str] = []
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and values[end + 1] == values[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{values[start]}-{values[end]}")
        else:
            parts.extend(str(v) for v in values[start:end + 1])
        start = end + 1
    return ",".join(parts)


def expand_ranges(text: str) -> list[int]:
    """The ids `compact_ranges` wrote, in order: '1-3,5' → [1, 2, 3, 5]; '' → []."""
    ids: list[int] = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        ids.extend(range(int(first), int(last or first) + 1))
    return ids
