"""Connectors: one module per platform, a registry, and the shared HTTP client."""
