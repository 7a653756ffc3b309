"""Support analytics: definitions, incremental roll-ups and figures read from the activity record (core.activity).

`outcomes` holds the definitions, `refresh` keeps the roll-up tables of `models` current, `figures` and `drill`
answer the API, `clusters` groups unanswered questions by meaning, `export` streams CSV. Read docs/analytics.md.
"""
