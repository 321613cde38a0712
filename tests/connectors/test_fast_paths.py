"""The fast readers give exactly what the general ones give: mbox messages read without the
email parser, JSON walked with the C decoder, Unix times read with integer arithmetic."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest

from steward.connectors import files, mbox
from steward.connectors.base import AuthorRecord, ImportOptions
from steward.errors import BadInput

MAILBOX = b"""From a Mon Nov 22 14:04:01 2021
From: Zofia Johnson <zofia@example.net>
Subject: Plain and simple
Date: Mon, 22 Nov 2021 14:04:01 +0100
Message-ID: <one@example.org>
List-Id: Announcements <list-announce>
Content-Type: text/plain; charset="utf-8"

Caf\xc3\xa9 at ten.

From b Mon Nov 22 15:00:00 2021
From: =?utf-8?q?Jos=C3=A9?= <jose@example.net>
Subject: =?iso-8859-1?q?Re=3A_caf=E9?=
Date: 22 Nov 2021 15:00:00 -0500
Message-ID: <two@example.org>
In-Reply-To: <one@example.org>
Content-Type: text/plain; charset=iso-8859-1

Ol\xe1, see you there

From c Mon Nov 22 16:00:00 2021
From: "Smith, Sam" <sam@example.net>
Subject: A folded
 subject
Date: Tue, 23 Nov 2021 09:00:00 +0000
References: <one@example.org>
 <two@example.org>
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain

Body in a part
--XX
Content-Type: application/pdf
Content-Disposition: attachment; filename="a.pdf"

JVBERi0=
--XX--

From d Mon Nov 22 17:00:00 2021
From: sam@example.net
Subject: Quoted
Date: Wed, 24 Nov 2021 10:00:00 GMT
Message-ID: <four@example.org>
Content-Transfer-Encoding: quoted-printable

Soft=
 break =C3=A9

From e Mon Nov 22 18:00:00 2021
From: Odd <odd@example.net>
Date: Thu, 25 Nov 2021 10:00:00 +0000
Content-Type: text/plain; charset="no-such-charset"

\xe9t\xe9
"""


def _records(data: bytes, monkeypatch, fast: bool) -> list:
    if not fast:
        monkeypatch.setattr(mbox, "_plain_message", lambda data: None)
    return list(mbox._records(mbox._split(io.BytesIO(data), "test.mbox"), "test.mbox", "list",
                              set(), set(), ImportOptions()))


def test_mbox_fast_path_gives_what_the_email_parser_gives(monkeypatch, exports):
    for data in (MAILBOX, (exports / "announce.mbox").read_bytes()):
        fast = _records(data, monkeypatch, fast=True)
        with monkeypatch.context() as m:
            slow = _records(data, m, fast=False)
        assert fast == slow and len(fast) > 4
    assert sum(mbox._plain_message(m) is not None for _, m in
               mbox._split(io.BytesIO(MAILBOX), "t")) == 4  # multipart needs the parser


EDGES = b"""From a Mon Nov 22 14:04:01 2021
From: Ann Lee <ann@example.net>
SUBJECT: Upper case first
Subject: lower case second
Date: Tue, 1 Jul 2003 10:52:37 +0200 (CEST)
Message-ID: <a b@example.org>
In-Reply-To: <x@example.org> <y@example.org>
List-Id: <list.example.org>
Content-Type: text/plain

first

From b Mon Nov 22 14:04:01 2021
From: Ann Lee <ann@example.net>
Date: 1 Jul 2003 10:52:37 GMT
Message-ID: <b@example.org>
X Bad Name: a space in the name starts the body
Subject: in the body

second

From c Mon Nov 22 14:04:01 2021
From: Ann Lee <ann@example.net>
Subject: =?utf-8?q?Caf=C3=A9?= and =?iso-8859-1?q?th=E9?=
Date: Mon, 22 Nov 2021 14:04:01 +0530
Message-ID:<c@example.org>
References: <a@example.org>
\t<b@example.org>
Content-Type: TEXT/PLAIN; CHARSET=ISO-8859-1

third \xe9

From d Mon Nov 22 14:04:01 2021
From: Ann Lee <ann@example.net>
Subject: a header name with a tab next
\tX:1
Date: Mon, 22 Nov 2021 14:04:01 -0000
Message-ID: <<d@example.org>>
List-Id: Other <other.example.org>
In-Reply-To: <c@example.org>x

