"""Every page form (a non-API rule that takes POST), generated from app.url_map, refuses a POST
without its CSRF token — staff forms, the login form and the resident's ballot forms alike."""
from tests.full_dataset import login_session
from tests.security.route_map import calls
from voting.extensions import csrf

# Not forms of ours: Twilio calls these, signed with X-Twilio-Signature instead.
CSRF_EXEMPT = {"sms_webhooks.inbound", "sms_webhooks.status_callback"}


def _form_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith("/api/")]


def test_only_the_api_and_twilios_webhooks_are_exempt_from_csrf(app):
    api_blueprints = {name for name, blueprint in app.blueprints.items() if name != "sms_webhooks"
                      and any(r.endpoint.startswith(f"{name}.") and r.rule.startswith("/api/")
                              for r in app.url_map.iter_rules())}
    exempt_pages = {blueprint.name for blueprint in csrf._exempt_blueprints} - api_blueprints - {"sms_webhooks"}
    assert not exempt_pages, f"page blueprints exempt from CSRF: {exempt_pages}"
    assert not csrf._exempt_views, f"views exempt from CSRF: {csrf._exempt_views}"


def test_every_page_form_refuses_a_post_without_its_csrf_token(app, client, dataset):
    login_session(client, dataset.user_ids["a-district"])
    forms = [c for c in calls(_form_rules(app), dataset.ids, methods=("POST",)) if c.endpoint not in CSRF_EXEMPT]
    assert len(forms) >= 20  # the url_map has a few dozen forms; an empty list would prove nothing
    wrong = []
    for call in forms:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(call.path, data=data)
            body = response.get_data(as_text=True)
            if response.status_code != 400 or "CSRF" in body or "<html" not in body:
                wrong.append(f"{call} with {data} → {response.status_code} {body[:80]!r}")
    assert not wrong, "page forms accepting a POST without a valid CSRF token:\n" + "\n".join(wrong)


def test_a_csrf_refusal_tells_the_user_in_chinese_to_reload(app, client, dataset):
    login_session(client, dataset.user_ids["a-worker"])
    response = client.post(f"/rounds/{dataset.ids['round_id']}/close", data={})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
