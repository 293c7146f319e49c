"""Deeply nested JSON is a 400 with the envelope and one log line, never a RecursionError 500."""
import logging

import pytest

from voting.input_text import MAX_JSON_DEPTH, json_depth

BOMB = b"[" * 900 + b"]" * 900


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/ballots", "/api/v1/estates", "/login",
                                  "/v/AAAAAAAAAAAAAAAAAAAAAA"])
def test_a_bracket_bomb_is_400_on_any_endpoint_with_one_log_line(client, db, caplog, path):
    with caplog.at_level(logging.DEBUG):
        response = client.post(path, data=BOMB, content_type="application/json")
    assert response.status_code == 400
    if path.startswith("/api/"):
        body = response.get_json()
        assert body["code"] == 400 and "嵌套层数过多" in body["message"]
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1 and records[0].exc_info is None
    assert sum(len(r.getMessage()) for r in caplog.records) < 1000


def test_objects_and_brackets_inside_strings_are_measured_right():
    assert json_depth(b'{"a": [1, {"b": "[[[[[[[[[["}]}') == 3
    assert json_depth(b'"\\"[[[["') == 0
    assert json_depth(b"[" * (MAX_JSON_DEPTH + 1)) == MAX_JSON_DEPTH + 1


def test_json_within_the_limit_is_still_judged_by_its_schema(client, db):
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)  # inside the object: the limit exactly
    response = client.post("/api/v1/auth/token", data=f'{{"username": {nested}, "password": "x"}}',
                           content_type="application/json")
    assert response.status_code == 422


def test_text_inside_nesting_at_the_limit_is_still_checked(client, db):
    nested = "[" * (MAX_JSON_DEPTH - 1) + '"\\u0000"' + "]" * (MAX_JSON_DEPTH - 1)
    response = client.post("/api/v1/auth/token", data=f'{{"username": "a", "password": {nested}}}',
                           content_type="application/json")
    assert response.status_code == 422
