from pathlib import Path

from motcua_platform.plugins.base import Plugin


class ZzOnlinePlugin(Plugin):
    name = "zzonline"
    title_vi = "Thử di chuyển trực tuyến"
    title_en = "Online migration test"
    version = "0.1.0"
    migrations = Path(__file__).parent / "migrations"
