"""netcmdb: find every device on a campus network, keep it in a CMDB, label it, and
tell an admin how far a fault spreads.

Data flows one way: discovery -> facts -> cmdb -> topology/labeling -> exporters -> cli.
"""

__version__ = "0.1.0"
