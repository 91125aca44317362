"""Serve the gateway with uvicorn: one process, or ``gateway_workers`` processes on one
socket. Workers share nothing but the gateway's database, where the same-id claims live
(producers/gateway/claims.py), so a post and its retry may reach different workers.
Each worker has its own in-flight cap (``gateway_max_in_flight``) and its own warm suites
for dry runs (about 300 MB each).
"""

from __future__ import annotations

from fastapi import FastAPI

from common.settings import Settings, get_settings


def app_from_env() -> FastAPI:
    """The app of a worker process: its settings come from the RESILIENCE_* environment."""
    from producers.gateway.app import create_app

    return create_app(get_settings())


def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """Run until stopped (tokens and Authorization headers never reach the log)."""
    import uvicorn

    from producers.gateway.app import create_app
    from producers.gateway.logging_filter import uvicorn_log_config

    options = {
        "host": host or settings.gateway_host,
        "port": port or settings.gateway_port,
        "log_config": uvicorn_log_config(),
        "server_header": False,
        "access_log": True,
    }
    if settings.gateway_workers > 1:
        uvicorn.run(
            "producers.gateway.server:app_from_env",
            factory=True,
            workers=settings.gateway_workers,
            **options,
        )
    else:
        uvicorn.run(create_app(settings), **options)
