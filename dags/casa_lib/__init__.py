"""Shared code of casa's DAGs: settings, the gateway client and the task bodies (not DAG files)."""
