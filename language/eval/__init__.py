"""Language detection against its held-out set (`langid_set.jsonl`): `python -m language.eval`."""
