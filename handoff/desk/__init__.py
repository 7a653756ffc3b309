"""The agent desk's engine: queue, presence, offers, the live relay and the desk's use cases."""
