"""The submitters' web portal under /portal: the only place its errors become pages.

Sign-in takes a country's submitter token and opens a server-side session (sessions.py);
its cookie is HttpOnly and SameSite=Strict: the portal is entered by signing in, never by a
link from another site, so no cross-site request ever needs the session, and a forged form
or a framed page gets none. Every form carries the session's CSRF token as well (and the
sign-in form a token of its own, against signing a victim in as someone else). Analyst and
admin tokens are refused: they have the API and the warehouse, and the portal's pages are a
country's. Like the API, another country's submission is a 404, not a 403.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from producers.gateway import receipts, service, tokens
from producers.gateway.errors import (
    BrokerUnavailable,
    DryRunBusy,
    Forbidden,
    SubmissionConflict,
)
from producers.gateway.hints import MAX_WAIT_S, RETRY_AFTER_BUSY_S
from producers.gateway.receipts import Receipt
from producers.gateway.service import GatewayState
from producers.portal import checks, corrections, deadlines, pages, sessions
from producers.portal.checks import Problem
from producers.portal.sessions import Session
from producers.workbook.template import write_workbook
from warehouse import reads

log = logging.getLogger(__name__)

PREFIX = "/portal"
SESSION_COOKIE = "portal_session"
SIGN_IN_COOKIE = "portal_sign_in"
POLL_WAIT_S = 25  # each poll of a verdict still being judged holds at most this long
T = TypeVar("T")

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _state(request: Request) -> GatewayState:
    return request.app.state.gateway


def _session(request: Request) -> Session | None:
    store = _state(request).settings.gateway_store
    return sessions.find(store, request.cookies.get(SESSION_COOKIE))


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/sign-in", status_code=303)


def _refused(session: Session | None, message: str, status_code: int) -> Response:
    return pages.render("problem.html", status_code, session=session, message=message)


def _csrf_refused(session: Session | None) -> Response:
    return _refused(
        session,
        "This form did not come from this portal page or has expired. "
        "Reload the page and send it again.",
        403,
    )


# ------------------------------------------------------------------ sign-in and sign-out


@router.get("")
def portal_root() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    if _session(request) is not None:
        return RedirectResponse(f"{PREFIX}/", status_code=303)
    return _sign_in_page(request, None, 200)


def _sign_in_page(request: Request, error: str | None, status_code: int) -> Response:
    csrf = secrets.token_urlsafe(32)
    response = pages.render("sign_in.html", status_code, csrf_token=csrf, error=error)
    _set_cookie(request, response, SIGN_IN_COOKIE, csrf, max_age=3600)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _csrf_refused(None)
    settings = _state(request).settings
    principal = tokens.authenticate(settings.gateway_store, token.strip())
    if principal is None:
        return _sign_in_page(request, "This token is unknown or revoked.", 401)
    if principal.role != "submitter":
        return _sign_in_page(
            request,
            f"The portal is for national submitters; an {principal.role} token reads every "
            "country through the API and the warehouse instead.",
            403,
        )
    session_id = sessions.start(settings.gateway_store, principal, settings.portal_session_ttl_s)
    log.info("portal sign-in: token %s (%s)", principal.token_id, principal.country)
    response = RedirectResponse(f"{PREFIX}/", status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, session_id, settings.portal_session_ttl_s)
    response.delete_cookie(SIGN_IN_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    session = _session(request)
    if session is None:
        return _to_sign_in()
    if not session.csrf_ok(csrf_token):
        return _csrf_refused(session)
    sessions.end(_state(request).settings.gateway_store, session)
    response = pages.render("signed_out.html")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


# ------------------------------------------------------------------ home: deadlines, upload


def _history(state: GatewayState, country: str) -> list[dict]:
    found = receipts.list_receipts(state.settings.gateway_store, country=country, cycle=None)
    status_of = reads.statuses_of(state.settings.analyst_path, [r.submission_id for r in found])
    return [{**asdict(r), "status": status_of[r.submission_id]} for r in found]


def _latest_by_cycle(history: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in history:  # oldest first: the last one per cycle wins
        current = latest.get(row["cycle"])
        if current is None or row["version"] >= current["version"]:
            latest[row["cycle"]] = row
    return latest


@router.get("/")
def home(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return _to_sign_in()
    state = _state(request)
    country = session.principal.country or ""
    today = datetime.now(UTC).date()
    return pages.render(
        "home.html",
        session=session,
        today=today,
        cycles=deadlines.relevant(country, today),
        latest=_latest_by_cycle(_history(state, country)),
        max_bytes=state.settings.gateway_max_body_bytes,
        max_workbook_bytes=state.settings.gateway_max_workbook_bytes,
    )


@router.get("/history")
def history(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return _to_sign_in()
    rows = _history(_state(request), session.principal.country or "")
    by_cycle: dict[str, list[dict]] = {}
    for row in rows:
        by_cycle.setdefault(row["cycle"], []).append(row)
    cycles = [
        (cycle, sorted(versions, key=lambda r: (r["version"], r["received_at"]), reverse=True))
        for cycle, versions in sorted(by_cycle.items(), reverse=True)
    ]
    return pages.render("history.html", session=session, cycles=cycles)


# ------------------------------------------------------------------ workbooks to fill

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/template.xlsx")
def template(request: Request) -> Response:
    """The empty workbook: a README, one sheet per table, drop-downs for every code."""
    if _session(request) is None:
        return _to_sign_in()
    return _workbook(write_workbook(None), "resilience-report-template.xlsx")


@router.get("/upload.xlsx")
def upload_as_workbook(request: Request) -> Response:
    """The upload just checked, as a filled workbook (to correct it, or to go on in a
    spreadsheet from a JSON report)."""
    session = _session(request)
    if session is None:
        return _to_sign_in()
    draft = sessions.get_draft(_state(request).settings.gateway_store, session)
    if draft is None:
        return _refused(session, "Check a report first; its workbook is made from it.", 409)
    report = json.loads(draft.body)
    name = f"report-{report['country']}-{report['cycle']}-v{report['version']}.xlsx"
    return _workbook(write_workbook(report), name)


@router.get("/reports/{submission_id}/correction.xlsx")
async def correction(request: Request, submission_id: str) -> Response:
    """A judged submission as a workbook to correct: its own content, a new submission_id
    and the cycle's next version, as a correction must have."""
    session = await run_in_threadpool(_session, request)
    if session is None:
        return _to_sign_in()
    state = _state(request)
    found = await service.report_with_verdict(state, session.principal, submission_id[:64], 0)
    if found is None:
        return _refused(session, f"There is no submission {submission_id[:64]} for you.", 404)
    receipt = found[0]
    body = await run_in_threadpool(
        reads.submitted_body,
        state.settings.analyst_path,
        receipt.submission_id,
        receipt.topic,
        receipt.partition,
        receipt.offset,
    )
    if body is None:
        return _refused(session, "The pipeline has not landed this report yet; try later.", 409)
    versions = await run_in_threadpool(
        partial(
            receipts.list_receipts,
            state.settings.gateway_store,
            country=receipt.country,
            cycle=receipt.cycle,
        )
    )
    report = corrections.next_version(json.loads(body), max(r.version for r in versions) + 1)
    workbook = await run_in_threadpool(write_workbook, report)
    name = f"report-{report['country']}-{report['cycle']}-v{report['version']}.xlsx"
    return _workbook(workbook, name)


