"""The ``netcmdb`` command groups, one module each (``cli.py`` only adds them to the root).

A command module parses options (declared once in ``netcmdb.options``), calls a library or
service function, and renders the answer as a rich table or JSON. Shared plumbing (the CMDB
engine of this invocation, the config file, the console) lives in ``commands.common``.
"""
