"""The CMDB: SQLAlchemy models, sessions, and the reconciliation engine.

Knows discovery *facts* (``netcmdb.discovery.facts``), never scanners.
"""
