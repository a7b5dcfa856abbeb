"""`python -m sitrepgen`. Guarded: a process pool's workers import the main module."""

from .cli import main

if __name__ == "__main__":
    main()
