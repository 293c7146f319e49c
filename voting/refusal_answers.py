"""How a refusal is answered, one path for the API and the pages.

An operation raises a `Refused` (voting.refusals) and leaves the request's transaction to
its owner. The view answers with one of these, which first roll that transaction back:
- `abort_refused(exc)`: the error envelope under /api/ (voting.errors), an error page elsewhere;
- `show_refusal(exc, page)`: a page shown again — the form with what was typed, or the
  record's page — with the refusal's status and its Chinese message (and field errors).
"""
from collections.abc import Callable

from flask_smorest import abort

from .extensions import db
from .refusals import Refused


def abort_refused(exc: Refused):
    """Undo the request's half-done work and answer with the refusal's status, message, errors and headers."""
    db.session.rollback()
    abort(exc.status, message=exc.message, errors=exc.errors or None, headers=exc.headers)


def show_refusal(exc: Refused, page: Callable[[int, str], object]):
    """Undo the request's half-done work and show `page(status, message)` again, with the refusal's headers."""
    db.session.rollback()
    body, status = page(exc.status, exc.message)
    return body, status, exc.headers
