"""Safeguarding: detectors, lexicons, flags, case records."""
