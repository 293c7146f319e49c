"""The residents' texts: estate name, closing date, one segment where the content allows."""
from datetime import date, datetime

from voting.sms.texts import (code_text, links_allowed, reminder_text, reminder_text_without_link, result_text,
                              segments, short_time)

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
    result = result_text("和睦新村", "第一次征询：改造意愿", CLOSES, True, date(2026, 9, 15), "")
    assert segments(result) == 1 and result.startswith("【和睦新村】") and "9月8日" in result and "通过" in result
    assert "未通过" in result_text("和睦新村", "第一次征询：改造意愿", CLOSES, False, None, "")
    code = code_text("和睦新村", "123456", 10)
    assert segments(code) == 1 and "123456" in code and "10分钟" in code


def test_long_names_fall_back_to_shorter_wording_before_a_second_segment():
    long_title = "第三次征询：正式方案（含加装电梯、雨污分流、屋面防水）"
    result = result_text("杭州市拱墅区和睦街道和睦新村", long_title, CLOSES, True, date(2026, 9, 15), "")
    assert segments(result) == 1 and long_title not in result and "和睦新村" in result


def test_the_reminder_carries_the_link_the_closing_time_and_the_opt_out_hint():
    text = reminder_text("和睦新村", "第一次征询：改造意愿", CLOSES, URL)
    assert f"{URL} 回T退订" in text and "9月8日17:00截止" in text and text.startswith("【和睦新村】")
    assert segments(text) == 2  # a link alone is ~50 characters: two segments is the floor


def test_short_time_is_month_day_and_24_hour_clock():
    assert short_time(datetime(2026, 10, 1, 9, 5)) == "10月1日09:05"


def test_links_are_refused_by_prefix_and_an_empty_list_allows_them_everywhere():
    assert not links_allowed("+8613800000001", "+86")
    assert links_allowed("+85291234567", "+86") and links_allowed("+8613800000001", "")
    assert not links_allowed("+85291234567", "+86, +852") and not links_allowed("+85291234567", "+86 +852")


def test_the_link_free_reminder_names_the_flat_the_closing_time_the_slip_and_the_hotline():
    text = reminder_text_without_link("和睦新村", "1-2-201", CLOSES, "0571-88001234")
    assert text.startswith("【和睦新村】1-2-201") and "9月8日17:00截止" in text and "二维码" in text
    assert "致电社区0571-88001234" in text and text.endswith("回T退订") and segments(text) == 1
    assert "http" not in text and "/v/" not in text
    unset = reminder_text_without_link("和睦新村", "1-2-201", CLOSES, "")
    assert "请联系社区" in unset and "致电" not in unset and not any(c.isdigit() for c in unset.split("截止")[1])


def test_the_result_says_provisional_until_when_or_final_and_points_to_the_board():
    provisional = result_text("和睦新村", "第一次征询：改造意愿", CLOSES, True, date(2026, 9, 15), "")
    assert "通过（异议期至9月15日" in provisional and "请查看小区公示栏或社区公告" in provisional
    assert "http" not in provisional
    final = result_text("和睦新村", "第一次征询：改造意愿", CLOSES, False, None, "")
    assert "未通过（最终结果）" in final and "异议期" not in final
    board = "https://vote.example.cn/board/estates/12"
    linked = result_text("和睦新村", "第一次征询：改造意愿", CLOSES, True, None, board)
    assert f"{board} 回T退订" in linked
