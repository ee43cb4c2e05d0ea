"""A holiday schedule pasted as the State Council publishes it, or one day a line."""

from __future__ import annotations

from datetime import date

from hotline.domain.holiday_notice import parse_notice

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""


def by_day(text: str, year: int) -> dict[date, tuple[bool, str]]:
    notice = parse_notice(text, year)
    assert notice.errors == []
    return {d.day: (d.is_workday, d.name) for d in notice.days}


def test_the_notice_as_published_gives_its_holidays_and_working_weekends() -> None:
    days = by_day(NOTICE_2026, 2026)
    assert days[date(2026, 1, 1)] == (False, "元旦")
    assert days[date(2026, 1, 4)] == (True, "元旦调休上班")
    spring = [d for d, (work, name) in days.items() if name == "春节"]
    assert spring == [
        date(2026, 2, 15) + (date(2026, 2, 16) - date(2026, 2, 15)) * i for i in range(9)
    ]
    assert days[date(2026, 2, 14)] == days[date(2026, 2, 28)] == (True, "春节调休上班")
    assert days[date(2026, 9, 20)] == (True, "国庆节调休上班")
    assert len(days) == 3 + 1 + 9 + 2 + 7 + 2


def test_short_lines_ranges_and_a_range_into_the_next_year() -> None:
    days = by_day(
        "2027-01-01 休 元旦\n2027/02/06 至 2027/02/12 休 春节\n"
        "2027年2月14日 班\n12月31日至1月2日 放假",
        2026,
    )
    assert days[date(2027, 1, 1)] == (False, "元旦")  # the named line wins over the unnamed
    assert [d for d, (_, n) in days.items() if n == "春节"][-1] == date(2027, 2, 12)
    assert days[date(2027, 2, 14)] == (True, "调休上班")
    assert date(2026, 12, 31) in days and date(2027, 1, 2) in days


def test_a_line_without_its_meaning_or_a_wrong_date_is_an_error_naming_the_line() -> None:
    notice = parse_notice(
        "2027-01-01 休\n2027-03-03\n2027-02-30 休\n2027-05-01 至 2027-04-01 休", 2027
    )
    assert [(e.line, e.message) for e in notice.errors] == [
        (2, "请注明是放假（休）还是上班（班）"),
        (3, "日期不存在：2027-02-30"),
        (4, "日期范围不正确：2027-05-01 至 2027-04-01"),
    ]
    assert not notice.ok


def test_a_day_given_two_meanings_is_refused() -> None:
    notice = parse_notice("2027-02-14 休\n2027-02-14 班", 2027)
    assert notice.errors and "相矛盾" in notice.errors[0].message


def test_headings_and_counts_are_not_days() -> None:
    days = by_day("关于2027年部分节假日安排的通知\n三、清明节：4月5日放假，共1天。", 2027)
    assert days == {date(2027, 4, 5): (False, "清明节")}
