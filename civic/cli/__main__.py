"""`python -m civic.cli`: the same as the `civic` command."""

import sys

from civic.cli import main

sys.exit(main())
