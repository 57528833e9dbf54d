"""Errors that mean "the user asked for something that cannot work".

Command-line entry points catch `UsageError` and print its message as one line on stderr,
with a non-zero exit status and no traceback. The message always says what to do instead.
"""


class UsageError(Exception):
    """Bad input from the user: unknown dataset, unsupported image size, missing data, ..."""
