"""The member list: people filtered, searched, sorted and paged in SQL, and one person's file.

Everything the Members page and exports show goes through here, so 100,000 people stay
instant: each page asks for one window of rows; filters and sorting run inside SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text

from steward import clock
from steward.errors import BadInput
from steward.store.bulk import sql_time
from steward.store.models import Note
from steward.workspace import Workspace

LAPSED_DAYS = 60
CONSENT_STATES = ("given", "withdrawn", "none")
SORT_KEYS = {
    "id": "p.id",
    "name": "p.display_name COLLATE NOCASE",
    "programme": "p.programme",
    "last_active": "last_active",
    "consent": "consent",
}

# The latest consent event and the latest message of a person, as correlated subqueries.
CONSENT_SQL = (
    "(SELECT c.state FROM consents c WHERE c.person_id = p.id "
    "ORDER BY c.at DESC, c.id DESC LIMIT 1)"
)
LAST_ACTIVE_SQL = (
    "(SELECT max(m.created_at) FROM identities i2 JOIN messages m ON m.identity_id = i2.id "
    "WHERE i2.person_id = p.id)"
)


@dataclass(frozen=True)
class PeopleFilter:
    """What the member list is narrowed to. Empty fields do not filter."""

    search: str = ""
    space_id: int | None = None
    platform: str | None = None
    tag_id: int | None = None
    cohort_id: int | None = None
    lapsed: bool = False
    lapsed_days: int = LAPSED_DAYS
    consent: str | None = None  # given | withdrawn | none
    person_ids: tuple[int, ...] | None = None
    now: datetime | None = None

    def describe(self) -> dict:
        """The filter as ids and flags (safe for the audit chain: no search text)."""
        out = {k: v for k, v in (("space_id", self.space_id), ("platform", self.platform),
                                 ("tag_id", self.tag_id), ("cohort_id", self.cohort_id),
                                 ("consent", self.consent)) if v is not None}
        if self.search:
            out["search"] = True
        if self.lapsed:
            out["lapsed_days"] = self.lapsed_days
        if self.person_ids is not None:
            out["people_chosen"] = len(self.person_ids)
        return out


@dataclass(frozen=True)
class PersonRow:
    id: int
    display_name: str
    platforms: str
    programme: str | None
    last_active: datetime | None
    consent: str


def _where(f: PeopleFilter) -> tuple[str, dict]:
    clauses = ["p.erased_at IS NULL", "p.is_bot = 0"]
    params: dict = {}
    if f.search.strip():
        params["q"] = f"%{f.search.strip()}%"
        clauses.append(
            "(p.display_name LIKE :q OR EXISTS (SELECT 1 FROM identities i WHERE "
            "i.person_id = p.id AND (i.handle LIKE :q OR i.email LIKE :q "
            "OR i.display_name LIKE :q OR i.phone_e164 LIKE :q)))"
        )
    if f.space_id is not None:
        params["space"] = f.space_id
        clauses.append(
            "EXISTS (SELECT 1 FROM identities i JOIN memberships ms ON ms.identity_id = i.id "
            "WHERE i.person_id = p.id AND ms.space_id = :space AND ms.status = 'active')"
        )
    if f.platform:
        params["platform"] = f.platform
        clauses.append(
            "EXISTS (SELECT 1 FROM identities i JOIN sources so ON so.id = i.source_id "
            "WHERE i.person_id = p.id AND so.platform = :platform)"
        )
    if f.tag_id is not None:
        params["tag"] = f.tag_id
        clauses.append("EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id "
                       "AND t.tag_id = :tag)")
    if f.cohort_id is not None:
        params["cohort"] = f.cohort_id
        clauses.append("EXISTS (SELECT 1 FROM cohort_members cm WHERE cm.person_id = p.id "
                       "AND cm.cohort_id = :cohort)")
    if f.lapsed:
        if f.lapsed_days < 1:
            raise BadInput("lapsed means at least 1 day without activity")
        now = f.now or clock.now()
        params["cutoff"] = sql_time(now - timedelta(days=f.lapsed_days))
        clauses.append(f"{LAST_ACTIVE_SQL} < :cutoff")
    if f.consent is not None:
        if f.consent not in CONSENT_STATES:
            raise BadInput(f"unknown consent state {f.consent!r}: "
                           f"choose {', '.join(CONSENT_STATES)}")
        clauses.append(f"coalesce({CONSENT_SQL}, 'none') = :consent")
        params["consent"] = f.consent
    if f.person_ids is not None:
        ids = ",".join(str(int(i)) for i in f.person_ids) or "NULL"
        clauses.append(f"p.id IN ({ids})")
    return " AND ".join(clauses), params


def count_people(ws: Workspace, f: PeopleFilter = PeopleFilter()) -> int:
    """How many people the filter keeps."""
    where, params = _where(f)
    with ws.session() as s:
        return s.execute(text(f"SELECT count(*) FROM persons p WHERE {where}"), params).scalar()


def list_people(
    ws: Workspace,
    f: PeopleFilter = PeopleFilter(),
    offset: int = 0,
    limit: int = 200,
    sort: str | None = "name",
    descending: bool = False,
) -> list[PersonRow]:
    """One window of the member list, filtered and sorted in SQL."""
    order = SORT_KEYS.get(sort or "name")
    if order is None:
        raise BadInput(f"cannot sort people by {sort!r}: choose {', '.join(SORT_KEYS)}")
    direction = "DESC" if descending else "ASC"
    where, params = _where(f)
    # The window's ids first (only the sort key is computed for every row), then the columns
    # for those ids alone.
    sort_expr = {"last_active": LAST_ACTIVE_SQL, "consent": f"coalesce({CONSENT_SQL}, 'none')"}
    key_sql = sort_expr.get(sort or "name", order)
    collate = " COLLATE NOCASE" if (sort or "name") == "name" else ""
    sql = (
        "SELECT p.id, p.display_name, p.programme, "
        f"{LAST_ACTIVE_SQL} AS last_active, coalesce({CONSENT_SQL}, 'none') AS consent, "
        "(SELECT group_concat(DISTINCT so.platform) FROM identities i "
        " JOIN sources so ON so.id = i.source_id WHERE i.person_id = p.id) AS platforms "
        f"FROM (SELECT p.id AS id, {key_sql} AS k FROM persons p WHERE {where} "
        f"ORDER BY k{collate} {direction}, p.id {direction} LIMIT :limit OFFSET :offset) page "
        f"JOIN persons p ON p.id = page.id ORDER BY page.k{collate} {direction}, "
        f"p.id {direction}"
    )
    with ws.session() as s:
        rows = s.execute(text(sql), {**params, "limit": limit, "offset": offset}).all()
    return [
        PersonRow(r.id, r.display_name, r.platforms or "", r.programme,
                  _parse_time(r.last_active), r.consent)
        for r in rows
    ]


def _parse_time(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


# --- one person -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityView:
    id: int
    platform: str
    source: str
    handle: str | None
    display_name: str | None
    email: str | None
    phone: str | None
    spaces: tuple[str, ...]


@dataclass(frozen=True)
class ConsentEvent:
    state: str
    basis: str
    at: datetime
    source: str | None
    wording: str | None


@dataclass
class PersonDetail:
    id: int
    display_name: str
    programme: str | None
    is_staff: bool
    created_at: datetime
    identities: list[IdentityView] = field(default_factory=list)
    consents: list[ConsentEvent] = field(default_factory=list)
    notes: list[tuple[datetime, str, str]] = field(default_factory=list)  # at, author, text
    tags: list[str] = field(default_factory=list)
    weekly_messages: list[int] = field(default_factory=list)  # oldest week first
    last_active: datetime | None = None
    messages: int = 0

    @property
    def consent(self) -> str:
        return self.consents[-1].state if self.consents else "none"


def person_detail(
    ws: Workspace, person_id: int, weeks: int = 26, now: datetime | None = None
) -> PersonDetail:
    """Everything the person panel shows: identities, activity by week, consent, notes, tags."""
    from steward.store.models import Person

    now = now or clock.now()
    with ws.session() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise BadInput(f"person {person_id} does not exist")
        detail = PersonDetail(person.id, person.display_name, person.programme,
                              person.is_staff, person.created_at)
        conn = s.connection()
        for row in conn.execute(text(
            "SELECT i.id, so.platform, so.name AS source, i.handle, i.display_name, i.email, "
            "i.phone_e164, (SELECT group_concat(sp.name, ' · ') FROM memberships ms JOIN spaces sp "
            " ON sp.id = ms.space_id WHERE ms.identity_id = i.id AND ms.status = 'active') AS sp "
            "FROM identities i JOIN sources so ON so.id = i.source_id WHERE i.person_id = :p "
            "ORDER BY i.id"), {"p": person_id}):
            detail.identities.append(IdentityView(
                row.id, row.platform, row.source, row.handle, row.display_name, row.email,
                row.phone_e164, tuple((row.sp or "").split(" · ")) if row.sp else ()))
        for row in conn.execute(text(
            "SELECT state, basis, at, source, wording FROM consents WHERE person_id = :p "
            "ORDER BY at, id"), {"p": person_id}):
            detail.consents.append(ConsentEvent(row.state, row.basis, _parse_time(row.at),
                                                row.source, row.wording))
        for row in conn.execute(text(
            "SELECT at, author, text FROM notes WHERE subject_type = 'person' AND "
            "subject_id = :p ORDER BY at, id"), {"p": person_id}):
            detail.notes.append((_parse_time(row.at), row.author, row.text))
        detail.tags = [r[0] for r in conn.execute(text(
            "SELECT t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id "
            "WHERE pt.person_id = :p ORDER BY t.name"), {"p": person_id})]
        start = now - timedelta(weeks=weeks)
        weekly = [0] * weeks
        total, last = conn.execute(text(
            "SELECT count(*), max(m.created_at) FROM messages m JOIN identities i "
            "ON i.id = m.identity_id WHERE i.person_id = :p"), {"p": person_id}).one()
        for (at,) in conn.execute(text(
            "SELECT m.created_at FROM messages m JOIN identities i ON i.id = m.identity_id "
            "WHERE i.person_id = :p AND m.created_at >= :start AND m.created_at < :now"),
            {"p": person_id, "start": sql_time(start), "now": sql_time(now)}):
            week = (_parse_time(at) - start).days // 7
            if 0 <= week < weeks:
                weekly[week] += 1
        detail.weekly_messages = weekly
        detail.messages = total
        detail.last_active = _parse_time(last)
    return detail


def add_note(ws: Workspace, person_id: int, text_: str) -> int:
    """A private staff note on a person (not for safeguarding concerns: raise a flag)."""
    from steward.store.models import Person

    body = (text_ or "").strip()
    if not body:
        raise BadInput("a note needs some text")
    with ws.transaction() as s:
        if s.get(Person, person_id) is None:
            raise BadInput(f"person {person_id} does not exist")
        note = Note(subject_type="person", subject_id=person_id, author=ws.actor, text=body,
                    at=clock.now())
        s.add(note)
        s.flush()
        return note.id


@dataclass(frozen=True)
class FilterOptions:
    """The choices the member list's filters offer: (id, label) pairs and platform names."""

    spaces: list[tuple[int, str]]
    platforms: list[str]
    tags: list[tuple[int, str]]
    cohorts: list[tuple[int, str]]


def filter_options(ws: Workspace) -> FilterOptions:
    with ws.session() as s:
        conn = s.connection()
        spaces = [(r[0], f"{r[1]} ({r[2]})") for r in conn.execute(text(
            "SELECT sp.id, sp.name, so.platform FROM spaces sp JOIN sources so "
            "ON so.id = sp.source_id ORDER BY so.platform, sp.name"))]
        platforms = [r[0] for r in conn.execute(text(
            "SELECT DISTINCT platform FROM sources ORDER BY platform"))]
        tags = [tuple(r) for r in conn.execute(text("SELECT id, name FROM tags ORDER BY name"))]
        cohorts = [tuple(r) for r in conn.execute(text(
            "SELECT id, name FROM cohorts ORDER BY kind, name"))]
    return FilterOptions(spaces, platforms, tags, cohorts)
