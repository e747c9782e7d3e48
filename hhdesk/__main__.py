"""`python -m hhdesk` runs the command line (and, with no command, the window)."""

import multiprocessing

from hhdesk.cli.main import main

# In the frozen program a child process (the server bench's workstations) is this executable started again:
# freeze_support lets it run the child's work instead of the command line. Elsewhere it does nothing.
multiprocessing.freeze_support()
raise SystemExit(main())
