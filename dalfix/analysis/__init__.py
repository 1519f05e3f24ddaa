"""What dalfix knows about TypeScript and Drizzle: the project model (workspaces, modules, db handles and
their drivers), the Drizzle vocabulary, statement effects, loops and cross-file summaries.

The engine (`dalfix/` itself: parsing, edits, running rules, writing, reports, the CLI) asks these
modules questions; rules in `transforms/` use both. Nothing here edits source.
"""
