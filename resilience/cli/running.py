"""The settings a command reaches the running stack with: whatever the environment says,
with the addresses the stack in its run directory recorded (the broker's free port; for the
cluster profile the three nodes, both gateways and PostgreSQL), so no command needs the
profile repeated."""

from __future__ import annotations

from common.settings import Settings


def stack_settings() -> Settings:
    from common.settings import get_settings
    from resilience.stack import stack

    return stack.effective_settings(get_settings())
