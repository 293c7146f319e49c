"""One error envelope for the API, HTML error pages for people, never a bare 500.

API responses (paths under /api/) always carry {"code", "status", "message", "errors"}.
"""
import logging

from flask import Flask, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

log = logging.getLogger(__name__)

# Plain Chinese defaults for the statuses users meet; the API keeps them too.
MESSAGES_ZH = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "没有权限执行此操作",
    404: "找不到该页面或记录",
    405: "不支持该操作",
    409: "当前状态下不能执行此操作",
    413: "上传的文件太大",
    415: "不支持的内容类型",
    422: "提交的内容有误，请检查",
    429: "操作太频繁，请稍后再试",
    500: "系统内部错误，请稍后再试",
}


def envelope(code: int, name: str, message: str | None = None, errors=None) -> dict:
    return {
        "code": code,
        "status": name,
        "message": message or MESSAGES_ZH.get(code, name),
        "errors": errors if errors is not None else {},
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    message = data.get("message")
    if message is None and error.description and error.description != type(error).description:
        message = error.description
    errors = data.get("errors", data.get("messages"))
    headers = dict(data.get("headers") or {})
    if error.code == 429:
        headers.update(dict(error.get_headers()) if hasattr(error, "get_headers") else {})
        headers.pop("Content-Type", None)
        if isinstance(error, RateLimitExceeded) and "Retry-After" not in headers:
            # X-RateLimit-* headers on every response cost a storage read per limit (see
            # config); a refused request still says when to come back: at most one window.
            headers["Retry-After"] = str(error.limit.limit.get_expiry())
    if _wants_json():
        return envelope(error.code, error.name, message, errors), error.code, headers
    text = message or MESSAGES_ZH.get(error.code, error.name)
    return render_template("error.html", code=error.code, message=text), error.code, headers


def handle_csrf_error(error: CSRFError):
    # Flask-WTF's reasons are English ("The CSRF token is missing."); the form is simply stale.
    error.description = "页面已过期或表单无效，请返回上一页刷新后重新提交"
    return handle_http_exception(error)


def handle_unexpected(error: Exception):
    # Whatever half-done work the request had must not reach the database.
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def register_errorhandlers(app: Flask) -> None:
    # Replaces flask-smorest's handler so pages get HTML and the API a full envelope.
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(Exception, handle_unexpected)
