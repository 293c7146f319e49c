"""Streets, communities, estates and their roll of households and owners (名册)."""
