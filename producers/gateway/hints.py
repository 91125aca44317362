"""What the gateway promises clients about time, defined once (the CLI's client reads it too).

Three 503s: a busy gateway frees a slot within a request's time (retry in 1 s), a broker
outage lasts at least a broker restart (retry in 5 s, not a tight loop), and so does an
outage of the gateways' PostgreSQL database.
"""

from __future__ import annotations

RETRY_AFTER_BUSY_S = 1
RETRY_AFTER_BROKER_DOWN_S = 5
RETRY_AFTER_STORE_DOWN_S = 5
MAX_WAIT_S = 30  # a long poll's bound: short enough for proxies and a quick shutdown