fourth
"""


def test_mbox_fast_path_hands_on_what_it_cannot_read(monkeypatch):
    """Headers the fast path reads (a repeated name in another case, ids in every form, dates
    email.utils must read, a charset in capitals, folded headers, one folded after a tab) or
    hands to the parser (a name with a space): what the parser gives, each time."""
    fast = _records(EDGES, monkeypatch, fast=True)
    with monkeypatch.context() as m:
        slow = _records(EDGES, m, fast=False)
    assert fast == slow
    messages = [r for r in fast if isinstance(r, tuple)]
    assert [r[4].split("\n")[0] for r in messages] == [
        "Upper case first", "X Bad Name: a space in the name starts the body", "Café and thé",
        "a header name with a tab next"]
    assert [r[1] for r in messages][1:] == ["b@example.org", "c@example.org", "d@example.org"]
    assert [r[5] for r in messages] == ["x@example.org", None, "b@example.org", "c@example.org"]
    assert messages[0][2] == "2003-07-01 08:52:37.000000"
    assert messages[2][2] == "2021-11-22 08:34:01.000000"
    plain = [mbox._plain_message(m) is not None for _, m in mbox._split(io.BytesIO(EDGES), "t")]
    assert plain == [True, False, True, True]


def test_first_ids_read_as_the_pattern_reads_them():
    values = ["<a@b>", "<a b@c>", " <a@b>", "<a@b> <c@d>", "<>", "<a\u00a0b@c>", "<a\x0bb>",
              "<a\u2028b>", "no id", "", "<<a@b>>", "<a@b>x", "<a@b", "x<a@b>", "<a\u00e9@b>"]
    for value in values:
        ids = mbox._ids(value)
        assert mbox._first_id(value) == (ids[0] if ids else None), value
    assert mbox._first_id(None) is None


def test_header_caches_keep_no_long_values():
    """A line may hold a megabyte: long names and values are read, never remembered."""
    long_name = "X-" + "n" * 500
    message = (f"From: Ann <ann@example.net>\n{long_name}: 1\nList-Id: <{'l' * 2000}>\n"
               f"Content-Type: text/plain; charset={'c' * 1500}\n\nbody\n").encode()
    list_id = mbox._plain_message(message)[0]
    assert mbox._list_id(list_id) == "l" * 2000
    assert mbox._sender("A" * 1500 + " <a@example.org>")[1] == "a@example.org"
    assert long_name not in mbox._NAMES and "x-mailer" not in mbox._NAMES
    mbox._plain_message(b"X-Mailer: m\n\nbody")
    assert mbox._NAMES["X-Mailer"] == "x-mailer"


def _split(data: bytes, ending: dict | None = None) -> list:
    return list(mbox._split(io.BufferedReader(io.BytesIO(data)), "test.mbox", ending))


@pytest.mark.parametrize("block", [1, 5, 64, 1 << 18])
def test_mbox_split_cuts_at_separator_lines_whatever_the_block_size(monkeypatch, block):
    """The archive is read a block at a time: a separator, a line or a message cut across
    blocks reads as it would whole, with the same line numbers and the same refusals."""
    monkeypatch.setattr(mbox, "_BLOCK", block)
    box = (b"\n \nFrom a Mon\nX: 1\n\n>From here, escaped\n>>From twice\nbody\n"
           b"From b Tue\nFrom c Wed\nY: 2\r\n\r\nFrom: not a separator in a line\n")
    ending: dict = {}
    assert _split(box, ending) == [
        (3, b"X: 1\n\nFrom here, escaped\n>>From twice\nbody\n"),
        (10, b"Y: 2\r\n\r\nFrom: not a separator in a line\n")]  # b is empty: left out
    assert ending == {}
    ending = {}
    assert _split(b"From a\nX: 1\n\nno line break", ending) == [(1, b"X: 1\n\nno line break")]
    assert ending == {"cut": "line 1: the last message ends without a line break"}
    ending = {}
    assert _split(b"From a\nX: 1\n\nbody\nFrom b\nSubject: cut\n", ending)[-1] == \
        (5, b"Subject: cut\n")
    assert ending == {"cut": "line 5: the last message stops in its headers"}
    for data, problem in ((b"\n\nHello\nFrom a\n", "line 3: does not look like an mbox"),
                          (b"\n \n", "holds no messages")):
        with pytest.raises(BadInput, match=problem):
            _split(data)
    monkeypatch.setattr(mbox, "MAX_LINE_CHARS", 10)
    assert _split(b"From a\n0123456789\n") == [(1, b"0123456789\n")]
    for data, line in ((b"From a\nshort\n01234567890\nFrom b\n", 3),
                       (b"From a\nshort\n" + b"x" * 100, 3),
                       (b"\n" + b"x" * 100 + b"\nFrom a\n", 2)):  # before junk: too long
        with pytest.raises(BadInput, match=f"line {line}: a line longer than 10 bytes"):
            _split(data)
    monkeypatch.setattr(mbox, "MAX_MESSAGE_BYTES", 20)
    assert _split(b"From a\n>From 1234\n123456789\n") == [(1, b"From 1234\n123456789\n")]
    with pytest.raises(BadInput, match="line 4: one message is larger than"):
        _split(b"From a\nok\n\nFrom b\n" + b"123456789\n" * 3)


def test_unix_times_read_exactly():
    for text in ("1637589841.000200", "1637589841", "1637589841.5", "0.000001"):
        assert files.from_unix(text) == \
            datetime.fromtimestamp(float(text), UTC).replace(tzinfo=None)
    assert files.from_unix(1637589841) == datetime(2021, 11, 22, 14, 4, 1)
    assert files.from_unix("1637589841.1234567") == datetime(2021, 11, 22, 14, 4, 1, 123457)
    assert files.from_iso("2021-11-22T14:04:01.5+01:00") == datetime(2021, 11, 22, 13, 4, 1,
                                                                      500000)


def test_unix_times_from_numbers_and_digits_match_datetime():
    """Whole seconds (Facebook's numbers, Telegram's digit strings) read with integer
    arithmetic give what datetime gives, across day edges, and the rest goes the slow way."""
    import random

    rng = random.Random(11)
    seconds = [0, 1, 59, 60, 3599, 3600, 86399, 86400, 951782400, 1709251199, 1709251200,
               99_999_999_999, 100_000_000_000, -1, 1.5, True]
    seconds += [rng.randrange(10**10) for _ in range(3000)]
    for value in seconds:
        for given in (value, str(value)):
            try:
                expected = _db_time_slowly(files.from_unix(given))
            except (ValueError, OverflowError) as err:
                expected = type(err)
            try:
                got = files.unix_db_time(given)
            except (ValueError, OverflowError) as err:
                got = type(err)
            assert got == expected, given
    assert files.unix_db_time(1709251199) == "2024-02-29 23:59:59.000000"
    assert files.unix_db_time("1709251200") == "2024-03-01 00:00:00.000000"


def test_missing_values_are_written_null_and_texts_as_given(workspace):
    """The bulk inserts bind 0 or a lone NUL where a value is missing (the driver binds None
    slowly) and write NULL for it: every missing value reads back NULL, and texts like the
    stand-ins (empty, "0", a lone NUL, which is never text) read back as they always did."""
    from steward.connectors import ingest
    from steward.connectors.base import AuthorRecord, SpaceRecord

    at = "2026-01-01 10:00:00.000000"
    records = [
        SpaceRecord("s", "Space"),
        AuthorRecord("a"),  # nothing but its platform id
        AuthorRecord("b", "Bea", handle="bea", email="Bea@Example.org", phone="07700 900123",
                     joined_at=datetime(2025, 5, 1)),
        ("s", "m1", at, "a", None, None, "message", None, 0, 0, 0),
        ("s", "m2", at, "b", "", "m1", "message", "2026-01-02 09:00:00.000000", 0, 2, 1),
        ("s", "m3", at, None, "\x00", "no-such-message", "system", None, 1, 0, 0),
        ("s", "m4", at, "b", "0", "m2", "message", None, 0, 0, 0),
    ]
    summary = ingest.ImportSummary("Test", "test")
    with workspace.transaction() as s:
        source_id, _ = ingest._source(s, "Test", "test", "test")
        list(ingest.write_records(s, source_id, "Test", records, summary))
    with workspace.session() as s:
        db = s.connection()
        messages = db.exec_driver_sql(
            "SELECT m.platform_id, i.platform_id, p.platform_id, m.thread_id = t.id, "
            "m.edited_at, m.text, m.deleted, m.reaction_count, m.attachment_count, "
            "typeof(m.identity_id), typeof(m.parent_id), typeof(m.edited_at), typeof(m.text) "
            "FROM messages m LEFT JOIN identities i ON i.id = m.identity_id "
            "LEFT JOIN messages p ON p.id = m.parent_id JOIN messages t ON t.id = m.thread_id "
            "ORDER BY m.id").all()
        people = db.exec_driver_sql(
            "SELECT i.platform_id, i.handle, i.display_name, i.email, i.email_normalised, "
            "i.phone, i.phone_e164, i.joined_at, p.display_name, p.programme, p.is_staff "
            "FROM identities i JOIN persons p ON p.id = i.person_id ORDER BY i.id").all()
    assert [tuple(r) for r in messages] == [
        ("m1", "a", None, True, None, None, 0, 0, 0, "integer", "null", "null", "null"),
        ("m2", "b", "m1", True, "2026-01-02 09:00:00.000000", "", 0, 2, 1,
         "integer", "integer", "text", "text"),
        ("m3", None, None, True, None, "", 1, 0, 0, "null", "null", "null", "text"),
        ("m4", "b", "m2", True, None, "0", 0, 0, 0, "integer", "integer", "null", "text")]
    assert [tuple(r) for r in people] == [
        ("a", None, None, None, None, None, None, None, "a", None, 0),
        ("b", "bea", "Bea", "Bea@Example.org", "bea@example.org", "07700 900123",
         "+447700900123", "2025-05-01 00:00:00.000000", "Bea", None, 0)]
    with workspace.session() as s:
        replies = dict(s.connection().exec_driver_sql(
            "SELECT platform_id, reply_count FROM messages").all())
    assert replies == {"m1": 2, "m2": 0, "m3": 0, "m4": 0}


def test_json_stream_walks_across_chunks_and_refuses_bad_json(monkeypatch):
    monkeypatch.setattr(files.JsonStream, "CHUNK", 7)  # every value crosses a chunk edge
    doc = '\ufeff{"a": 12345678, "list": [{"x": "caf\u00e9"}, 1.5, [], true] , "z": null}'
    stream = files.JsonStream(io.BytesIO(doc.encode("utf-8")), "doc.json")
    seen = {}
    for key in stream.members():
        if key == "list":
            seen[key] = [stream.value() for _ in stream.items()]
        else:
            seen[key] = stream.value()
    assert seen == {"a": 12345678, "list": [{"x": "caf\u00e9"}, 1.5, [], True], "z": None}
    for bad, problem in (('[{"a": 1}, {"b": }]', "not valid JSON"), ('[1 2]', "not valid JSON"),
                         (b'["\xff"]', "not UTF-8")):
        raw = bad if isinstance(bad, bytes) else bad.encode()
        stream = files.JsonStream(io.BytesIO(raw), "bad.json")
        with pytest.raises(BadInput, match=problem):
            [stream.value() for _ in stream.items()]


@pytest.mark.parametrize("whole", [True, False])
def test_json_array_small_files_whole_big_ones_streamed(monkeypatch, whole):
    if not whole:
        monkeypatch.setattr(files, "MAX_WHOLE_JSON", 0)
    good = b'[{"ts": "1.5"}, 2, "three"]'
    assert list(files.json_array(io.BytesIO(good), "day.json", len(good))) == \
        [{"ts": "1.5"}, 2, "three"]
    for bad in (b'[{"ts": "1.5"}, 2', b'{"not": "a list"}'):
        with pytest.raises(BadInput, match="day.json is not valid JSON"):
            list(files.json_array(io.BytesIO(bad), "day.json", len(bad)))


def test_simple_senders_read_as_the_address_parser_reads_them():
    from email.utils import getaddresses

    for value in ("Zofia Johnson <zofia.johnson2@example.net>",
                  "Mary-Jane O'Neil <mj+list@a-b.org>", "Sam <sam@example.co.uk>",
                  '"Smith, Sam" <sam@example.net>', "sam@example.net",
                  "J. Smith <j@example.net>", "Odd  Spacing <o@example.net>"):
        (name, address), = getaddresses([value])
        assert mbox._sender(value)[:2] == (name or address, address), value


def _db_time_slowly(moment: datetime) -> str:
    return moment.isoformat(" ", "microseconds")


def test_database_times_from_text_match_datetime():
    """The day-cached conversions give what datetime gives, and refuse what it refuses."""
    import random

    rng = random.Random(7)
    unix = ["1637589841.000200", "1637589841", "1637589841.5", "0", "0.000001", "1637589841.",
            "99999999999.999999", "1637589841.1234567", "1.2.3", "-5", "12e3", " 12"]
    unix += [f"{rng.randrange(4_000_000_000)}.{rng.randrange(10**6):06d}"[:rng.randrange(10, 18)]
             for _ in range(3000)]
    for text in unix:
        try:
            expected = _db_time_slowly(files.from_unix(text))
        except ValueError as err:
            expected = type(err)
        try:
            got = files.unix_db_time(text)
        except ValueError as err:
            got = type(err)
        assert got == expected, text
    iso = ["2021-12-03T14:49:18.000+00:00", "2021-12-03T14:49:18Z", "2021-12-03T14:49:18",
           "2021-12-03T00:09:18.5-05:30", "2021-12-03T23:49:18.1234+03:00",
           "2021-02-30T14:49:18+00:00", "2021-12-03T24:00:00+00:00", "2021-12-03T14:49:60Z",
           "2021-12-03T14:49:18.1234567+00:00", "2020-02-29T23:59:00-01:00",
           "9999-12-31T23:59:18-01:00", "0001-01-01T00:59:18+01:00", "2021-12-03 14:49:18Z"]
    # DiscordChatExporter's form once its hour is known: minutes, seconds and fraction checked
    iso += [f"2021-12-03T14{rest}+00:00" for rest in (
        ":49:18.000", ":60:18.000", ":49:60.000", ":4a:18.000", ":49:18,000", ":49:18.0a0",
        "-49:18.000", ":49-18.000", ":-1:18.000", ":49:18.-00", ":59:59.999", ":00:00.000")]
    # every hour of a day (and offset) met once, each read through the hours it remembered
    iso += [f"{day}T{hour:02d}:{rng.randrange(60):02d}:07.250{offset}"
            for day, offset in (("2021-12-03", "+00:00"), ("2020-02-29", "+03:00"),
                                ("2020-02-29", "-11:00"), ("2021-12-31", "-01:00"))
            for hour in rng.sample(range(24), 24)]
    for _ in range(3000):
        moment = datetime(1990, 1, 1) + (datetime(2040, 1, 1) - datetime(1990, 1, 1)) \
            * rng.random()
        offset = rng.choice(["Z", "+00:00", "+01:00", "-05:00", "+14:00", "-12:00", ""])
        iso.append(moment.isoformat(timespec=rng.choice(["seconds", "milliseconds",
                                                         "microseconds"])) + offset)
    for text in iso:
        try:
            expected = files._iso_db_time(text)
        except (ValueError, OverflowError) as err:
            expected = type(err)
        try:
            got = files.iso_db_time(text)
        except (ValueError, OverflowError) as err:
            got = type(err)
        assert got == expected, text


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_json_arrays_of_objects_read_in_one_go_give_what_the_decoder_gives(monkeypatch, chunk):
    """Objects read a chunk at a time by orjson: a "}, {" inside a string or a nested list, a
    number or list between objects, and big numbers orjson refuses all come out as the C
    decoder reads them one by one."""
    import json

    monkeypatch.setattr(files.JsonStream, "CHUNK", chunk)
    items = [{"id": n, "text": "tricky }, { and } ]" if n % 3 else "plain",
              "reactions": [{"emoji": {"name": "\U0001f44d"}, "count": 2}, {"count": 1}]}
             for n in range(200)]
    items[50] = 7
    items[51] = ["a", {"b": 1}]
    items[120]["big"] = 2 ** 80
    doc = json.dumps({"messages": items}, indent=2 if chunk == 64 else None, ensure_ascii=False)
    stream = files.JsonStream(io.BytesIO(doc.encode()), "doc.json")
    got = None
    for key in stream.members():
        assert key == "messages"
        got = list(stream.array())
    assert got == items
    assert list(files.json_items(io.BytesIO(doc.encode()), "messages.item", "doc.json")) == items


def test_json_arrays_read_across_chunk_edges_try_no_decode_that_fails(monkeypatch):
    """At the edge of the text read, the stream reads on before decoding: a failed decode
    costs its error's line count over the whole buffer before it (a tenth of reading a
    Discord export)."""
    import json

    monkeypatch.setattr(files.JsonStream, "CHUNK", 4096)
    failures = []
    error_init = json.JSONDecodeError.__init__

    def counted(self, *args):
        failures.append(args[0])
        error_init(self, *args)

    monkeypatch.setattr(json.JSONDecodeError, "__init__", counted)
    items = [{"id": str(n), "content": "x" * (n % 97), "author": {"id": n % 7}}
             for n in range(3000)]
    doc = json.dumps({"messages": items, "messageCount": 3000}).encode()
    stream = files.JsonStream(io.BytesIO(doc), "doc.json")
    assert next(stream.members()) == "messages"
    assert list(stream.array()) == items
    assert failures == []


def test_zip_entries_read_whole_give_the_entry_or_leave_it_to_the_reader(tmp_path):
    import zipfile

    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a/2021-01-01.json", b'[{"ts": "1.5"}]', zipfile.ZIP_DEFLATED)
        z.writestr("a/2021-01-02.json", b"[]", zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as z, files.MemberBytes(path) as bulk:
        for info in z.infolist():
            assert bulk.read(info) == z.read(info)
        info = z.getinfo("a/2021-01-01.json")
        info.CRC ^= 1  # damage: the ordinary reader names it
        assert bulk.read(info) is None


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Asia/Kolkata",
                                  "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Honolulu"])
def test_whatsapp_times_read_per_day_as_datetime_reads_each(zone):
    """Clock-change days, half-hour offsets and 12-hour clocks: every header's local minute
    and UTC time are what datetime and the zone give for it alone."""
    from zoneinfo import ZoneInfo

    from steward.connectors import whatsapp
    from steward.connectors.base import db_time
    from steward.connectors.files import to_utc

    tz = ZoneInfo(zone)
    days = ["03/14/2021", "11/07/2021", "03/28/2021", "10/31/2021", "04/04/2021",
            "10/03/2021", "02/29/2024", "06/15/2023"]
    lines = [f"{d}, {h % 12 or 12}:{mi:02d} {'PM' if h >= 12 else 'AM'} - Ann: {d} {h} {mi}"
             for d in days for h in range(24) for mi in (0, 29, 30, 59)]
    data = ("\n".join(lines) + "\n").encode()
    records = [r for r in whatsapp._parse(io.BytesIO(data), "chat.txt", "chat", "mdy", tz)
               if isinstance(r, tuple)]
    assert len(records) == len(lines)
    for line, rec in zip(lines, records, strict=True):
        m = whatsapp._HEADER.match(line)
        at = whatsapp._when(m, "mdy", "chat.txt", 1)
        assert rec[2] == db_time(to_utc(at, tz)), line
        assert rec[1].startswith(f"{at:%Y-%m-%dT%H:%M}|"), line


def test_facebook_titles_read_once_give_each_post_its_author_and_group(tmp_path):
    """Posts of one group share a title, read once: each still gets the author and group its
    own title names (mended from Facebook's mojibake), and comments name their own."""
    import hashlib
    import json

    from steward.connectors.facebook import FacebookGroups

    def bad(text: str) -> str:
        return text.encode("utf-8").decode("latin-1")

    title = bad("Zoë Adé posted in Carers Café.")
    path = tmp_path / "your_posts_and_comments_in_groups.json"
    path.write_text(json.dumps({"group_posts_v2": [
        {"timestamp": 1763700000, "title": title, "data": [{"post": bad("Café at ten")}]},
        {"timestamp": 1763700060, "title": title, "data": [{"post": "Bring a friend"}],
         "attachments": [{}, {}]},
        {"timestamp": "1763700120", "title": 7, "data": [{"post": "A number for a title"}]},
        {"timestamp": 1763700180, "title": "Sam wrote in Walkers.", "data": [{"comment": {
            "comment": "Mine", "author": bad("Zoë Adé"), "group": bad("Walkers Café")}}]},
        {"timestamp": 1763700240, "title": "Sam wrote in Walkers.", "data": [{"post": "P"}]},
    ]}), encoding="utf-8")
    records = list(FacebookGroups().records([path], ImportOptions(), set()))
    messages = [r for r in records if isinstance(r, tuple)]
    names = [(type(r).__name__, r.platform_id) for r in records[1:]
             if not isinstance(r, tuple)]
    assert names == [("AuthorRecord", "owner"), ("SpaceRecord", "Carers Café"),
                     ("SpaceRecord", "Facebook group"), ("SpaceRecord", "Walkers Café"),
                     ("SpaceRecord", "Walkers")]
    assert records[1].display_name == "Zoë Adé"
    expected = [("Carers Café", 1763700000, "Zoë Adé", "Café at ten", 0),
                ("Carers Café", 1763700060, "Zoë Adé", "Bring a friend", 2),
                ("Facebook group", "1763700120", None, "A number for a title", 0),
                ("Walkers Café", 1763700180, "Zoë Adé", "Mine", 0),
                ("Walkers", 1763700240, "Sam", "P", 0)]

    def digest(who, text) -> str:
        return hashlib.sha1(f"{who}\x00{text}".encode()).hexdigest()[:12]

    assert messages == [
        (group, f"group_posts:{stamp}:{digest(who, text)}", files.unix_db_time(stamp), "owner",
         text, None, "message", None, 0, 0, attachments)
        for group, stamp, who, text, attachments in expected]


def test_mbox_dates_read_by_position_match_the_date_parser():
    """The common Date form read by position and integer arithmetic gives what the pattern
    and datetime give; days and times that do not exist, zone names, comments and other forms
    go to the parser and give what it gives, errors included."""
    import random

    from steward.connectors.base import db_time

    rng = random.Random(5)
    values = ["Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", "1 Jul 2003 10:52:37 GMT",
              "Mon, 22 Nov 2021 14:04:01 +0530", "Mon, 22 Nov 2021 14:04:01 -1230",
              "Sat, 29 Feb 2020 23:59:59 -2359", "Sun, 29 Feb 2021 10:00:00 +0000",
              "Mon, 31 Jun 2021 10:00:00 +0000", "Mon, 22 Nov 2021 24:00:00 +0000",
              "Mon, 22 Nov 2021 14:60:00 +0000", "Mon, 22 Nov 2021 14:04:60 +0000",
              "Mon, 22 Nov 2021 14:04:01 +9999", "mon, 22 NOV 2021 14:04:01 +0100",
              "Mon, 22 Foo 2021 14:04:01 +0100", "22 Nov 21 14:04:01 +0100",
              "Mon, 22 Nov 2021 14:04 +0100", "  Mon, 22 Nov 2021 14:04:01 +0100  ",
              "Thu, 1 Jan 1970 00:00:00 +0100", "Mon, 1 Jan 0001 00:30:00 +0100",
              "Fri, 31 Dec 9999 23:30:00 -0100", "Mon,  22 Nov 2021 14:04:01 +0100",
              "Mon, 022 Nov 2021 14:04:01 +0100", "Mon, 22 Nov 2021 14:04:01 *0100",
              "Mon, 22 Nov 2021 14:04:01 +01:00", "Mon, 22 Nov 2021 14:04:01 +0１00"]
    for _ in range(3000):
        day = date(1990, 1, 1) + timedelta(days=rng.randrange(20_000))
        weekday = rng.choice([f"{day:%a}, ", ""])
        offset = f"{rng.choice('+-')}{rng.randrange(15):02d}{rng.choice([0, 30, 45]):02d}"
        values.append(f"{weekday}{day.day if rng.random() < 0.5 else f'{day.day:02d}'} "
                      f"{day:%b %Y} {rng.randrange(24):02d}:{rng.randrange(60):02d}:"
                      f"{rng.randrange(60):02d} {offset}")
    for value in values:
        try:
            expected = db_time(mbox._date(value))
        except (TypeError, ValueError, IndexError, OverflowError) as err:
            expected = type(err)
        for _ in range(2):  # read, then its hour remembered
            try:
                got = mbox._db_date(value)
            except (TypeError, ValueError, IndexError, OverflowError) as err:
                got = type(err)
            assert got == expected, value
        other = value.strip()[:-11] + "07:08" + value.strip()[-6:]  # same hour, other minute
        try:
            expected = db_time(mbox._date(other))
        except (TypeError, ValueError, IndexError, OverflowError) as err:
            expected = type(err)
        try:
            got = mbox._db_date(other)
        except (TypeError, ValueError, IndexError, OverflowError) as err:
            got = type(err)
        assert got == expected, other


# Messages as Mailman 3, Google Groups and Mailman 2 write them: folded Received, DKIM and
# References headers, encoded words (B and Q, one name split over two), a multipart message
# with an HTML alternative and an attachment, a base64 part, windows-1252 quoted-printable, a
# >From line, header names in odd cases, a Date with a comment, a pipermail sender, no
# Message-ID, and a last message cut off mid-body (no final line break).
REAL = b"""From alice@example.org Tue Mar  5 09:14:02 2024
Return-Path: <announce-bounces@lists.example.org>
Received: from mail.example.org (mail.example.org [192.0.2.10])
\tby lists.example.org (Postfix) with ESMTPS id 4TpQ1x2Y3zz
\tfor <announce@lists.example.org>; Tue,  5 Mar 2024 09:14:02 +0000 (UTC)
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=mail;
 h=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
 b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==
From: Alice Jones <alice@example.org>
To: announce@lists.example.org
Subject: Spring volunteer
 training dates
Date: Tue, 5 Mar 2024 09:14:02 +0000
Message-ID: <CAF3a9x+Yq=1@mail.example.org>
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: 7bit
Message-ID-Hash: 3JQXGZ4W5Q2YHNCP7F6OCTX4JY6DZQSW
X-Message-ID-Hash: 3JQXGZ4W5Q2YHNCP7F6OCTX4JY6DZQSW
X-Mailman-Version: 3.3.9
Precedence: list
List-Id: "Announcements" <announce.lists.example.org>
Archived-At: <https://lists.example.org/archives/list/announce@lists.example.org/message/3JQX/>
List-Unsubscribe: <mailto:announce-leave@lists.example.org>

Training is on 12 and 19 March.
>From the coordinators: bring lunch.

From bogdan@example.net Tue Mar  5 10:01:00 2024
From: =?UTF-8?B?Qm9nZGFuIFfDs2pjaWs=?= <bogdan@example.net>
Subject: =?utf-8?q?Re=3A_Spring_volunteer_training?= =?utf-8?q?_dates_=E2=80=93_room?=
Date: Tue, 05 Mar 2024 11:01:00 +0100 (CET)
Message-Id: <20240305100100.GA1234@example.net>
In-Reply-To: <CAF3a9x+Yq=1@mail.example.org>
References: <CAF3a9x+Yq=1@mail.example.org>
List-Id: "Announcements" <announce.lists.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1252
Content-Transfer-Encoding: quoted-printable

Which room? The =93small hall=94 is booked =96 caf=E9 instead?=20
Thanks

From carol@example.com Tue Mar  5 12:30:00 2024
From: "Carol O'Neil" <carol@example.com>
Subject: Re: Spring volunteer training dates
Date: Tue, 5 Mar 2024 12:30:00 -0000
MESSAGE-ID: <carol-1@example.com>
message-id: <carol-duplicate@example.com>
In-reply-to:
 <20240305100100.GA1234@example.net>
References: <CAF3a9x+Yq=1@mail.example.org>
 <20240305100100.GA1234@example.net>
List-Id: "Announcements" <announce.lists.example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000000000000b1"

--000000000000b1
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

VGhlIGNhZsOpIGlzIGZpbmUu
--000000000000b1
Content-Type: text/html; charset="UTF-8"

<div>The caf\xc3\xa9 is fine.</div>
--000000000000b1--

From dai@example.org Wed Mar  6 08:00:00 2024
From: dai at example.org (Dai Evans)
Subject: [Announce] Minutes attached
Date: Wed, 6 Mar 2024 08:00:00 +0000
List-Id: Announcements <announce.lists.example.org>
Content-Type: multipart/mixed; boundary="=-=-="

--=-=-=
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

Minutes for F\xe9vrier attached.
--=-=-=
Content-Type: application/pdf
Content-Disposition: attachment; filename="minutes.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--=-=-=--

From erin@example.org Wed Mar  6 09:00:00 2024
From: Erin Lloyd <erin@example.org>
Subject: =?windows-1252?q?Diolch_yn_fawr_=96_caf=E9?=
Date: 6 Mar 2024 09:00 +0000
Message-ID: <erin-1@example.org>
List-ID: Announcements <announce.lists.example.org>
Content-Type: text/plain

Diolch! The last message stops here, mid-sen"""


def test_mbox_fast_path_matches_the_email_package_on_real_archives(monkeypatch):
    """Real-format messages: the records are the same with the fast path as through the
    email package alone, the fast path reads the simple ones (folded headers included), and the
    values are the ones the archive means."""
    fast = _records(REAL, monkeypatch, fast=True)
    with monkeypatch.context() as m:
        slow = _records(REAL, m, fast=False)
    assert fast == slow
    plain = [mbox._plain_message(m) is not None for _, m in mbox._split(io.BytesIO(REAL), "t")]
    assert plain == [True, True, False, False, True]
    messages = [r for r in fast if isinstance(r, tuple)]
    authors = {r.platform_id: r.display_name for r in fast if isinstance(r, AuthorRecord)}
    assert authors == {"alice@example.org": "Alice Jones", "bogdan@example.net": "Bogdan Wójcik",
                       "carol@example.com": "Carol O'Neil", "dai@example.org": "Dai Evans",
                       "erin@example.org": "Erin Lloyd"}
    assert {r[0] for r in messages} == {"announce.lists.example.org"}
    assert [r[1] for r in messages][:3] == [
        "CAF3a9x+Yq=1@mail.example.org", "20240305100100.GA1234@example.net", "carol-1@example.com"]
    assert messages[3][1].startswith("sha1:")
    assert [r[5] for r in messages] == [None, "CAF3a9x+Yq=1@mail.example.org",
                                        "20240305100100.GA1234@example.net", None, None]
    assert [r[2] for r in messages] == [
        "2024-03-05 09:14:02.000000", "2024-03-05 10:01:00.000000", "2024-03-05 12:30:00.000000",
        "2024-03-06 08:00:00.000000", "2024-03-06 09:00:00.000000"]
    assert [r[4] for r in messages] == [
        "Spring volunteer\n training dates\n\nTraining is on 12 and 19 March.\n"
        "From the coordinators: bring lunch.",
        "Re: Spring volunteer training dates – room\n\n"
        "Which room? The “small hall” is booked – café instead? \nThanks",
        "Re: Spring volunteer training dates\n\nThe café is fine.",
        "[Announce] Minutes attached\n\nMinutes for Février attached.",
        "Diolch yn fawr – café\n\nDiolch! The last message stops here, mid-sen"]
    assert [r[10] for r in messages] == [0, 0, 0, 1, 0]
    ending: dict = {}
    _split(REAL, ending)
    assert ending["cut"].endswith("the last message ends without a line break")


TEXTS = [
    b"one\ntwo\n", b"one\r\ntwo\r\n", b"one\rtwo\rthree", b"\xef\xbb\xbfbom first\nx\n",
    b"a\r\r\nb\n\rc\r", b"caf\xc3\xa9 \xe2\x80\x8e\n\xf0\x9f\x98\x80 emoji\n" * 5, b"",
    b"\n\n\n", b"no line break at the end", b"nul\x00 inside\n\x00\x00\x00",
    b"line\n" + b"\x00" * 40, b"x" * 30 + b"\n" + b"y" * 31 + b"\n", b"y" * 31,
    b"good\nbad \xe9 byte\nafter\n", b"good\ncut mid char \xc3", b"good\n\xc3",
    b"crlf\r\nthen long " + b"z" * 40 + b"\r\n",
]


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 20])
def test_text_blocks_give_the_lines_text_lines_gives(monkeypatch, block):
    """Line breaks of every kind (one split between two reads), a byte-order mark, characters
    across reads, NULs, a cut at the end and lines too long: the same lines, `ending` notes
    and refusals as the line reader (a bad byte named on its own line)."""
    monkeypatch.setattr(files, "_TEXT_BLOCK", block)

    def read(reader, data: bytes, ending: dict | None):
        try:
            got = list(reader(io.BytesIO(data), "t", "a chat", 30, ending))
        except BadInput as err:
            return "refused", str(err)
        return "read", got

    for data in TEXTS:
        for ending in (None, {}):
            lines = read(files.text_lines, data, ending)
            line_ending = dict(ending) if ending is not None else None
            blocks = read(files.text_blocks, data, ending)
            if blocks[0] == "read":
                text = "".join(b for _, b in blocks[1])
                numbers = [n for n, b in blocks[1]]
                starts = [1 + sum(b.count("\n") for _, b in blocks[1][:i])
                          for i in range(len(numbers))]
                blocks = "read", [(n + 1, line) for n, line in enumerate(text.split("\n")[:-1])]
                assert numbers == starts, data
            if data == b"good\nbad \xe9 byte\nafter\n":  # text_lines names the line it was at
                assert lines[0] == blocks[0] == "refused" and "line 2:" in blocks[1], data
                continue
            assert blocks == lines, (data, ending)
            assert ending == line_ending or lines[0] == "refused", data


