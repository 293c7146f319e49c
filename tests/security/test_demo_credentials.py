"""`make run` (flask demo seed) says where the demo passwords are kept and that they are for the demo only."""
import types

from voting import demo


def test_demo_seed_names_the_password_file_and_its_purpose(app, monkeypatch):
    estate = types.SimpleNamespace(name="和睦新村", id=1)
    monkeypatch.setattr(demo, "seed_demo", lambda: (estate, {"shequ": "pw-123456789"}))
    monkeypatch.setattr(demo, "demo_voting_link", lambda estate: None)
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "demo-credentials.txt" in result.output and "仅供本机演示使用" in result.output
    assert "不要用于正式部署" in result.output
