"""Operations tools: the process supervisor, the admin CLI, migrations and the benches."""