def test_text_blocks_refuse_a_line_without_end_reading_little(monkeypatch):
    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            data = (b"ok\n" if not self.served else b"xxx") + b"x" * (len(buffer) - 3)
            buffer[:] = data
            self.served += len(buffer)
            return len(buffer)

    monkeypatch.setattr(files, "_TEXT_BLOCK", 16)
    endless = Endless()
    with pytest.raises(BadInput, match="line 2: a line longer than 30"):
        list(files.text_blocks(endless, "t", "a chat", 30))
    assert endless.served < 100_000


CHAT = """
05/12/2021, 08:43 - Messages and calls are end-to-end encrypted. Tap to learn more.
05/12/2021, 08:43 - Ann Lee: first line
second line

fourth line after a blank one
05/12/2021, 09:01 - +44 7700 900123: <Media omitted>
05/12/2021, 09:01 - Ann Lee: <Media omitted>
with a caption
12/13/2021, 9:05 PM - typed in 12 hours
05/12/2021, 23:59 - Ann Lee: Ann Lee: the same text
05/12/2021, 23:59 - Ann Lee: Ann Lee: the same text
06/12/2021, 00:00 - Bob joined using this group's invite link
"""
IPHONE = ("\ufeff[05/12/2021, 08:43:10] Parents: \u200eAnn Lee added Bob\n"
          "[05/12/2021, 08:44:59] Ann Lee: \u200eimage omitted\n"
          "[05/12/2021, 08:45:00] Ann\u00a0Lee: two\r\nlines\r\n"
          "[05/12/2021, 12:00:01 PM] Bob: doc.pdf \u2022 2 pages (file attached)\n"
          "[05/12/2021, 12:00:01 AM] Bob: midnight\n")


