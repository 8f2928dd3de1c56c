"""``python -m benchmarks``: the whole benchmark set (see benchmarks/run.py)."""

import sys

from benchmarks.run import main

sys.exit(main())
