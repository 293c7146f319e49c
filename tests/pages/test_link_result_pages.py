"""The link after the vote (/v/{token}): the result, the household's own choice, objections; and /receipts."""
import io

from tests.ballots_helpers import open_round_with_links, page_csrf
from tests.evidence_helpers import png_bytes
from tests.pages.test_ballot_page import assert_secure, choose_and_confirm, text


def _closed(client, clock):
    opened = open_round_with_links(client, clock)
    choose_and_confirm(client, opened.links["1-1-101"], "disagree")
    clock.advance(days=7, minutes=1)
    assert client.post(f"/api/v1/rounds/{opened.round_id}/close", headers=opened.headers).status_code == 200
    return opened


def test_the_result_page_shows_each_household_only_its_own_choice(client, db, clock):
    opened = _closed(client, clock)
    voted = client.get(opened.links["1-1-101"]["path"])
    assert voted.status_code == 200 and "您的表决已计入：不同意" in text(voted)
    assert "表决结果：未通过" in text(voted) and "结果公告中" in text(voted)
    assert_secure(voted)
    other = text(client.get(opened.links["1-2-201"]["path"]))
    assert "您没有参加本轮表决" in other and "不同意（" not in other


def test_an_objection_with_a_photo_and_the_refusals_on_the_page(client, db, clock):
    opened = _closed(client, clock)
    link = opened.links["1-2-201"]
    csrf = page_csrf(client.get(link["path"]).get_data(as_text=True))
    empty = client.post(link["path"] + "/objection", data={"csrf_token": csrf, "text": "  "})
    assert empty.status_code == 422 and "异议内容不能为空" in text(empty)
    not_a_photo = client.post(link["path"] + "/objection", content_type="multipart/form-data", data={
        "csrf_token": csrf, "text": "面积有误", "photo": (io.BytesIO(b"MZ\x90\x00"), "x.jpg")})
    assert not_a_photo.status_code == 415 and ">面积有误</textarea>" in not_a_photo.get_data(as_text=True)
    sent = client.post(link["path"] + "/objection", content_type="multipart/form-data", data={
        "csrf_token": csrf, "text": "面积有误", "photo": (io.BytesIO(png_bytes()), "照片.png")})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("?objection=sent")
    rows = client.get(f"/api/v1/rounds/{opened.round_id}/objections", headers=opened.headers).get_json()
    assert [(r["text"], r["photos"], r["channel"]) for r in rows] == [("面积有误", 1, "online")]
    assert client.post(link["path"] + "/objection", data={"text": "无令牌"}).status_code == 400  # CSRF
    clock.advance(days=30)
    late = client.post(link["path"] + "/objection", data={"csrf_token": csrf, "text": "晚了"})
    assert late.status_code == 409 and "异议期已于" in text(late)


def test_the_receipt_page_asks_for_a_code_and_answers_plainly(client, db, clock):
    opened = open_round_with_links(client, clock)
    _, submitted = choose_and_confirm(client, opened.links["1-1-101"], "agree")
    receipt = submitted.headers["Location"].rsplit("/", 1)[1]
    form = client.get("/receipts")
    assert form.status_code == 200 and "查询表决回执" in text(form)
    assert_secure(form)
    csrf = page_csrf(form.get_data(as_text=True))
    assert client.post("/receipts", data={"csrf_token": csrf, "code": ""}).status_code == 422
    missing = client.post("/receipts", data={"csrf_token": csrf, "code": "AAAA-BBBB-CCCC"})
    assert missing.status_code == 404 and "找不到该回执编号" in text(missing)
    found = client.post("/receipts", data={"csrf_token": csrf, "code": receipt.replace("-", " ").lower()})
    body = text(found)
    assert found.status_code == 200 and receipt in body and "记录的选择同意" in body.replace("\n", "")
    assert receipt not in found.headers.get("Location", "")
