"""``python -m threetalk`` runs the command line."""

import sys

from threetalk._cli import main

sys.exit(main())
