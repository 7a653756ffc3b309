"""Answer-quality evaluations: `python -m retrieval.eval.clinc` and `python -m retrieval.eval.demo`."""
