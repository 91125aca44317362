"""The queries of docs/analyst-questions.md, read from the doc itself, run read-only on the
analyst copy of the small history and give the answers computed by hand from
tests/fixtures/warehouse.py."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from warehouse.analyst import publish_analyst_copy

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "analyst-questions.md"

ANSWERS = [
    # 1. USA 1 of 1 due done; DEU (MS-01 of MS-01, MS-03) and FIN (MS-01 of two) 1 of 2.
    [("USA", 1.0), ("DEU", 0.5), ("FIN", 0.5)],
    # 2. DEU 10/100 in 2022-H2 to 90/150 in 2023-H1; the only ally with a previous cycle.
    [("DEU", 0.5)],
    # 3. 2022-H2: DEU's MS-01 only; 2023-H1: 3 of 5 due milestones done.
    [("2022-H2", 1.0), ("2023-H1", 0.6)],
    # 4. FIN submitted 2023-09-15, deadline 2023-08-29. ITA was never accepted (NULL).
    [("FIN", 17)],
    # 5. 31 members on 2023-06-30; DEU, FIN, ITA and USA reported.
    [(27,)],
    # 6. Energy: DEU 2 + FIN 0 + USA 3.
    [("energy", 5)],
    # 7. DEU 20 h to 6.5 h.
    [("DEU", -13.5)],
    # 8. ITA: 100 - 10 (blocker) - 10 (never accepted).
    [("ITA", 80)],
    # 9. DEU v2: I-01 and I-03 of three; FIN's falling target 60 % of the way; USA 4 of 10.
    [("DEU", 0.6667), ("FIN", 1.0), ("USA", 0.0)],
    # 10. DEU's 2023-H1 v1 and v2.
    [("2023-H1", 1)],
    # 11. DEU 2022-H2 and FIN 2023-H1 are 1.0 reports (unknown); DEU 2023-H1 v2 (1.1): 1 in
    # energy + 1 in communications; USA (1.1): none. FIN 2022-H2: not yet a member.
    [
        ("DEU", "2022-H2", None, 5),
        ("DEU", "2023-H1", 2, 0),
        ("FIN", "2023-H1", None, 0),
        ("USA", "2023-H1", 0, 0),
    ],
]


def _queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_each_documented_question_gets_its_hand_computed_answer(
    small_warehouse, warehouse_path, tmp_path
):
    small_warehouse.execute("checkpoint")
    small_warehouse.close()
    copy = tmp_path / "analyst" / "analyst.duckdb"
    publish_analyst_copy(warehouse_path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        answers = [con.execute(sql).fetchall() for sql in _queries()]
    finally:
        con.close()

    assert len(answers) == len(ANSWERS) == 11
    for number, (got, expected) in enumerate(zip(answers, ANSWERS, strict=True), start=1):
        assert (number, got) == (number, expected)
