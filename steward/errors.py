"""Errors that reach the person using Steward: one clear line each, with an exit code."""


class StewardError(Exception):
    """An operational error: the workspace or the machine said no. Exit code 1."""

    exit_code = 1


class BadInput(StewardError):
    """The person asked for something malformed (bad file, bad option). Exit code 2."""

    exit_code = 2


class WrongPassphrase(StewardError):
    def __init__(self, profile: str):
        super().__init__(f"wrong passphrase for profile {profile}")
        self.profile = profile


class AccessDenied(StewardError):
    """The profile's role does not allow this."""


class WorkspaceLocked(StewardError):
    def __init__(self) -> None:
        super().__init__("the workspace is locked")
