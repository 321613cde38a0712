"""Engagement metrics: what a steward should do next, computed from the activity table.

Definitions follow CHAOSS (Community Health Analytics in Open Source Software) metrics and
Discourse's admin reports. Every figure counts *members*: bots are always left out and staff
are left out unless `include_staff` is set. Days are calendar days in the workspace's time zone
(setting `engagement.timezone`, default UTC), so a message at 23:30 UTC in British Summer Time
counts on the next day, and the days when clocks change have 23 or 25 hours.

- **Active members** (Discourse DAU/WAU/MAU): distinct members who posted at least one message
  on a day / in the 7 days / in the 30 days ending on that day. The headline figures
  (`active_members`) count the last 24 hours, 7 days and 30 days before the report's time.
- **Stickiness** (Discourse "DAU/MAU"): the mean of daily active members over the 30 days ending
  on the period's last day (whatever the period's length), divided by the monthly active
  members on that day.
- **Messages per day**: messages by members, per day.
- **New contributors** (CHAOSS "New Contributors"): members whose first message ever, within the
  chosen spaces, falls in the period.
- **Returning members** (CHAOSS "Inactive/Returning Contributors"): members active in the period
  who had also posted before it.
- **Time to first response** (CHAOSS "Time to First Response", Discourse "Time to first
  response"): for each conversation started by a member in the period, the time until the
  first message in it by someone else (a bot's message is not a response; staff's is).
  Conversations are threads on forums and gap-separated exchanges in chat (see
  `steward.engagement.conversations`). Reported as the median and the 90th percentile in hours
  (linear interpolation), never the mean, which a few forgotten conversations would swamp.
  **Conversations with no response** counts those still waiting.
- **Silence alerts**: days since a space's last message by a person (not a bot) as of now or of
  the period's end, if earlier; amber from `Space.silence_amber_days` (5 by default), red from
  `Space.silence_red_days` (7). Archived and dormant spaces keep their figures but never need
  attention.
- **Cohort retention** (CHAOSS "Retention"): members grouped by the month of their first message;
  for each later month, the share of the group that posted in it. A month not over yet (as of
  the report) has no figure (None), rather than a share of a few days.
- **Contributor absence factor** (CHAOSS "Bus Factor"): the fewest members whose messages make
  at least half of all messages in the period.
- **Leader candidates**: see `steward.engagement.leaders`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from steward import clock
from steward.engagement.activity import (
    ActivityTable,
    SpaceInfo,
    distinct,
    load_activity,
    local_day_numbers,
    reduce_at,
    row_of,
)
from steward.engagement.leaders import leader_candidates
from steward.engagement.report import (
    CohortRow,
    EngagementReport,
    Period,
    Scope,
    SilenceAlert,
    SpaceFigures,
)
from steward.errors import BadInput
from steward.workspace import Workspace

TIMEZONE_SETTING = "engagement.timezone"
DEFAULT_PERIOD_DAYS = 90
COHORT_MONTHS = 12
EPOCH = date(1970, 1, 1)


def workspace_timezone(ws: Workspace) -> str:
    return ws.get_setting(TIMEZONE_SETTING, "UTC") or "UTC"


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {name!r}: use a name such as Europe/London") from None


def set_workspace_timezone(ws: Workspace, name: str) -> None:
    """Set the time zone engagement days are counted in (an IANA name)."""
    check_timezone(name)
    ws.set_setting(TIMEZONE_SETTING, name)


def today_in(tz: str, now: datetime | None = None) -> date:
    now = now or clock.now()
    return now.replace(tzinfo=ZoneInfo("UTC")).astimezone(check_timezone(tz)).date()


def local_day_bounds_utc(day: date, tz: str) -> tuple[datetime, datetime]:
    """The naive-UTC start and end of a local calendar day (23 or 25 hours on clock changes)."""
    zone = check_timezone(tz)
    utc = ZoneInfo("UTC")
    start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(utc)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).astimezone(utc)
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


def _day_number(d: date) -> int:
    return (d - EPOCH).days


def _month_number(day_numbers):
    """Months since 1970-01 of day numbers (days since 1970-01-01), by a lookup over their
    span: converting millions of dates one by one is slow."""
    import numpy as np

    days = np.asarray(day_numbers, dtype=np.int64)
    if len(days) < 1000:
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    lo, hi = int(days.min()), int(days.max())
    span = np.arange(lo, hi + 1, dtype=np.int64)
    months = span.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months[days - lo]


def engagement_report(
    ws: Workspace,
    period: Period | None = None,
    scope: Scope | None = None,
    now: datetime | None = None,
    timezone: str | None = None,
    table: ActivityTable | None = None,
) -> EngagementReport:
    """Every engagement figure for a period and scope, from one read of the activity table."""
    tz = timezone or workspace_timezone(ws)
    check_timezone(tz)
    period = period or Period.last_days(DEFAULT_PERIOD_DAYS, today_in(tz, now))
    if period.since > period.until:
        raise BadInput(f"the period starts ({period.since}) after it ends ({period.until})")
    table = table if table is not None else load_activity(ws)
    names = _person_names(ws)
    return compute_report(table, period, scope or Scope(), now or clock.now(), tz, names)


def _person_names(ws: Workspace):
    from sqlalchemy import select

    from steward.store.models import Person

    def lookup(ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        with ws.session() as s:
            return dict(s.execute(
                select(Person.id, Person.display_name).where(Person.id.in_(ids))).all())

    return lookup


def compute_report(
    table: ActivityTable, period: Period, scope: Scope, now: datetime, tz: str, names,
) -> EngagementReport:
    """The report from an activity table (pure computation; `names(ids)` gives display names)."""
    import numpy as np

    spaces = [sp for sp in table.spaces if _in_scope(sp, scope)]
    space_ids = np.array([sp.id for sp in spaces], dtype=np.int64)
    human = ~table.is_bot
    in_spaces = member_of(table.space, space_ids) & human
    in_scope = in_spaces.copy()
    if scope.person_ids is not None:
        in_scope &= member_of(table.person, np.fromiter(scope.person_ids, dtype=np.int64))
    # Staff and bots still answer threads and break silences; they are not counted as members.
    member = in_scope & (scope.include_staff | ~table.is_staff)

    since_n, until_n = _day_number(period.since), _day_number(period.until)
    as_of = min(now, local_day_bounds_utc(period.until, tz)[1])
    as_of_ts = int((as_of - datetime(1970, 1, 1)).total_seconds())
    upto = table.ts < as_of_ts

    idx = np.flatnonzero(in_scope & upto)
    is_member = member[idx]
    m_rows = idx[is_member]  # members' messages up to the report's time
    m_person, m_space = table.person[m_rows], table.space[m_rows]
    # First message per (space, person) and per person, over all time: the least timestamp
    # (local days follow timestamps in order), so no day is worked out for old messages.
    fs_space, fs_person, fs_ts = _first_per_space_person(m_space, m_person, table.ts[m_rows])
    fp_person, fp_ts = _least_per_person(fs_person, fs_ts)
    fp_day = local_day_numbers(fp_ts, tz)
    fs_day = local_day_numbers(fs_ts, tz)

    # Everything else looks at the period, the 30 days before it (rolling counts) and the
    # cohort months: only those messages get a local day and are sorted into (person, day).
    cohort_first_month = min(int(_month_number([since_n])[0]),
                             int(_month_number([until_n])[0]) - COHORT_MONTHS + 1)
    lo_day = min(since_n - 31, int(np.datetime64(cohort_first_month, "M")
                                   .astype("datetime64[D]").astype(np.int64)))
    lo_ts = lo_day * 86400 - 2 * 86400  # no zone is two days from UTC
    recent = np.flatnonzero(table.ts[m_rows] >= lo_ts)
    day = local_day_numbers(table.ts[m_rows[recent]], tz)
    keep = day >= lo_day
    recent, day = recent[keep], day[keep]
    rows, mday, mperson = m_rows[recent], day, m_person[recent]
    in_period = (mday >= since_n) & (mday <= until_n)

    n_days = period.days
    messages_per_day = np.bincount(mday[in_period] - since_n, minlength=n_days)

    # Distinct (person, day) pairs, sorted by person then day (from `lo_day` on).
    pair = distinct(mperson.astype(np.int64) * 1_000_000 + mday)
    p_person, p_day = pair // 1_000_000, pair % 1_000_000
    window = (p_day >= since_n) & (p_day <= until_n)
    active_per_day = np.bincount(p_day[window] - since_n, minlength=n_days)
    active_week, active_month = _rolling_distinct(p_person, p_day, (7, 30), since_n, n_days)

    first_day = (fp_person, fp_day)
    new_mask = (fp_day >= since_n) & (fp_day <= until_n)
    new_per_day = np.bincount(fp_day[new_mask] - since_n, minlength=n_days)
    active_people = distinct(p_person[window])
    earlier = fp_person[fp_day < since_n]
    returning = int(member_of(active_people, earlier).sum())

    # The 30 days ending on the period's last day, whether the period is shorter or longer.
    last30 = (p_day > until_n - 30) & (p_day <= until_n)
    mau = int(len(distinct(p_person[last30])))
    stickiness = round(float(last30.sum()) / 30 / mau, 3) if mau else None

    # Anyone in the spaces may answer a thread started by someone in scope.
    threads = _first_responses(table, in_spaces & upto, member, since_n, until_n, tz)
    waits = threads["wait_hours"]
    answered = ~np.isnan(waits)
    median = _percentile(waits[answered], 50)
    p90 = _percentile(waits[answered], 90)

    counts = np.bincount(mperson[in_period])
    absence = _absence_factor(counts)

    cohorts = _cohorts(fp_person, fp_day, p_person, p_day, period, as_of, tz)
    silence = _silence(table, spaces, human & upto, as_of, as_of_ts)
    per_space = _per_space(table, spaces, rows[in_period], fs_space, fs_day, since_n, until_n,
                           threads)
    leaders = leader_candidates(table, member & upto, threads, since_n, until_n, tz, names,
                                rows=rows, days=mday, first_days=first_day,
                                person_days=(p_person, p_day))

    return EngagementReport(
        period=period,
        timezone=tz,
        as_of=as_of,
        days=[period.since + timedelta(days=i) for i in range(n_days)],
        messages_per_day=messages_per_day.tolist(),
        active_per_day=active_per_day.tolist(),
        active_per_week=active_week.tolist(),
        active_per_month=active_month.tolist(),
        new_per_day=new_per_day.tolist(),
        active_members=_active_members(table, member & upto, as_of_ts),
        stickiness=stickiness,
        messages=int(messages_per_day.sum()),
        members_taking_part=int(len(active_people)),
        new_contributors=int(new_mask.sum()),
        returning_members=returning,
        conversations_started=int(len(waits)),
        conversations_without_response=int((~answered).sum()),
        first_response_median_hours=median,
        first_response_p90_hours=p90,
        contributor_absence_factor=absence,
        silence=silence,
        cohorts=cohorts,
        leader_candidates=leaders,
        spaces=per_space,
    )


def _active_members(table, usable, as_of_ts: int) -> dict[str, int]:
    """Distinct members who posted in the 24 hours, 7 days and 30 days before `as_of`."""

    ts, person = table.ts[usable], table.person[usable]
    return {
        label: int(len(distinct(person[ts >= as_of_ts - days * 86400])))
        for label, days in (("day", 1), ("week", 7), ("month", 30))
    }


def member_of(values, candidates):
    """`np.isin` for non-negative integer ids, by a lookup table."""
    import numpy as np

    values = np.asarray(values, dtype=np.int64)
    candidates = np.asarray(candidates, dtype=np.int64)
    if len(values) == 0 or len(candidates) == 0:
        return np.zeros(len(values), dtype=bool)
    table = np.zeros(int(max(values.max(), candidates.max())) + 1, dtype=bool)
    table[candidates] = True
    return table[values]


def _in_scope(space: SpaceInfo, scope: Scope) -> bool:
    if scope.space_ids and space.id not in scope.space_ids:
        return False
    return not scope.platforms or space.platform in scope.platforms


def _rolling_distinct(p_person, p_day, widths: tuple[int, ...], since_n: int, n_days: int):
    """For each of `widths`: distinct people active in the `width` days ending on each day of
    the period.

    Each (person, day) pair counts on the days it covers up to the person's next active day,
    so a person is counted once per day however many of their days fall in the window.
    """
    import numpy as np

    # Days that end before the window opens cannot count; a pair's next day looks forward only.
    recent = p_day >= since_n - max(widths)
    p_person, p_day = p_person[recent], p_day[recent]
    if len(p_day) == 0:
        return [np.zeros(n_days, dtype=np.int64) for _ in widths]
    nxt = np.empty_like(p_day)
    nxt[:-1] = np.where(p_person[1:] == p_person[:-1], p_day[1:], np.iinfo(np.int64).max)
    nxt[-1] = np.iinfo(np.int64).max
    lo, hi = since_n, since_n + n_days
    start = np.clip(p_day, lo, hi)
    out = []
    for width in widths:
        stop = np.clip(np.minimum(p_day + width, nxt), lo, hi)  # exclusive
        keep = stop > start
        diff = (np.bincount(start[keep] - lo, minlength=n_days + 1)
                - np.bincount(stop[keep] - lo, minlength=n_days + 1))
        out.append(np.cumsum(diff[:-1]))
    return out


def _first_responses(table, usable, member, since_n, until_n, tz) -> dict[str, Any]:
    """Conversations started by members in the period, each with its first response by someone
    else.

    Returns arrays: thread (the starting message's id), author, root_day, wait_hours (NaN when
    still waiting) and responder (person id, 0 when none).
    """
    import numpy as np

    conv = table.conv
    is_root = usable & member & (table.msg == conv)
    root_idx = np.flatnonzero(is_root)
    root_day = local_day_numbers(table.ts[root_idx], tz)
    keep = (root_day >= since_n) & (root_day <= until_n)
    root_idx, root_day = root_idx[keep], root_day[keep]
    roots = table.msg[root_idx]  # sorted, as message ids are
    empty = {"thread": roots, "author": table.person[root_idx], "root_day": root_day,
             "wait_hours": np.full(len(roots), np.nan), "responder": np.zeros(len(roots),
                                                                              dtype=np.int64)}
    if len(roots) == 0:
        return empty
    # Each root's place among the roots, by conversation id (every conv id is a message id).
    root_at = row_of(roots)
    conv_root = np.full(len(conv), -1, dtype=root_at.dtype)
    inside = conv < len(root_at)
    conv_root[inside] = root_at[conv[inside]]
    reply_idx = np.flatnonzero(usable & (table.msg != conv) & (conv_root >= 0))
    pos = conv_root[reply_idx].astype(np.int64)
    author = table.person[root_idx]
    by_other = table.person[reply_idx] != author[pos]
    root_ts = table.ts[root_idx][pos]
    reply_ts = table.ts[reply_idx]
    # Same second or minute (WhatsApp has minutes): the export's order decides.
    later = (reply_ts > root_ts) | ((reply_ts == root_ts) & (table.msg[reply_idx] > roots[pos]))
    reply_idx, pos = reply_idx[by_other & later], pos[by_other & later]
    # The first response of each conversation: the least (time, message id) among its
    # replies, packed into one integer so one pass finds them all (no sort).
    wait = np.full(len(roots), np.nan)
    responder = np.zeros(len(roots), dtype=np.int64)
    if len(reply_idx):
        r_ts = table.ts[reply_idx]
        bits = max(1, int(len(reply_idx)).bit_length())
        packed = ((r_ts - int(r_ts.min())) << bits) | np.arange(len(reply_idx), dtype=np.int64)
        none = np.iinfo(np.int64).max
        best = np.full(len(roots), none, dtype=np.int64)
        reduce_at(np.minimum, best, pos, packed)
        fpos = np.flatnonzero(best != none)
        first = reply_idx[best[fpos] & ((1 << bits) - 1)]
        wait[fpos] = (table.ts[first] - table.ts[root_idx][fpos]) / 3600.0
        responder[fpos] = table.person[first]
    empty.update(wait_hours=wait, responder=responder)
    return empty


def _percentile(values, q: float) -> float | None:
    import numpy as np

    if len(values) == 0:
        return None
    return round(float(np.percentile(values, q)), 2)


def _absence_factor(counts) -> int:
    import numpy as np

    total = int(counts.sum()) if len(counts) else 0
    if total == 0:
        return 0
    ordered = np.sort(counts[counts > 0])[::-1]
    return int(np.searchsorted(np.cumsum(ordered) * 2, total) + 1)


def _cohorts(fp_person, fp_day, p_person, p_day, period: Period, as_of: datetime,
             tz: str) -> list[CohortRow]:
    import numpy as np

    if len(fp_person) == 0:
        return []
    last_month = int(_month_number([_day_number(period.until)])[0])
    first_month = min(int(_month_number([_day_number(period.since)])[0]),
                      last_month - COHORT_MONTHS + 1)
    cohort_month = _month_number(fp_day)
    cohort_of = np.full(int(fp_person.max()) + 1, -1, dtype=np.int64)
    cohort_of[fp_person] = cohort_month
    # Distinct (person, month): the pairs are sorted by person then day, so these are sorted.
    active = p_person * 100_000 + _month_number(p_day)
    if len(active) > 1:
        step = np.empty(len(active), dtype=bool)
        step[0] = True
        np.not_equal(active[1:], active[:-1], out=step[1:])
        active = active[step]
    a_person, a_month = active // 100_000, active % 100_000
    a_cohort = cohort_of[a_person]
    # One count per (cohort, months since it joined), all cohorts in one pass.
    months = last_month - first_month + 1
    in_range = (cohort_month >= first_month) & (cohort_month <= last_month)
    sizes = np.bincount(cohort_month[in_range] - first_month, minlength=months)
    mine = (a_cohort >= first_month) & (a_cohort <= last_month) & (a_month <= last_month)
    grid = np.bincount((a_cohort[mine] - first_month) * months + (a_month[mine] - a_cohort[mine]),
                       minlength=months * months).reshape(months, months)
    # A month is over when its last local day has ended by the report's time.
    over = {m: _month_over(m, as_of, tz) for m in range(first_month, last_month + 1)}
    rows = []
    for c in range(first_month, last_month + 1):
        size = int(sizes[c - first_month])
        if size == 0:
            continue
        by_offset = grid[c - first_month, :last_month - c + 1].tolist()
        label = str(np.datetime64(c, "M"))
        shares = [round(v / size, 3) if (over[c + k] or k == 0) else None
                  for k, v in enumerate(by_offset)]
        rows.append(CohortRow(label, size, shares))
    return rows


def _month_over(month: int, as_of: datetime, tz: str) -> bool:
    import numpy as np

    nxt = np.datetime64(month + 1, "M").astype("datetime64[D]").astype(object)
    last_day = nxt - timedelta(days=1)
    return local_day_bounds_utc(last_day, tz)[1] <= as_of


def _silence(table, spaces, usable, as_of: datetime, as_of_ts: int) -> list[SilenceAlert]:
    import numpy as np

    alerts = []
    if len(table):
        order = np.flatnonzero(usable)
        last = {}
        if len(order):
            sp, ts = table.space[order], table.ts[order]
            best = np.full(int(sp.max()) + 1, -1, dtype=np.int64)
            reduce_at(np.maximum, best, sp, ts)
            last = {i: int(v) for i, v in enumerate(best.tolist()) if v >= 0}
    else:
        last = {}
    for sp in spaces:
        seen = last.get(sp.id)
        last_at = datetime(1970, 1, 1) + timedelta(seconds=seen) if seen is not None else None
        since = last_at or sp.created_at
        silent = (as_of - since).days if since is not None else None
        alerts.append(SilenceAlert(
            sp.id, sp.name, sp.source, sp.platform, last_at, silent,
            silence_level(silent, sp.silence_amber_days, sp.silence_red_days),
            sp.silence_amber_days, sp.silence_red_days, sp.state, sp.model,
            sp.conversation_gap_minutes if sp.model == "conversations" else None,
        ))
    order = {"red": 0, "amber": 1, "ok": 2}
    return sorted(alerts, key=lambda a: (not a.needs_attention, order[a.silence],
                                         -(a.silent_days or 0), a.name))


def silence_alerts(ws: Workspace, now: datetime | None = None) -> list[SilenceAlert]:
    """Every space's silence as of now, quietest first (cheap once the table is cached)."""
    now = now or clock.now()
    table = load_activity(ws)
    as_of_ts = int((now - datetime(1970, 1, 1)).total_seconds())
    return _silence(table, table.spaces, ~table.is_bot & (table.ts < as_of_ts), now, as_of_ts)


