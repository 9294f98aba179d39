"""``python -m planning`` runs the command line."""

import sys

from planning.frontends.cli import main

sys.exit(main())
