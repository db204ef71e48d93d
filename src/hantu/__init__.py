"""hantu: trading automation for Korean stocks through the KIS Open API."""

__version__ = "0.1.0"
