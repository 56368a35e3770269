"""The support lead's pages: the dashboard draws the measures; the mailbox shows the mail."""

from __future__ import annotations

import subprocess
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import BATON, BatonServer
from tests.browser.test_live_handoff import sign_in_online

WAIT_MS = 15_000


def test_the_dashboard_draws_the_handoff_measures_and_the_mailbox_lists_mail(
    browser: Browser, baton: BatonServer, artifacts: Path
) -> None:
    # A history of a few hundred handoffs, written next to the running server.
    subprocess.run(
        [str(BATON), "demo-data", "--conversations", "1500", "--days", "40"],
        env={**baton.env, "BATON_SECRET_KEY": "k" * 40},
        check=True,
        capture_output=True,
        timeout=120,
    )
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    console = sign_in_online(context, baton)
    dashboard = context.new_page()
    dashboard.goto(baton.url + "/console/dashboard")
    cards = dashboard.locator("#cards .card")
    expect(cards.first).to_be_visible(timeout=WAIT_MS)
    expect(cards).to_have_count(12)
    expect(cards.first.locator(".value")).not_to_have_text("0")
    expect(dashboard.locator("#reasons-chart rect").first).to_be_visible()
    expect(dashboard.locator("#questions li").first).to_be_visible()
    expect(dashboard.locator("#reasons-chart svg")).to_be_visible()
    expect(dashboard.get_by_text("first response, median")).to_be_visible()
    dashboard.screenshot(path=str(artifacts / "dashboard-1.png"), full_page=True)
    csv = dashboard.request.get(baton.url + "/api/console/metrics.csv")
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    mailbox = context.new_page()
    mailbox.goto(baton.url + "/console/mailbox")
    expect(mailbox.locator("#view")).to_be_visible(timeout=WAIT_MS)
    mailbox.screenshot(path=str(artifacts / "mailbox-1.png"))
    console.close()
    context.close()
