"""The operational shell on top: the `resilience` CLI, the local stack, status, the demo,
reconcile and the report sample. Imports every package; nothing imports it.
"""
