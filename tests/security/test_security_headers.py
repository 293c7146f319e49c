"""Security headers on every response: every GET rule of the url_map (pages, API, files), with
real ids, as a logged-in district user and as an anonymous visitor — successes, redirects and
refusals alike."""
from tests.full_dataset import login_session
from tests.security.route_map import calls

ALLOWED_SOURCES = {"'self'", "'none'", "data:"}  # nothing from another host, no inline script


def csp_problems(policy: str | None) -> list[str]:
    if not policy:
        return ["no Content-Security-Policy"]
    directives = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
    problems = [f"{name} allows {source}" for name, sources in directives.items() for source in sources
                if source not in ALLOWED_SOURCES]
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    if "default-src" not in directives:
        problems.append("no default-src")
    return problems


def header_problems(response) -> list[str]:
    problems = csp_problems(response.headers.get("Content-Security-Policy"))
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    return problems


def _get_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods]


def test_the_policy_check_itself_catches_external_sources():
    assert csp_problems("default-src 'self'; frame-ancestors 'none'") == []
    assert csp_problems("default-src 'self' https://cdn.example.com; frame-ancestors 'none'")
    assert csp_problems("default-src 'self'; script-src 'self' http:; frame-ancestors 'none'")
    assert csp_problems("default-src 'self'")  # framing not forbidden


def test_every_get_response_carries_the_security_headers(app, client, dataset):
    get_calls = calls(_get_rules(app), dataset.ids, methods=("GET",))
    assert len(get_calls) >= 60
    login_session(client, dataset.user_ids["a-district"])
    headers = dataset.headers["a-district"]
    anonymous = app.test_client()
    wrong = []
    for call in get_calls:
        for who, response in (("district", client.get(call.path, headers=headers)),
                              ("anonymous", anonymous.get(call.path))):
            problems = header_problems(response)
            if problems:
                wrong.append(f"{call} as {who} → {response.status_code}: {'; '.join(problems)}")
    assert not wrong, "responses without the security headers:\n" + "\n".join(wrong)


def test_error_and_post_responses_carry_them_too(client, dataset):
    for response in (client.get("/no-such-page"), client.get("/api/v1/no-such-thing"),
                     client.post("/api/v1/ballots", json={}), client.post("/login", data={})):
        assert not header_problems(response), (response.status_code, header_problems(response))
