"""Consent and retention: the consent ledger, who is due a retention review, and erasure.

The ledger is append-only: a change of mind is a new event, never an edit. A person whose
latest event is `withdrawn` is kept out of every export. "Forget this person" erases personal
data (names, emails, phones, handles, message text) but keeps the rows, so counts and charts
still add up; it is recorded in the audit chain with ids and counts only.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm.attributes import flag_modified

from steward import clock
from steward.errors import BadInput
from steward.hygiene.activity import _PER_PERSON
from steward.hygiene.people import _parse_time
from steward.hygiene.purposes import PURPOSES
from steward.store import audit
from steward.store.bulk import sql_time
from steward.store.models import (
    Consent,
    EmailStatus,
    FollowUp,
    Identity,
    MemberDetails,
    Membership,
    Merge,
    Message,
    Note,
    OneToOne,
    Person,
    QueueItem,
)
from steward.workspace import Workspace

STATES = ("given", "withdrawn")
RETENTION_YEARS = 3
RENEWAL_DAYS = 30  # offer renewal this long before a consent expires


def record_consent(
    ws: Workspace,
    person_id: int,
    state: str,
    basis: str,
    source: str | None = None,
    wording: str | None = None,
    at: datetime | None = None,
    purpose: str | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Append an event to a person's consent ledger; returns its id. `purpose` is one of
    PURPOSES (None: everything asked); `expires_at` is when to ask again ("after 2 years")."""
    if state not in STATES:
        raise BadInput(f"consent state must be one of {', '.join(STATES)}, not {state!r}")
    if purpose is not None and purpose not in PURPOSES:
        raise BadInput(f"consent purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")
    if expires_at is not None and state != "given":
        raise BadInput("only a consent that is given can expire")
    if expires_at is not None and expires_at <= (at or clock.now()):
        raise BadInput("a consent's expiry must be after it was given")
    if not (basis or "").strip():
        raise BadInput("a consent event needs its lawful basis (e.g. consent)")
    with ws.transaction() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise BadInput(f"person {person_id} does not exist")
        if person.erased_at is not None:
            raise BadInput(f"person {person_id} was erased")
        event = Consent(person_id=person_id, state=state, basis=basis.strip(),
                        at=at or clock.now(), source=source, wording=wording, purpose=purpose,
                        expires_at=expires_at)
        s.add(event)
        s.flush()
        audit.record(s, ws.actor, f"consent.{state}", "person", person_id, consent_id=event.id,
                     purpose=purpose)
        return event.id


def expiry_after(years: float, start: datetime | None = None) -> datetime:
    """When a consent given now (or at `start`) should be asked again after `years`."""
    if not 0 < years <= 10:
        raise BadInput("ask again after between a month and 10 years")
    return (start or clock.now()) + timedelta(days=round(365.25 * years))


@dataclass(frozen=True)
class ConsentRenewal:
    person_id: int
    display_name: str
    purpose: str | None  # None: everything asked
    given_at: datetime
    expires_at: datetime

    @property
    def expired(self) -> bool:
        return self.expires_at <= clock.now()


def consents_to_renew(ws: Workspace, within_days: int = RENEWAL_DAYS,
                      person_ids: set[int] | None = None) -> list[ConsentRenewal]:
    """Consents (per person and purpose) whose latest event is `given` with an expiry that
    has passed or falls within `within_days`: the people to ask again, soonest first."""
    horizon = clock.now() + timedelta(days=within_days)
    latest: dict[tuple[int, str | None], Consent] = {}
    with ws.session() as s:
        rows = s.execute(select(Consent, Person.display_name)
                         .join(Person, Person.id == Consent.person_id)
                         .where(Person.erased_at.is_(None))
                         .order_by(Consent.at, Consent.id)).all()
        names = {}
        for event, name in rows:
            latest[(event.person_id, event.purpose)] = event
            names[event.person_id] = name
        due = [
            ConsentRenewal(pid, names[pid], purpose, e.at, e.expires_at)
            for (pid, purpose), e in latest.items()
            if e.state == "given" and e.expires_at is not None and e.expires_at <= horizon
            and (person_ids is None or pid in person_ids)
        ]
    return sorted(due, key=lambda r: (r.expires_at, r.person_id, r.purpose or ""))


