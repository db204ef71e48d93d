"""The web server's settings are part of the one `hantu.config.Settings` model.

`WebSettings` names the same model for the call sites that still take it as a separate
argument; they will take `Settings` directly.
"""

from __future__ import annotations

from hantu.config import Settings

WebSettings = Settings
