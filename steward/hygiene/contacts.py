"""Contact hygiene: addresses that will not reach a person, and phones in one format."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update

from steward.normalise import normalise_phone
from steward.resources import resource_path
from steward.store import audit
from steward.store.models import EmailStatus, Identity, Person
from steward.workspace import Workspace

PROBLEMS = {
    "invalid_email": "email address is not valid",
    "role_address": "email reaches a role or team, not a person",
    "bounced": "mail to this address bounced",
    "cleaned": "the mailing platform removed this address as undeliverable",
    "unsubscribed": "unsubscribed from the mailing list",
    "invalid_phone": "phone number cannot be read as a number",
}


@dataclass(frozen=True)
class ContactProblem:
    person_id: int
    identity_id: int
    kind: str  # a key of PROBLEMS

    @property
    def explanation(self) -> str:
        return PROBLEMS[self.kind]


@lru_cache(maxsize=1)
def role_prefixes() -> frozenset[str]:
    lines = resource_path("hygiene", "role_addresses.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in lines.splitlines()
        if line.strip() and not line.startswith("#")
    )


def email_problem(email: str) -> str | None:
    """`invalid_email`, `role_address` or None for one address (syntax only, no DNS)."""
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "invalid_email"
    if result.local_part.lower().split("+", 1)[0] in role_prefixes():
        return "role_address"
    return None


def contact_problems(ws: Workspace) -> list[ContactProblem]:
    """Every identity whose email or phone will not reach the person, with the reason."""
    problems: list[ContactProblem] = []
    with ws.session() as s:
        statuses = {}
        for email, status in s.execute(select(EmailStatus.email_normalised, EmailStatus.status)
                                       .order_by(EmailStatus.at)):
            statuses[email] = status
        rows = s.execute(
            select(Identity.id, Identity.person_id, Identity.email, Identity.email_normalised,
                   Identity.phone, Identity.phone_e164)
            .join(Person, Person.id == Identity.person_id)
            .where(Person.erased_at.is_(None), Identity.is_bot.is_(False))
            .order_by(Identity.person_id, Identity.id)
        ).all()
    for iid, pid, email, email_norm, phone, e164 in rows:
        if email:
            kind = email_problem(email.strip())
            if kind:
                problems.append(ContactProblem(pid, iid, kind))
            status = statuses.get(email_norm)
            if status in ("bounced", "cleaned", "unsubscribed"):
                problems.append(ContactProblem(pid, iid, status))
        if phone and not e164 and not normalise_phone(phone):
            problems.append(ContactProblem(pid, iid, "invalid_phone"))
    return problems


def normalise_phones(ws: Workspace, region: str = "GB") -> int:
    """Fill in the E.164 form of every phone that lacks it or differs; returns how many changed."""
    changed = 0
    with ws.transaction() as s:
        rows = s.execute(select(Identity.id, Identity.phone, Identity.phone_e164)
                         .where(Identity.phone.is_not(None))).all()
        for iid, phone, e164 in rows:
            fresh = normalise_phone(phone, region)
            if fresh and fresh != e164:
                s.execute(update(Identity).where(Identity.id == iid).values(phone_e164=fresh))
                changed += 1
        if changed:
            audit.record(s, ws.actor, "contacts.normalise_phones", None, None, changed=changed)
    return changed
