"""The DuckDB warehouse: numbered migrations, idempotent loads, verdicts and findings, marts,
the analyst copy, read-only SQL and exports; every query on its tables lives here.

May import schemas/ and common/; never producers/, pipeline/ or resilience/.
"""
