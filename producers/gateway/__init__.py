"""The FastAPI gateway: country-bound tokens, strict body checks, receipts after the broker's
ack, idempotent retries, back-pressure, and verdicts read from the analyst copy."""
