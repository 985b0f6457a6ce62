"""`python -m callassist`."""

from callassist.cli import main

main()
