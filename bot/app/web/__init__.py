"""The app web server: web chat page and API (channel gateways join here later)."""
