"""`python -m callassist`."""

from callassist.launch import main

main()
