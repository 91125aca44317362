"""The door: the submission gateway (gateway/) and the HTTP client the CLI submits with.

May import schemas/ and common/; never warehouse/, pipeline/ or resilience/ (verdicts are
read from the analyst copy with the gateway's own SQL).
"""
