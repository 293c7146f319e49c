"""No cache keeps what carries links or personal data: every GET response of the url_map, with real
ids, is Cache-Control: no-store, but the static CSS and the public notice board (issue #15: the
links list, roster.csv?full=… and the households list were cacheable)."""
from tests.full_dataset import login_session
from tests.security.route_map import calls
from voting.security_headers import CACHEABLE_ENDPOINTS


def _cacheable(endpoint: str) -> bool:
    return any(endpoint == n or (n.endswith(".") and endpoint.startswith(n)) for n in CACHEABLE_ENDPOINTS)


def test_every_get_response_but_static_files_and_the_board_is_no_store(app, client, dataset):
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods]
    login_session(client, dataset.user_ids["a-district"])
    headers = dataset.headers["a-district"]
    wrong, checked = [], 0
    for call in calls(rules, dataset.ids, methods=("GET",)):
        if _cacheable(call.endpoint):
            continue
        response = client.get(call.path, headers=headers)
        checked += 1
        if "no-store" not in response.headers.get("Cache-Control", ""):
            wrong.append(f"{call} → {response.status_code} Cache-Control: {response.headers.get('Cache-Control')}")
    assert checked >= 50
    assert not wrong, "\n".join(wrong)


def test_the_findings_responses_by_name(client, dataset):
    headers = dataset.headers["a-district"]
    estate, round_ = dataset.ids["estate_id"], dataset.ids["round_id"]
    for path in (f"/api/v1/rounds/{round_}/links", f"/api/v1/estates/{estate}/roster.csv?full=true",
                 f"/api/v1/estates/{estate}/households"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path


def test_the_public_board_and_static_files_may_be_cached(client, dataset):
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
    board = client.get(f"/board/estates/{dataset.ids['public_id']}")
    assert board.status_code == 200
    assert "no-store" not in board.headers.get("Cache-Control", "")
