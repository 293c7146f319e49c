"""Page sessions and API tokens end with logout, a password change and disabling — everywhere,
also a cookie copied to another browser (issue #15, "page sessions cannot be revoked")."""
import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, api_token, csrf_token, make_user, page_login
from voting.models.accounts import StaffUser
from voting.models.audit import AuditEvent

NEW_PASSWORD = "a-new-long-password"


@pytest.fixture
def admin(db):
    return make_user("district", username="admin")


def _other_browser(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    other.set_cookie(cookie.key, cookie.value)
    return other


def _signed_in(client) -> bool:
    return client.get("/estates").status_code == 200


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/account")})


def test_logout_ends_a_copied_cookie_and_the_api_tokens(app, client, db, admin):
    page_login(client, "admin")
    copy = _other_browser(app, client)
    headers = api_token(client, "admin")
    assert _signed_in(copy)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/estates")}).status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(copy)
    assert client.get("/api/v1/estates", headers=headers).status_code == 401
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "staff_logout")) == "staff_logout"


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, client, db, admin):
    page_login(client, "admin")
    elsewhere = page_login(app.test_client(), "admin")
    copy = _other_browser(app, client)
    headers = api_token(client, "admin")
    response = _post(client, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                   "new_password_again": NEW_PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(elsewhere) and not _signed_in(copy)
    assert client.get("/api/v1/estates", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).status_code == 401
    assert client.get("/api/v1/estates", headers=api_token(client, "admin", NEW_PASSWORD)).status_code == 200


def test_a_wrong_current_password_or_a_short_new_one_changes_nothing(client, db, admin):
    page_login(client, "admin")
    wrong = _post(client, "/account/password", {"current_password": "not-my-password", "new_password": NEW_PASSWORD,
                                                "new_password_again": NEW_PASSWORD})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    short = _post(client, "/account/password", {"current_password": PASSWORD, "new_password": "short",
                                                "new_password_again": "short"})
    assert short.status_code == 422 and "至少需要 10 个字符" in short.get_data(as_text=True)
    mismatch = _post(client, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                   "new_password_again": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422 and "不一致" in mismatch.get_data(as_text=True)
    assert _signed_in(client)
    api_token(client, "admin")  # the old password still works


def test_cli_set_password_reads_stdin_and_revokes(app, client, db, admin):
    page_login(client, "admin")
    headers = api_token(client, "admin")
    result = app.test_cli_runner().invoke(args=["users", "set-password", "admin"], input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert not _signed_in(client)
    assert client.get("/api/v1/estates", headers=headers).status_code == 401
    api_token(client, "admin", NEW_PASSWORD)
    weak = app.test_cli_runner().invoke(args=["users", "set-password", "admin"], input="short\n")
    assert weak.exit_code != 0 and "至少需要" in weak.output
    unknown = app.test_cli_runner().invoke(args=["users", "set-password", "nobody"], input=NEW_PASSWORD + "\n")
    assert unknown.exit_code != 0


def test_cli_disable_ends_sessions_and_refuses_login_until_enabled(app, client, db, admin):
    page_login(client, "admin")
    headers = api_token(client, "admin")
    assert app.test_cli_runner().invoke(args=["users", "disable", "admin"]).exit_code == 0
    assert not _signed_in(client)
    assert client.get("/api/v1/estates", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).status_code == 401
    assert app.test_cli_runner().invoke(args=["users", "enable", "admin"]).exit_code == 0
    api_token(client, "admin")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "cli")).all()
    assert actions == ["staff_disabled", "staff_enabled"]


def test_a_session_cookie_from_before_session_versions_is_refused(client, db, admin):
    with client.session_transaction() as session:
        session["_user_id"] = str(admin.id)  # the old cookie format: the id alone
        session["_fresh"] = True
    assert not _signed_in(client)


def test_the_session_version_is_kept_in_the_database(client, db, admin):
    page_login(client, "admin")
    before = db.session.scalar(select(StaffUser.session_version).where(StaffUser.id == admin.id))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/estates")})
    db.session.expire_all()
    assert db.session.scalar(select(StaffUser.session_version).where(StaffUser.id == admin.id)) == before + 1
