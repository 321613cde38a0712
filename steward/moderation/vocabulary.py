"""The queue's words, kept apart from the queue service so the command line can list them
without loading the database layer."""

KINDS = ("spam", "rule", "report", "membership", "welcome")
QUEUE_KINDS = ("spam", "rule", "report", "membership")  # the welcome list is shown apart
STATUSES = ("open", "snoozed", "approved", "removed", "answered", "all")
ACTIONS = ("approve", "remove", "escalate", "snooze")
SORT_KEYS = ("priority", "score", "created", "kind", "label", "assignee")
