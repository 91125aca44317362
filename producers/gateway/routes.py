"""HTTP routes: the only place domain errors become HTTP status codes."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from producers.gateway import dryrun, models, receipts, service, uploads
from producers.gateway.auth import Caller
from producers.gateway.errors import (
    BodyTooLarge,
    BrokerUnavailable,
    DryRunBusy,
    Forbidden,
    SubmissionConflict,
)
from producers.gateway.hints import (
    MAX_WAIT_S,
    RETRY_AFTER_BROKER_DOWN_S,
    RETRY_AFTER_STORE_DOWN_S,
)
from producers.gateway.publisher import broker_reachable
from producers.gateway.service import GatewayState
from producers.gateway.tokens import Principal
from producers.gateway.uploads import UploadInvalid
from schemas.contract import schema
from schemas.vocabulary import COUNTRY_PATTERN, CYCLE_PATTERN
from warehouse import reads
from warehouse.errors import WarehouseError

log = logging.getLogger(__name__)


_p = {"model": models.Problem}
_RETRY = {
    **_p,
    "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}},
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {**_p, "description": "No token, or an unknown or revoked one"},
    422: {"model": models.ValidationProblem, "description": "Invalid parameters"},
    503: {**_RETRY, "description": "Too many requests in flight"},
}

router = APIRouter(prefix="/v1")


def _state(request: Request) -> GatewayState:
    return request.app.state.gateway


def _unavailable(detail: str) -> HTTPException:
    retry = {"Retry-After": str(RETRY_AFTER_BROKER_DOWN_S)}
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers=retry)


def store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """Any route, the token look-up included: the shared database is down (503, retry)."""
    log.warning("%s", exc)  # pg keeps the password out of the message
    return JSONResponse(
        {"detail": "the gateway's database is unavailable; retry later"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_STORE_DOWN_S)},
    )


MAX_LISTED_ISSUES = 200  # a 2 MB body of unknown keys must not buy a 10 MB answer


def _invalid(invalid: UploadInvalid) -> JSONResponse:
    shown = invalid.issues[:MAX_LISTED_ISSUES]
    issues = [i.as_dict() for i in shown]
    if len(invalid.issues) > len(shown):
        more = len(invalid.issues) - len(shown)
        issues.append({"pointer": "", "message": f"... and {more} more problems not listed"})
    return JSONResponse({"detail": issues}, status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes the limit (never buffered unbounded)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _media(request: Request) -> str:
    media = uploads.media_type(request.headers.get("content-type"))
    if media is None:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type must be {uploads.JSON} or {uploads.XLSX} (a workbook made with "
            f"`resilience template`), got {request.headers.get('content-type') or 'none'}",
        )
    return media


async def _upload(request: Request, state: GatewayState, caller: Principal) -> uploads.Upload:
    """The posted report read (JSON or workbook), its country and contract checked: one
    threadpool hop. Raises UploadInvalid, Forbidden, BodyTooLarge (JSON over the limit)."""
    media = _media(request)
    limit = uploads.body_limit(media, state.settings)
    try:
        body = await _read_body(request, limit)
    except BodyTooLarge:
        if media == uploads.XLSX:
            raise uploads.too_large(limit) from None
        raise
    return await run_in_threadpool(uploads.read_upload, caller, media, body, state.settings)


async def _checked_upload(
    request: Request, state: GatewayState, caller: Principal
) -> uploads.Upload | JSONResponse:
    """What a post and a dry run both do first: may this token submit at all, then the
    body read and checked; a refusal comes back as the HTTP answer (403, 413 or 422)."""
    try:
        service.check_may_submit(caller, None)
        return await _upload(request, state, caller)
    except UploadInvalid as invalid:
        return _invalid(invalid)
    except Forbidden as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except BodyTooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(exc)) from None


_UPLOAD_REFUSALS = {
    401: READ_ERRORS[401],
    403: {**_p, "description": "The token may not submit for this country"},
    413: {**_p, "description": "Body larger than the limit"},
    415: {**_p, "description": "Content-Type is neither JSON nor XLSX"},
    422: {
        "model": models.ValidationProblem,
        "description": "Every structural problem (a workbook's: each with its cell)",
    },
}

_BODY = {
    "required": True,
    "content": {
        uploads.JSON: {"schema": {"$ref": "#/components/schemas/ReportV1"}},
        uploads.XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}


@router.post(
    "/reports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=models.Receipt,
    summary="Submit one report",
    description=(
        "Body: one v1 report, `Content-Type: application/json`, posted as-is to Kafka; or "
        "the submitters' workbook (`resilience template`, Content-Type "
        "`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`), converted to "
        "the v1 document, which is published as JSON (the receipt's sha256 is that JSON's). "
        "**202** with the receipt once the broker acknowledged it. Idempotent on "
        "`submission_id`: the same id with the same body answers **200** with the first "
        "receipt (nothing is produced again); the same id with another body is **409**."
    ),
    openapi_extra={"requestBody": _BODY},
    responses={
        200: {"model": models.Receipt, "description": "Replay of an already received body"},
        **_UPLOAD_REFUSALS,
        409: {**_p, "description": "submission_id already used for a different body"},
        503: {**_RETRY, "description": "Broker unavailable or too busy; retry is safe"},
    },
)
async def post_report(request: Request, caller: Caller) -> Any:
    state = _state(request)
    upload = await _checked_upload(request, state, caller)
    if isinstance(upload, JSONResponse):
        return upload
    try:
        receipt, created = await service.submit(state, upload.document, upload.body)
    except SubmissionConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except BrokerUnavailable as exc:
        raise _unavailable(f"{exc}; nothing was stored, retry with the same body") from None
    log.info(
        "report %s of %s %s v%s -> %s[%s]@%s (%s)",
        receipt.submission_id,
        receipt.country,
        receipt.cycle,
        receipt.version,
        receipt.topic,
        receipt.partition,
        receipt.offset,
        "new" if created else "replay",
    )
    return JSONResponse(
        asdict(receipt), status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
    )


@router.post(
    "/reports:validate",
    response_model=models.DryRunResult,
    summary="Dry run: the verdict a report would get, nothing stored",
    description=(
        "The same body, tokens and country rules as `POST /v1/reports`; the structural "
        "check (**422** as a post would get), then every content rule the pipeline applies, "
        "including the cross-report ones against the country's last accepted cycle. Nothing "
        "goes to Kafka and nothing is stored; the answer says what the status would be, with "
        "the findings in the shape of a verdict."
    ),
    openapi_extra={"requestBody": _BODY},
    responses={
        **_UPLOAD_REFUSALS,
        503: {**_RETRY, "description": "The last accepted cycle cannot be read now, or busy"},
    },
)
async def validate_report(request: Request, caller: Caller) -> Any:
    state = _state(request)
    upload = await _checked_upload(request, state, caller)
    if isinstance(upload, JSONResponse):
        return upload
    try:
        answer = await dryrun.dry_run(state, caller, upload.document, cell_of=upload.cell_of)
    except WarehouseError as exc:
        raise _unavailable(f"cannot read the last accepted cycle: {exc}") from None
    except DryRunBusy as exc:
        raise _unavailable(str(exc)) from None
    return answer


@router.get(
    "/reports/{submission_id}",
    response_model=models.ReportStatus,
    summary="One submission with its verdict and findings",
    description=(
        "With `wait=SECONDS` (0 to "
        f"{MAX_WAIT_S}) a long poll: the answer comes as soon as the verdict exists, or when "
        'the wait ends with the current state (status "received" while it is being judged). '
        "Ask again to wait longer."
    ),
    responses={
        **READ_ERRORS,
        404: {**_p, "description": "No such submission for this token's country"},
    },
)
async def get_report(
    request: Request,
    caller: Caller,
    submission_id: Annotated[str, Path(max_length=64)],
    wait: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_WAIT_S,
            description="Seconds to wait for the verdict if there is none yet (long poll)",
        ),
    ] = 0,
) -> models.ReportStatus:
    found = await service.report_with_verdict(_state(request), caller, submission_id, wait)
    if found is None:
        # 404, not 403: another country's submission must not be seen to exist.
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no submission {submission_id} for you")
    receipt, verdict = found
    return models.ReportStatus(
        **asdict(receipt),
        status=verdict.status,
        judged_at=verdict.judged_at,
        counts=verdict.counts,
        findings=[models.FindingOut.of(f) for f in verdict.findings],
        manifest_sha256=verdict.manifest_sha256,
        review=models.ReviewOut(**asdict(verdict.review)) if verdict.review else None,
    )


@router.get(
    "/reports",
    response_model=models.ReportList,
    summary="The caller's submissions (analyst/admin/reviewer: every country)",
    responses={**READ_ERRORS, 403: {**_p, "description": "Another country's list"}},
)
def list_reports(
    request: Request,
    caller: Caller,
    cycle: Annotated[str | None, Query(pattern=CYCLE_PATTERN)] = None,
    country: Annotated[str | None, Query(pattern=COUNTRY_PATTERN)] = None,
) -> models.ReportList:
    state = _state(request)
    if not caller.reads_all:
        if country not in (None, caller.country):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this token reads {caller.country} only"
            )
        country = caller.country
    found = receipts.list_receipts(state.settings.gateway_store, country=country, cycle=cycle)
    status_of = reads.statuses_of(state.settings.analyst_path, [r.submission_id for r in found])
    return models.ReportList(
        reports=[
            models.ReportSummary(**asdict(r), status=status_of[r.submission_id]) for r in found
        ]
    )


health_router = APIRouter()


@health_router.get(
    "/healthz",
    response_model=models.Health,
    summary="Is the broker reachable?",
    responses={503: {"model": models.Health, "description": "Broker unreachable"}},
)
async def healthz(request: Request) -> Any:
    settings = _state(request).settings
    timeout = min(1.0, settings.gateway_broker_timeout_s)
    ok = await run_in_threadpool(broker_reachable, settings.bootstrap_list, timeout)
    body = models.Health(
        status="ok" if ok else "unavailable",
        broker="reachable" if ok else "unreachable",
        topic=settings.report_topic,
    )
    return JSONResponse(body.model_dump(), status.HTTP_200_OK if ok else 503)


def report_schema_component() -> dict[str, Any]:
    """The v1 contract as an OpenAPI component (the same file the gateway checks against)."""
    component = {k: v for k, v in schema().items() if k not in ("$schema", "$id")}
    return {"ReportV1": component}
