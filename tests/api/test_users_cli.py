"""`flask users …`: an unknown street or community is an error naming the ones that exist (a typo
no longer makes a second street); places are created explicitly; names, posts and phones set."""
from sqlalchemy import select

from voting.models.accounts import StaffUser
from voting.models.audit import AuditEvent
from voting.models.estates import Community, Street

PASSWORD = "a-long-password-1\n"


def _run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["users", *args], input=input)


def test_places_are_created_explicitly_and_accounts_name_existing_ones(app, db):
    assert _run(app, "add-street", "和睦街道").exit_code == 0
    assert _run(app, "add-community", "和睦街道", "和睦社区").exit_code == 0
    again = _run(app, "add-street", "和睦街道")
    assert again.exit_code != 0 and "已有名为“和睦街道”的街道" in again.output
    typo = _run(app, "create", "wang", "--role", "community", "--street", "和睦街到", "--community", "和睦社区",
                input=PASSWORD)
    assert typo.exit_code != 0 and "没有名为“和睦街到”的街道" in typo.output and "和睦街道" in typo.output
    unknown = _run(app, "create", "wang", "--role", "community", "--street", "和睦街道", "--community", "和睦设区",
                   input=PASSWORD)
    assert unknown.exit_code != 0 and "--create-places" in unknown.output
    assert db.session.scalars(select(Street.name)).all() == ["和睦街道"]
    made = _run(app, "create", "wang", "--role", "community", "--street", "和睦街道", "--community", "和睦社区",
                "--name", "王五", "--post", "社区书记", "--office-phone", "0571-87654321", input=PASSWORD)
    assert made.exit_code == 0, made.output
    assert "王五（社区书记）" in made.output
    explicit = _run(app, "create", "li", "--role", "street", "--street", "大关街道", "--create-places",
                    input=PASSWORD)
    assert explicit.exit_code == 0, explicit.output
    assert "大关街道" in _run(app, "places").output
    db.session.expire_all()
    assert db.session.scalar(select(Community.name)) == "和睦社区"
    assert {e for e in db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "cli"))} >= {
        "street_created", "community_created"}


def test_set_profile_checks_the_phone_and_clears_with_empty_text(app, db):
    _run(app, "create", "admin", "--role", "district", input=PASSWORD)
    bad = _run(app, "set-profile", "admin", "--office-phone", "电话")
    assert bad.exit_code != 0 and "办公电话" in bad.output
    assert _run(app, "set-profile", "admin", "--name", "赵六", "--post", "科长").exit_code == 0
    assert _run(app, "set-profile", "admin", "--post", "").exit_code == 0
    db.session.expire_all()
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == "admin"))
    assert (user.display_name, user.post) == ("赵六", None)
