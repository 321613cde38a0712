"""Who may see safeguarding data: only profiles that hold the safeguarding key."""

from __future__ import annotations

from steward.errors import AccessDenied


def require_lead(ws) -> None:
    """Refuse profiles without the safeguarding key, with one clear line."""
    if not ws.holds_safeguarding_key:
        raise AccessDenied(
            f"profile {ws.profile.name} ({ws.profile.role}) cannot see safeguarding flags: "
            "only a safeguarding lead or admin can"
        )
