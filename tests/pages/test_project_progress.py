"""The project after the vote, for everyone (issue 17 item 5): steps with planned and actual dates,
flags, published photos on the public board and on every household's link."""
import io
import json
import re

from sqlalchemy import select

from tests.ballots_helpers import fetch_links
from tests.factories import board_path, page_login
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from tests.unit.test_images import jpeg_with_gps, pdf
from voting.models.audit import AuditEvent

NOTICE = {"title": "改造方案公示", "body": "方案全文见附件", "starts_on": "2026-09-01", "working_days": 5}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def project(client, clock):
    """An estate with a posted notice and an open round; its project's first steps recorded by the worker."""
    estate_id, h = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, h)
    assert client.post(f"/api/v1/proposals/{proposal_id}/notices", headers=h, json=NOTICE).status_code == 201
    round_id = create_round(client, proposal_id, h, clock)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=h).status_code == 200
    links = fetch_links(client, round_id, h)
    path = f"/api/v1/estates/{estate_id}/milestones"
    application = client.post(path, headers=h, json={"step": "application", "planned_on": "2026-08-25"}).get_json()
    assert application["done"] is False and application["actual_on"] is None  # a plan is not done
    done = client.post(path, headers=h, json={"step": "application", "actual_on": "2026-08-20", "note": "已报区住建局"})
    assert done.status_code == 201
    assert (done.get_json()["planned_on"], done.get_json()["actual_on"]) == ("2026-08-25", "2026-08-20")
    assert done.get_json()["supersedes_id"] == application["id"]  # appended, the first record kept
    assert client.post(path, headers=h, json={"step": "design", "planned_on": "2026-10-01"}).status_code == 201
    return estate_id, h, links, done.get_json()


def test_an_actual_date_cannot_be_in_the_future_and_steps_out_of_order_are_flagged(client, db, clock):
    estate_id, h, _, _ = project(client, clock)
    path = f"/api/v1/estates/{estate_id}/milestones"
    future = client.post(path, headers=h, json={"step": "design", "actual_on": "2026-09-02"})  # today is 09-01
    assert future.status_code == 422 and "晚于今天" in future.get_json()["message"]
    skipped = client.post(path, headers=h, json={"step": "tendering", "actual_on": "2026-08-30"})
    assert skipped.status_code == 201 and skipped.get_json()["flags"] == ["out_of_order"]
    assert skipped.get_json()["flags_zh"][0].startswith("顺序异常")
    late = client.post(path, headers=h, json={"step": "joint_review", "planned_on": "2026-08-01"})
    assert late.get_json()["flags"] == ["overdue"]
    steps = [m["step"] for m in client.get(path, headers=h).get_json()]
    assert steps == ["application", "design", "joint_review", "tendering"]  # the plan's order
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "milestone_added")
                               .order_by(AuditEvent.id.desc())).first()
    assert json.loads(event.data)["flags"] == ["overdue"]
    nothing = client.post(path, headers=h, json={"step": "design"})
    assert nothing.status_code == 422 and "计划日期或实际完成日期" in nothing.get_json()["message"]


def test_staff_publish_a_site_photo_and_the_board_and_the_link_show_the_progress(client, db, clock):
    estate_id, h, links, application = project(client, clock)
    upload = f"/api/v1/milestones/{application['id']}/attachments"
    photo = client.post(upload, headers=h, data={"file": (io.BytesIO(jpeg_with_gps()), "IMG_0042.jpg"),
                                                  "purpose": "site_photo"}, content_type="multipart/form-data").get_json()
    document = client.post(upload, headers=h, data={"file": (io.BytesIO(pdf()), "批复.pdf")},
                           content_type="multipart/form-data").get_json()
    publish = f"/api/v1/milestones/{application['id']}/attachments/{{}}/publication"
    refused = client.post(publish.format(document["id"]), headers=h, json={"published": True})
    assert refused.status_code == 422 and "现场照片" in refused.get_json()["message"]
    board = client.get(board_path(estate_id))
    assert "/photos/" not in board.get_data(as_text=True)  # uploaded is not published
    assert client.post(publish.format(photo["id"]), headers=h,
                       json={"published": True, "caption": "申报材料"}).status_code == 200

    board = client.get(board_path(estate_id))
    text = text_of(board)
    assert "改造工程进度" in text and "申报 ：已完成（2026-08-20）" in text
    assert "下一步： 设计委托 ，计划 2026-10-01" in text
    assert "IMG_0042" not in text and "sq" not in text  # no file names, no staff
    thumb = re.search(r'<img src="(/board/estates/[^"]+/photos/(\d+)/thumbnail)"', board.get_data(as_text=True))
    assert thumb and int(thumb.group(2)) == photo["id"]
    served = client.get(thumb.group(1))
    assert served.status_code == 200 and served.content_type == "image/jpeg"
    assert b"GPS" not in client.get(thumb.group(1).removesuffix("/thumbnail")).data

    token = links["1-1-101"]["token"] if "1-1-101" in links else next(iter(links.values()))["token"]
    view = client.get(f"/api/v1/links/{token}").get_json()["project"]
    assert view["next"] == {"step": "design", "step_zh": "设计委托", "planned_on": "2026-10-01"}
    assert view["done"] == ["application"] and view["photos"][0]["url"] == thumb.group(1).removesuffix("/thumbnail")
    page = client.get(f"/v/{token}")
    assert "改造工程进度" in text_of(page) and thumb.group(1) in page.get_data(as_text=True)

    # Withdrawn: gone from the board, the link and its URL.
    assert client.post(publish.format(photo["id"]), headers=h, json={"published": False}).status_code == 200
    assert client.get(thumb.group(1)).status_code == 404
    assert client.get(f"/api/v1/links/{token}").get_json()["project"]["photos"] == []
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "photo_published" in actions and "photo_withdrawn" in actions


def test_the_progress_page_records_dates_and_shows_the_flags(client, db, clock):
    estate_id, h, _, _ = project(client, clock)
    page_login(client, "sq")
    html = client.get(f"/estates/{estate_id}/progress").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    future = client.post(f"/estates/{estate_id}/milestones", data={
        "csrf_token": token, "step": "design", "actual_on": "2026-12-01"})
    assert future.status_code == 422 and "晚于今天" in text_of(future)
    late = client.post(f"/estates/{estate_id}/milestones", data={
        "csrf_token": token, "step": "construction", "actual_on": "2026-08-31", "planned_on": ""})
    assert late.status_code == 302
    page = text_of(client.get(f"/estates/{estate_id}/progress"))
    assert "顺序异常" in page and "计划 2026-08-25，实际完成 2026-08-20" in page
