"""``netcmdb serve``: the web UI and the REST API (``/api/v1``) over the same library functions
the CLI calls (cmdb.query, cmdb.where, cmdb.search, topology.impact, labeling, exporters).

Route handlers only parse, call and render. Must not import the CLI. Never prints.
"""
