"""Synthetic reports for tests, the demo and benchmarks: per-ally profiles, histories and
labelled defects, generated from the contract's reference data.

Imports schemas/ only. Test and demo tooling: the data path (pipeline/, warehouse/,
producers/) never imports it.
"""
