"""Shared basics at the bottom of the import graph: the one settings object.

Every package may import this one; it imports nothing of ours, so no package needs the CLI
or the local stack (resilience/) to learn where Kafka or the warehouse is.
"""
