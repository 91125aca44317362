"""The read-only guard of `resilience sql` and the mart headers, without a database file."""

from __future__ import annotations

import pytest

from warehouse.errors import WarehouseError
from warehouse.marts import MARTS, load_mart
from warehouse.query import WriteRefused, check_read_only

pytestmark = pytest.mark.unit


def test_reads_pass_and_come_back_split():
    assert check_read_only("select 1; from ally; pragma table_info('report')") == [
        "select 1",
        "from ally",
        "pragma table_info('report')",
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "pragma enable_checkpoint_on_shutdown",
        "PRAGMA memory_limit='1GB'",
        "call checkpoint()",
        "detach analyst",
        "use other",
        "vacuum",
        "begin transaction",
        "load httpfs",
        "pivot ally on eu_member",
    ],
)
def test_anything_but_a_read_is_refused_naming_its_kind(sql):
    with pytest.raises(WriteRefused, match=r"refused: \w+ statements are not allowed"):
        check_read_only(sql)


def test_unparsable_and_empty_queries_are_clear_errors():
    with pytest.raises(WarehouseError, match="cannot parse the query"):
        check_read_only("selec 1")
    with pytest.raises(WarehouseError, match="the query is empty"):
        check_read_only("  ;  ")


def test_every_mart_file_documents_grain_key_and_columns():
    for name in MARTS:
        mart = load_mart(name)
        assert mart.table == f"mart_{name}"
        assert "cycle" in mart.key and set(mart.key) <= set(mart.columns)
        assert mart.grain.startswith("one row per")
        assert all(doc for doc in mart.columns.values())
