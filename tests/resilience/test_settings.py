"""The settings object: validated at start-up, and documented field by field in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from common.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.unit


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"RESILIENCE_{name.upper()}"
        for name in Settings.model_fields
        if f"`RESILIENCE_{name.upper()}`" not in readme
    ]
    assert missing == [], f"README settings table lacks {missing}"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESILIENCE_KAFKA_BOOTSTRAP_SERVERS", " 127.0.0.1:19092 , 127.0.0.1:19093 ")
    monkeypatch.setenv("RESILIENCE_WAREHOUSE_PATH", "/tmp/w.duckdb")
    settings = Settings()
    assert settings.bootstrap_list == ["127.0.0.1:19092", "127.0.0.1:19093"]
    assert settings.warehouse_path == Path("/tmp/w.duckdb")


def test_invalid_values_are_refused_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESILIENCE_TOPIC_PARTITIONS", "0")
    with pytest.raises(ValidationError, match="topic_partitions"):
        Settings()


def test_token_is_never_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESILIENCE_TOKEN", "s3cret-token-value")
    settings = Settings()
    assert "s3cret-token-value" not in repr(settings)
    assert settings.token is not None
    assert settings.token.get_secret_value() == "s3cret-token-value"
