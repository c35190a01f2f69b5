"""``python -m synreal`` is the ``synreal`` command."""

from synreal.cli.main import entry

entry()
