"""Where a login may send the browser next: same-site relative paths only.

A `next` parameter is attacker-chosen (it arrives in a link). Browsers strip tabs and
newlines from URLs and read a backslash as a slash, so "/\\t/evil.example" and
"/\\\\evil.example" both become "//evil.example", another site. This module refuses
anything that is not, character for character, a path on this site.
"""
import unicodedata
from urllib.parse import unquote, urlsplit


def safe_next_path(target: str | None) -> str | None:
    """`target` if it is a same-site relative path (e.g. "/estates/3?tab=roll"), else None.

    Refused: empty; not starting with exactly one "/"; any backslash; any control or
    format character (Unicode categories Cc and Cf: tab, newline, NUL, bidi overrides),
    also when percent-encoded; a scheme or a network location once parsed.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    for text in (target, unquote(target)):
        if "\\" in text or any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return target
