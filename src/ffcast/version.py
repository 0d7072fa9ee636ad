"""The installed ffcast version (read once from the package metadata)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ffcast")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"
