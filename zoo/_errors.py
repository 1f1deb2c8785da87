"""The one error type the project raises for input a user can fix."""


class InputError(ValueError):
    """Bad input a user can fix: a file, an argument or a flag.

    The message names the file and line, the argument or the flag. It is a
    `ValueError`, so code that catches `ValueError` keeps working; the recipes
    print it as one line and exit with status 2, while any other exception is a
    bug and keeps its traceback.
    """
