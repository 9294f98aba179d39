"""``python -m planning`` runs the command line."""

import sys

from planning.cli import main

sys.exit(main())
