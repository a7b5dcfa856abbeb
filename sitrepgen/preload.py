"""What the PDF workers' fork server imports before it forks them: WeasyPrint (through
``engine.load``) and ``sitrepgen.pdf``, nothing heavier (no pydantic, no Jinja)."""

from . import engine, pdf  # noqa: F401

engine.load()
