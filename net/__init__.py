"""Pure network helpers (netutils-style: functions and dataclasses with doctests, no I/O beyond
reading a file the user named). Must not import discovery, the CMDB or the CLI."""
