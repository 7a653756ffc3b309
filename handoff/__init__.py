"""The customer channel: conversations and messages, and routing between the bot and people."""
