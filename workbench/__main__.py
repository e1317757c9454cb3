"""``python -m workbench``: the ``workbench`` command where its console script is not on PATH
(an interpreter whose venv is not activated), behaving exactly like it."""

import sys

from workbench.cli import main

sys.exit(main())
