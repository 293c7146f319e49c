"""BALLOTS.csv parsing and writing: headers in two languages, encodings, errors, round trip."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from voting.tally.ballots_file import BallotRow, BallotsFileError, countable, parse_ballots_csv, write_ballots_csv

CST = timezone(timedelta(hours=8))

ENGLISH = (
    "building,unit,room,choice,channel,cast_at\n"
    "3,1,101,agree,online,2026-03-02T09:00:00+08:00\n"
    "3,1,102,disagree,paper,2026-03-02T10:15:30+08:00\n"
    "3,2,201,abstain,proxy,2026-03-02T02:00:00Z\n"
)
CHINESE = (
    "楼幢,单元,室号,表决意见,渠道,表决时间,状态,回执码\n"
    "3,1,101,同意,线上,2026-03-02T09:00:00+08:00,counted,A1B2C3\n"
    "3,1,102,不同意,纸质,2026-03-02 10:15:30,pending_confirmation,\n"
    "3,2,201,弃权,委托,2026-03-02T10:00:00+08:00,,Z9\n"
)


def errors_of(data: bytes):
    with pytest.raises(BallotsFileError) as info:
        parse_ballots_csv(data)
    return info.value.errors


def test_english_file_parses_to_canonical_rows():
    rows = parse_ballots_csv(ENGLISH.encode())
    assert rows[0] == BallotRow(2, "3", "1", "101", "agree", "online",
                                datetime(2026, 3, 2, 9, 0, tzinfo=CST), "", "")
    assert [(r.row, r.label, r.choice, r.channel) for r in rows] == [
        (2, "3-1-101", "agree", "online"), (3, "3-1-102", "disagree", "paper"),
        (4, "3-2-201", "abstain", "proxy")]
    assert rows[2].cast_at == datetime(2026, 3, 2, 10, 0, tzinfo=CST)  # "Z" is UTC


def test_chinese_headers_and_values_map_to_english_and_keep_status_and_receipt():
    rows = parse_ballots_csv(CHINESE.encode("utf-8"))
    assert [(r.choice, r.channel, r.status, r.receipt) for r in rows] == [
        ("agree", "online", "counted", "A1B2C3"), ("disagree", "paper", "pending_confirmation", ""),
        ("abstain", "proxy", "", "Z9")]


def test_a_time_without_offset_is_read_as_china_standard_time():
    row = parse_ballots_csv(CHINESE.encode())[1]
    assert row.cast_at.tzinfo is not None
    assert row.cast_at == datetime(2026, 3, 2, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert row.cast_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_utf8_with_bom_gbk_and_gb18030_files_give_the_same_rows(encoding):
    assert parse_ballots_csv(CHINESE.encode(encoding)) == parse_ballots_csv(CHINESE.encode("utf-8"))


def test_headers_may_come_in_any_order_and_case_and_unknown_columns_are_ignored():
    data = ("Remark,CAST_AT,Room,Unit,Building,Channel,Choice\n"
            "hi,2026-03-02T09:00:00+08:00,101,1,3,Paper,AGREE\n").encode()
    row = parse_ballots_csv(data)[0]
    assert (row.label, row.choice, row.channel) == ("3-1-101", "agree", "paper")


def test_bad_choice_channel_and_timestamp_are_each_reported_at_their_row_and_column():
    data = ("楼幢,单元,室号,表决意见,渠道,表决时间\n"
            "3,1,101,同意,线上,2026-03-02T09:00:00+08:00\n"
            "3,1,102,赞成,线上,2026-03-02T09:00:00+08:00\n"
            "3,1,103,同意,邮寄,2026-03-02T09:00:00+08:00\n"
            "3,1,104,同意,纸质,2026年3月2日\n").encode("gbk")
    errors = errors_of(data)
    assert [(r, c) for r, c, _ in errors] == [(3, "choice"), (4, "channel"), (5, "cast_at")]
    assert "赞成" in errors[0][2] and "同意/不同意/弃权" in errors[0][2]
    assert "邮寄" in errors[1][2] and "线上/纸质/委托" in errors[1][2]
    assert "2026年3月2日" in errors[2][2] and "ISO 8601" in errors[2][2]


def test_every_problem_of_a_row_is_listed_not_just_the_first():
    data = "building,unit,room,choice,channel,cast_at,status\n,1,101,maybe,fax,soon,lost\n".encode()
    assert [(r, c) for r, c, _ in errors_of(data)] == [
        (2, "building"), (2, "choice"), (2, "channel"), (2, "cast_at"), (2, "status")]


def test_missing_and_duplicate_headers_are_reported_on_row_one():
    errors = errors_of("楼幢,building,单元,室号,表决意见\n".encode())
    assert [(r, c) for r, c, _ in errors] == [(1, "building"), (1, "channel"), (1, "cast_at")]
    assert "重复" in errors[0][2] and "渠道" in errors[1][2]


def test_blank_lines_are_skipped_but_still_counted_in_row_numbers():
    data = ENGLISH.replace("\n3,1,102", "\n\n3,1,102").replace("2,201,abstain", "2,201,yes")
    rows_or_errors = errors_of(data.encode())
    assert rows_or_errors[0][:2] == (5, "choice")
    assert len(parse_ballots_csv(ENGLISH.replace("\n3,1,102", "\n,,,,,\n3,1,102").encode())) == 3


def test_a_row_with_more_cells_than_headers_is_an_error():
    data = (ENGLISH + "3,2,202,agree,online,2026-03-02T09:00:00+08:00,extra\n").encode()
    assert [(r, c) for r, c, _ in errors_of(data)] == [(5, "")]


def test_an_empty_or_undecodable_file_is_an_error():
    assert errors_of(b"")[0][0] == 1
    assert errors_of(b"\xff\xfe\x00\x00\x81")[0][:2] == (0, "")


def test_the_error_message_reads_as_a_list_for_a_community_worker():
    error = BallotsFileError([(0, "", "无法识别文件编码"), (1, "cast_at", "缺少必填列"),
                              (2, "choice", "表决意见“ok”无法识别"), (3, "", "列数不对")])
    assert str(error) == "文件：无法识别文件编码；第1行 cast_at：缺少必填列；第2行 choice：表决意见“ok”无法识别；第3行：列数不对"
    assert isinstance(error, ValueError)


def test_only_real_ballots_are_countable():
    rows = parse_ballots_csv(CHINESE.encode())
    assert [countable(r) for r in rows] == [True, False, True]
    assert [countable(s) for s in ("", "counted", "duplicate", "superseded")] == [True] * 4
    assert [countable(s) for s in ("pending_confirmation", "rejected")] == [False, False]


def test_writer_emits_utf8_bom_and_canonical_english_headers():
    data = write_ballots_csv(parse_ballots_csv(CHINESE.encode()))
    assert data.startswith(b"\xef\xbb\xbfbuilding,unit,room,choice,channel,cast_at,status,receipt,household_id,seq,signed_at\r\n")
    assert "2026-03-02T10:15:30+08:00" in data.decode("utf-8-sig")  # the offset is always written


def test_export_then_parse_round_trips():
    rows = parse_ballots_csv(CHINESE.encode("gbk"))
    assert parse_ballots_csv(write_ballots_csv(rows)) == rows


def test_cells_that_spreadsheets_would_run_as_formulas_are_defused_and_still_round_trip():
    row = BallotRow(2, "=HYPERLINK(\"x\")", "+1", "-101", "agree", "paper",
                    datetime(2026, 3, 2, 9, 0, tzinfo=CST), "", "@R1")
    text = write_ballots_csv([row]).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",'+1," in text and ",'-101," in text and "'@R1" in text
    assert parse_ballots_csv(write_ballots_csv([row])) == [row]


cell_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1,
                    max_size=8).filter(lambda s: s.strip() == s and not s.startswith("'"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(
    cell_text, cell_text, cell_text,
    st.sampled_from(("agree", "disagree", "abstain")), st.sampled_from(("online", "paper", "proxy")),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                 timezones=st.sampled_from((timezone.utc, CST, ZoneInfo("Asia/Shanghai")))),
    st.sampled_from(("", "counted", "duplicate", "superseded", "pending_confirmation", "rejected")),
    st.one_of(st.just(""), cell_text)), max_size=5))
def test_any_rows_round_trip_through_the_writer(fields):
    rows = [BallotRow(i + 2, *f) for i, f in enumerate(fields)]
    assert parse_ballots_csv(write_ballots_csv(rows)) == rows


def test_signed_at_is_read_in_either_header_written_with_its_offset_and_checked():
    text = ("楼幢,单元,室号,表决意见,渠道,表决时间,签署时间\n"
            "1,1,101,不同意,纸质,2026-03-03T09:00:00+08:00,2026-03-02 17:30\n"
            "1,1,102,同意,线上,2026-03-02T10:00:00+08:00,\n")
    rows = parse_ballots_csv(text.encode())
    assert rows[0].signed_at == datetime(2026, 3, 2, 17, 30, tzinfo=CST) and rows[1].signed_at is None
    written = write_ballots_csv(rows).decode("utf-8-sig")
    assert "2026-03-02T17:30:00+08:00" in written
    assert parse_ballots_csv(write_ballots_csv(rows)) == rows
    with pytest.raises(BallotsFileError) as caught:
        parse_ballots_csv("building,unit,room,choice,channel,cast_at,signed_at\n1,1,101,agree,paper,"
                          "2026-03-02T10:00:00+08:00,昨天下午\n".encode())
    assert caught.value.errors[0][:2] == (2, "signed_at") and "签署时间" in caught.value.errors[0][2]
