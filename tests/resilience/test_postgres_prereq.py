"""A machine without PostgreSQL is told what to install, before anything starts."""

from __future__ import annotations

import pytest

from resilience.stack.prereqs import PrerequisiteMissing, find_postgres

pytestmark = pytest.mark.unit


def test_missing_postgres_names_the_package(tmp_path):
    with pytest.raises(PrerequisiteMissing, match=r"apt-get install postgresql"):
        find_postgres(path=str(tmp_path), debian_glob=str(tmp_path / "none" / "*" / "bin"))


def test_debians_binaries_are_found_off_path(tmp_path):
    bindir = tmp_path / "lib" / "postgresql" / "15" / "bin"
    bindir.mkdir(parents=True)
    for tool in ("initdb", "postgres", "pg_ctl"):
        (bindir / tool).write_text("")
    assert (
        find_postgres(
            path=str(tmp_path / "empty"), debian_glob=str(tmp_path / "lib/postgresql/*/bin")
        )
        == bindir
    )
