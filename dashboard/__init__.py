"""The dashboard's views: thin layers over events/ and geodata/, used by app.py."""
