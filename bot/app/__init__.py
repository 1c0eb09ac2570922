"""App runtime (Python 3.12): action server, channel gateways, web app. Imports the kernel."""
