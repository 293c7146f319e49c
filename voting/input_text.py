"""Refuse request text the database cannot store, before any view runs.

PostgreSQL text cannot hold NUL (U+0000), and neither database can store a lone UTF-16
surrogate (JSON may spell one, "\\ud800", and Python keeps it in a str): handed to the
database either is an error, i.e. a 500, and on SQLite NUL would be stored and then cut
exports short. No form field, query or JSON string of this service has a use for them, so a
request carrying one is refused as a whole: 404 if it is in the URL path (such a path cannot
name anything), otherwise 422 naming where it was.
"""
from flask import Flask, abort, request
from flask_smorest import abort as abort_with

REFUSED_ZH = "提交的内容含有不允许的控制字符（如 NUL）或无效编码，请删除后重试"


def is_storable(text: str) -> bool:
    """True if `text` has no NUL and encodes to UTF-8 (no lone surrogate)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _all_storable(value) -> bool:
    if isinstance(value, str):
        return is_storable(value)
    if isinstance(value, dict):
        return all(_all_storable(k) and _all_storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_all_storable(v) for v in value)
    return True


def _multidict_storable(values) -> bool:
    return all(is_storable(key) and is_storable(value) for key, value in values.items(multi=True))


def refuse_unstorable_text():
    if not _all_storable(request.view_args or {}):
        abort(404)
    bad = [] if _multidict_storable(request.args) else ["query"]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if not (_multidict_storable(request.form)
                and all(is_storable(upload.filename or "") for upload in request.files.values())):
            bad.append("form")
    elif request.is_json and not _all_storable(request.get_json(silent=True)):
        bad.append("json")
    if bad:
        abort_with(422, message=REFUSED_ZH, errors={place: [REFUSED_ZH] for place in bad})


def register_input_text_guard(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)
