"""Each space's risk setting: who it is for (audience), who can read it (visibility), and
whether it is dormant.

The audience and visibility set the severity of safeguarding flags: the same message raises a
higher flag in a young people's or vulnerable adults' space, and contact details or sexual
content raise a higher one in an open space. Admins and safeguarding leads change them;
every change is audited and applies from the next scan. `rescan_job` reads a space's whole
history again with its new setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from steward.errors import AccessDenied, BadInput
from steward.jobs import CancelToken, Job
from steward.store import audit
from steward.store.models import Message, Source, Space

AUDIENCES = ("general", "young_people", "vulnerable_adults")
VISIBILITIES = ("open", "closed")
AUDIENCE_TITLES = {
    "general": "General (adults)",
    "young_people": "Young people (under 18)",
    "vulnerable_adults": "Vulnerable adults",
}
SETTERS = ("admin", "safeguarding-lead")


@dataclass(frozen=True)
class SpaceSetting:
    id: int
    name: str
    source: str
    platform: str
    audience: str
    visibility: str
    dormant: bool
    messages: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def check_audience(value: str) -> str:
    """"young-people" or "young_people" → "young_people"; anything else is a clear error."""
    audience = value.strip().lower().replace("-", "_").replace(" ", "_")
    if audience not in AUDIENCES:
        raise BadInput(f"unknown audience {value!r}: choose one of "
                       + ", ".join(a.replace("_", "-") for a in AUDIENCES))
    return audience


def check_visibility(value: str) -> str:
    visibility = value.strip().lower()
    if visibility not in VISIBILITIES:
        raise BadInput(f"unknown visibility {value!r}: choose open or closed")
    return visibility


def may_set(ws) -> bool:
    """Whether this profile may change a space's risk setting (admins and leads)."""
    return ws.profile.role in SETTERS


def _require_setter(ws) -> None:
    if not may_set(ws):
        raise AccessDenied(
            f"profile {ws.profile.name} ({ws.profile.role}) cannot change a space's risk "
            "setting: only an admin or a safeguarding lead can"
        )


def list_spaces(ws) -> list[SpaceSetting]:
    """Every space with its setting and message count, by source and name."""
    with ws.session() as s:
        counts = (select(Message.space_id, func.count().label("n"))
                  .group_by(Message.space_id).subquery())
        rows = s.execute(
            select(Space, Source.name, Source.platform, counts.c.n)
            .join(Source, Source.id == Space.source_id)
            .outerjoin(counts, counts.c.space_id == Space.id)
            .order_by(Source.name, Space.name, Space.id)
        ).all()
    return [SpaceSetting(sp.id, sp.name, src, platform, sp.audience, sp.visibility,
                         bool(sp.dormant), n or 0) for sp, src, platform, n in rows]


def find_space(ws, name_or_id: str) -> SpaceSetting:
    """The space named (or numbered) so; an unknown or ambiguous name is a clear error."""
    spaces = list_spaces(ws)
    wanted = name_or_id.strip()
    if wanted.isdigit():
        by_id = [sp for sp in spaces if sp.id == int(wanted)]
        if by_id:
            return by_id[0]
    matches = [sp for sp in spaces if sp.name == wanted] or [
        sp for sp in spaces if sp.name.casefold() == wanted.casefold()]
    if not matches:
        raise BadInput(f"no space called {wanted!r}: see `steward space list`")
    if len(matches) > 1:
        raise BadInput(f"{len(matches)} spaces are called {wanted!r}: give its number instead ("
                       + ", ".join(f"{sp.id} in {sp.source}" for sp in matches) + ")")
    return matches[0]


def set_space(ws, space_id: int, audience: str | None = None, visibility: str | None = None,
              dormant: bool | None = None) -> SpaceSetting:
    """Change a space's setting (admins and leads); audited; applies from the next scan."""
    _require_setter(ws)
    audience = check_audience(audience) if audience is not None else None
    visibility = check_visibility(visibility) if visibility is not None else None
    with ws.transaction() as s:
        space = s.get(Space, space_id)
        if space is None:
            raise BadInput(f"no space number {space_id}")
        changed: dict[str, object] = {}
        for field, value in (("audience", audience), ("visibility", visibility),
                             ("dormant", dormant)):
            if value is not None and getattr(space, field) != value:
                changed[f"{field}_from"] = getattr(space, field)
                changed[field] = value
                setattr(space, field, value)
        if changed:
            audit.record(s, ws.actor, "space.setting", "space", space_id, **changed)
    return next(sp for sp in list_spaces(ws) if sp.id == space_id)


def set_new_spaces(ws, known: set[int], audience: str) -> int:
    """After a first import: give every space not in `known` this audience (the person who
    imported it answers "Who is this group for?"; audited). Returns how many."""
    audience = check_audience(audience)
    with ws.transaction() as s:
        new = [sp for sp in s.scalars(select(Space)) if sp.id not in known]
        for space in new:
            if space.audience != audience:
                audit.record(s, ws.actor, "space.setting", "space", space.id,
                             audience_from=space.audience, audience=audience, first_import=True)
                space.audience = audience
    return len(new)


def space_ids(ws) -> set[int]:
    with ws.session() as s:
        return set(s.scalars(select(Space.id)))


def import_for_audience(ws, job: Job, audience: str) -> Job[tuple]:
    """Run an import job; the spaces it creates get `audience` before anything scans them.
    Returns (the import's result, how many new spaces)."""
    audience = check_audience(audience)
    known = space_ids(ws)
    result = yield from job
    return result, set_new_spaces(ws, known, audience)


def rescan_hint(space: SpaceSetting) -> str:
    return (f"To read its {space.messages:,} earlier messages again with this setting: "
            f"steward space rescan {space.id}")


def rescan_job(ws, space_id: int, token: CancelToken | None = None) -> Job[dict]:
    """Read every message of one space again with its current setting and raise the flags
    that were not raised before (a message's flag in a category is never raised twice)."""
    from steward.safeguarding.access import require_lead
    from steward.safeguarding.scan import rescan_messages

    require_lead(ws)
    with ws.session() as s:
        if s.get(Space, space_id) is None:
            raise BadInput(f"no space number {space_id}")
    counts = yield from rescan_messages(ws, space_id, token)
    with ws.transaction() as s:
        audit.record(s, ws.actor, "safeguarding.rescan", "space", space_id,
                     messages=counts["messages"], flags=counts["flags"])
    return counts

