"""bankcrm: an open-source customer relationship management system for banks."""

__version__ = "0.1.0"
