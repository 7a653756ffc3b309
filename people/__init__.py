"""People who work in Swarmdesk: accounts, roles, passwords, API tokens."""
