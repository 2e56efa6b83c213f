"""voiceguide: an offline voice companion for couples caught in the pursuer/distancer cycle."""

__version__ = "0.1.0"
