"""The whole live handoff in a real browser: the widget on the demo shop, the agent console.

Two browser contexts (two people): a customer on the demo shop and Sam in the console. Every
check waits with Playwright's `expect`, never on a clock.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import REQUIRE_SERVICES, BatonServer, collect_dialogs

try:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect
except ImportError:  # pragma: no cover - depends on the machine
    if REQUIRE_SERVICES:
        raise
    pytest.skip(
        "the playwright package is not installed (pip install playwright)",
        allow_module_level=True,
    )

WAIT_MS = 20_000
XSS = "<img src=x onerror=alert(1)>"


# --- the customer's side ------------------------------------------------------------------


def widget(page: Page) -> Locator:
    """The widget's host element; Playwright's CSS locators pierce its (open) shadow root."""
    return page.locator("[data-baton-widget]")


def open_widget(page: Page) -> Locator:
    page.get_by_role("button", name="Open chat").click()
    box = page.get_by_role("textbox", name="Your message")
    expect(box).to_be_focused()
    return box


def say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Your message")
    box.fill(text)
    box.press("Enter")
    expect(chat_log(page).locator(".msg.customer").last).to_contain_text(text, timeout=WAIT_MS)


def chat_log(page: Page) -> Locator:
    return page.get_by_role("log", name="Messages")


def chat_status(page: Page) -> Locator:
    return widget(page).locator(".status-text")


def ask_for_a_human(page: Page, frustrated: str) -> None:
    """Say something that makes the bot hand over; accept the offer if one is made."""
    answers = chat_log(page).locator(".msg.bot")
    before = answers.count()
    say(page, frustrated)
    expect(answers).to_have_count(before + 1, timeout=WAIT_MS)  # the bot's answer to this
    status = chat_status(page)
    expect(status).to_have_text(re.compile("Waiting for our team|just say yes"), timeout=WAIT_MS)
    if "just say yes" in (status.text_content() or ""):
        page.get_by_role("button", name="Yes please").click()
    expect(status).to_have_text("Waiting for our team", timeout=WAIT_MS)


# --- the agent's side ---------------------------------------------------------------------


def sign_in_online(context: BrowserContext, baton: BatonServer) -> Page:
    """Sam signs in and goes online (before any handoff, so the live path is chosen)."""
    page = context.new_page()
    page.goto(baton.url + "/console")
    page.locator("#signin").get_by_label("Email").fill(baton.agent_email)
    page.locator("#signin").get_by_label("Password").fill(baton.agent_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#me-name")).to_have_text(baton.agent_name, timeout=WAIT_MS)
    online = page.get_by_role("radio", name="Online")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    if not online.is_checked():  # presence is kept between sign-ins
        with page.expect_response(lambda r: r.url.endswith("/api/console/presence")) as answer:
            page.get_by_text("Online", exact=True).click()
        assert answer.value.ok
    expect(online).to_be_checked()
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    return page


def transcript(page: Page) -> Locator:
    return page.get_by_role("list", name="Transcript")


# --- tests --------------------------------------------------------------------------------


def test_sign_in_refuses_a_wrong_password(
    browser: Browser, baton: BatonServer, artifacts: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(baton.url + "/console")
    page.locator("#signin").get_by_label("Email").fill(baton.agent_email)
    page.locator("#signin").get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile("wrong email or password", re.I), timeout=WAIT_MS
    )
    page.screenshot(path=str(artifacts / "console-0-sign-in.png"))
    context.close()


def test_a_customer_reaches_a_live_agent_with_the_whole_history(
    browser: Browser, baton: BatonServer, artifacts: Path
) -> None:
    agent_context = browser.new_context(viewport={"width": 1440, "height": 900})
    customer_context = browser.new_context(viewport={"width": 1280, "height": 820})
    console = sign_in_online(agent_context, baton)

    # The customer asks the bot something its knowledge base answers.
    shop = customer_context.new_page()
    shop.goto(baton.url + "/")
    expect(shop.get_by_role("heading", name="Slow homes, warm light.")).to_be_visible()
    open_widget(shop)
    say(shop, "How long does delivery to France take?")
    expect(chat_log(shop).locator(".msg.bot").last).to_contain_text("working days", timeout=WAIT_MS)
    shop.screenshot(path=str(artifacts / "widget-1-bot-answer.png"))

    # Frustration: the bot hands over (or offers to, and the customer accepts).
    ask_for_a_human(shop, "this is useless, my lamp arrived broken and nobody helps!!!")
    shop.screenshot(path=str(artifacts / "widget-2-waiting-for-team.png"))

    # The handoff appears in Sam's queue, live, with a notice and its one-line summary.
    expect(console.locator(".toast.handoff")).to_contain_text("New handoff", timeout=WAIT_MS)
    item = console.locator(".conv-button").filter(has_text="frustrated")
    expect(item).to_be_visible(timeout=WAIT_MS)
    expect(item).to_contain_text("Customer is asking about")
    expect(item).to_contain_text("waiting")
    expect(item).to_contain_text("promised by")
    expect(console).to_have_title(re.compile(r"^\(\d+\) Baton console"))
    console.screenshot(path=str(artifacts / "console-1-queue.png"))

    # Sam opens it and sees the whole history, the handoff note and the customer's context.
    item.click()
    lines = transcript(console)
    expect(lines).to_contain_text("How long does delivery to France take?", timeout=WAIT_MS)
    expect(lines).to_contain_text("working days")
    expect(lines).to_contain_text("my lamp arrived broken")
    expect(lines.locator(".m-note")).to_contain_text("Decision:")
    expect(console.locator("#c-signals")).to_contain_text("useless")
    expect(console.get_by_role("button", name="Hand back to bot")).to_be_disabled()
    console.screenshot(path=str(artifacts / "console-2-conversation.png"))

    # Claim: the customer is told who joined, in the same window.
    console.get_by_role("button", name="Claim").click()
    expect(console.get_by_role("button", name="Resolve")).to_be_enabled(timeout=WAIT_MS)
    expect(console.get_by_role("button", name="Hand back to bot")).to_be_enabled()
    expect(chat_log(shop).locator(".msg.system").last).to_contain_text(
        "Sam from the", timeout=WAIT_MS
    )
    expect(chat_status(shop)).to_have_text(
        re.compile("Sam is here|chatting with our team"), timeout=WAIT_MS
    )

    # Sam types: the customer sees "Sam is typing…", then the reply, without reloading.
    reply = console.get_by_role("textbox", name="Reply")
    reply.press_sequentially("Hi, I'm Sam")
    expect(widget(shop).locator(".typing")).to_contain_text("Sam is typing", timeout=WAIT_MS)
    expect(widget(shop).locator(".typing")).to_be_visible()
    shop.screenshot(path=str(artifacts / "widget-3a-agent-typing.png"))

    # The customer closes the chat (Escape); Sam's reply shows as a badge on the launcher.
    shop.keyboard.press("Escape")
    launcher = shop.get_by_role("button", name=re.compile("^Open chat"))
    expect(launcher).to_be_focused()
    reply.fill("Hi, I'm Sam. I'm so sorry about the lamp: I'll send a replacement today.")
    reply.press("Enter")
    expect(widget(shop).locator(".badge")).to_have_text("1", timeout=WAIT_MS)
    expect(launcher).to_have_accessible_name("Open chat (1 new)")
    launcher.click()
    expect(widget(shop).locator(".badge")).to_be_hidden()
    agent_line = chat_log(shop).locator(".msg.agent").last
    expect(agent_line).to_contain_text("send a replacement today", timeout=WAIT_MS)
    expect(agent_line).to_contain_text("Sam")
    expect(chat_status(shop)).to_have_text("Sam is here")

    # An internal note stays with the agents.
    console.get_by_text("Note (only agents see it)").click()
    reply.fill("Replacement lamp to be sent by courier.")
    reply.press("Enter")
    expect(lines.locator(".m-note").last).to_contain_text("Replacement lamp", timeout=WAIT_MS)
    console.get_by_text("Note (only agents see it)").click()

    # The customer types and answers: Sam sees both live.
    box = shop.get_by_role("textbox", name="Your message")
    box.press_sequentially("Thank")
    expect(console.locator("#t-typing")).to_contain_text("is typing", timeout=WAIT_MS)
    box.fill("Thank you, that's really kind!")
    box.press("Enter")
    expect(lines).to_contain_text("Thank you, that's really kind!", timeout=WAIT_MS)
    expect(chat_log(shop)).not_to_contain_text("Replacement lamp")
    shop.screenshot(path=str(artifacts / "widget-3-live-with-agent.png"))
    console.screenshot(path=str(artifacts / "console-3-live-chat.png"))

    # Sam resolves; the customer's widget says so.
    console.get_by_role("button", name="Resolve").click()
    expect(console.locator("#t-state")).to_have_text("Resolved", timeout=WAIT_MS)
    expect(chat_status(shop)).to_contain_text("Resolved", timeout=WAIT_MS)
    expect(console.get_by_role("button", name="Resolve")).to_be_disabled()

    # The customer is asked once how it went, and rates it with one tap.
    expect(chat_log(shop)).to_contain_text("How did we do", timeout=WAIT_MS)
    widget(shop).get_by_role("button", name="Good").click()
    expect(chat_log(shop)).to_contain_text("Thank you for letting us know", timeout=WAIT_MS)
    shop.screenshot(path=str(artifacts / "widget-3b-rated.png"))

    # The conversation survives a page load: the history comes back.
    shop.reload()
    expect(chat_log(shop)).to_contain_text("send a replacement today", timeout=WAIT_MS)
    shop.screenshot(path=str(artifacts / "widget-4-after-reload.png"))

    # On a phone the panel takes the whole screen.
    phone = customer_context.new_page()
    phone.set_viewport_size({"width": 390, "height": 780})
    phone.goto(baton.url + "/")
    open_widget(phone)
    expect(chat_log(phone)).to_contain_text("send a replacement today", timeout=WAIT_MS)
    panel = widget(phone).locator(".panel")
    expect(panel).to_be_visible()
    box_size = panel.bounding_box()
    assert box_size is not None and box_size["width"] == 390
    phone.screenshot(path=str(artifacts / "widget-5-phone.png"))
    phone.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(phone.get_by_role("button", name="Open chat")).to_be_focused()

    agent_context.close()
    customer_context.close()


def test_with_nobody_online_the_customer_gets_an_email_ticket_with_a_promise(
    browser: Browser, baton: BatonServer, artifacts: Path
) -> None:
    agent_context = browser.new_context(viewport={"width": 1440, "height": 900})
    customer_context = browser.new_context(viewport={"width": 1280, "height": 820})
    console = sign_in_online(agent_context, baton)
    with console.expect_response(lambda r: r.url.endswith("/api/console/presence")) as answer:
        console.get_by_text("Offline", exact=True).click()
    assert answer.value.ok

    shop = customer_context.new_page()
    shop.goto(baton.url + "/")
    open_widget(shop)
    say(shop, "this is useless, my lamp arrived broken and nobody helps!!!")
    status = chat_status(shop)
    expect(status).to_have_text(re.compile("reply by email|just say yes"), timeout=WAIT_MS)
    if "just say yes" in (status.text_content() or ""):
        shop.get_by_role("button", name="Yes please").click()
    expect(status).to_have_text("Our team will reply by email", timeout=WAIT_MS)
    expect(chat_log(shop).locator(".msg.bot").last).to_contain_text("email", timeout=WAIT_MS)
    say(shop, "it's jo.marsh@example.com")
    expect(chat_log(shop).locator(".msg.bot").last).to_contain_text(
        "jo.marsh@example.com", timeout=WAIT_MS
    )
    shop.screenshot(path=str(artifacts / "widget-8-email-ticket.png"))

    console.get_by_role("tab", name=re.compile("Tickets")).click()
    ticket = console.locator(".conv-button").filter(has_text="jo.marsh@example.com")
    expect(ticket).to_be_visible(timeout=WAIT_MS)
    expect(ticket).to_contain_text("promised by")
    expect(ticket).to_contain_text("Email ticket")
    ticket.click()
    expect(console.locator("#c-facts")).to_contain_text("jo.marsh@example.com", timeout=WAIT_MS)
    expect(console.get_by_role("button", name="Resolve")).to_be_enabled()
    console.screenshot(path=str(artifacts / "console-6-email-ticket.png"))
    agent_context.close()
    customer_context.close()


def test_customer_html_stays_text_in_the_widget_and_the_console(
    browser: Browser, baton: BatonServer, artifacts: Path
) -> None:
    agent_context = browser.new_context(viewport={"width": 1440, "height": 900})
    customer_context = browser.new_context()
    console = sign_in_online(agent_context, baton)
    console_dialogs = collect_dialogs(console)

    shop = customer_context.new_page()
    shop_dialogs = collect_dialogs(shop)
    shop.goto(baton.url + "/")
    open_widget(shop)
    answers = chat_log(shop).locator(".msg.bot")
    before = answers.count()
    say(shop, XSS)
    expect(chat_log(shop).locator(".msg.customer").first).to_have_text(XSS)
    # The bot's answer to it first, so that the request for a human is answered on its own.
    expect(answers).to_have_count(before + 1, timeout=WAIT_MS)
    assert widget(shop).locator(".log img").count() == 0
    ask_for_a_human(shop, "I need to talk to a human please")

    item = (
        console.locator(".conv-button")
        .filter(has_text="Visitor")
        .filter(has_text="Waiting in queue")
    )
    expect(item.last).to_be_visible(timeout=WAIT_MS)
    item.last.click()
    expect(transcript(console).locator(".m-customer").first).to_contain_text(XSS, timeout=WAIT_MS)
    assert transcript(console).locator("img").count() == 0
    console.screenshot(path=str(artifacts / "console-4-html-as-text.png"))
    assert shop_dialogs == []
    assert console_dialogs == []
    agent_context.close()
    customer_context.close()


MESSAGES_URL = re.compile(r"/api/conversations/[^/]+/messages$")


def test_without_a_socket_the_widget_sends_over_http_and_shows_errors(
    browser: Browser, baton: BatonServer, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    # A socket that opens but never answers: the widget must not wait for it.
    page.route_web_socket("**/ws/widget", lambda socket: None)
    too_many = {"error": {"code": "rate_limited", "message": "too many requests"}}
    page.route(
        MESSAGES_URL,
        lambda route: route.fulfill(status=429, json=too_many, headers={"Retry-After": "5"}),
    )
    page.goto(baton.url + "/")
    box = open_widget(page)
    box.fill("How long does delivery to France take?")
    box.press("Enter")
    expect(widget(page).get_by_role("alert")).to_have_text(
        "Too many messages — try again in a moment.", timeout=WAIT_MS
    )
    expect(chat_log(page).locator(".msg.failed")).to_contain_text("Not sent")
    page.screenshot(path=str(artifacts / "widget-7-error.png"))

    # The limit passes: "Try again" sends the same message (same client_id) over HTTP.
    page.unroute(MESSAGES_URL)
    widget(page).get_by_role("button", name="Try again").click()
    expect(chat_log(page).locator(".msg.bot").last).to_contain_text("working days", timeout=WAIT_MS)
    expect(chat_log(page).locator(".msg.customer")).to_have_count(1)
    expect(widget(page).get_by_role("alert")).to_be_hidden()
    context.close()


def test_a_message_sent_while_baton_is_briefly_unreachable_goes_by_itself(
    browser: Browser, baton: BatonServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route_web_socket("**/ws/widget", lambda socket: None)
    unavailable = {"error": {"code": "database_unavailable", "message": "try again shortly"}}
    answered: list[int] = []

    def first_unavailable(route: Route) -> None:
        answered.append(503 if not answered else 0)
        if answered[-1] == 503:
            route.fulfill(status=503, json=unavailable, headers={"Retry-After": "5"})
        else:
            route.continue_()

    page.route(MESSAGES_URL, first_unavailable)
    page.goto(baton.url + "/")
    box = open_widget(page)
    box.fill("How long does delivery to France take?")
    box.press("Enter")
    # Sent again by the widget itself (same client_id), without a "Try again" from the visitor.
    expect(chat_log(page).locator(".msg.bot").last).to_contain_text("working days", timeout=WAIT_MS)
    expect(chat_log(page).locator(".msg.customer")).to_have_count(1)
    expect(chat_log(page).locator(".msg.failed")).to_have_count(0)
    assert answered[0] == 503 and len(answered) == 2
    context.close()


HOSTILE_PAGE = """<!doctype html>
<html><head><title>Hostile styles</title>
<style>
  * { color: red !important; font-size: 40px !important; font-family: serif !important;
      background: yellow !important; border: 5px dotted blue !important;
      padding: 30px !important; line-height: 3 !important; }
  div, button, ol, li { display: inline !important; }
