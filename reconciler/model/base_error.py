"""The base of every user-facing error, in a module that imports nothing: the deploy scanner needs it, and a
process that only hashes a tree should not load what the manifest errors beside it need (`dataclasses`)."""


class ReconcilerError(Exception):
    """An expected failure with a message that tells the user what to do next."""

    exit_code = 1
