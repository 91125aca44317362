"""Rendering: Jinja2 templates beside this module, and the headers every portal page carries.

The Content-Security-Policy allows nothing from another origin: styles are inline, the one
script carries the response's nonce, forms post only to the portal itself, and no page can
be framed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import cache
from itertools import groupby
from typing import Any

import jinja2
from fastapi.responses import HTMLResponse

from producers.portal.checks import Problem, rule_title

SEVERITY_ORDER = {"BLOCKER": 0, "ERROR": 1, "WARNING": 2, "INFO": 3}
STATUS_LABEL = {
    "received": "Received: being judged",
    "accepted": "Accepted",
    "accepted_with_warnings": "Accepted with warnings",
    "rejected": "Rejected",
}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("producers.portal", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["status_label"] = lambda s: STATUS_LABEL.get(s, s)
    env.filters["when"] = when
    return env


def security_headers(nonce: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; "
            f"script-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    context.setdefault("session", None)
    html = environment().get_template(template).render(nonce=nonce, **context)
    return HTMLResponse(html, status_code, headers=security_headers(nonce))


def grouped(problems: list[Problem]) -> list[dict[str, Any]]:
    """Problems grouped by rule, the gravest rules first; each group keeps its locations."""
    ordered = sorted(
        problems, key=lambda p: (SEVERITY_ORDER.get(p.severity, 9), p.rule_code, p.pointer)
    )
    groups = []
    for (severity, code), items in groupby(ordered, key=lambda p: (p.severity, p.rule_code)):
        entries, title = list(items), rule_title(code)
        detailed = any(p.message != title for p in entries)  # else the heading says it all
        groups.append(
            {
                "rule_code": code,
                "severity": severity,
                "title": title,
                "entries": entries,
                "detailed": detailed,
            }
        )
    return groups


def when(iso: str | None) -> str:
    """An ISO instant as a reader wants it: 2026-12-03 12:49 UTC."""
    if not iso:
        return ""
    try:
        instant = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def counts(problems: list[Problem]) -> dict[str, int]:
    found = dict.fromkeys(SEVERITY_ORDER, 0)
    for p in problems:
        found[p.severity] = found.get(p.severity, 0) + 1
    return found
