"""Security headers on every response: nothing loads from outside, nothing frames us.

Pages are served with all their assets by the app (closed networks), so the policy
allows only 'self'. A blueprint may set a stricter header first (the resident ballot
pages add no-referrer because the token is in the URL; attachments are sandboxed);
those are kept.

Nothing is stored by a browser or proxy cache (Cache-Control: no-store) but the CSS and
images under /static and the public notice board: every other response may carry live
voting links (the links list, QR slips), names and phones (roster.csv?full=…, the
households list, progress) or a staff page, and a shared office computer or a proxy must
not keep them.
"""
from flask import Flask, Response, request

DEFAULTS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


CACHEABLE_ENDPOINTS = ("static", "board.")  # endpoint names, or blueprint prefixes ending in "."


def _cacheable() -> bool:
    endpoint = request.endpoint or ""
    return any(endpoint == name or (name.endswith(".") and endpoint.startswith(name)) for name in CACHEABLE_ENDPOINTS)


def _add_headers(response: Response) -> Response:
    for name, value in DEFAULTS.items():
        response.headers.setdefault(name, value)
    if not _cacheable() and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(_add_headers)