@dataclass(frozen=True)
class RetentionCase:
    person_id: int
    display_name: str
    last_seen: datetime  # last message, or when the record was made if they never posted


def retention_review(
    ws: Workspace, years: int = RETENTION_YEARS, now: datetime | None = None
) -> list[RetentionCase]:
    """People inactive for `years` years: review whether to keep their data."""
    if years < 1:
        raise BadInput("a retention period is at least 1 year")
    cutoff = sql_time((now or clock.now()) - timedelta(days=365 * years))
    sql = (
        "SELECT p.id, p.display_name, coalesce(a.last, p.created_at) AS seen FROM persons p "
        f"LEFT JOIN ({_PER_PERSON}) a ON a.person_id = p.id "
        "WHERE p.erased_at IS NULL AND p.is_bot = 0 AND p.is_staff = 0 "
        "AND coalesce(a.last, p.created_at) < :cutoff ORDER BY seen, p.id"
    )
    with ws.session() as s:
        rows = s.execute(text(sql), {"cutoff": cutoff}).all()
    return [RetentionCase(r[0], r[1], _parse_time(r[2])) for r in rows]


@dataclass(frozen=True)
class Erasure:
    person_id: int
    identities: int
    messages: int
    notes: int


def forget_person(ws: Workspace, person_id: int) -> Erasure:
    """Erase a person's personal data and message text, keeping rows for aggregate counts.

    Safeguarding records (flags, case entries) are kept: they fall under their own retention
    duty and stay encrypted for the safeguarding leads.
    """
    now = clock.now()
    with ws.transaction() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise BadInput(f"person {person_id} does not exist")
        if person.erased_at is not None:
            raise BadInput(f"person {person_id} was already erased on {person.erased_at:%Y-%m-%d}")
        identity_ids = s.scalars(select(Identity.id).where(Identity.person_id == person_id)).all()
        emails = [e for e in s.scalars(select(Identity.email_normalised).where(
            Identity.person_id == person_id)) if e]
        message_ids = s.scalars(select(Message.id).where(
            Message.identity_id.in_(identity_ids))).all() if identity_ids else []

        person.display_name = f"Erased person {person_id}"
        person.programme = None
        person.erased_at = now
        for iid in identity_ids:
            s.execute(update(Identity).where(Identity.id == iid).values(
                platform_id=f"erased-{iid}", handle=None, display_name=None, email=None,
                email_normalised=None, phone=None, phone_e164=None))
        if identity_ids:
            s.execute(delete(MemberDetails).where(MemberDetails.identity_id.in_(identity_ids)))
            s.execute(update(Message).where(Message.identity_id.in_(identity_ids))
                      .values(text=None))
            s.execute(update(Membership).where(Membership.identity_id.in_(identity_ids))
                      .values(request_text=None))
            s.execute(update(QueueItem).where(QueueItem.identity_id.in_(identity_ids))
                      .values(label=""))
        if message_ids:
            s.execute(update(QueueItem).where(QueueItem.message_id.in_(message_ids))
                      .values(label=""))
        if emails:
            s.execute(EmailStatus.__table__.delete().where(
                EmailStatus.email_normalised.in_(emails)))
        notes = s.execute(update(Note).where(Note.subject_type == "person",
                                             Note.subject_id == person_id)
                          .values(text="[erased]")).rowcount
        talks = s.scalars(select(OneToOne.id).where(OneToOne.person_id == person_id)).all()
        if talks:
            s.execute(update(OneToOne).where(OneToOne.id.in_(talks)).values(notes=None))
            s.execute(update(FollowUp).where(FollowUp.one_to_one_id.in_(talks))
                      .values(text="[erased]"))
        s.execute(update(Consent).where(Consent.person_id == person_id).values(wording=None))
        for merge in s.scalars(select(Merge)):
            before = copy.deepcopy(merge.before)
            touched = False
            for row in [before["into"], *before["absorbed"]]:
                if row["id"] == person_id:
                    row["display_name"], row["programme"] = f"Erased person {person_id}", None
                    touched = True
            if touched:
                merge.before = before
                flag_modified(merge, "before")
        audit.record(s, ws.actor, "person.erase", "person", person_id,
                     identities=len(identity_ids), messages=len(message_ids), notes=notes)
        return Erasure(person_id, len(identity_ids), len(message_ids), notes)
