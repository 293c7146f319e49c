"""Security headers on every response: nothing loads from outside, nothing frames us.

Pages are served with all their assets by the app (closed networks), so the policy
allows only 'self'. A blueprint may set a stricter header first (the resident ballot
pages add no-referrer because the token is in the URL; attachments are sandboxed);
those are kept.
"""
from flask import Flask, Response

DEFAULTS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _add_headers(response: Response) -> Response:
    for name, value in DEFAULTS.items():
        response.headers.setdefault(name, value)
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(_add_headers)
