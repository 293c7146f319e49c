"""Voting-link tokens: derived, not stored; the database keeps only their SHA-256.

The decision
------------
A resident's link is ``{PUBLIC_BASE_URL}/v/{token}``. The token is the credential,
so the ledger (``voting_tokens.token_hash``) holds only ``sha256(token)``: a copy of
the database, a backup or an export never contains a usable link.

Workers must still be able to print (and reprint) slips and list the links, which
a random token stored as a hash would not allow. So tokens are *derived*:

    token = base64url(HMAC-SHA256(link_key, "{round_id}:{household_id}:{n}")[:18])

where ``n`` is the issue number of the token for that household in that round
(1 for the first, 2 after the first reissue…, i.e. the number of ``voting_tokens``
rows for the pair). 18 bytes are 144 bits, written as 24 URL-safe characters with
no padding. The server can re-derive the live token from the row count, while the
database alone cannot; a reissue (``n + 1``) yields a new token and, because the
newest row is the live one, the old link stops working.

``link_key`` is a dedicated 32-byte key derived by HKDF-SHA256 from the app's
``SECRET_KEY`` (or from ``LINK_TOKEN_SECRET`` when set, so it can be rotated on its
own). Rotating it does not break links already delivered: checking a link is a
hash lookup, not a re-derivation. It only means links issued under the old key
can no longer be reprinted (the list shows them as needing a reissue), which is
exactly what a rotation after a leak calls for.

The unique index on ``token_hash`` doubles as the guard against two workers
issuing the same household's token at once: both derive the same ``n`` and the
same hash, and the second insert fails instead of creating a second live token.

This module is pure: no Flask, no database, no clock.
"""
import base64
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 18  # 144 bits ≥ 128; a multiple of 3, so base64 needs no padding
TOKEN_LENGTH = 24  # characters of URL-safe base64 for TOKEN_BYTES
_HKDF_SALT = b"voting.ballots.links"
_HKDF_INFO = b"ballot-link-tokens/v1"


def derive_link_key(secret: str | bytes) -> bytes:
    """The 32-byte HMAC key for link tokens, derived from `secret` by HKDF-SHA256.

    A fixed salt and info string bind the key to this one purpose, so the same
    SECRET_KEY that signs sessions never signs a voting link directly.
    """
    material = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not material:
        raise ValueError("empty secret: cannot derive a link key")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(material)


def link_token(link_key: bytes, round_id: int, household_id: int, issue_number: int) -> str:
    """The token of the `issue_number`-th link (1-based) of a household in a round.

    Deterministic for the same key and inputs; 24 URL-safe characters (144 bits).
    """
    if issue_number < 1:
        raise ValueError("issue numbers start at 1")
    message = f"{round_id}:{household_id}:{issue_number}".encode("ascii")
    digest = hmac.new(link_key, message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def token_hash(token: str) -> str:
    """Lower-case hex SHA-256 of the token as typed: what the ledger stores and looks up.

    Any string is accepted (an unknown or malformed token simply matches no row),
    so a lookup costs the same whatever a visitor sends.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_url(base_url: str, token: str) -> str:
    """The resident's voting link: `{base_url}/v/{token}` (one slash between)."""
    return f"{base_url.rstrip('/')}/v/{token}"
