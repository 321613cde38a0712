"""Conversations: what counts as one exchange, so that "answered" means something in chat.

Forums and mailing lists have threads, and a thread is a conversation. Chat platforms
(WhatsApp, Telegram, Discord and Slack channels) mostly have no threads: people just write
after one another, and only some messages use the reply (or quote) button. There:

- a message **replying to or quoting** another joins that message's conversation;
- any other message joins the conversation going on in its space, unless the space had been
  quiet (no message by a person) for more than the space's gap, `N` minutes
  (`Space.conversation_gap_minutes`, `DEFAULT_GAP_MINUTES` when unset): then it starts a new one.

A **response** is a message in the same conversation, after the first, by someone else (a bot is
never a response). Time to first response, unanswered conversations and newcomers waiting for a
welcome are all counted over conversations. Bots' messages never start or continue a
conversation in chat (a daily reminder is not an exchange).
"""

from __future__ import annotations

from typing import Any

CHAT_PLATFORMS = frozenset({"whatsapp", "telegram", "discord", "slack"})
DEFAULT_GAP_MINUTES = 60
MIN_GAP_MINUTES, MAX_GAP_MINUTES = 1, 7 * 24 * 60


def conversation_model(platform: str) -> str:
    """"conversations" (gap-based, for chat platforms) or "threads" (forums, lists, groups)."""
    return "conversations" if platform in CHAT_PLATFORMS else "threads"


def gap_minutes(configured: int | None) -> int:
    return configured if configured is not None else DEFAULT_GAP_MINUTES


def assign_conversations(cols: dict[str, Any], person, is_bot, gaps_seconds) -> Any:
    """The conversation of every message: the id of the message that started it.

    `cols` holds the activity columns (msg ascending, space, ts, thread, parent); `person` and
    `is_bot` are per message; `gaps_seconds[space_id]` is the space's gap in seconds, or -1 for
    a threaded space (whose conversations are its threads).
    """
    import numpy as np

    msg, space, ts, thread, parent = (cols[k] for k in ("msg", "space", "ts", "thread", "parent"))
    conv = thread.copy()
    if len(msg) == 0:
        return conv
    gaps = np.asarray(gaps_seconds, dtype=np.int64)
    space_gap = gaps[np.minimum(space, len(gaps) - 1)] if len(gaps) else np.full(len(msg), -1)
    chat = space_gap >= 0
    if not chat.any():
        return conv
    reply_target = np.where(thread != msg, thread, parent)
    is_reply = reply_target != 0
    is_reply &= reply_target != msg

    # Humans' messages in chat spaces, in time order within each space.
    rows = np.flatnonzero(chat & ~is_bot)
    order = rows[np.lexsort((msg[rows], ts[rows], space[rows]))]
    o_space, o_ts = space[order], ts[order]
    start = np.ones(len(order), dtype=bool)
    start[1:] = (o_space[1:] != o_space[:-1]) | (o_ts[1:] - o_ts[:-1] > space_gap[order][1:])
    segment = np.cumsum(start)
    # Each segment's conversation starts at its first message that is not a reply.
    plain = ~is_reply[order]
    seg_plain, first_at = np.unique(segment[plain], return_index=True)
    starter = np.zeros(int(segment[-1]) + 1 if len(segment) else 1, dtype=np.int64)
    starter[seg_plain] = msg[order[plain][first_at]]
    plain_rows = order[plain]
    conv[plain_rows] = starter[segment[plain]]
    # Bots' messages in chat: each on its own (never a start that a person's message joins).
    bot_rows = np.flatnonzero(chat & is_bot & ~is_reply)
    conv[bot_rows] = msg[bot_rows]

    # Replies and quotes join their target's conversation (resolved in id order: a target
    # is always older, and thread roots are resolved before their replies).
    reply_rows = np.flatnonzero(chat & is_reply)
    if len(reply_rows):
        target = reply_target[reply_rows]
        pos = np.minimum(np.searchsorted(msg, target), len(msg) - 1)
        found = msg[pos] == target
        resolved = conv[pos]
        # A target that is itself a reply: follow it once more (quote chains are short).
        for _ in range(3):
            conv[reply_rows[found]] = resolved[found]
            resolved = conv[pos]
        conv[reply_rows[~found]] = target[~found]
    return conv
