"""The report contract: the JSON Schema, reference data, value policies, the flattener, the
rule catalogue with its GX suites, and the shared vocabulary (statuses, patterns).

Imports nothing of ours: every other package depends on the contract, never the reverse.
"""
