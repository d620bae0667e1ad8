"""Moved to :mod:`netcmdb.demo.lab.netns` (the demo builds the same lab). This re-export keeps
``from lab.netns import ...`` working for branches opened before the move; new code imports
``netcmdb.demo.lab.netns``.
"""

from netcmdb.demo.lab.netns import *  # noqa: F401,F403
