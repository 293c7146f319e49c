"""The residents' texts: estate name, closing date, one segment where the content allows."""
from datetime import datetime

from voting.sms.texts import code_text, reminder_text, result_text, segments, short_time

CLOSES = datetime(2026, 9, 8, 17, 0)  # already China Standard Time
URL = "https://vote.example.cn/v/" + "A" * 24


def test_segments_count_ucs2_at_70_then_67_and_gsm_at_160_then_153():
    assert segments("") == 0
    assert segments("中" * 70) == 1 and segments("中" * 71) == 2 and segments("中" * 134) == 2
    assert segments("中" * 135) == 3
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 306) == 2
    assert segments("a" * 80 + "{" * 40) == 1  # extension characters cost two septets: 160
    assert segments("a" * 79 + "€" * 41) == 2
    assert segments("😀" * 35) == 1 and segments("😀" * 36) == 2  # outside the BMP: two UTF-16 units each


def test_result_and_code_texts_fit_one_segment_and_name_the_estate_and_date():
    result = result_text("和睦新村", "第一次征询：改造意愿", CLOSES, True)
    assert segments(result) == 1 and result.startswith("【和睦新村】") and "9月8日" in result and "通过" in result
    assert "未通过" in result_text("和睦新村", "第一次征询：改造意愿", CLOSES, False)
    code = code_text("和睦新村", "123456", 10)
    assert segments(code) == 1 and "123456" in code and "10分钟" in code


def test_long_names_fall_back_to_shorter_wording_before_a_second_segment():
    long_title = "第三次征询：正式方案（含加装电梯、雨污分流、屋面防水）"
    result = result_text("杭州市拱墅区和睦街道和睦新村", long_title, CLOSES, True)
    assert segments(result) == 1 and long_title not in result and "和睦新村" in result


def test_the_reminder_carries_the_link_the_closing_time_and_the_opt_out_hint():
    text = reminder_text("和睦新村", "第一次征询：改造意愿", CLOSES, URL)
    assert f"{URL} 回T退订" in text and "9月8日17:00截止" in text and text.startswith("【和睦新村】")
    assert segments(text) == 2  # a link alone is ~50 characters: two segments is the floor


def test_short_time_is_month_day_and_24_hour_clock():
    assert short_time(datetime(2026, 10, 1, 9, 5)) == "10月1日09:05"
