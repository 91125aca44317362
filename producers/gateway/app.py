"""The submission gateway: ``create_app(settings)`` builds the FastAPI app (nothing at import).

The lifespan connects the Kafka producer (a broker that is down at start-up is not fatal:
posts answer 503 until it is back) and flushes and closes it on shutdown; meanwhile the
gateway's store connections stay open (``db.pooled``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from common.settings import Settings
from producers.gateway import db, dryrun, logging_filter, routes
from producers.gateway.copy_watch import CopyWatcher
from producers.gateway.errors import BrokerUnavailable, StoreUnavailable
from producers.gateway.limits import InFlightLimit
from producers.gateway.publisher import Publisher
from producers.gateway.service import GatewayState
from producers.portal import routes as portal

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    logging_filter.install()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        publisher = Publisher(settings)
        watcher = CopyWatcher(settings.analyst_path)
        app.state.gateway = GatewayState(
            settings=settings, publisher=publisher, copy_watcher=watcher
        )
        if settings.gateway_warm_dry_run:
            dryrun.warm_in_background()
        try:
            await run_in_threadpool(publisher.start)
        except BrokerUnavailable as exc:
            log.warning("starting without a broker (posts answer 503 until it is back): %s", exc)
        try:
            with db.pooled(settings.gateway_store):
                yield
        finally:
            await watcher.close()
            await run_in_threadpool(publisher.close)

    app = FastAPI(
        title="Resilience-plan submission gateway",
        version="1",
        description="National submitters post v1 reports; the gateway puts them on Kafka "
        "and answers with a receipt, later with the verdict.",
        lifespan=lifespan,
    )
    app.include_router(routes.router)
    app.include_router(routes.health_router)
    app.include_router(portal.router)  # the submitters' web pages under /portal
    app.add_middleware(InFlightLimit, limit=settings.gateway_max_in_flight)
    app.add_exception_handler(StoreUnavailable, routes.store_unavailable)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        issues = [
            {"pointer": "".join(f"/{part}" for part in err.get("loc", ())), "message": err["msg"]}
            for err in exc.errors()
        ]
        return JSONResponse({"detail": issues}, status_code=422)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            spec.setdefault("components", {}).setdefault("schemas", {}).update(
                routes.report_schema_component()
            )
            # FastAPI's default 422 shape is replaced by ours (pointer + message).
            for name in ("HTTPValidationError", "ValidationError"):
                spec["components"]["schemas"].pop(name, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
