"""The one data model every platform's data lands in (SQLAlchemy 2, typed ORM).

Times are stored as naive UTC datetimes. Every imported row keeps its platform id, unique per
source, so re-importing the same export never duplicates. Columns ending in `_enc` hold
AES-256-GCM ciphertext made with the safeguarding key (see `steward.crypto.FieldCipher`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# --- where the data comes from -------------------------------------------------------------


class Source(Base):
    """A platform connection (live Discourse) or an imported export (Slack ZIP, WhatsApp chat…)."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))  # discourse, slack, discord, whatsapp, …
    name: Mapped[str] = mapped_column(String(200), unique=True)
    config: Mapped[dict] = mapped_column(JSON, default=dict)  # url, api username; never a token
    cursor: Mapped[dict] = mapped_column(JSON, default=dict)  # incremental sync position
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime)


class Space(Base):
    """A group, channel, category, chat or mailing list, with its risk setting."""

    __tablename__ = "spaces"
    __table_args__ = (UniqueConstraint("source_id", "platform_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    platform_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), default="group")
    visibility: Mapped[str] = mapped_column(String(16), default="closed")  # open | closed
    audience: Mapped[str] = mapped_column(
        String(32), default="general"
    )  # general | young_people | vulnerable_adults
    # set by staff: a group that has ended on purpose (the engagement silence alerts skip it)
    dormant: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    silence_amber_days: Mapped[int] = mapped_column(Integer, default=5)
    silence_red_days: Mapped[int] = mapped_column(Integer, default=7)
    entry_requirements: Mapped[str | None] = mapped_column(Text)
    size_cap: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Archived on the platform (Slack `is_archived`): like dormant, its silence is expected.
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Chat spaces: minutes of quiet after which the next message starts a new conversation
    # (None: steward.engagement.conversations.DEFAULT_GAP_MINUTES).
    conversation_gap_minutes: Mapped[int | None] = mapped_column(Integer)


# --- people ---------------------------------------------------------------------------------


class Person(Base):
    """One human, who may have identities on several platforms."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(300))
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    programme: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)


class Identity(Base):
    """An account on one platform; belongs to exactly one Person."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("source_id", "platform_id"),
        Index("ix_identities_email", "email_normalised"),
        Index("ix_identities_phone", "phone_e164"),
        Index("ix_identities_person", "person_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    platform_id: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    email_normalised: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime | None] = mapped_column(DateTime)  # account creation on platform


class MemberDetails(Base):
    """What a member list said about an identity beyond name and contact details."""

    __tablename__ = "member_details"
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"), primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(32))
    date_of_birth: Mapped[str | None] = mapped_column(String(40))  # ISO date, or as written
    notes: Mapped[str | None] = mapped_column(Text)


class Membership(Base):
    """An identity's place in a space. `status` is active, requested, declined or left."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("identity_id", "space_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    role: Mapped[str] = mapped_column(String(32), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active")
    joined_at: Mapped[datetime | None] = mapped_column(DateTime)
    left_at: Mapped[datetime | None] = mapped_column(DateTime)
    request_text: Mapped[str | None] = mapped_column(Text)


class Message(Base):
    """A post, message, comment or email. `thread_id` points at the thread's first message."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("source_id", "platform_id"),
        Index("ix_messages_space_time", "space_id", "created_at"),
        Index("ix_messages_identity_time", "identity_id", "created_at"),
        Index("ix_messages_thread", "thread_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    platform_id: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[int | None] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="message")  # message | system | join
    created_at: Mapped[datetime] = mapped_column(DateTime)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str | None] = mapped_column(Text)
    reaction_count: Mapped[int] = mapped_column(Integer, default=0)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)


# --- moderation -------------------------------------------------------------------------------


class PlatformReport(Base):
    """A flag raised on the platform itself (Discourse review queue, Slack content flag)."""

    __tablename__ = "platform_reports"
    __table_args__ = (UniqueConstraint("source_id", "platform_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    platform_id: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)


class QueueItem(Base):
    """Something waiting for a human decision. `kind`: spam, rule, report, membership, welcome."""

    __tablename__ = "queue_items"
    __table_args__ = (
        Index("ix_queue_open", "status", "priority", "score"),
        Index("ix_queue_message", "message_id"),
        Index("ix_queue_triage", "status", "kind", "snoozed_until"),  # moderation_0002
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("platform_reports.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher is more urgent
    score: Mapped[float] = mapped_column(Float, default=0.0)
    label: Mapped[str] = mapped_column(String(200), default="")
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee: Mapped[str | None] = mapped_column(String(100))
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class Decision(Base):
    """A human decision on a queue item. Undo is a new decision that points at the one undone."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    queue_item_id: Mapped[int] = mapped_column(ForeignKey("queue_items.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))  # approve remove escalate snooze undo …
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime)
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))


class OutboxAction(Base):
    """A decision to carry out on the platform: sent at next sync, or a checklist item."""

    __tablename__ = "outbox_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200))  # platform id of post / user / reviewable
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    mode: Mapped[str] = mapped_column(String(16), default="api")  # api | checklist
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending done failed
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)


class Note(Base):
    """A private note by staff on a queue item or a person (not safeguarding: see CaseEntry)."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_subject", "subject_type", "subject_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))  # queue_item | person
    subject_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


# --- safeguarding (details encrypted with the safeguarding key) -----------------------------


class Flag(Base):
    """A safeguarding concern for the leads. Details live only in `details_enc`."""

    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_status_due", "status", "due_at"),
                      Index("ux_flags_scan_tag", "scan_tag", unique=True))  # security_0001
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))  # critical high medium low
    status: Mapped[str] = mapped_column(String(16), default="new")
    assigned_to: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    retain_until: Mapped[datetime | None] = mapped_column(DateTime)
    details_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    outcome_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    # HMAC of (message, category) as the scanner raised it, under a key in `settings`; random
    # for other flags (steward.safeguarding.sealed.scan_tag).
    scan_tag: Mapped[str | None] = mapped_column(String(64))


class CaseEntry(Base):
    """Append-only record of a flag: notes, status changes, corrections (see `amends_id`)."""

    __tablename__ = "case_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # note status correction referral …
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("case_entries.id"))
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)


# --- member hygiene -------------------------------------------------------------------------


class Consent(Base):
    """One event in a person's consent ledger (given or withdrawn), never edited."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # given | withdrawn
    basis: Mapped[str] = mapped_column(String(64))  # consent, legitimate interests, …
    at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str | None] = mapped_column(String(200))
    wording: Mapped[str | None] = mapped_column(Text)
    # What the consent covers (newsletter, events, photos, …; None = everything asked) and
    # when to ask again ("ask again after 2 years"); None = no expiry.
    purpose: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)


class EmailStatus(Base):
    """Deliverability of an address as a mailing platform reported it."""

    __tablename__ = "email_statuses"
    __table_args__ = (UniqueConstraint("email_normalised", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email_normalised: Mapped[str] = mapped_column(String(320), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    status: Mapped[str] = mapped_column(String(16))  # subscribed unsubscribed cleaned bounced
    at: Mapped[datetime | None] = mapped_column(DateTime)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class PersonTag(Base):
    __tablename__ = "person_tags"
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True)


class Cohort(Base):
    """A named group of people: by join month, by space or by programme."""

    __tablename__ = "cohorts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # join_month | space | programme | manual
    rule: Mapped[dict] = mapped_column(JSON, default=dict)


class CohortMember(Base):
    __tablename__ = "cohort_members"
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)


class Merge(Base):
    """A merge of identities into one person, with what was there before, so it can be undone."""

    __tablename__ = "merges"
    id: Mapped[int] = mapped_column(primary_key=True)
    into_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    before: Mapped[dict] = mapped_column(JSON)  # snapshot of persons and identity links
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotSamePerson(Base):
    """Two identities a human said are different people; never proposed again."""

    __tablename__ = "not_same_person"
    identity_a: Mapped[int] = mapped_column(ForeignKey("identities.id"), primary_key=True)
    identity_b: Mapped[int] = mapped_column(ForeignKey("identities.id"), primary_key=True)


# --- engagement -----------------------------------------------------------------------------


class OneToOne(Base):
    """A 1:1 conversation with a member."""

    __tablename__ = "one_to_ones"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(64))  # call, video, coffee, chat …
    agenda_set_by: Mapped[str] = mapped_column(String(16))  # member | staff | both
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))


class FollowUp(Base):
    __tablename__ = "follow_ups"
    id: Mapped[int] = mapped_column(primary_key=True)
    one_to_one_id: Mapped[int] = mapped_column(ForeignKey("one_to_ones.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[datetime | None] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)


class Cadence(Base):
    """How often a person should have a 1:1 (e.g. every 30 days for leaders)."""

    __tablename__ = "cadences"
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    every_days: Mapped[int] = mapped_column(Integer)


class Resource(Base):
    """A message marked as helpful knowledge, with tags, for the library and digests."""

    __tablename__ = "resources"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


# --- workspace-wide -------------------------------------------------------------------------


class Setting(Base):
    """Workspace settings that belong inside the encrypted store (rules, helplines, thresholds)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict | list | str | int | float | None] = mapped_column(JSON)


class ScanState(Base):
    """How far each scanner has got: messages with a larger id are not yet scanned, and edits
    (`MessageEdit`) with a larger `seq` not yet read."""

    __tablename__ = "scan_state"
    scanner: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_message_id: Mapped[int] = mapped_column(Integer, default=0)
    last_edit_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MessageEdit(Base):
    """A message an import found edited on the platform (its text replaced), in the order
    found: each scanner reads those past its `ScanState.last_edit_seq` once, so the new text
    is scanned without reading the whole history again."""

    __tablename__ = "message_edits"
    seq: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))


class AuditEvent(Base):
    """Append-only, hash-chained record of decisions, safeguarding changes, merges, exports.

    `details` carries ids and counts, not names or message text.
    """

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# --- connectors -----------------------------------------------------------------------------


class PostPosition(Base):
    """Where a forum post sits (Discourse: topic and post number), since replies name those."""

    __tablename__ = "post_positions"
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    topic_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
