"""``python -m negotiate ...`` is the ``negotiate`` command."""

from .cli import main

raise SystemExit(main())