# ------------------------------------------------------------------ check, then submit


FORM_OVERHEAD_BYTES = 64_000  # multipart boundaries, headers and the CSRF field


@router.post("/check")
async def check(request: Request) -> Response:
    """The form is parsed here, not by FastAPI, so that an oversized upload is refused by
    its declared length before a byte of it is spooled to disk."""
    session = await run_in_threadpool(_session, request)
    if session is None:
        return _to_sign_in()
    settings = _state(request).settings
    json_limit, xlsx_limit = settings.gateway_max_body_bytes, settings.gateway_max_workbook_bytes
    largest = max(json_limit, xlsx_limit)
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > largest + FORM_OVERHEAD_BYTES:
        return _refused(session, f"An upload may be at most {largest:,} bytes.", 413)
    form = await request.form(max_files=1, max_fields=2)
    file, csrf_token = form.get("file"), form.get("csrf_token")
    if not session.csrf_ok(csrf_token if isinstance(csrf_token, str) else None):
        return _csrf_refused(session)
    if not isinstance(file, UploadFile):
        return _refused(session, "Choose a file to check.", 422)
    content = await file.read(largest + 1)
    filename = (file.filename or "upload")[:200]
    limit = xlsx_limit if checks.looks_like_xlsx(filename, content) else json_limit
    if len(content) > limit:
        return _refused(session, f"{filename} is larger than the limit of {limit:,} bytes.", 413)
    try:
        result = await checks.check(_state(request), session.principal, filename, content)
    except DryRunBusy:
        response = _refused(
            session, "Many checks are running right now; send the file again in a few seconds.", 503
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_BUSY_S)
        return response
    if result.submittable:
        assert result.body is not None
        await run_in_threadpool(
            partial(
                sessions.put_draft,
                settings.gateway_store,
                session,
                filename=filename,
                source=result.source,
                body=result.body,
                cells=checks.cells_to_json(result.cells) if result.cells else None,
            )
        )
    return _check_page(session, result)


