"""Support for the site tests that need a browser or the Nu HTML checker (see support.py)."""
