"""A satisfaction survey's bundle files (pure): survey_items.csv round-trips, ballots.csv takes survey answers,
and the offline recount of a survey is tally.satisfaction's over the parsed files."""
from datetime import datetime, timezone

import pytest

from voting.evidence.bundle_format import parse_survey_items, survey_items_csv
from voting.tally.ballots_file import BallotsFileError, parse_ballots_csv
from voting.tally.recount import recount_survey

ROSTER = ("building,unit,room,area,area_source,owner_key,owner_name,phone,status,co_owners\r\n"
          "1,1,101,80.00,register,V0001,张*,,owned,\r\n"
          "1,1,102,60.00,register,V0002,李*,,owned,\r\n").encode("utf-8-sig")
T = datetime(2027, 5, 10, 9, 0, tzinfo=timezone.utc).isoformat()


def test_survey_items_round_trip_and_a_damaged_file_is_named():
    data = survey_items_csv([("AAAA", "R-B-01", "屋面修缮"), ("AAAA", "R-P-01", "雨污管网"), ("BBBB", "R-B-01", "屋面修缮")])
    assert data.startswith("\ufeff".encode()) and "屋面修缮".encode() in data
    assert parse_survey_items(data) == {"AAAA": ["R-B-01", "R-P-01"], "BBBB": ["R-B-01"]}
    assert parse_survey_items(survey_items_csv([])) == {}
    with pytest.raises(ValueError, match="survey_items.csv：表头"):
        parse_survey_items(b"receipt,code\r\nA,B\r\n")
    with pytest.raises(ValueError, match="第2行"):
        parse_survey_items("receipt,item_code,item_name_zh\r\nAAAA,,\r\n".encode())


def test_ballots_file_takes_survey_answers_in_codes_or_words_and_the_survey_recount_counts_items():
    ballots = (f"building,unit,room,choice,channel,cast_at,status,receipt\r\n"
               f"1,1,101,不满意,线上,{T},counted,AAAA\r\n"
               f"1,1,102,basically_satisfied,paper,{T},counted,BBBB\r\n").encode()
    assert [r.choice for r in parse_ballots_csv(ballots)] == ["dissatisfied", "basically_satisfied"]
    counted = recount_survey(ROSTER, ballots, "first", {"AAAA": ["R-B-01"], "ZZZZ": ["R-P-01"]})
    assert counted["kind"] == "satisfaction" and counted["passed"] is None
    assert counted["dissatisfied"]["heads"] == 1 and counted["dissatisfied"]["area_ratio"] == "4/7"
    assert counted["unhappy_items"] == {"R-B-01": 1}  # an unknown receipt's items count for no one
    with pytest.raises(BallotsFileError, match="满意度调查为 满意/基本满意/不满意"):
        parse_ballots_csv(f"building,unit,room,choice,channel,cast_at\r\n1,1,101,很好,线上,{T}\r\n".encode())
