"""Alembic configuration built in code, so the installed package needs no alembic.ini of its own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from alembic.config import Config

HERE = Path(__file__).parent
FILE_TEMPLATE = "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"


def alembic_config(environment: Literal["control", "tenant"], **attributes) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / environment))
    cfg.set_main_option("file_template", FILE_TEMPLATE)
    cfg.set_main_option("path_separator", "os")
    if environment == "tenant":
        # Each loaded plugin adds its tables on a branch of its own, labelled with its name.
        from motcua_platform.plugins.engine import active

        locations = [str(HERE / "tenant" / "versions"), *active().migration_locations()]
        cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.attributes.update(attributes)
    return cfg
