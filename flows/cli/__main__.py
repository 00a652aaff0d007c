"""``python -m flows.cli``: the same as the ``porting-batch`` command."""

import sys

from flows.cli import main

sys.exit(main())
