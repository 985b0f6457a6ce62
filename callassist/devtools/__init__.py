"""What the source checkout has and the installed program does not: the benchmarks
(`callassist bench`) and the throwaway PostgreSQL server the tests and the pg_ benchmarks
start. The wheel leaves this package out (pyproject.toml)."""
