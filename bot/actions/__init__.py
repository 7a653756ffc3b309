"""Custom Rasa actions. The bot reaches the platform only over HTTP, like any other client."""
