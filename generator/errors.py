"""Errors a user can cause. The CLI prints them on one line and exits 2."""


class UserError(Exception):
    """Bad input (file, flag, model feature): the message says what and what was expected."""


class UnsupportedModel(UserError):
    """The model uses something a target language cannot map."""
