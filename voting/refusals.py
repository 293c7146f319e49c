"""One shape for an operation's refusal: an HTTP status, a Chinese message for the user, field errors.

Operations raise a subclass named after their feature (RoundRefused, CastRefused…), so a
caller can tell whose refusal it met; API views answer any of them with `abort_refused`, in
the error envelope every client reads (voting.refusal_answers). Pure: no Flask here, so
pure domain modules (image checks, parsers) raise it too.
"""

class Refused(Exception):
    retry_after: int | None = None  # seconds, for a 429: sent as Retry-After

    def __init__(self, status: int, message: str, errors: dict | list | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.errors = {} if errors is None else errors

    @property
    def headers(self) -> dict:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


