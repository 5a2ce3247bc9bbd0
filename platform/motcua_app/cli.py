"""The ``motcua`` console script: the kernel's command with every area's group installed."""

from motcua_platform.cli import main

import motcua_app  # noqa: F401 - installs the areas (their CLI groups among them)

if __name__ == "__main__":
    main()
