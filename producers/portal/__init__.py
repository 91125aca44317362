"""The web portal for national submitters, served by the gateway under /portal."""
