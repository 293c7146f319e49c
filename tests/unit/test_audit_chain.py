"""The hashed JSON of an audit event splits exactly around its two link fields.

audit.log lets the database fill in prev_hash and seq and hash the event in SQL; the
chain stays verifiable by `first_break` only if prefix + link + suffix is, byte for
byte, what `canonical` hashes.
"""
import hashlib

from hypothesis import given, strategies as st

from voting.audit.chain import SEQ_JOIN, canonical, canonical_parts, event_hash
from voting.audit.sql_hash import _sha256_hex

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)  # any Unicode but lone surrogates
json_values = st.recursive(st.none() | st.booleans() | st.integers() | text,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                           max_leaves=8)


@given(action=text, actor=text, at=text, chain=text, subject=text, data=st.dictionaries(text, json_values, max_size=4),
       prev_hash=st.sampled_from(["0" * 64, "ab" * 32]), seq=st.integers(min_value=1, max_value=10 ** 9))
def test_prefix_link_suffix_is_the_canonical_json(action, actor, at, chain, subject, data, prev_hash, seq):
    event = {"action": action, "actor": actor, "at": at, "chain": chain, "subject": subject, "data": data,
             "prev_hash": prev_hash, "seq": seq}
    prefix, suffix = canonical_parts(event)
    joined = prefix + prev_hash + SEQ_JOIN + str(seq) + suffix
    assert joined.encode("utf-8") == canonical(event)
    assert _sha256_hex(joined) == event_hash(event)


def test_chinese_text_is_hashed_as_utf8():
    event = {"action": "ballot_cast", "actor": "张三", "at": "2026-11-27T02:00:00+00:00", "chain": "estate:1",
             "subject": "round:1", "data": {"说明": "同意"}, "prev_hash": "0" * 64, "seq": 7}
    prefix, suffix = canonical_parts(event)
    assert "张三" in prefix and "\\u" not in prefix  # not ASCII-escaped, as canonical() writes it
    assert _sha256_hex(prefix + "0" * 64 + SEQ_JOIN + "7" + suffix) == hashlib.sha256(canonical(event)).hexdigest()
