"""Choosing part of the community: spaces by name, platforms, a cohort; and the picker lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from steward.engagement.metrics import Scope
from steward.errors import BadInput
from steward.store.models import Cohort, CohortMember, Source, Space
from steward.workspace import Workspace


@dataclass(frozen=True)
class SpaceChoice:
    id: int
    name: str
    source: str
    platform: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.source})"


def space_choices(ws: Workspace) -> list[SpaceChoice]:
    """Every space, for pickers: ordered by source, then name."""
    with ws.session() as s:
        rows = s.execute(
            select(Space.id, Space.name, Source.name, Source.platform)
            .join(Source, Source.id == Space.source_id)
            .order_by(Source.name, Space.name)
        ).all()
    return [SpaceChoice(*row) for row in rows]


def cohort_names(ws: Workspace) -> list[str]:
    with ws.session() as s:
        return list(s.scalars(select(Cohort.name).order_by(Cohort.name)))


def resolve_scope(
    ws: Workspace,
    spaces: Iterable[str] = (),
    platforms: Iterable[str] = (),
    cohort: str | None = None,
    include_staff: bool = False,
) -> Scope:
    """A Scope from names as people type them; an unknown name is one clear BadInput."""
    choices = space_choices(ws)
    space_ids: set[int] = set()
    for name in spaces:
        matches = {c.id for c in choices if name in (c.name, c.label, f"#{c.name}")}
        if not matches:
            raise BadInput(f"no space named {name!r}")
        space_ids |= matches
    known_platforms = {c.platform for c in choices}
    for platform in platforms:
        if platform not in known_platforms:
            raise BadInput(f"no spaces on platform {platform!r} (there are: "
                           f"{', '.join(sorted(known_platforms)) or 'none'})")
    person_ids = None
    if cohort is not None:
        with ws.session() as s:
            cohort_id = s.scalar(select(Cohort.id).where(Cohort.name == cohort))
            if cohort_id is None:
                raise BadInput(f"no cohort named {cohort!r}")
            person_ids = frozenset(s.scalars(
                select(CohortMember.person_id).where(CohortMember.cohort_id == cohort_id)))
    return Scope(frozenset(space_ids), frozenset(platforms), person_ids, include_staff)
