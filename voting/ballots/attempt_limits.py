"""Limits on failed attempts at a voting link: links that do not exist, and wrong verification answers.

Only failures spend a budget, and a budget is looked at only where an attempt is judged,
so a resident's ordinary ballot touches no counter at all (the counting is
`voting/attempt_counts.py`, in Flask-Limiter's storage):

- **Unknown links**, per client address (30 an hour): spent when a token resolves to
  nothing; past the budget the answer is 429 instead of 404. A real link is never refused
  because someone else behind the same address (a mobile carrier's NAT) was guessing.
- **Unknown receipt codes**, per client address (30 an hour), the same way: a receipt code is
  a secret of 60 bits, and only a failed lookup spends.
- **Wrong answers** to the round's verification (phone4, sms), per link (5 in 10 minutes),
  per round (300 an hour, from every address) and per round and address (100 an hour: a
  carrier NAT puts a whole estate behind one address, and some of them mistype). All three
  are spent when an answer is wrong. The link's try is reserved before judging (and given
  back if the answer is right), so parallel guesses cannot outrun its budget. The round's
  budgets are looked at *only for a link that has itself failed in its window*: then a right
  guess past a budget is refused like a wrong one. A link with no failure of its own is
  always judged, so a household typing its right digits is never refused because other links
  failed; someone guessing across many links gets one try on each untouched link, and after
  that each is held by the budgets.

The address is the client's as the service sees it: behind a load balancer that is the
forwarded address, once TRUSTED_PROXIES says how many proxies to believe (README).
"""
from limits import parse

from ..attempt_counts import Budget, lasts, refund, spend, spent

UNKNOWN_LINKS = Budget(parse("30 per hour"), "ballot-unknown-token",
                       "无效的表决链接尝试次数过多，请1小时后再试；如二维码无法使用，请联系社区工作人员")
# Receipt codes (60 bits) looked up on /receipts or GET /api/v1/ballots/{receipt}: per address, like unknown links.
UNKNOWN_RECEIPTS = Budget(parse("30 per hour"), "receipt-unknown",
                          "查询不到的回执编号次数过多，请1小时后再试；如有疑问请联系社区工作人员")
WRONG_ANSWERS_PER_LINK = Budget(parse("5 per 10 minutes"), "ballot-verification-token",
                                "核验错误次数过多，请10分钟后再试，或联系社区工作人员")
WRONG_ANSWERS_PER_ROUND = Budget(parse("300 per hour"), "ballot-verification-round",
                                 "本轮表决核验错误次数过多，请1小时后再试，或联系社区工作人员")
WRONG_ANSWERS_PER_ROUND_ADDRESS = Budget(parse("100 per hour"), "ballot-verification-round-ip",
                                         "核验错误次数过多，请1小时后再试，或联系社区工作人员")

__all__ = ["Budget", "lasts", "refund", "spend", "spent", "UNKNOWN_LINKS", "UNKNOWN_RECEIPTS", "WRONG_ANSWERS_PER_LINK",
           "WRONG_ANSWERS_PER_ROUND", "WRONG_ANSWERS_PER_ROUND_ADDRESS", "address_key", "link_key",
           "round_key", "round_address_key"]


def address_key(client: str) -> str:
    """The storage key of a network address's budget (the views pass the request's address in)."""
    return "address:" + client


def link_key(token_id: int) -> str:
    # A link's row id: the storage never holds anything that could be used as a link.
    return f"link:{token_id}"


def round_key(round_id: int) -> str:
    return f"round:{round_id}"


def round_address_key(round_id: int, client: str) -> str:
    return f"round:{round_id}:address:{client}"
