"""The pure domain: imports only the standard library and itself."""
