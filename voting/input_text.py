"""Refuse request text the database cannot store, before any view runs.

PostgreSQL text cannot hold NUL (U+0000), and neither database can store a lone UTF-16
surrogate (JSON may spell one, "\\ud800", and Python keeps it in a str): handed to the
database either is an error, i.e. a 500, and on SQLite NUL would be stored and then cut
exports short. No form field, query or JSON string of this service has a use for them, so a
request carrying one is refused as a whole: 404 if it is in the URL path (such a path cannot
name anything), otherwise 422 naming where it was.

Control and format characters (Unicode Cc and Cf, e.g. the right-to-left override U+202E
that makes "txt.exe" read "exe.txt") are refused in every field the same way, as the roster
import refuses them: an opinion, a notice title or an estate name is shown to other people,
and such a character makes it read other than it was written. Tab, line breaks and the
zero-width joiner (which joins emoji such as 👨‍👩‍👧) stay allowed: they reorder nothing.

JSON nested deeper than MAX_JSON_DEPTH is refused (400) before it is parsed: Python's decoder
recurses, so "[" * 900 raised RecursionError, a 500 with a traceback fifty times the size of
the request. No document of this API nests past a handful of levels. The walks below are
iterative for the same reason.
"""
import logging
import re
import unicodedata

from flask import Flask, abort, current_app, request
from flask_smorest import abort as abort_with

log = logging.getLogger(__name__)

REFUSED_ZH = "提交的内容含有不允许的控制字符（如 NUL、文字方向控制符）或无效编码，请删除后重试"
TOO_DEEP_ZH = "提交的 JSON 嵌套层数过多，请检查请求格式"
MAX_JSON_DEPTH = 32
ALLOWED_CONTROLS = frozenset("\t\n\r\u200d")

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def is_storable(text: str, *, format_controls: bool = False) -> bool:
    """True if `text` encodes to UTF-8 (no lone surrogate) and has no NUL, and — unless
    `format_controls` — no other control or format character but ALLOWED_CONTROLS."""
    if "\x00" in text:
        return False
    if not format_controls and any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in ALLOWED_CONTROLS
                                   for ch in text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b"", body)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def _all_storable(value, format_controls: bool = False) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable(item, format_controls=format_controls):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _multidict_storable(values, format_controls: bool = False) -> bool:
    return all(is_storable(key, format_controls=format_controls) and is_storable(value, format_controls=format_controls)
               for key, value in values.items(multi=True))


def refuse_too_deep_json():
    if request.is_json and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        log.warning("refused JSON nested deeper than %d on %s %s", MAX_JSON_DEPTH, request.method, request.path)
        abort_with(400, message=TOO_DEEP_ZH, errors={"json": [TOO_DEEP_ZH]})


def refuse_unstorable_text():
    if not _all_storable(request.view_args or {}):
        abort(404)
    # Text written by people outside the service and relayed as sent (a resident's SMS reply,
    # through Twilio's webhook) is not refused for its format characters: a lost STOP is worse.
    relayed = request.blueprint in current_app.extensions.get(_RELAYED, ())
    bad = [] if _multidict_storable(request.args, relayed) else ["query"]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if not (_multidict_storable(request.form, relayed)
                and all(is_storable(upload.filename or "") for upload in request.files.values())):
            bad.append("form")
    elif request.is_json and not _all_storable(request.get_json(silent=True), relayed):
        bad.append("json")
    if bad:
        abort_with(422, message=REFUSED_ZH, errors={place: [REFUSED_ZH] for place in bad})


_RELAYED = "input_text_relayed_blueprints"


def accept_relayed_text(app: Flask, blueprint: str) -> None:
    """Let `blueprint`'s requests carry format characters (still never NUL nor lone surrogates)."""
    app.extensions.setdefault(_RELAYED, set()).add(blueprint)


def register_input_text_guard(app: Flask) -> None:
    # Depth first of all hooks: the rate limiter's key functions may read the JSON body too.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_too_deep_json)
    app.before_request(refuse_unstorable_text)
