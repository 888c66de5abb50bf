"""The web edge: studio pages, the JSON API and public pages, over an opened platform."""

from culturebridge.web.app import create_app

__all__ = ["create_app"]