</style></head>
<body><p>A page whose styles reach every element it can.</p>
<script src="/widget.js" data-site="demo" async></script></body></html>"""


def widget_look(page: Page) -> dict[str, str | float]:
    """What the widget's header, title, greeting and input look like, as the browser computes it."""
    look: dict[str, str | float] = {}
    launcher = widget(page).locator(".launcher").bounding_box()
    assert launcher is not None
    look["launcher.width"] = round(launcher["width"])
    look["launcher.height"] = round(launcher["height"])
    for name, selector in (
        ("header", ".head"),
        ("title", ".title"),
        ("greeting", ".msg.greeting .bubble"),
        ("input", "textarea"),
    ):
        node = widget(page).locator(selector)
        style = node.evaluate(
            "n => { const s = getComputedStyle(n); return [s.color, s.fontSize, s.fontFamily,"
            " s.backgroundColor, s.display].join('|'); }"
        )
        look[name] = style
        size = node.bounding_box()
        assert size is not None
        look[name + ".width"] = round(size["width"])
        look[name + ".height"] = round(size["height"])
    return look


def test_the_widget_is_untouched_by_the_host_pages_styles(
    browser: Browser, baton: BatonServer, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route(
        baton.url + "/hostile.html",
        lambda route: route.fulfill(status=200, content_type="text/html", body=HOSTILE_PAGE),
    )
    plain = context.new_page()
    plain.goto(baton.url + "/")
    open_widget(plain)
    expected = widget_look(plain)

    hostile = context.new_page()
    hostile.goto(baton.url + "/hostile.html")
    open_widget(hostile)
    assert widget_look(hostile) == expected
    # The host element itself takes no room and shows nothing of the page's rules.
    host_box = widget(hostile).evaluate(
        "n => { const s = getComputedStyle(n); return [s.paddingTop, s.borderTopWidth]; }"
    )
    assert host_box == ["0px", "0px"]
    assert expected["launcher.width"] == 60
    hostile.screenshot(path=str(artifacts / "widget-6-hostile-page.png"))
    context.close()


def test_an_admin_adds_an_agent(browser: Browser, baton: BatonServer, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    console = sign_in_online(context, baton)
    console.get_by_role("button", name="Agents").click()
    dialog = console.get_by_role("dialog", name="Agents")
    expect(dialog.locator("#agents-rows")).to_contain_text(baton.agent_email, timeout=WAIT_MS)
    dialog.get_by_label("Name").fill("Priya")
    dialog.get_by_label("Email").fill("priya@lumen-loom.example")
    dialog.get_by_label("Password (10+ characters)").fill("a-long-password-2")
    dialog.get_by_role("button", name="Add agent").click()
    expect(dialog.locator("#agents-rows")).to_contain_text(
        "priya@lumen-loom.example", timeout=WAIT_MS
    )
    console.screenshot(path=str(artifacts / "console-5-agents.png"))
    context.close()


def test_bot_answers_render_markdown_safely(browser: Browser, baton: BatonServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(baton.url + "/")
        open_widget(page)
        say(page, "How do I create an account?")
        answer = chat_log(page).locator(".msg.bot strong", has_text="Sign in → Create account")
        expect(answer.first).to_be_visible(timeout=WAIT_MS)
        expect(chat_log(page)).not_to_contain_text("**", timeout=WAIT_MS)
        # A customer's own asterisks stay as typed.
        say(page, "**not bold** <b>nor this</b>")
        expect(chat_log(page).locator(".msg.customer .bubble").last).to_have_text(
            "**not bold** <b>nor this</b>", timeout=WAIT_MS
        )
    finally:
        context.close()


def test_talk_to_a_person_is_offered_from_the_first_answer_and_hands_over(
    browser: Browser, baton: BatonServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(baton.url + "/")
        open_widget(page)
        person = page.get_by_role("button", name="Talk to a person")
        # Not before the bot has said anything: there is nothing to escape from yet.
        expect(person).to_be_hidden()
        say(page, "How do I create an account?")
        expect(chat_log(page).locator(".msg.bot")).to_have_count(1, timeout=WAIT_MS)
        expect(person).to_be_visible(timeout=WAIT_MS)
        person.click()
        status = chat_status(page)
        expect(status).to_have_text(
            re.compile("Waiting for our team|reply by email|chatting with our team|is here"),
            timeout=WAIT_MS,
        )
        expect(person).to_be_hidden()
        # The bot handed over without a second question or an offer to accept.
        expect(page.get_by_role("button", name="Yes please")).to_be_hidden()
    finally:
        context.close()
