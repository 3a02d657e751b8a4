"""The command line's own errors; each is reported as one message, with exit status 2."""

from __future__ import annotations


class UsageError(Exception):
    """A command-line argument is wrong; the message says how."""


class BatchError(Exception):
    """A batch cannot start, resume or be read; the message says why and what to do."""