def silence_level(silent_days: int | None, amber: int, red: int) -> str:
    """ok, amber or red for a number of quiet days (None: never any activity → red)."""
    if silent_days is None or silent_days >= red:
        return "red"
    return "amber" if silent_days >= amber else "ok"


def _per_space(table, spaces, rows, fs_space, fs_day, since_n, until_n,
               threads) -> list[SpaceFigures]:
    """Figures per space: `rows` are the members' messages in the period; (fs_space, fs_day)
    each member's first day in each space."""
    import numpy as np

    space = table.space[rows]
    person = table.person[rows]
    msgs = np.bincount(space, minlength=max((s.id for s in spaces), default=0) + 1)
    active = _distinct_people_per_space(space, person, len(msgs))
    # New to a space: first message in that space falls in the period.
    new = np.bincount(fs_space[(fs_day >= since_n) & (fs_day <= until_n)], minlength=len(msgs))
    root_space = table.space[table.positions(threads["thread"])]
    out = []
    for sp in spaces:
        all_waits = threads["wait_hours"][root_space == sp.id]
        waits = all_waits[~np.isnan(all_waits)]
        out.append(SpaceFigures(sp.id, sp.name, sp.platform,
                                int(msgs[sp.id]) if sp.id < len(msgs) else 0,
                                int(active[sp.id]) if sp.id < len(active) else 0,
                                int(new[sp.id]) if sp.id < len(new) else 0,
                                _percentile(waits, 50), sp.model,
                                sp.conversation_gap_minutes if sp.model == "conversations"
                                else None,
                                int(len(all_waits)), int(len(all_waits) - len(waits))))
    return out


