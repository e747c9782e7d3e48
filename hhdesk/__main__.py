"""`python -m hhdesk` runs the command line (and, with no command, the window)."""

from hhdesk.cli.main import main

raise SystemExit(main())
