"""The curated event store: schema, loading, filtering and export.

store (YAML files) -> geocode (geodata) -> query -> view / export.
"""
