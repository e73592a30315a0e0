"""Dagster definitions for the scheduled job (optional extra: ``pip install .[orchestration]``)."""
