"""Workbook (XLSX) uploads over real HTTP: converted, published as JSON, refused by cell."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import httpx
import openpyxl
import pytest

import schemas
from producers.workbook.reader import document_body, read_workbook
from producers.workbook.template import write_workbook
from schemas.validation import validate_batch
from tests.producers.kafka_read import read_topic
from tests.producers.workbook.bad import CASES

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLEAN = Path(schemas.__file__).parent / "examples" / "clean.json"


def workbook(**top) -> tuple[dict, bytes]:
    report = {**json.loads(CLEAN.read_bytes()), **top}
    return report, write_workbook(report)


def client(gateway, country: str) -> httpx.Client:
    token = gateway.issue_token(country)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": XLSX}
    return httpx.Client(base_url=gateway.base_url, headers=headers, timeout=60)


def edit(data: bytes, change) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_is_published_as_its_json_document_and_the_receipt_hashes_that(gateway):
    report, data = workbook()
    with client(gateway, report["country"]) as c:
        first = c.post("/v1/reports", content=data)
        again = c.post("/v1/reports", content=data)
    assert first.status_code == 202, first.text
    assert again.status_code == 200 and again.json() == first.json()  # idempotent replay
    receipt = first.json()
    [record] = read_topic(gateway.settings.kafka_bootstrap_servers, receipt["topic"], expect=1)
    assert json.loads(record.value) == report == read_workbook(data)
    assert record.value == document_body(read_workbook(data))
    assert receipt["sha256"] == hashlib.sha256(record.value).hexdigest()
    assert dict(record.headers)["content_sha256"] == receipt["sha256"].encode()


def test_every_malformed_workbook_gets_a_422_naming_its_cell(gateway):
    report, good = workbook()
    with client(gateway, report["country"]) as c:
        for kind, (make, where, words) in CASES.items():
            bad = make(good)
            for path in ("/v1/reports", "/v1/reports:validate"):
                response = c.post(path, content=bad)
                assert response.status_code == 422, (kind, path, response.text)
                named = [i for i in response.json()["detail"] if i.get("cell") == where]
                assert any(words in i["message"] for i in named), (kind, response.json())
        # structure inside a readable workbook: the contract's pointer and the cell
        typed = edit(good, lambda b: b["report"].__setitem__("E5", "two"))
        response = c.post("/v1/reports", content=typed)
    assert response.status_code == 422
    assert {"pointer": "/version", "cell": "report!E5"}.items() <= response.json()["detail"][
        0
    ].items()
    assert read_topic(gateway.settings.kafka_bootstrap_servers, gateway.settings.report_topic,
                      expect=0) == []  # fmt: skip


def test_a_dry_run_of_a_workbook_names_each_findings_cell(gateway):
    report, good = workbook()
    broken = edit(good, lambda b: b["milestones"].__setitem__("F5", 40))  # MS-0101 is done
    with client(gateway, report["country"]) as c:
        answer = c.post("/v1/reports:validate", content=broken).json()
        other = c.post("/v1/reports:validate", content=workbook(country="DEU")[1])
    expected = validate_batch([read_workbook(broken)])[report["submission_id"]]
    assert {(f["rule_code"], f["location"]) for f in answer["findings"]} == {
        (f.rule_code, f.location) for f in expected.findings
    }
    [done] = [f for f in answer["findings"] if f["rule_code"] == "MIL-003"]
    assert (done["location"], done["cell"]) == ("/measures/0/milestones/0", "milestones!F5")
    assert other.status_code == 403
