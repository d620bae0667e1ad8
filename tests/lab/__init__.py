"""Test network lab builders (namespaces, real daemons)."""
