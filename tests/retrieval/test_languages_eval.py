"""`python -m retrieval.eval.languages` says which language it skipped and why, and exits cleanly."""

from retrieval.eval import languages


def test_absent_folders_are_reported_as_skipped(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(languages, "OUT", tmp_path / "eval")
    assert languages.main(["--kb", str(tmp_path / "no-kb")]) == 0
    printed = capsys.readouterr().out
    for code in ("en", "nl", "it", "fi"):
        assert f"  {code:<8} skipped: " in printed
    assert f"{tmp_path / 'no-kb' / 'translations' / 'fi'} is absent" in printed
