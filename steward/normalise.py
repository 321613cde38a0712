"""Normalised forms of contact details, shared by importers, the demo and member hygiene."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "GB"


def normalise_email(email: str | None) -> str | None:
    """Trimmed and lower-cased; None for blanks. (Syntax checks belong to member hygiene.)"""
    if not email:
        return None
    cleaned = email.strip().strip("<>").strip().lower()
    return cleaned or None


def normalise_phone(phone: str | None, region: str = DEFAULT_REGION) -> str | None:
    """E.164 (`+447700900123`), or None when the text is not a possible phone number."""
    if not phone or not any(ch.isdigit() for ch in phone):
        return None
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_email(email: str | None) -> str:
    """`jo.bloggs@example.org` → `j***@example.org`."""
    if not email or "@" not in email:
        return ""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"
