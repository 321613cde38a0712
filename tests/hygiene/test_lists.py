"""Lapsed and drifting members, contact hygiene, consent, retention, erasure, tags, cohorts."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from steward import clock
from steward.errors import BadInput
from steward.hygiene import contacts, groups
from steward.hygiene.activity import drifting_members, lapsed_members
from steward.hygiene.consent import forget_person, record_consent, retention_review
from steward.hygiene.people import PeopleFilter, count_people, list_people, person_detail
from steward.store.models import AuditEvent, EmailStatus, Identity, Message, Person, Source
from tests.conftest import DEMO_NOW


def test_lapsed_members_match_the_demo(demo_ws):
    truth = set(demo_ws.get_setting("demo.truth")["lapsed"])
    found = lapsed_members(demo_ws, 60, now=DEMO_NOW)
    ids = {m.person_id for m in found}
    with demo_ws.engine.connect() as conn:
        posted = {r[0] for r in conn.exec_driver_sql(
            "SELECT DISTINCT i.person_id FROM messages m JOIN identities i "
            "ON i.id = m.identity_id")}
    assert truth & posted and truth & posted <= ids  # every planted lapsed poster is found
    assert all(m.last_active < DEMO_NOW - timedelta(days=60) and m.messages for m in found)
    # The member list's lapsed filter agrees with it.
    assert count_people(demo_ws, PeopleFilter(lapsed=True, now=DEMO_NOW)) >= len(ids)
    with pytest.raises(BadInput):
        lapsed_members(demo_ws, 0)


def test_drifting_members_posted_less_lately(demo_ws):
    found = drifting_members(demo_ws, window_days=90, now=DEMO_NOW)
    assert found
    assert all(0 < m.recent < 0.5 * m.before for m in found)
    with pytest.raises(BadInput):
        drifting_members(demo_ws, window_days=3)


def test_contact_problems(workspace):
    with workspace.transaction() as s:
        src = Source(platform="mbox", name="list", config={}, cursor={},
                     created_at=clock.now())
        s.add(src)
        s.flush()
        for n, (email, phone) in enumerate([
            ("info@charity.example.org", None), ("not an email", None),
            ("jo@example.org", "07700 900123"), ("sam@example.org", "12"),
        ]):
            p = Person(display_name=f"P{n}", created_at=clock.now())
            s.add(p)
            s.flush()
            s.add(Identity(person_id=p.id, source_id=src.id, platform_id=str(n), email=email,
                           email_normalised=email.lower(), phone=phone))
        s.add(EmailStatus(email_normalised="jo@example.org", source_id=src.id,
                          status="bounced", at=clock.now()))
    kinds = sorted(p.kind for p in contacts.contact_problems(workspace))
    assert kinds == ["bounced", "invalid_email", "invalid_phone", "role_address"]
    assert contacts.normalise_phones(workspace) == 1
    with workspace.session() as s:
        assert s.scalar(select(Identity.phone_e164).where(Identity.platform_id == "2")) \
            == "+447700900123"


def test_contact_problems_in_demo_include_cleaned_and_bounced(demo_ws):
    kinds = {p.kind for p in contacts.contact_problems(demo_ws)}
    assert {"bounced", "cleaned"} & kinds


def test_consent_ledger_and_retention(demo_ws):
    pid = list_people(demo_ws, limit=1)[0].id
    record_consent(demo_ws, pid, "given", "consent", "form", "Email me news")
    record_consent(demo_ws, pid, "withdrawn", "consent", "phone call")
    detail = person_detail(demo_ws, pid)
    assert [c.state for c in detail.consents][-2:] == ["given", "withdrawn"]
    assert detail.consent == "withdrawn"
    assert pid in {r.id for r in list_people(demo_ws, PeopleFilter(consent="withdrawn"),
                                             limit=1000)}
    with pytest.raises(BadInput, match="consent state"):
        record_consent(demo_ws, pid, "maybe", "consent")
    with pytest.raises(BadInput, match="lawful basis"):
        record_consent(demo_ws, pid, "given", " ")
    review = retention_review(demo_ws, years=1, now=DEMO_NOW + timedelta(days=365 * 3))
    assert review and all(
        c.last_seen < DEMO_NOW + timedelta(days=365 * 2) for c in review)


def test_forget_person_keeps_counts_and_logs_ids_only(demo_ws):
    pid = lapsed_members(demo_ws, 60, now=DEMO_NOW)[0].person_id
    detail = person_detail(demo_ws, pid)
    name, handles = detail.display_name, [i.handle for i in detail.identities if i.handle]
    with demo_ws.session() as s:
        messages_before = s.scalar(select(func.count()).select_from(Message))
    done = forget_person(demo_ws, pid)
    assert done.identities == len(detail.identities) and done.messages == detail.messages
    after = person_detail(demo_ws, pid)
    assert after.display_name == f"Erased person {pid}"
    assert all(i.email is None and i.handle is None and i.display_name is None
               for i in after.identities)
    with demo_ws.session() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == messages_before
        texts = s.scalars(select(Message.text).join(Identity).where(
            Identity.person_id == pid)).all()
        assert texts and all(t is None for t in texts)
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "person.erase")).one()
        assert event.subject_id == pid and name not in str(event.details)
        assert not any(h in str(event.details) for h in handles)
    assert pid not in {r.id for r in list_people(demo_ws, limit=1000)}
    with pytest.raises(BadInput, match="already erased"):
        forget_person(demo_ws, pid)
    with pytest.raises(BadInput, match="does not exist"):
        forget_person(demo_ws, 999_999)


def test_tags_cohorts_and_space_rules(demo_ws):
    people = [r.id for r in list_people(demo_ws, limit=3)]
    assert groups.tag_people(demo_ws, "Welcome team", people) == 3
    assert groups.tag_people(demo_ws, "Welcome team", people) == 0
    tag = next(t for t in groups.list_tags(demo_ws) if t.name == "Welcome team")
    assert tag.members == 3
    assert count_people(demo_ws, PeopleFilter(tag_id=tag.id)) == 3
    with pytest.raises(BadInput):
        groups.tag_people(demo_ws, "", people)

    months = groups.build_cohorts(demo_ws, "join_month")
    assert months and all(c.name.startswith("Joined 20") for c in months)
    by_space = groups.build_cohorts(demo_ws, "space")
    programme = groups.build_cohorts(demo_ws, "programme")
    assert by_space and programme
    assert groups.build_cohorts(demo_ws, "programme") == programme  # rebuilding is stable
    biggest = max(by_space, key=lambda c: c.members)
    assert count_people(demo_ws, PeopleFilter(cohort_id=biggest.id)) == biggest.members
    with pytest.raises(BadInput):
        groups.build_cohorts(demo_ws, "star_sign")

    space = groups.space_rules(demo_ws)[0]
    groups.set_space_rules(demo_ws, space.space_id, "Agreed to the ground rules", 40)
    changed = {r.space_id: r for r in groups.space_rules(demo_ws)}[space.space_id]
    assert (changed.entry_requirements, changed.size_cap) == ("Agreed to the ground rules", 40)
    with pytest.raises(BadInput, match="size cap"):
        groups.set_space_rules(demo_ws, space.space_id, None, 0)


def test_member_list_filters_search_and_sorting(demo_ws):
    total = count_people(demo_ws)
    first_page = list_people(demo_ws, offset=0, limit=50, sort="name")
    names = [r.display_name.casefold() for r in first_page]
    assert len(first_page) == 50 and names == sorted(names)
    newest = list_people(demo_ws, limit=5, sort="last_active", descending=True)
    assert newest[0].last_active >= newest[-1].last_active
    target = first_page[7]
    hits = list_people(demo_ws, PeopleFilter(search=target.display_name.split()[0]))
    assert target.id in {h.id for h in hits}
    discord = count_people(demo_ws, PeopleFilter(platform="discord"))
    assert 0 < discord < total
    assert count_people(demo_ws, PeopleFilter(space_id=1)) > 0
    with pytest.raises(BadInput):
        list_people(demo_ws, sort="shoe_size")


def test_list_commands(demo_path, capsys, monkeypatch):
    import json

    from steward.cli import main
    from tests.conftest import PASSPHRASE

    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    w = ["--workspace", str(demo_path)]
    for args in (["lapsed", "--json"], ["lapsed", "--drifting", "--json"],
                 ["contacts", "--json"], ["retention", "--json"],
                 ["cohorts", "--build", "space", "--json"]):
        assert main([*args, *w]) == 0, args
        assert isinstance(json.loads(capsys.readouterr().out), list)
    assert main(["forget", "1", *w]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["consent", "1", "--state", "given", *w]) == 0
    assert main(["match-rules", "--preset", "strict", *w]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["preset"] == "strict"
    assert main(["space-rules", "--space", "999", *w]) == 2
