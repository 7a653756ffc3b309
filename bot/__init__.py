"""The Rasa assistant: domain, rules, and the custom actions served by the action server."""
