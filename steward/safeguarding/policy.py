"""Per-workspace safeguarding policy: severities, deadlines, retention, phone regions.

Every value has a default and can be changed per workspace with a setting (prefix
`safeguarding.`). Readers take a session so they work inside a caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from sqlalchemy.orm import Session

from steward.errors import BadInput
from steward.store.models import Setting

SEVERITIES = ("low", "medium", "high", "critical")  # in rising order
CATEGORIES = (
    "self_harm",
    "abuse",
    "grooming",
    "bullying",
    "radicalisation",
    "sexual_content",
    "contact_details",
    "escalated",
)
CATEGORY_TITLES = {
    "self_harm": "Suicide or self-harm",
    "abuse": "Abuse or neglect disclosed",
    "grooming": "Grooming indicators",
    "bullying": "Bullying or harassment",
    "radicalisation": "Radicalisation",
    "sexual_content": "Sexual content",
    "contact_details": "Personal contact details shared",
    "escalated": "Handed over by a steward",
}
OPEN_STATUSES = ("new", "triaged", "referred", "monitoring")
STATUSES = (*OPEN_STATUSES, "closed")

DEADLINES_KEY = "safeguarding.deadline_hours"
RETENTION_KEY = "safeguarding.retention_days"
REGIONS_KEY = "safeguarding.phone_regions"

# How soon a new flag must be triaged, by severity (hours).
DEFAULT_DEADLINE_HOURS = {"critical": 1, "high": 4, "medium": 24, "low": 72}
# How long a closed case is kept before the lead is asked to review it (days).
DEFAULT_RETENTION_DAYS = {
    "self_harm": 6 * 365,
    "abuse": 25 * 365,
    "grooming": 25 * 365,
    "bullying": 3 * 365,
    "radicalisation": 6 * 365,
    "sexual_content": 6 * 365,
    "contact_details": 365,
    "escalated": 6 * 365,
}
DEFAULT_PHONE_REGIONS = ["GB"]


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def raise_severity(severity: str, steps: int) -> str:
    """The severity `steps` higher (or lower), kept between low and critical."""
    rank = max(0, min(len(SEVERITIES) - 1, severity_rank(severity) + steps))
    return SEVERITIES[rank]


def check_severity(severity: str) -> str:
    if severity not in SEVERITIES:
        raise BadInput(f"unknown severity {severity!r}: choose one of {', '.join(SEVERITIES)}")
    return severity


def check_category(category: str) -> str:
    if category not in CATEGORIES:
        raise BadInput(f"unknown category {category!r}: choose one of {', '.join(CATEGORIES)}")
    return category


def _setting(session: Session, key: str, default: Any) -> Any:
    row = session.get(Setting, key)
    return default if row is None or row.value is None else row.value


def deadline_hours(session: Session) -> dict[str, float]:
    """Hours to triage, per severity, with the workspace's overrides."""
    return DEFAULT_DEADLINE_HOURS | dict(_setting(session, DEADLINES_KEY, {}))


def due_at(session: Session, severity: str, created: datetime) -> datetime:
    return created + timedelta(hours=float(deadline_hours(session)[severity]))


def retention_days(session: Session) -> dict[str, int]:
    return DEFAULT_RETENTION_DAYS | dict(_setting(session, RETENTION_KEY, {}))


def phone_regions(session: Session) -> list[str]:
    return list(_setting(session, REGIONS_KEY, DEFAULT_PHONE_REGIONS))


def check_phone_regions(regions: list[str]) -> list[str]:
    """Upper-cased region codes; a code `phonenumbers` does not know is a clear error."""
    cleaned = [r.strip().upper() for r in regions if r.strip()]
    if not cleaned:
        raise BadInput("give at least one phone region, e.g. GB")
    unknown = [r for r in cleaned if r not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise BadInput(
            f"unknown phone region {', '.join(unknown)}: use two-letter region codes such as GB, IE"
        )
    return cleaned


def check_deadlines(hours: dict[str, Any]) -> dict[str, float]:
    out = {}
    for severity, value in hours.items():
        check_severity(severity)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise BadInput(f"deadline for {severity} must be a number of hours") from None
        if number <= 0:
            raise BadInput(f"deadline for {severity} must be more than 0 hours")
        out[severity] = number
    return out


def check_retention(days: dict[str, Any]) -> dict[str, int]:
    out = {}
    for category, value in days.items():
        check_category(category)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise BadInput(f"retention for {category} must be a whole number of days (≥ 1)")
        out[category] = value
    return out
