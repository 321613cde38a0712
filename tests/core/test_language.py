"""Core messages through gettext (issue 17): the catalogue holds every marked string, Welsh
translates each one, the shipped .mo is built from the .po, and stored English (queue and flag
reasons) is translated only where it is shown."""

from __future__ import annotations

import io
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from steward import language
from steward.language import stored
from steward.moderation.reasons import shown
from steward.resources import resource_path
from steward.safeguarding.explain import explain

PO = resource_path("i18n", "cy", "LC_MESSAGES", "steward.po")
MO = resource_path("i18n", "cy", "LC_MESSAGES", "steward.mo")


@pytest.fixture
def welsh():
    assert language.set_language("cy") == "cy"
    yield
    language.set_language("en")


def _catalogue():
    with open(PO, "rb") as f:
        return read_po(f, locale="cy")


def test_the_catalogue_holds_every_marked_core_string_translated():
    """`make translations` was run after the last `_()`/`N_()` was added, and each is in Welsh
    with the same {placeholders}."""
    root = resource_path("..", "steward").resolve()
    marked = {msg for _file, _line, msg, _comments, _context in extract_from_dir(
        str(root), keywords={"_": None, "N_": None},
        callback=None, method_map=[("ui/**.py", "ignore"), ("**.py", "python")])}
    catalogue = _catalogue()
    held = {m.id for m in catalogue if m.id}
    assert len(marked) > 80 and marked - held == set(), "run `make translations`"
    assert len(held) > 80
    for m in catalogue:
        if m.id:
            assert m.string and "fuzzy" not in m.flags, m.id
            assert sorted(re.findall(r"\{\w+\}", m.id)) == \
                sorted(re.findall(r"\{\w+\}", m.string)), m.id


def test_the_shipped_mo_is_built_from_the_po():
    built = io.BytesIO()
    write_mo(built, _catalogue())
    assert built.getvalue() == MO.read_bytes(), "run `make translations`"


def test_english_by_default_and_after_switching_back(welsh):
    assert language._("a decision needs a reason") == "mae angen rheswm dros benderfyniad"
    language.set_language("en")
    assert language._("a decision needs a reason") == "a decision needs a reason"
    assert language.set_language("xx") == "en"  # no catalogue: English, no error


def test_stored_reasons_are_translated_where_they_are_shown(welsh):
    assert shown("Possible spam") == "Sbam posibl"
    assert shown("Link posted by an account 3 days old (0 earlier posts)") == \
        "Postiwyd dolen — cyfrif 3 diwrnod oed (0 neges gynharach)"
    assert shown("Asks people to subscribe, follow or like: “sub 4 sub”") == \
        "Gofyn i bobl danysgrifio, dilyn neu hoffi: “sub 4 sub”"
    assert shown("Reported on Discourse: no reason given") == \
        "Adroddwyd ar Discourse: dim rheswm wedi'i roi"
    assert shown("Reported on Discourse: rude to me") == "Adroddwyd ar Discourse: rude to me"
    assert shown("Something a charity typed") == "Something a charity typed"
    lexicon = explain("self_harm", ["“want to die” (pattern “want to {die|go}”)",
                                    "posted in a young people space"])
    assert lexicon[0].text == ("Y geiriau “want to die”: arwydd o bryder — hunanladdiad neu "
                               "hunan-niweidio") and lexicon[0].pattern == "want to {die|go}"
    assert lexicon[1].text == "Wedi'i bostio mewn gofod ar gyfer pobl ifanc"
    assert stored("", ("{n} days",)) == ""


def test_in_english_nothing_changes():
    assert shown("Link posted by a new member (2 earlier posts)") == \
        "Link posted by a new member (2 earlier posts)"
    assert explain("self_harm", ["“want to die” (pattern “x”)"])[0].text == \
        "The words “want to die”: a sign of suicide or self-harm"
