"""The client's address as the service sees it: the peer, or behind TRUSTED_PROXIES the forwarded one.

voting.app applies Werkzeug's ProxyFix when TRUSTED_PROXIES is set, so `request.remote_addr`
is already the resident's or the worker's address; every budget and audit entry keyed by
address reads it through here (views pass it into operations).
"""
from flask import request


def client_address() -> str:
    return request.remote_addr or "unknown"
