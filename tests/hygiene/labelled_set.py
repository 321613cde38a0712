"""A labelled set of member records with known duplicates and realistic corruption.

Generated deterministically (a fixed seed), so the set is the same on every run: people with
several records (typos, nicknames, swapped first/last names, missing emails, phone numbers
typed in different formats, upper-case or tagged addresses), and hard negatives that are NOT
duplicates (brothers and sisters sharing a household phone and surname, different people who
happen to share a name). Names come from the demo word lists plus the surnames below.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from steward.hygiene.matching import MatchRecord
from steward.hygiene.names import email_key
from steward.normalise import normalise_email, normalise_phone
from steward.resources import resource_path

_SURNAME_TEXT = """
Abbott Ahmed Akhtar Ashworth Atkinson Bailey Barker Barnes Begum Bell Bibi Birch Bishop Black
Booth Bradley Brennan Briggs Brooks Burgess Burton Butler Byrne Carr Carter Chadwick Chambers
Chapman Choudhury Clarke Cole Collins Connolly Cooke Cooper Cox Cross Dale Dawson Day Dixon
Doherty Doyle Duffy Dunn Ellis Farrell Fisher Fleming Fletcher Foster Fox Francis Fraser
Gallagher Gardner Gibson Gill Gordon Graham Grant Gray Griffin Hamilton Hanson Harding Hart
Hayes Henderson Hill Holland Holmes Hopkins Howard Hudson Hunt Hussain Iqbal Jackson Jenkins
Kaur Kelly Kennedy Khan Knight Lamb Lane Lawrence Lloyd Lynch Macdonald Marsh Marshall Mason
Matthews McCarthy Mills Mitchell Moore Morgan Morris Murphy Murray Nash Newman Nolan Norris
Owen Palmer Parker Parry Payne Pearce Pearson Perry Phillips Poole Porter Powell Price Quinn
Rahman Read Reid Reynolds Rhodes Richards Riley Rogers Rose Ross Russell Ryan Saunders Scott
Sharp Shaw Simpson Slater Spencer Stevens Stewart Stone Sutton Sweeney Tucker Turner Wade Walsh
Ward Warren Watson Webb Wells West Whitehead Wilkinson Willis Wood Woods Yates Young Adams Ali
Allen Anderson Armstrong Arnold Ashton Austin Baker Baldwin Ball Banks Barlow Barrett Barton
Bates Baxter Bean Bennett Benson Berry Blake Bond Bowen Boyle Bradshaw Brady Brookes Browne
Buckley Bull Burns Bush Cameron Campbell Cartwright Chan Charlton Clark Clayton Coates Cohen
Coleman Conway Cook Cowan Craig Crawford Cummings Cunningham Curtis Dalton Daly Daniels Dean
Dennis Dickson Dodd Donnelly Douglas Duncan Dyer Eaton Elliott Emery Farmer Faulkner Fenton
Ferguson Field Finch Fitzgerald Flynn Ford Forster Frost Fuller Gale Garner Gates Gee George
Gibbs Gilbert Giles Glover Godfrey Gough Gould Greaves Gregory Griffiths Hale Hammond Harper
Harrison Harvey Hawkins Haynes Heath Hewitt Hicks Higgins Hobbs Hodgson Hogan Holden Holt
Hooper Horton Howe Howell Hull Humphreys Hurst Hutchinson Ingram Irwin Jarvis Jennings Johnston
Jordan Joyce Kay Keane Kemp Kent Kerr King Kirby Kirk Lambert Law Lawson Lee Leonard Lewis
Little Long Lord Lowe Lucas Lyons Mann Manning Marsden Martin Maxwell May McDonald McKenzie
Mellor Metcalfe Miles Miller Moran Moss Nelson Nicholls Nixon North Norton Oliver Osborne Page
Parkinson Parsons Pope Potter Pratt Preston Pritchard Randall Rees Richardson Robertson Rowe
Sanders Sharpe Short Sims Skinner Smart Stanley Steele Stephens Stokes Sullivan Summers Swift
Talbot Thornton Todd Townsend Vaughan Walton Waters Watts Weaver Webster Wheeler Whittaker
Wilde Wiley Winter Wong Woodward Wyatt
"""
MORE_SURNAMES = _SURNAME_TEXT.split()

EXTRA_FIRST = ["Robert", "William", "Richard", "James", "Michael", "David", "Daniel", "Matthew",
               "Christopher", "Andrew", "Anthony", "Jonathan", "Nicholas", "Katherine",
               "Elizabeth", "Margaret", "Patricia", "Susan", "Alexander", "Jennifer",
               "Victoria", "Deborah", "Stephen", "Samantha", "Rebecca", "Thomas", "Joshua",
               "Jessica", "Frederick", "Henry", "Eleanor", "Catherine", "Benjamin", "Edward"]


@dataclass
class LabelledSet:
    records: list[MatchRecord]
    true_pairs: set[frozenset[int]]  # record keys that are one person
    kinds: dict[str, int]  # how many of each corruption were planted


def _typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: two letters swapped, one dropped, or one doubled."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _phone_formats(n: int) -> tuple[str, ...]:
    national = f"07700 9{n % 100000:05d}"
    digits = national.replace(" ", "")
    return (national, digits, f"+44 {digits[1:5]} {digits[5:]}", f"+44{digits[1:]}",
            f"({digits[:5]}) {digits[5:]}")


def build(people: int = 600, seed: int = 2026) -> LabelledSet:
    """`people` distinct people; about a third have a second (or third) corrupted record."""
    rng = random.Random(seed)
    words = json.loads(resource_path("demo", "community.json").read_text(encoding="utf-8"))
    nicknames = words["nicknames"]
    firsts = list(dict.fromkeys(words["first_names"] + EXTRA_FIRST))
    lasts = list(dict.fromkeys(words["surnames"] + MORE_SURNAMES))
    records: list[MatchRecord] = []
    person_of: list[int] = []
    kinds: dict[str, int] = {}
    domains = ("example.org", "example.com", "example.net", "mail.example.co.uk")

    def add(person: int, first: str, last: str, email: str | None, phone: str | None,
            handle: str | None, swap: bool = False) -> None:
        rec = MatchRecord(len(records), display_name=f"{first} {last}")
        rec.add_name(f"{last} {first}" if swap else f"{first} {last}")
        if (key := email_key(normalise_email(email))) is not None:
            rec.emails.add(key)
        if phone and (e164 := normalise_phone(phone)):
            rec.phones.add(e164)
        rec.add_handle(handle)
        records.append(rec)
        person_of.append(person)

    def plant(kind: str) -> None:
        kinds[kind] = kinds.get(kind, 0) + 1

    for person in range(people):
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = (f"{first}.{last}{rng.randrange(100)}@{rng.choice(domains)}".lower()
                 if rng.random() < 0.8 else None)
        phones = _phone_formats(person * 7 + 13)
        phone = rng.choice(phones) if rng.random() < 0.5 else None
        handle = f"{first}{last[:3]}{rng.randrange(10, 99)}" if rng.random() < 0.4 else None
        add(person, first, last, email, phone, handle)

        if rng.random() < 0.06:  # a brother or sister: same home phone and surname, not a dupe
            sib = rng.choice([f for f in firsts if f[0] != first[0]])
            home = phone or rng.choice(phones)
            add(people + person, sib, last, None, home, None)
            plant("household (not a duplicate)")

        if rng.random() >= 0.3:
            continue
        copies = 2 if rng.random() < 0.15 else 1
        for _ in range(copies):
            style = rng.randrange(8)
            if style == 0 and first in nicknames:
                add(person, nicknames[first], last, None, rng.choice(phones), None)
                plant("nickname, no email")
            elif style == 1 and email:
                add(person, _typo(first, rng), last, email.upper(), None, None)
                plant("typo in first name, email in capitals")
            elif style == 2:
                add(person, first, _typo(last, rng), None, rng.choice(phones), None)
                plant("typo in surname, phone in another format")
            elif style == 3 and email:
                add(person, first, last, email, None, handle, swap=True)
                plant("first and last names swapped")
            elif style == 4:
                add(person, first, last, f"{first}.{last}.home@example.net", None, None)
                plant("same name, another email")
            elif style == 5 and email:
                local, _, domain = email.partition("@")
                add(person, first[0] + ".", last, f"{local}+news@{domain}", None, None)
                plant("initial only, tagged email")
            elif style == 6 and handle:
                add(person, first.lower(), last.lower(), None, None, handle.upper())
                plant("same handle, lower-case name")
            else:
                add(person, first, last, None, rng.choice(phones), None)
                plant("no email, phone in another format")

    by_person: dict[int, list[int]] = {}
    for key, person in enumerate(person_of):
        by_person.setdefault(person, []).append(key)
    true_pairs = {
        frozenset((a, b)) for keys in by_person.values()
        for i, a in enumerate(keys) for b in keys[i + 1:]
    }
    return LabelledSet(records, true_pairs, kinds)
