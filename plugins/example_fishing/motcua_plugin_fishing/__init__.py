"""Example third-party plugin: fishing licences for small vessels."""
