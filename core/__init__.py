"""The ground floor: settings, database and Redis wiring, rate limits, live fan-out; imports nothing of ours."""
