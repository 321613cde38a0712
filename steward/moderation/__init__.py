"""Moderation: rules, spam scoring, heuristics and the queue service."""
