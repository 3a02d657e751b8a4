"""``python -m frontline ...``: the ``frontline`` command, where its script is not on the PATH."""

from frontline.cli import main

raise SystemExit(main())