def _check_page(session: Session, result: checks.CheckResult) -> Response:
    status_code = 422 if result.problems and not result.submittable else 200
    if result.refused:
        status_code = 403
    return pages.render(
        "check.html",
        status_code,
        session=session,
        result=result,
        groups=pages.grouped(result.problems),
        counts=pages.counts(result.problems),
    )


@router.post("/submit")
async def submit(
    request: Request, csrf_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    session = await run_in_threadpool(_session, request)
    if session is None:
        return _to_sign_in()
    if not session.csrf_ok(csrf_token):
        return _csrf_refused(session)
    state = _state(request)
    draft = await run_in_threadpool(sessions.get_draft, state.settings.gateway_store, session)
    if draft is None:
        return _refused(session, "There is nothing to submit: upload a report first.", 409)
    # The draft was checked at upload; the same checks again, as POST /v1/reports does.
    result = await run_in_threadpool(
        checks.structure_only, session.principal, draft.body, state.settings
    )
    if not result.submittable:
        return _check_page(session, result)
    assert result.doc is not None
    try:
        receipt, created = await service.submit(state, result.doc, draft.body)
    except Forbidden as exc:
        return _refused(session, str(exc), 403)
    except SubmissionConflict as exc:
        return _refused(
            session,
            f"{exc}. A corrected report needs a new submission_id and a higher version.",
            409,
        )
    except BrokerUnavailable:
        return _refused(
            session,
            "The pipeline cannot take reports right now; nothing was stored. "
            "Try again in a minute.",
            503,
        )
    if draft.cells:
        await run_in_threadpool(
            sessions.keep_cells, state.settings.gateway_store, receipt.submission_id, draft.cells
        )
    await run_in_threadpool(sessions.drop_draft, state.settings.gateway_store, session)
    log.info(
        "portal submit %s of %s %s v%s (%s)",
        receipt.submission_id,
        receipt.country,
        receipt.cycle,
        receipt.version,
        "new" if created else "replay",
    )
    return RedirectResponse(f"{PREFIX}/reports/{receipt.submission_id}", status_code=303)


# ------------------------------------------------------------------ receipt and verdict


def _verdict_context(state: GatewayState, receipt: Receipt, verdict: reads.Verdict) -> dict:
    cells = None
    if verdict.findings:
        found = sessions.cells_of(state.settings.gateway_store, receipt.submission_id)
        cells = checks.cells_from_json(found)
    problems = [
        Problem(
            f.rule_code,
            str(f.severity),
            f.message or "",
            f.location or "",
            f.value,
            checks.locate(cells, f.location or "", f.rule_code),
        )
        for f in verdict.findings
    ]
    return {"verdict": verdict, "groups": pages.grouped(problems)}


@router.get("/reports/{submission_id}")
async def report(request: Request, submission_id: str) -> Response:
    session = await run_in_threadpool(_session, request)
    if session is None:
        return _to_sign_in()
    found = await service.report_with_verdict(
        _state(request), session.principal, submission_id[:64], 0
    )
    if found is None:
        return _refused(session, f"There is no submission {submission_id[:64]} for you.", 404)
    receipt, verdict = found
    state = _state(request)
    context = await run_in_threadpool(_verdict_context, state, receipt, verdict)
    return pages.render("report.html", session=session, receipt=receipt, **context)


async def _unless_gone(request: Request, waiting: Awaitable[T]) -> T | None:
    """The awaited result, or None once the browser went away (a closed tab must not hold
    its poll, nor a gateway's shutdown, for the rest of the wait)."""
    task = asyncio.ensure_future(waiting)
    while not task.done():
        await asyncio.wait({task}, timeout=1)
        if not task.done() and await request.is_disconnected():
            task.cancel()
            return None
    return task.result()


@router.get("/reports/{submission_id}/verdict")
async def verdict_fragment(
    request: Request,
    submission_id: str,
    wait: Annotated[int, Query(ge=0, le=MAX_WAIT_S)] = POLL_WAIT_S,
) -> Response:
    """The verdict section alone, for the report page's poll (answers once judged or when
    the wait ends, with the current state)."""
    session = await run_in_threadpool(_session, request)
    if session is None:
        return Response("signed out", status_code=401)
    found = await _unless_gone(
        request,
        service.report_with_verdict(_state(request), session.principal, submission_id[:64], wait),
    )
    if found is None:
        return Response("not found", status_code=404)
    receipt, verdict = found
    context = await run_in_threadpool(_verdict_context, _state(request), receipt, verdict)
    return pages.render("_verdict.html", session=session, receipt=receipt, **context)
