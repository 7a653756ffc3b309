"""Swarmdesk's composition root: settings, database and Redis wiring, routers, pages and the widget."""
