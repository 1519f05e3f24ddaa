"""dalfix: find database round-trip anti-patterns in Drizzle ORM code and rewrite them as patches."""

__version__ = "0.1.0"
