"""The staff command line, `python -m cases`: list, show, export, status, purge, keys, schema."""

from cases.cli.main import main

__all__ = ["main"]
