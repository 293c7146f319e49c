"""Link tokens: derived from a dedicated key and the issue number, stored only as a hash."""
import hashlib
import re

import pytest

from voting.ballots.ballot_tokens import TOKEN_LENGTH, derive_link_key, link_token, link_url, token_hash
from voting.ballots.online import phone_last4_matches

KEY = derive_link_key("a-secret-key-for-tests")


def test_token_is_24_url_safe_characters_carrying_144_bits():
    token = link_token(KEY, 7, 42, 1)
    assert len(token) == TOKEN_LENGTH == 24
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", token)
    # 24 base64 characters without padding are 18 bytes: at least 128 bits of HMAC output.
    import base64
    assert len(base64.urlsafe_b64decode(token)) * 8 == 144


def test_same_inputs_derive_the_same_token_so_slips_can_be_reprinted():
    assert link_token(KEY, 7, 42, 1) == link_token(derive_link_key("a-secret-key-for-tests"), 7, 42, 1)


def test_round_household_issue_number_and_key_each_change_the_token():
    tokens = {
        link_token(KEY, 7, 42, 1), link_token(KEY, 8, 42, 1), link_token(KEY, 7, 43, 1),
        link_token(KEY, 7, 42, 2), link_token(derive_link_key("another-secret"), 7, 42, 1),
    }
    assert len(tokens) == 5


def test_ambiguous_joins_do_not_collide():
    # "1:23" vs "12:3": the separator keeps round 1/household 23 apart from round 12/household 3.
    assert link_token(KEY, 1, 23, 1) != link_token(KEY, 12, 3, 1)


def test_issue_numbers_start_at_one():
    with pytest.raises(ValueError):
        link_token(KEY, 1, 1, 0)


def test_link_key_is_32_bytes_bound_to_its_purpose_and_needs_a_secret():
    assert len(KEY) == 32
    assert KEY != hashlib.sha256(b"a-secret-key-for-tests").digest()
    assert derive_link_key(b"a-secret-key-for-tests") == KEY
    with pytest.raises(ValueError):
        derive_link_key("")


def test_hash_is_hex_sha256_of_the_token_and_accepts_any_string():
    token = link_token(KEY, 1, 2, 3)
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert len(token_hash("")) == 64
    assert len(token_hash("不是令牌\udc80")) == 64  # malformed input costs the same and matches nothing


def test_link_url_joins_base_and_token_with_one_slash():
    assert link_url("https://vote.example.cn/", "abc") == "https://vote.example.cn/v/abc"
    assert link_url("https://vote.example.cn", "abc") == "https://vote.example.cn/v/abc"


@pytest.mark.parametrize("answer, expected", [
    ("1234", True), ("5678", True), (" 1234 ", True), ("１２３４", True),  # full-width digits from a Chinese IME
    ("123", False), ("12345", False), ("abcd", False), ("", False), ("4321", False), ("٣٤٥٦", False),
])
def test_phone_last_four_digits_check(answer, expected):
    assert phone_last4_matches("13812341234;13956785678", answer) is expected


def test_no_phone_on_the_roll_matches_nothing():
    assert phone_last4_matches("", "1234") is False
