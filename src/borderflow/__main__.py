"""``python -m borderflow``: the ``borderflow`` command."""

from borderflow.interfaces.cli import main

# Worker processes import this module again under another name; only the command runs it.
if __name__ == "__main__":
    main()
