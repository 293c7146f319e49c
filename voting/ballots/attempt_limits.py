"""Limits on failed attempts at a voting link: links that do not exist, and wrong verification answers.

Only failures spend a budget, and a budget is looked at only where an attempt is judged,
so a resident's ordinary ballot touches no counter at all (in production that is three
Redis round trips fewer per ballot than checking every request):

- **Unknown links**, per client address (30 an hour): spent when a token resolves to
  nothing; past the budget the answer is 429 instead of 404. A real link is never refused
  because someone else behind the same address (a mobile carrier's NAT) was guessing.
- **Unknown receipt codes**, per client address (30 an hour), the same way: a receipt code is
  a secret of 60 bits, and only a failed lookup spends.
- **Wrong answers** to the round's verification (phone4, sms), per link (5 in 10 minutes)
  and per address (30 an hour): checked *before* an answer is compared, so that a right
  guess past the budget is refused like a wrong one, and spent when the answer is wrong.

Counts go through Flask-Limiter's own rate-limiting strategy and storage (`limiter.limiter`,
Redis in production, with the same key prefix). If that storage fails, this process counts
in memory instead, as Flask-Limiter's in-memory fallback does for its own limits: an outage
never turns a ballot into a 500.
"""
import logging
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage

from ..extensions import limiter

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


UNKNOWN_LINKS = Budget(parse("30 per hour"), "ballot-unknown-token",
                       "无效的表决链接尝试次数过多，请1小时后再试；如二维码无法使用，请联系社区工作人员")
# Receipt codes (60 bits) looked up on /receipts or GET /api/v1/ballots/{receipt}: per address, like unknown links.
UNKNOWN_RECEIPTS = Budget(parse("30 per hour"), "receipt-unknown",
                          "查询不到的回执编号次数过多，请1小时后再试；如有疑问请联系社区工作人员")
WRONG_ANSWERS_PER_LINK = Budget(parse("5 per 10 minutes"), "ballot-verification-token",
                                "核验错误次数过多，请10分钟后再试，或联系社区工作人员")
WRONG_ANSWERS_PER_ADDRESS = Budget(parse("30 per hour"), "ballot-verification-ip",
                                   "核验错误次数过多，请1小时后再试，或联系社区工作人员")

_fallback = {}  # strategy class -> the same strategy over this process's memory


def _identifiers(budget: Budget, key: str) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    return (prefix, budget.scope, key) if prefix else (budget.scope, key)


def _count(method: str, budget: Budget, key: str) -> bool:
    """strategy.test / strategy.hit on Flask-Limiter's storage; True while the budget lasts."""
    if not limiter.enabled:
        return True
    strategy = limiter.limiter
    try:
        return getattr(strategy, method)(budget.limit, *_identifiers(budget, key))
    except Exception:  # the storage (Redis) is unreachable: count in this process meanwhile
        log.warning("rate limit storage unreachable; counting %s in memory", budget.scope, exc_info=True)
        local = _fallback.setdefault(type(strategy), type(strategy)(MemoryStorage()))
        return getattr(local, method)(budget.limit, *_identifiers(budget, key))


def address_key(client: str) -> str:
    """The storage key of a network address's budget (the views pass the request's address in)."""
    return "address:" + client


def link_key(token_id: int) -> str:
    # A link's row id: the storage never holds anything that could be used as a link.
    return f"link:{token_id}"


def spend(budget: Budget, key: str) -> bool:
    """Count one failure; False once it is over the budget."""
    return _count("hit", budget, key)


def lasts(budget: Budget, key: str) -> bool:
    """True if one more failure would still be within the budget (counts nothing)."""
    return _count("test", budget, key)
