"""Building blocks several pages share (markup of a page style, lookups, the login state machine, validation).
Nothing here registers a route; pages import parts, never each other."""
