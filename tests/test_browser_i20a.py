"""Issue 20's appraisal side as a person sees it in Chromium: the appraisal group's comment
and sign-off (太谷附表五), other offices' scores (枣庄), a mentor's years (区文件), the
student's signature on a talk (太谷附表四), and the kinds already landed (student–parent
meeting, work plan, training) on the mentor's page. The demo school's site, built once for
the leader (the fixtures of test_browser)."""

from __future__ import annotations

from typing import Any

from tests.test_browser import _by, _open, web  # noqa: F401  (web: the module's fixture)


def _text(driver: Any, css: str) -> str:
    return " ".join(
        e.text for e in driver.find_elements(_by().CSS_SELECTOR, css) if e.is_displayed()
    )


def test_the_appraisal_page_shows_the_group_sign_off_and_the_years(web: tuple[Any, str]) -> None:  # noqa: F811
    driver = _open(web, "appraisal/mentors/T001/")
    review = _text(driver, ".daoshi-group-review")
    assert "考核组评价：活动有主题有记录，谈话及时，家长反馈好。" in review
    assert "考核组组长：夏国波，2026年7月10日 签署" in review
    years = _text(driver, ".daoshi-service")
    assert "历年导师工作" in years and "职称晋升、创先评优" in years
    assert "2025学年第二学期" in years and "2026学年第一学期" in years
    assert "谈话记录 46 份" in years and "（暂计）" in years


def test_the_offices_scores_are_listed_with_their_source(web: tuple[Any, str]) -> None:  # noqa: F811
    driver = _open(web, "appraisal/mentors/T002/")
    page = _text(driver, ".daoshi-appraisal")
    assert "其他科室量化赋分（本考核表没有这一项，只列出，不计入总分）" in page
    assert "政教处 · 卫生检查 +7 分（受导学生所在班卫生检查）" in page
    assert "政教处、艺体办量化赋分" in page


def test_a_signed_talk_shows_the_signature_and_an_unsigned_one_prints_a_line(
    web: tuple[Any, str],  # noqa: F811
) -> None:
    by = _by()
    driver = _open(web, "students/S250036/")
    signed = driver.find_element(by.ID, "2026-05-15-talk")
    assert "被谈话人签字\n学生已在打印的谈话记录上签字" in signed.text
    assert "签字日期\n2026-05-17" in signed.text
    unsigned = driver.find_element(by.ID, "2026-02-28-talk")
    line = unsigned.find_element(by.CSS_SELECTOR, ".daoshi-sign-line")
    assert not line.is_displayed()  # on the screen: nothing to sign
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert line.is_displayed()
        assert line.text == "被谈话人签字：＿＿＿＿＿＿　谈话人签字：＿＿＿＿＿＿"
        assert not signed.find_elements(by.CSS_SELECTOR, ".daoshi-sign-line")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_the_mentor_page_shows_the_plan_the_meeting_and_training(web: tuple[Any, str]) -> None:  # noqa: F811
    by = _by()
    driver = _open(web, "mentors/T001/")
    headings = [h.text for h in driver.find_elements(by.CSS_SELECTOR, ".daoshi-mentor h3")]
    assert {"导师工作方案", "参加的培训与研讨", "带领的集体活动和座谈"} <= set(headings)
    badges = {b.text for b in driver.find_elements(by.CSS_SELECTOR, ".daoshi-record .daoshi-badge")}
    assert {"导师工作方案", "师生家长座谈", "培训与研讨"} <= badges
    meeting = driver.find_element(by.ID, "2026-09-23-family-meeting")
    assert meeting.is_displayed() and "师生家长座谈" in meeting.text
