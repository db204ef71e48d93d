"""Use cases: one unit of work per use case; adapters reached only through ports."""
