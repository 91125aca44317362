"""What the DAG tasks do: the topic watcher (trigger), the ingest (consume, land, isolate and
judge, commit), dead letters and their replay, the aggregation, the warm executor.

May import schemas/, warehouse/ and common/; never producers/ or resilience/.
"""
