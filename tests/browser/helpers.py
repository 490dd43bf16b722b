"""Steps shared by the journeys: signing in, checking a page with axe, reading a page as a user would."""

from __future__ import annotations

import json

from tests.browser.conftest import AXE_TAGS, PASSWORD


def assert_accessible(page) -> None:
    """axe-core on the page as it is now: no WCAG 2.2 A or AA violation."""
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert not violations, f"{page.url}: {json.dumps(violations, indent=1)}"


def sign_in(page, username: str) -> None:
    page.goto("/account/sign-in/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert_accessible(page)


def go(page, url: str) -> None:
    page.goto(url)
    assert_accessible(page)


def click_and_check(locator) -> None:
    """Click something that loads a page, wait for it, and check the new page with axe."""
    with locator.page.expect_navigation():
        locator.click()
    assert_accessible(locator.page)


def fill_date(page, legend: str, day) -> None:
    """Type a date into a GOV.UK date input, found by its legend."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def due_row(page, duty: str):
    """The row of the person page's 'What is due' table for a duty."""
    table = page.get_by_role("table", name="Statutory duties not yet done, earliest due first")
    return table.get_by_role("row").filter(has_text=duty)
