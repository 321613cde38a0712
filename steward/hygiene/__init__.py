"""Member hygiene: identity matching, merge and unmerge, lapsed members, consent, exports."""
