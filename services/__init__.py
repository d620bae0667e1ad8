"""What every face of netcmdb calls: the CLI's commands and the web UI / REST API alike.

A service function takes a :class:`~netcmdb.services.context.Cmdb` (one CMDB: its URL, the parsed
config file, the engine made on first use) and plain arguments, and returns plain JSON-ready
data: exactly what the CLI prints with ``--json`` (the web API returns the same). Services never
print and never import click, rich or a web framework; errors are ``NetcmdbError`` subclasses.

Modules: ``context`` (Cmdb), ``cis`` (list/show/set), ``runs`` (list/show/diff and the one run
summary shape), ``where``, ``impact`` (impact, spof, paths, drawings), ``labels`` (rule, parse,
check, assign, walk, sheets, printing), ``export`` (the format table and writers), ``ingest``
(scan results, import files, pushed facts), ``register`` (the xlsx/CSV asset register),
``places`` (rooms and buildings), ``journal`` (notes and the search box), ``access`` (web users
and API tokens).
"""
