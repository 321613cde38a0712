"""'Remember on this computer': cache a profile's key in the OS keyring, if one is usable.

The passphrase is always the fallback. A missing, failing, null or locked keyring never loses
data and never crashes; it only means Steward asks for the passphrase.
"""

from __future__ import annotations

import contextlib
import logging

# keyring is imported on first use: finding its backends costs a command that has the
# passphrase (STEWARD_PASSPHRASE) a noticeable part of its start-up for nothing.

log = logging.getLogger(__name__)
SERVICE = "steward"
_UNUSABLE_BACKENDS = {"keyring.backends.fail", "keyring.backends.null"}


def status() -> tuple[bool, str]:
    """Whether remembering can work here, and if not, a short reason a person can read."""
    import keyring

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring configuration
        return False, f"the system keyring could not be loaded ({type(exc).__name__})"
    module = type(backend).__module__
    if module in _UNUSABLE_BACKENDS or getattr(backend, "priority", 1) <= 0:
        return False, "no system keyring is available on this computer"
    return True, f"keys are kept in {type(backend).__name__}"


def _account(workspace_id: str, profile: str) -> str:
    return f"{workspace_id}:{profile}"


def remember(workspace_id: str, profile: str, secret: str) -> bool:
    """Store a secret; False (never an exception) when the keyring says no or drops it."""
    import keyring
    from keyring.errors import KeyringError

    if not status()[0]:
        return False
    try:
        keyring.set_password(SERVICE, _account(workspace_id, profile), secret)
        return keyring.get_password(SERVICE, _account(workspace_id, profile)) == secret
    except (KeyringError, RuntimeError, OSError) as exc:
        log.info("keyring refused to store a key: %s", type(exc).__name__)
        return False


def recall(workspace_id: str, profile: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, _account(workspace_id, profile))
    except (KeyringError, RuntimeError, OSError) as exc:
        log.info("keyring could not be read: %s", type(exc).__name__)
        return None


def forget(workspace_id: str, profile: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    with contextlib.suppress(KeyringError, RuntimeError, OSError):
        keyring.delete_password(SERVICE, _account(workspace_id, profile))


def store_token(name: str, token: str) -> bool:
    """Platform API tokens live only here (or are asked for at each sync)."""
    return remember("token", name, token)


def load_token(name: str) -> str | None:
    return recall("token", name)
