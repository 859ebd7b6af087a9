"""photocheck: offline screening of youth-movement event photos against a social-media photo policy."""

__version__ = "0.1.0"
