"""The web dashboard of regwatch (``regwatch serve``): server-rendered pages (Jinja2, autoescaped,
readable without JavaScript), a JSON API with its OpenAPI schema, and Atom feeds.

- ``app``: the application factory and its security headers
- ``auth``: users' passwords (argon2), signed session cookies, CSRF tokens, the login rate limit
- ``search``: free text as terms, with the other names of known companies
- ``pages``, ``item_pages``, ``api``, ``feeds``: the routes
- ``views``: what templates and the API show of stored rows
"""

from dashboard.app import DashboardSettings, create_app

__all__ = ["DashboardSettings", "create_app"]
