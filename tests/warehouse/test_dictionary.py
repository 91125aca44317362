"""The committed data dictionary is the one the comments generate."""

from __future__ import annotations

import pytest

from warehouse.dictionary import DICTIONARY_PATH, render_dictionary

pytestmark = pytest.mark.integration


def test_committed_dictionary_is_current():
    rendered = render_dictionary()
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == rendered, (
        "docs/data-dictionary.md is stale: run `resilience warehouse dictionary`"
    )
    assert "## mart_compliance (table)" in rendered
    assert "| days_late | BIGINT |" in rendered
