"""Discovery: scanners that turn the network into uniform facts.

Must not import ``netcmdb.cmdb`` (or anything downstream): scanners know the network, not the DB.
"""
