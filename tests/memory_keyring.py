"""Keyring backends for tests: they touch nothing real on the machine."""

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class RaisingKeyring(KeyringBackend):
    """A keyring that fails on every call, as a broken D-Bus service does."""

    priority = 1

    def get_password(self, service, username):
        raise KeyringError("the keyring daemon is not answering")

    def set_password(self, service, username, password):
        raise KeyringError("the keyring daemon is not answering")

    def delete_password(self, service, username):
        raise KeyringError("the keyring daemon is not answering")


class LockedKeyring(RaisingKeyring):
    def get_password(self, service, username):
        raise KeyringLocked("the keyring is locked")

    def set_password(self, service, username, password):
        raise KeyringLocked("the keyring is locked")
