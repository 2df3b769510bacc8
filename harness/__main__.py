"""`python -m harness`: the same as the `shopchaos` command."""

import sys

from harness.entry import main

sys.exit(main())
