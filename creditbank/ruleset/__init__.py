"""The rule book: YAML rules -> validated, immutable, dated RuleSet with source positions."""

from creditbank.ruleset.loader import CheckReport, check_rules, load_ruleset
from creditbank.ruleset.ruleset import RuleSet, RuleSetAt

__all__ = ["CheckReport", "RuleSet", "RuleSetAt", "check_rules", "load_ruleset"]
