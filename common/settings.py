"""The one settings object, read from the environment (prefix ``RESILIENCE_``).

Shared by the gateway, the CLI, the DAG task code and the tests; validated at start-up.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of the pipeline; the README's settings table documents each field."""

    model_config = SettingsConfigDict(env_prefix="RESILIENCE_", env_file=None, extra="ignore")

    # Kafka
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, comma separated"
    )
    kafka_port: int = Field(9092, description="Port the local broker listens on (0 = a free one)")
    report_topic: str = Field("resilience.reports.v1", description="Topic of report events")
    dead_letter_topic: str = Field("resilience.reports.dlq", description="Dead-letter topic")
    notification_topic: str = Field(
        "resilience.notifications.v1", description="Topic of notifications (deadline reminders)"
    )
    feedback_topic: str = Field(
        "resilience.feedback.v1", description="Topic of review events (technical acceptance)"
    )
    topic_partitions: int = Field(3, ge=1, description="Partitions of the project's topics")
    topic_replication_factor: int = Field(1, ge=1, description="Replication factor of topics")
    ingest_group: str = Field("resilience-ingest", description="Consumer group of the ingest DAG")
    ingest_batch_size: int = Field(
        2000, ge=1, le=10_000, description="Events per ingest batch (at most)"
    )
    ingest_max_batches: int = Field(
        200, ge=1, description="Batches one ingest run drains at most before it yields"
    )
    warehouse_lock_timeout_s: float = Field(
        30, gt=0, description="How long a load waits for another process's warehouse lock"
    )

    # Local state
    run_dir: Path = Field(PROJECT_ROOT / ".run", description="PIDs, logs and data of the stack")
    kafka_lib_dir: Path = Field(
        PROJECT_ROOT / ".cache" / "kafka-libs", description="Kafka jars fetched by Maven"
    )
    warehouse_path: Path = Field(
        PROJECT_ROOT / ".run" / "warehouse" / "resilience.duckdb",
        description="The DuckDB warehouse the pipeline writes",
    )
    analyst_path: Path = Field(
        PROJECT_ROOT / ".run" / "warehouse" / "analyst.duckdb",
        description="Read-only analyst copy, replaced atomically after each load",
    )
    report_path: Path = Field(
        PROJECT_ROOT / ".run" / "report" / "alliance-report.html",
        description="The HTML alliance report the aggregation DAG writes",
    )
    airflow_home: Path = Field(PROJECT_ROOT / ".run" / "airflow", description="AIRFLOW_HOME")
    airflow_api_port: int = Field(8080, description="Port of the local Airflow api-server (UI)")

    releases_dir: Path | None = Field(
        None, description="Where release records are written (default: <run_dir>/releases)"
    )

    # Technical acceptance
    review_timeout_h: float = Field(
        14 * 24, gt=0, description="Hours a review waits for a reviewer before it expires"
    )

    # Deadline reminders
    reminder_webhook_url: str | None = Field(
        None, description="Webhook that receives each reminder as JSON (off when unset)"
    )
    reminder_webhook_timeout_s: float = Field(
        10.0, gt=0, description="How long a reminder webhook call may take"
    )

    # Gateway
    airflow_database_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL of Airflow's metadata database, e.g. "
        "postgresql+psycopg://user:password@host:5432/airflow (unset: SQLite in AIRFLOW_HOME)",
    )
    airflow_schedulers: int = Field(
        1, ge=1, le=4, description="Airflow schedulers the stack runs (2+ needs PostgreSQL)"
    )
    gateway_host: str = Field("127.0.0.1", description="Gateway bind address")
    gateway_port: int = Field(8000, description="Gateway port")
    gateway_url: str = Field(
        "http://127.0.0.1:8000",
        description="Gateway URL the CLI talks to; several comma separated (replicas): a call "
        "that cannot connect or gets 502/503/504 is retried on the next",
    )
    gateway_db: Path = Field(
        PROJECT_ROOT / ".run" / "gateway" / "gateway.sqlite3",
        description="Gateway state: token hashes and receipts",
    )
    gateway_database_url: SecretStr | None = Field(
        None,
        description="libpq URL of the gateways' shared PostgreSQL database, e.g. "
        "postgresql://user:password@host:5432/gateway (unset: the SQLite file gateway_db)",
    )
    gateway_max_body_bytes: int = Field(2_000_000, description="Largest report body accepted")
    gateway_broker_timeout_s: float = Field(
        5.0, gt=0, description="How long the gateway waits for the broker before 503"
    )
    gateway_max_in_flight: int = Field(
        64, ge=1, description="Requests one gateway process holds at once before 503"
    )
    gateway_workers: int = Field(
        1, ge=1, le=16, description="Gateway processes on one socket (same-id claims shared)"
    )
    gateway_max_workbook_bytes: int = Field(
        10_000_000, description="Largest workbook (XLSX) upload; a larger one is a 422"
    )
    gateway_warm_dry_run: bool = Field(
        True, description="Judge one report at gateway start so the first dry run is warm"
    )
    token: SecretStr | None = Field(None, description="Bearer token the CLI submits with")
    portal_session_ttl_s: int = Field(
        8 * 3600, ge=60, description="How long a portal sign-in lasts (seconds)"
    )

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _strip(cls, value: str) -> str:
        return ",".join(part.strip() for part in value.split(",") if part.strip())

    @field_validator("gateway_database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        # After conversion: an error shows the value masked, never the password.
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must be a libpq URL: postgresql://user:password@host:port/dbname")
        return value

    @property
    def gateway_store(self) -> Path | SecretStr:
        """Where the gateway keeps tokens, receipts, claims and portal sessions: the
        PostgreSQL URL when one is set (replicas share it), else the SQLite file."""
        url = self.gateway_database_url
        return url if url is not None else self.gateway_db

    @property
    def release_root(self) -> Path:
        """The releases directory: releases_dir, else <run_dir>/releases."""
        return self.releases_dir if self.releases_dir is not None else self.run_dir / "releases"

    @property
    def bootstrap_list(self) -> list[str]:
        return self.kafka_bootstrap_servers.split(",")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings(...)`` instead."""
    return Settings()
