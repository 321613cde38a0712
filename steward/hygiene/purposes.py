"""What a consent can be for (kept apart so the command line can list them without loading
the database layer). None on a consent means everything the person was asked about."""

PURPOSES = ("newsletter", "events", "volunteering", "fundraising", "photos", "research",
            "sharing", "support")