@pytest.mark.parametrize("block", [1, 5, 64, 1 << 20])
def test_whatsapp_blocks_give_each_message_its_lines_and_time(monkeypatch, block):
    """Android and iPhone chats read a block at a time (messages of several lines split
    across blocks, system lines, media, 12-hour clocks, a repeated text in one minute): the
    values are the ones the chat means."""
    from zoneinfo import ZoneInfo

    from steward.connectors import whatsapp

    monkeypatch.setattr(files, "_TEXT_BLOCK", block)
    tz = ZoneInfo("Europe/London")
    android = [r for r in whatsapp._parse(io.BytesIO(CHAT.replace("12/13/2021", "13/12/2021")
                                                      .encode()), "c", "chat", "dmy", tz)
               if isinstance(r, tuple)]
    assert [(r[2], r[3], r[4], r[6], r[10]) for r in android] == [
        ("2021-12-05 08:43:00.000000", None, "Messages and calls are end-to-end encrypted. Tap "
         "to learn more.", "system", 0),
        ("2021-12-05 08:43:00.000000", "Ann Lee",
         "first line\nsecond line\n\nfourth line after a blank one", "message", 0),
        ("2021-12-05 09:01:00.000000", "+44 7700 900123", None, "message", 1),
        ("2021-12-05 09:01:00.000000", "Ann Lee", "<Media omitted>\nwith a caption", "message",
         1),
        ("2021-12-13 21:05:00.000000", None, "typed in 12 hours", "system", 0),
        ("2021-12-05 23:59:00.000000", "Ann Lee", "Ann Lee: the same text", "message", 0),
        ("2021-12-05 23:59:00.000000", "Ann Lee", "Ann Lee: the same text", "message", 0),
        ("2021-12-06 00:00:00.000000", None, "Bob joined using this group's invite link",
         "join", 0)]
    assert android[5][1].endswith("|1") and android[6][1].endswith("|2")
    assert android[1][1].startswith("2021-12-05T08:43|")
    iphone = [r for r in whatsapp._parse(io.BytesIO(IPHONE.encode()), "c", "chat", "dmy", tz)
              if isinstance(r, tuple)]
    assert [(r[2], r[3], r[4], r[6], r[10]) for r in iphone] == [
        ("2021-12-05 08:43:10.000000", None, "Ann Lee added Bob", "join", 0),
        ("2021-12-05 08:44:59.000000", "Ann Lee", None, "message", 1),
        ("2021-12-05 08:45:00.000000", "Ann Lee", "two\nlines", "message", 0),
        ("2021-12-05 12:00:01.000000", "Bob", None, "message", 1),
        ("2021-12-05 00:00:01.000000", "Bob", "midnight", "message", 0)]
    with pytest.raises(BadInput, match="c, line 3: does not look like a WhatsApp chat"):
        list(whatsapp._parse(io.BytesIO(b"\n \nhello\n" + CHAT.encode()), "c", "chat", "dmy",
                             tz))
    with pytest.raises(BadInput, match="c, line 4: '31/02/2021, 10:00 - A: b' is not a real"):
        list(whatsapp._parse(io.BytesIO(b"\n" + CHAT.encode()[:80] + b"\n31/02/2021, 10:00 - "
                                        b"A: b\n"), "c", "chat", "dmy", tz))


def test_whatsapp_media_check_reads_what_the_pattern_reads():
    from steward.connectors import whatsapp

    texts = ["<Media omitted>", "<media OMITTED>", "<attached: 0001-PHOTO.jpg>", "GIF omitted",
             "image omitted", "Image Omitted", "report.pdf (file attached)",
             "report.pdf (FILE ATTACHED)", "report.pdf • 3 pages (file attached)\ncaption",
             "(file attached)", "x (file attached)", "a (b", "plain text", "", "<Media",
             "video omitted yesterday", "ſticker omitted", "sticker omitted", "no\n<attached: x>"]
    for text in texts:
        assert bool(whatsapp._media(text)) == bool(whatsapp._MEDIA.match(text)), text
