"""Browser fixtures: the app served on 127.0.0.1 from a thread, Debian's chromium driven by Playwright.

Never `playwright install`: the browser is the distribution's /usr/bin/chromium (.ci/run
installs it). Without it, or without the playwright package, browser tests skip locally
and FAIL under CI=true, so a CI machine cannot pass them silently.
"""
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of the app served by werkzeug on a free port of 127.0.0.1 (threaded)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="package")
def browser():
    """One headless chromium for the browser tests (closed after the last of them)."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def requested_urls():
    """Every URL a page of the test asked for, in order (filled by `mobile_page`)."""
    return []


@pytest.fixture
def mobile_page(browser, requested_urls):
    """A fresh page at 360×640 (a small phone), recording its requests into `requested_urls`."""
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.on("request", lambda request: requested_urls.append(request.url))
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """test-artifacts/ at the repository root (git-ignored): screenshots for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def off_host(urls: list[str]) -> list[str]:
    """The URLs that did not go to 127.0.0.1 (data: URLs never leave the page, so they do not count)."""
    return [u for u in urls if not u.startswith("data:") and urlsplit(u).hostname != "127.0.0.1"]


def staff_login(browser, base: str, username: str, password: str | None = None):
    """(context, page) of a staff member logged in on a desktop-sized page, at the estate list."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/estates")
    return context, page
