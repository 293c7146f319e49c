"""How a refusal is answered: the API's error envelope (voting.errors) with its status and headers."""
from flask_smorest import abort

from .extensions import db
from .refusals import Refused


def abort_refused(exc: Refused):
    """Undo the request's half-done work and answer with the refusal's status, message, errors and headers."""
    db.session.rollback()
    abort(exc.status, message=exc.message, errors=exc.errors or None, headers=exc.headers)
