"""City profiles: regions, rule sets and settings of one city, loaded from data files (P1, S21).

Yingtan is the default profile (``data/yingtan``). Rule values come with their source and effective
date; code reads them by name and never writes the numbers as literals (rules.md).
"""

from landbridge.cityprofile.loader import (
    CityProfile,
    Region,
    Rule,
    RulesEdited,
    RuleSet,
    RuleSetVersion,
    decided_by,
    get_profile,
    load_profile,
    rules_used,
)

__all__ = ["CityProfile", "Region", "Rule", "RuleSet", "RuleSetVersion", "RulesEdited", "decided_by", "get_profile",
           "load_profile", "rules_used"]
