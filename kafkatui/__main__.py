"""Allow `python -m kafkatui`."""

from kafkatui.cli import main

raise SystemExit(main())
