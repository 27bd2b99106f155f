"""``python -m fargasim`` is the ``fargasim`` command."""

from fargasim.cli import main

main()
