"""The gettext catalogues, `<locale>/LC_MESSAGES/sanshe.po` (see bot/i18n.py).

An importable package only so that setuptools puts the catalogues into the wheel beside `bot`: installed, this
folder is site-packages/locales, which is where bot.config's default `locales_dir` (PROJECT_ROOT / "locales") points.
"""

from importlib.resources import files
from pathlib import Path


def catalogue_dir() -> Path:
    """This folder, wherever the package was installed (a checkout, an editable install or a wheel)."""
    return Path(str(files(__name__)))
