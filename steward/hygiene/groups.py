"""Tags, cohorts (by join month, space or programme) and each space's entry rules and size cap.

The moderation queue reads `Space.entry_requirements` and `Space.size_cap` when it shows a
membership request; they are edited here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, text

from steward.errors import BadInput
from steward.store import audit
from steward.store.bulk import insert_rows
from steward.store.models import Cohort, CohortMember, Person, PersonTag, Space, Tag
from steward.workspace import Workspace

COHORT_KINDS = ("join_month", "space", "programme")


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    kind: str
    members: int


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadInput(f"a {what} name needs 1 to 100 characters")
    return name


def tag_people(ws: Workspace, tag: str, person_ids: list[int]) -> int:
    """Add a tag (created if new) to people; returns how many newly carry it."""
    tag = _clean_name(tag, "tag")
    with ws.transaction() as s:
        row = s.scalar(select(Tag).where(Tag.name == tag))
        if row is None:
            row = Tag(name=tag)
            s.add(row)
            s.flush()
        known = set(s.scalars(select(Person.id).where(Person.id.in_(person_ids))))
        missing = sorted(set(person_ids) - known)
        if missing:
            raise BadInput(f"person {missing[0]} does not exist")
        have = set(s.scalars(select(PersonTag.person_id).where(PersonTag.tag_id == row.id)))
        new = [(pid, row.id) for pid in sorted(known - have)]
        insert_rows(s, "person_tags", ("person_id", "tag_id"), new)
        return len(new)


def untag_people(ws: Workspace, tag: str, person_ids: list[int]) -> int:
    """Remove a tag from people; returns how many lost it."""
    with ws.transaction() as s:
        row = s.scalar(select(Tag).where(Tag.name == tag))
        if row is None:
            raise BadInput(f"there is no tag {tag!r}")
        return s.execute(delete(PersonTag).where(
            PersonTag.tag_id == row.id, PersonTag.person_id.in_(person_ids))).rowcount


def list_tags(ws: Workspace) -> list[Group]:
    with ws.session() as s:
        rows = s.execute(
            select(Tag.id, Tag.name, func.count(PersonTag.person_id))
            .outerjoin(PersonTag, PersonTag.tag_id == Tag.id).group_by(Tag.id)
            .order_by(Tag.name)
        ).all()
    return [Group(i, n, "tag", c) for i, n, c in rows]


_COHORT_SQL = {
    # The month a person first joined any space (or their account's creation), as 2026-03.
    "join_month": (
        "SELECT p.id, 'Joined ' || substr(coalesce("
        " (SELECT min(ms.joined_at) FROM memberships ms JOIN identities i ON i.id = ms.identity_id"
        "  WHERE i.person_id = p.id),"
        " (SELECT min(i.joined_at) FROM identities i WHERE i.person_id = p.id),"
        " p.created_at), 1, 7) FROM persons p WHERE p.erased_at IS NULL AND p.is_bot = 0"
    ),
    "space": (
        "SELECT DISTINCT i.person_id, 'In ' || sp.name FROM memberships ms "
        "JOIN identities i ON i.id = ms.identity_id JOIN spaces sp ON sp.id = ms.space_id "
        "JOIN persons p ON p.id = i.person_id "
        "WHERE ms.status = 'active' AND p.erased_at IS NULL AND p.is_bot = 0"
    ),
    "programme": (
        "SELECT p.id, 'Programme: ' || p.programme FROM persons p "
        "WHERE p.programme IS NOT NULL AND p.erased_at IS NULL AND p.is_bot = 0"
    ),
}


def build_cohorts(ws: Workspace, kind: str) -> list[Group]:
    """(Re)build every cohort of one kind from the data; returns them with their sizes."""
    if kind not in COHORT_KINDS:
        raise BadInput(f"cohorts are by {', '.join(COHORT_KINDS)}, not {kind!r}")
    with ws.transaction() as s:
        made = replace_cohorts(s, kind, s.execute(text(_COHORT_SQL[kind])).all())
        audit.record(s, ws.actor, "cohorts.build", None, None, kind=kind, cohorts=made)
    return [c for c in list_cohorts(ws) if c.kind == kind]


def replace_cohorts(s, kind: str, pairs) -> int:
    """Every cohort of one kind replaced by these (person id, cohort name) pairs, in the
    caller's transaction (a build here, or one made on another laptop of a team). Returns how
    many cohorts there are now."""
    old = s.scalars(select(Cohort.id).where(Cohort.kind == kind)).all()
    if old:
        s.execute(delete(CohortMember).where(CohortMember.cohort_id.in_(old)))
        s.execute(delete(Cohort).where(Cohort.id.in_(old)))
    ids: dict[str, int] = {}
    for name in sorted({name for _, name in pairs if name}):
        cohort = Cohort(name=name[:200], kind=kind, rule={"kind": kind})
        s.add(cohort)
        s.flush()
        ids[name] = cohort.id
    insert_rows(s, "cohort_members", ("cohort_id", "person_id"),
                sorted({(ids[name], pid) for pid, name in pairs if name}))
    return len(ids)


def list_cohorts(ws: Workspace) -> list[Group]:
    with ws.session() as s:
        rows = s.execute(
            select(Cohort.id, Cohort.name, Cohort.kind, func.count(CohortMember.person_id))
            .outerjoin(CohortMember, CohortMember.cohort_id == Cohort.id).group_by(Cohort.id)
            .order_by(Cohort.kind, Cohort.name)
        ).all()
    return [Group(*r) for r in rows]


@dataclass(frozen=True)
class SpaceRules:
    space_id: int
    name: str
    platform: str
    members: int
    size_cap: int | None
    entry_requirements: str | None


def space_rules(ws: Workspace) -> list[SpaceRules]:
    """Every space with its active member count, size cap and entry requirements."""
    sql = (
        "SELECT sp.id, sp.name, so.platform, (SELECT count(*) FROM memberships ms WHERE "
        "ms.space_id = sp.id AND ms.status = 'active'), sp.size_cap, sp.entry_requirements "
        "FROM spaces sp JOIN sources so ON so.id = sp.source_id ORDER BY so.platform, sp.name"
    )
    with ws.session() as s:
        return [SpaceRules(*r) for r in s.execute(text(sql))]


def set_space_rules(
    ws: Workspace, space_id: int, entry_requirements: str | None, size_cap: int | None
) -> None:
    """Set (or clear, with None) a space's entry requirements and size cap."""
    if size_cap is not None and size_cap < 1:
        raise BadInput("a size cap is at least 1 member (leave it empty for no cap)")
    with ws.transaction() as s:
        space = s.get(Space, space_id)
        if space is None:
            raise BadInput(f"space {space_id} does not exist")
        space.entry_requirements = (entry_requirements or "").strip() or None
        space.size_cap = size_cap
        audit.record(s, ws.actor, "space.entry_rules", "space", space_id, size_cap=size_cap,
                     has_requirements=space.entry_requirements is not None)
