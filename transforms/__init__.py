"""Rules: one module per rule, discovered by `dalfix.rules.all_rules()`."""
