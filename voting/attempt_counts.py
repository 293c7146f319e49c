"""Counting failed attempts against a budget in Flask-Limiter's storage, shared by every feature.

A budget is looked at only where an attempt is judged and kept only when it fails, so an
ordinary request touches no counter (a verified ballot or a login reserves one try and
gives it back). Counts go through Flask-Limiter's own strategy and storage
(`limiter.limiter`: Redis in production, with the same key prefix); `make run` serves from one
process so its memory storage is shared too (README "Rate limits"). If the storage fails, this
process counts in memory instead, as Flask-Limiter's in-memory fallback does for its own
limits: an outage never turns a ballot or a login into a 500.

The budgets themselves live with the feature that judges: voting links in
`voting/ballots/attempt_limits.py`, staff logins in `voting/accounts/login_backoff.py`.
"""
import logging
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem
from limits.storage import MemoryStorage

from .extensions import limiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Budget:
    limit: RateLimitItem
    scope: str
    message: str

    @property
    def retry_after(self) -> int:
        """Seconds until the budget is whole again, at most: one window."""
        return self.limit.get_expiry()


_fallback = {}  # strategy class -> the same strategy over this process's memory


def _identifiers(budget: Budget, key: str) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    return (prefix, budget.scope, key) if prefix else (budget.scope, key)


def _count(method: str, budget: Budget, key: str, unlimited, **options):
    """strategy.<method> on Flask-Limiter's storage (or this process's memory while it is down)."""
    if not limiter.enabled:
        return unlimited
    strategy = limiter.limiter
    try:
        return getattr(strategy, method)(budget.limit, *_identifiers(budget, key), **options)
    except Exception:  # the storage (Redis) is unreachable: count in this process meanwhile
        log.warning("rate limit storage unreachable; counting %s in memory", budget.scope, exc_info=True)
        local = _fallback.setdefault(type(strategy), type(strategy)(MemoryStorage()))
        return getattr(local, method)(budget.limit, *_identifiers(budget, key), **options)


def spend(budget: Budget, key: str) -> bool:
    """Count one failure; False once it is over the budget.

    Also the way to *reserve* an attempt before judging it, so that parallel attempts cannot
    all pass a check made before any of them failed: the storage increments atomically, and
    at most the budget's amount of reservations succeed in a window. `refund` gives one back
    when the attempt turns out right, or is not judged after all.
    """
    return _count("hit", budget, key, True)


def refund(budget: Budget, key: str) -> None:
    """Give back one reservation made with `spend`."""
    _count("hit", budget, key, True, cost=-1)


def lasts(budget: Budget, key: str) -> bool:
    """True if one more failure would still be within the budget (counts nothing)."""
    return _count("test", budget, key, True)


def spent(budget: Budget, key: str) -> int:
    """How many failures the current window holds (0: untouched)."""
    stats = _count("get_window_stats", budget, key, None)
    return 0 if stats is None else budget.limit.amount - stats.remaining
