"""The submitters' portal in a real browser (Debian's chromium through Playwright), on the real
gateway and broker: what a submitter sees and does, and what the portal refuses."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.portal.conftest import SCREENSHOTS_ENV
from tests.producers.reports import make_report, to_body

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sign_in(page, token: str) -> None:
    page.goto("/portal/")
    page.get_by_label("Submitter token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def upload(page, name: str, document: dict) -> None:
    page.goto("/portal/")
    page.get_by_label("Report file").set_input_files(
        {"name": name, "mimeType": "application/json", "buffer": json.dumps(document).encode()}
    )
    page.get_by_role("button", name="Check the report").click()


def shot(page, name: str) -> None:
    """With PORTAL_SCREENSHOTS_DIR=docs/img the live flow refreshes the README's pictures."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    if folder:
        page.screenshot(path=str(Path(folder) / f"portal-{name}.png"), full_page=True)


def judge_everything(settings) -> None:
    """What the ingest and aggregation DAGs do on a new event: judge it, publish the copy."""
    from pipeline.aggregate import publish_verdicts
    from pipeline.ingest import drain

    publish_verdicts(settings, drain(settings).summary())


def download(page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    return Path(info.value.path()).read_bytes()


def upload_file(page, name: str, content: bytes) -> None:
    page.goto("/portal/")
    page.get_by_label("Report file").set_input_files(
        {
            "name": name,
            "mimeType": XLSX if name.endswith(".xlsx") else "application/json",
            "buffer": content,
        }
    )
    page.get_by_role("button", name="Check the report").click()


def broken_workbook(content: bytes) -> bytes:
    """The workbook as a submitter might spoil it: a date typed as text, a formula."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    book["milestones"]["D5"] = "next spring"
    book["measures"]["E5"] = "=F5*2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_check_fix_submit_and_watch_the_verdict_arrive(page, gateway) -> None:
    report = json.loads((EXAMPLES / "error.json").read_text(encoding="utf-8"))  # LTU 2026-H1
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/portal/")
    shot(page, "sign-in")
    sign_in(page, gateway.issue_token(report["country"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports of LTU")
    expect(page.get_by_role("table", name=re.compile("Reporting cycles"))).to_contain_text(
        "2026-H2"
    )
    shot(page, "home")

    # The empty template comes back with what is missing, named by cell.
    template = download(page, "download the empty template")
    upload_file(page, "template.xlsx", template)
    expect(page.get_by_role("alert")).to_contain_text("cannot be submitted")
    expect(page.get_by_role("region", name=re.compile("STRUCTURE"))).to_contain_text("report!C5")

    # Last cycle's JSON, as a workbook to correct; spoilt, it names the cells at fault.
    upload(page, "last-cycle.json", report)
    workbook = download(page, "Download this report as a workbook")
    upload_file(page, "broken.xlsx", broken_workbook(workbook))
    expect(page.get_by_role("alert")).to_contain_text("cannot be submitted")
    unreadable = page.get_by_role("region", name=re.compile("WORKBOOK"))
    expect(unreadable).to_contain_text("milestones!D5")
    expect(unreadable).to_contain_text("measures!E5")
    expect(page.get_by_role("button", name="Submit this report")).to_have_count(0)
    shot(page, "check-broken")

    # Fixed (the workbook as downloaded): the content finding, by cell and pointer.
    upload_file(page, "fixed.xlsx", workbook)
    expect(page.get_by_role("status")).to_contain_text("would be: Accepted with warnings")
    finding = page.get_by_role("region", name=re.compile("MIL-003"))
    expect(finding).to_contain_text("milestones!F18")
    expect(finding).to_contain_text("/measures/4/milestones/0")
    shot(page, "check")
    page.get_by_role("button", name="Submit this report").click()

    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    expect(page.locator("#verdict")).to_contain_text("judging this report")
    page.evaluate("window.stillTheSamePage = true")
    shot(page, "receipt")
    judge_everything(gateway.settings)

    expect(page.locator("#verdict-announce")).to_have_text(
        "Verdict: Accepted with warnings.", timeout=120_000
    )
    assert page.evaluate("window.stillTheSamePage") is True, "the page reloaded"
    expect(page.get_by_role("region", name=re.compile("MIL-003"))).to_contain_text("milestones!F18")
    shot(page, "verdict")

    # A correction starts from the submitted report: new submission_id, the next version.
    correction = download(page, "Prepare a correction")
    upload_file(page, "correction.xlsx", correction)
    expect(page.get_by_role("status")).to_contain_text("LTU 2026-H1, version 2")
    expect(page.get_by_role("status")).not_to_contain_text(report["submission_id"])
    expect(page.get_by_role("status")).to_contain_text("would be: Accepted with warnings")

    page.get_by_role("link", name="History").click()
    versions = page.get_by_role("table", name="Versions of 2026-H1, newest first")
    expect(versions).to_contain_text("Accepted with warnings")
    expect(versions.get_by_role("link", name=report["submission_id"])).to_be_visible()
    shot(page, "history")
    elsewhere = [url for url in requested if not url.startswith(gateway.base_url + "/portal")]
    assert requested and elsewhere == [], "the portal fetched something from elsewhere"


def test_another_countrys_report_is_not_found(page, gateway) -> None:
    est = make_report("EST")
    answer = httpx.post(
        f"{gateway.base_url}/v1/reports",
        content=to_body(est),
        headers={
            "Authorization": f"Bearer {gateway.issue_token('EST')}",
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 202
    url = f"/portal/reports/{est['submission_id']}"

    sign_in(page, gateway.issue_token("FRA"))
    assert page.goto(url).status == 404
    expect(page.get_by_role("alert")).to_contain_text("There is no submission")
    expect(page.locator("main")).not_to_contain_text("EST")
    assert page.request.get(f"{url}/verdict?wait=0").status == 404

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, gateway.issue_token("EST"))
    assert page.goto(url).status == 200  # the owner does see it
    expect(page.get_by_role("heading", level=1)).to_have_text("EST 2026-H1, version 1")


def test_the_session_cookie_csrf_and_sign_out(page, gateway) -> None:
    from producers.gateway import tokens

    assert page.request.post("/portal/sign-in", form={"token": "x"}).status == 403  # no token

    analyst = gateway.issue_token(role="analyst")
    sign_in(page, analyst)
    expect(page.get_by_role("alert")).to_contain_text("for national submitters")

    token = gateway.issue_token("FRA")
    sign_in(page, token)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports of FRA")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "portal_session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert "portal_session" not in page.evaluate("document.cookie")

    no_token = page.request.post(
        "/portal/check",
        multipart={"file": {"name": "r.json", "mimeType": "application/json", "buffer": b"{}"}},
    )
    assert no_token.status == 403
    assert "did not come from this portal" in no_token.text()
    assert page.request.post("/portal/sign-out", form={"csrf_token": "forged"}).status == 403
    page.goto("/portal/history")
    expect(page.get_by_role("heading", level=1)).to_have_text("Submissions of FRA")  # still in

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed out")
    page.context.add_cookies([cookie])  # the old cookie opens nothing
    page.goto("/portal/history")
    expect(page).to_have_url(re.compile(r"/portal/sign-in$"))

    sign_in(page, token)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports of FRA")
    tokens.revoke(gateway.settings.gateway_db, token.split("_")[1])  # revoking ends it too
    page.goto("/portal/history")
    expect(page).to_have_url(re.compile(r"/portal/sign-in$"))


def test_keyboard_only_sign_in_and_the_skip_link(page, gateway) -> None:
    page.goto("/portal/sign-in")
    expect(page.get_by_label("Submitter token")).to_be_focused()
    page.keyboard.type(gateway.issue_token("FRA"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports of FRA")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for landmark in ("banner", "navigation", "main", "contentinfo"):
        expect(page.get_by_role(landmark)).to_have_count(1)
    expect(page.get_by_label("Report file")).to_be_visible()  # every input has its label


def test_an_upload_over_the_limit_is_refused_by_its_declared_size(page, gateway) -> None:
    sign_in(page, gateway.issue_token("FRA"))
    page.goto("/portal/")
    too_big = b"PK\x03\x04" + b"\0" * 10_100_000  # past the workbook reader's 10 MB
    page.get_by_label("Report file").set_input_files(
        {"name": "huge.xlsx", "mimeType": XLSX, "buffer": too_big}
    )
    with page.expect_response("**/portal/check") as answer:
        page.get_by_role("button", name="Check the report").click()
    assert answer.value.status == 413
    expect(page.get_by_role("alert")).to_contain_text("at most 10,000,000 bytes")
