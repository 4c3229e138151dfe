"""Component ids, one place, so pages, callbacks and browser tests agree."""

LOCATION = "url"
NAV = "nav"
LANGUAGE_STORE = "language"

HOME_INTERVAL = "home-interval"
HOME_TILES = "home-tiles"
HOME_STATUS = "home-status"
