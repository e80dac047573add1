from __future__ import annotations

import sys

from srcodec.cli import main

sys.exit(main())
