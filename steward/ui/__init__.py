"""The desktop app (Qt). Nothing outside this package imports Qt."""
