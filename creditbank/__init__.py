"""creditbank: recognise learning outcomes under YAML rules and compute optimal, explained
credit transfer toward degree programmes."""

__version__ = "0.1.0"