def _distinct_people_per_space(space, person, size: int):
    """How many distinct people each space id (0 … size-1) has among the (space, person)
    rows: over a dense grid of spaces by people when it is small, else by sorting pairs."""
    import numpy as np

    if len(space) == 0:
        return np.zeros(size, dtype=np.int64)
    width = int(person.max()) + 1
    if size * width <= 4 * len(space) + 1_000_000:
        seen = np.zeros(size * width, dtype=bool)
        seen[space.astype(np.int64) * width + person] = True
        return seen.reshape(size, width).sum(axis=1)
    pairs = distinct(space.astype(np.int64) * 10_000_000 + person)
    return np.bincount(pairs // 10_000_000, minlength=size)


def _first_per_space_person(space, person, ts):
    """(space, person, least timestamp) for every (space, person) pair with a message."""
    import numpy as np

    if len(space) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    width = int(person.max()) + 1
    key = space.astype(np.int64) * width + person
    cells = int(key.max()) + 1
    if cells <= 4 * len(key) + 1_000_000:
        # The least timestamp over a dense (space, person) grid: no sort of every message.
        none = np.iinfo(np.int64).max
        first = np.full(cells, none, dtype=np.int64)
        reduce_at(np.minimum, first, key, ts)
        seen = np.flatnonzero(first != none)
        return seen // width, seen % width, first[seen]
    seen, least = _least_per_key(key, ts)
    return seen // width, seen % width, least


def _least_per_person(person, ts):
    """Distinct people (sorted) and the least timestamp of each."""
    import numpy as np

    if len(person) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    none = np.iinfo(np.int64).max
    least = np.full(int(person.max()) + 1, none, dtype=np.int64)
    reduce_at(np.minimum, least, person, ts)
    seen = np.flatnonzero(least != none)
    return seen, least[seen]


def _least_per_key(key, value):
    """Distinct keys (sorted) and the least value of each."""
    import numpy as np

    if len(key) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((value, key))
    key, value = key[order], value[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return key[first], value[first]
