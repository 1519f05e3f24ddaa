"""Jinja2 templates of fixes: `templates/<rule>/<shape>.ts.j2`."""
