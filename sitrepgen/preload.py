"""What the PDF workers' fork server imports before it forks them: WeasyPrint (through
``engine.load``) and ``sitrepgen.pdf``, nothing heavier (no pydantic, no Jinja).

For the fork server alone: it also makes that process leave at once when the build is over.
The server shares the build's stdout and stderr, so whoever reads them (a CI log, an editor's
task runner) waits for it too, and tearing down WeasyPrint's modules took it about 0.15 s. It
holds nothing to save (it writes no files); its output is flushed first.
"""

import atexit
import os
import sys

from . import engine, pdf  # noqa: F401


def _leave_at_once() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


engine.load()
atexit.register(_leave_at_once)
