"""Moved to :mod:`netcmdb.demo.lab.sweepnet` (the demo builds the same lab). This re-export keeps
``from lab.sweepnet import ...`` working for branches opened before the move; new code imports
``netcmdb.demo.lab.sweepnet``.
"""

from netcmdb.demo.lab.sweepnet import *  # noqa: F401,F403
