"""``python -m glideinforge`` runs ``gfactory``."""

import sys

from glideinforge.tools.gfactory import main

sys.exit(main())
