"""creditbank: recognise learning outcomes under YAML rules and compute optimal, explained
credit transfer toward degree programmes."""

from creditbank.compiled import compiled_modules

__version__ = "0.1.0"

compiled_modules()  # refuses a compiled build older than its sources, before any of it loads
