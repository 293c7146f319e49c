"""Ids typed into staff page forms: anything that is not a household of the round is refused with a
4xx and a Chinese message, never a 500 (too large for the database, not ASCII digits)."""
import io

import pytest

from tests.ballots_helpers import page_csrf
from tests.full_dataset import jpeg_bytes, login_session

ODD_IDS = ["99999999999999999999999", "2147483648", "²", "١٢", "0", "-1", " 1", ""]


@pytest.mark.parametrize("household_id", ODD_IDS)
def test_paper_ballot_and_reissue_forms_refuse_odd_household_ids(client, dataset, household_id):
    login_session(client, dataset.user_ids["a-worker"])
    round_id = dataset.ids["round_id"]
    csrf = page_csrf(client.get(f"/rounds/{round_id}/paper").get_data(as_text=True))
    paper = client.post(f"/rounds/{round_id}/paper", content_type="multipart/form-data", data={
        "csrf_token": csrf, "household_id": household_id, "choice": "agree",
        "scan": (io.BytesIO(jpeg_bytes()), "scan.jpg")})
    reissue = client.post(f"/rounds/{round_id}/links/reissue", data={
        "csrf_token": csrf, "household_id": household_id, "reason": "二维码遗失"})
    for response in (paper, reissue):
        assert 400 <= response.status_code < 500, (response.request.path, response.status_code)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.get_data(as_text=True))
