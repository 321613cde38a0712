"""Placeholders a chat export writes where a message was deleted.

WhatsApp keeps a line for every deleted message in its exports ("This message was deleted",
"You deleted this message", "This message was deleted by admin Jo"). The WhatsApp reader keeps
the line as it was posted (nothing in an export is thrown away), but for engagement it is no
message: it is not activity (no day, no active member, no message count), it never starts a
conversation and it is never a response or a welcome. "<Media omitted>" is different: a photo
or a voice note was really posted, so it counts like any message.

The same test is written out in SQL for the activity table (`steward.engagement.activity`,
migration engagement_0005) and the messages behind a chart day (`drilldown`).
"""

from __future__ import annotations

# As exported (after the reader drops direction marks), with or without a final full stop.
DELETED_TEXTS = ("This message was deleted", "You deleted this message")
DELETED_PREFIX = "This message was deleted by "  # "... by admin Jo" (group admins)


def is_deletion_placeholder(text: str | None) -> bool:
    """Whether a message's text is a deleted-message placeholder (see the module docstring)."""
    if not text or len(text) >= 120:
        return False
    return text.rstrip(".") in DELETED_TEXTS or text.lower().startswith(DELETED_PREFIX.lower())


def placeholder_sql(column: str) -> str:
    """The same test as SQL on a text column (true for a placeholder, false for NULL)."""
    texts = ", ".join(f"'{t}'" for t in DELETED_TEXTS)
    return (f"({column} IS NOT NULL AND length({column}) < 120 AND "
            f"(rtrim({column}, '.') IN ({texts}) OR {column} LIKE '{DELETED_PREFIX}%'))")
