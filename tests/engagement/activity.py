"""Small hand-built activity tables with known answers, written through the real models."""

from __future__ import annotations

from datetime import datetime

from steward.store.models import Identity, Message, Person, Source, Space


class Activity:
    """Add spaces, people and messages to a workspace in one short builder."""

    def __init__(self, ws, platform: str = "discourse"):
        self.ws = ws
        with ws.transaction() as s:
            source = Source(platform=platform, name=f"{platform} test",
                            created_at=datetime(2020, 1, 1))
            s.add(source)
            s.flush()
            self.source_id = source.id
        self._n = 0

    def space(self, name: str, **kw) -> int:
        with self.ws.transaction() as s:
            space = Space(source_id=self.source_id, platform_id=name, name=name, **kw)
            s.add(space)
            s.flush()
            return space.id

    def person(self, name: str, staff: bool = False, bot: bool = False,
               identity_bot: bool = False) -> int:
        """A person with one identity; returns the identity id (person id is the same)."""
        with self.ws.transaction() as s:
            person = Person(display_name=name, is_staff=staff, is_bot=bot,
                            created_at=datetime(2020, 1, 1))
            s.add(person)
            s.flush()
            identity = Identity(person_id=person.id, source_id=self.source_id,
                                platform_id=f"u{person.id}", display_name=name,
                                is_bot=identity_bot)
            s.add(identity)
            s.flush()
            assert identity.id == person.id, "the builder keeps person and identity ids equal"
            return identity.id

    def post(self, space: int, who: int, at: datetime, reply_to: int | None = None,
             reactions: int = 0, text: str = "hello") -> int:
        """A message; with `reply_to` it joins that message's thread."""
        self._n += 1
        with self.ws.transaction() as s:
            thread = None
            if reply_to is not None:
                thread = s.get(Message, reply_to).thread_id
            msg = Message(source_id=self.source_id, space_id=space, identity_id=who,
                          platform_id=f"m{self._n}", parent_id=reply_to, thread_id=thread,
                          created_at=at, text=text, reaction_count=reactions)
            s.add(msg)
            s.flush()
            if thread is None:
                msg.thread_id = msg.id
            return msg.id
