"""culturebridge: take cultural works across languages and markets, trustworthily."""

__version__ = "0.1.0"
