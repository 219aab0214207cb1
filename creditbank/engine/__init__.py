"""The decision engine: pure functions from (rules in force, outcomes, programme, date) to results."""
